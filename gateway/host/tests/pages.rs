//! Pages (contract 1.1.0): a page call returns what the plugin rendered, reaches the host capabilities, is
//! refused for plugins without pages, is checked against the host's rules, and is bounded by the same deadline
//! and memory cap as an invocation.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    DEADLINE, FakeServices, echoed, host_with_pages, json_reply, json_request, page_get, pairs,
    test_config,
};
use gateway_host::testing::{TEST_PAGE, plugin_path};
use gateway_host::{
    DEFAULT_CONTENT_TYPE, InvokeError, MAX_PAGE_BODY, PageRequest, PluginHost, PluginSpec,
    PoolUsage,
};
use serde_json::json;

/// Slack for scheduling and debug-build slowness when checking how long a stopped call took.
const SLACK: Duration = Duration::from_millis(1500);

async fn echo_renders(host: &PluginHost) {
    let page = host
        .page("test-page", page_get("echo", &[]), DEADLINE)
        .await
        .expect("the host goes on serving pages");
    assert_eq!(echoed(&page)["path"], "echo");
}

#[tokio::test]
async fn a_get_returns_what_the_plugin_rendered() {
    let (host, _) = host_with_pages().await;
    let request = page_get("echo/3f2b-x", &[("a", "1"), ("a", "два")])
        .with_accept_language("ru-RU,ru;q=0.9,en;q=0.8");
    let page = host
        .page("test-page", request, DEADLINE)
        .await
        .expect("renders");
    assert_eq!(
        echoed(&page),
        json!({
            "method": "GET",
            "prefix": "/test/",
            "path": "echo/3f2b-x",
            "query": [["a", "1"], ["a", "два"]],
            "form": [],
            "language": "ru-ru"
        })
    );
    assert_eq!(
        page.header("content-type"),
        Some("text/plain; charset=utf-8"),
        "the plugin's own content type is kept"
    );
}

#[tokio::test]
async fn a_form_post_reaches_the_plugin_with_its_fields() {
    let (host, _) = host_with_pages().await;
    let request = PageRequest::post(
        "/test/",
        "echo",
        pairs(&[("phone", "+7 900 000-00-00"), ("agree", "on")]),
    );
    let page = host
        .page("test-page", request, DEADLINE)
        .await
        .expect("renders");
    let echo = echoed(&page);
    assert_eq!(echo["method"], "POST");
    assert_eq!(
        echo["form"],
        json!([["phone", "+7 900 000-00-00"], ["agree", "on"]])
    );
    assert_eq!(echo["language"], json!(null));
}

#[tokio::test]
async fn statuses_redirects_and_the_default_content_type() {
    let (host, _) = host_with_pages().await;
    let gone = host
        .page(
            "test-page",
            page_get("status", &[("code", "410")]),
            DEADLINE,
        )
        .await
        .expect("renders");
    assert_eq!(gone.status, 410);
    let missing = host
        .page("test-page", page_get("no-such-page", &[]), DEADLINE)
        .await
        .expect("renders");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("no such page"));
    let redirect = host
        .page(
            "test-page",
            page_get("redirect", &[("to", "/test/done?x=1")]),
            DEADLINE,
        )
        .await
        .expect("renders");
    assert_eq!(redirect.status, 303);
    assert_eq!(redirect.header("location"), Some("/test/done?x=1"));
    assert_eq!(
        redirect.header("content-type"),
        Some(DEFAULT_CONTENT_TYPE),
        "the host adds the content type the plugin left out"
    );
    let full = host
        .page(
            "test-page",
            page_get("big", &[("bytes", &MAX_PAGE_BODY.to_string())]),
            DEADLINE,
        )
        .await
        .expect("a body of the largest size passes");
    assert_eq!(full.body.len(), MAX_PAGE_BODY);
}

#[tokio::test]
async fn a_page_reads_tokens_through_the_host() {
    let (host, _) = host_with_pages().await;
    let issued = host
        .invoke(
            "test-doc",
            json_request(json!({
                "action": "token-issue", "scope": "pages-test", "subject": "s-1", "text": "для страницы"
            })),
            DEADLINE,
        )
        .await
        .expect("issues");
    let id = json_reply(&issued.outcome)["token"]["id"]
        .as_str()
        .expect("a token id")
        .to_owned();
    let live = host
        .page(
            "test-page",
            page_get("token", &[("scope", "pages-test"), ("id", &id)]),
            DEADLINE,
        )
        .await
        .expect("renders");
    assert_eq!(live.body, "live:для страницы");
    let unknown = host
        .page(
            "test-page",
            page_get("token", &[("scope", "pages-test"), ("id", "tok-999")]),
            DEADLINE,
        )
        .await
        .expect("renders");
    assert_eq!(unknown.body, "unknown");
}

#[tokio::test]
async fn plugins_without_pages_and_unknown_plugins_are_errors() {
    let (host, _) = host_with_pages().await;
    assert!(host.serves_pages("test-page"));
    assert!(!host.serves_pages("test-doc"));
    assert_eq!(
        host.page("test-doc", page_get("echo", &[]), DEADLINE).await,
        Err(InvokeError::NoPages("test-doc".into()))
    );
    assert_eq!(
        host.page("nope", page_get("echo", &[]), DEADLINE).await,
        Err(InvokeError::UnknownPlugin("nope".into()))
    );
    // The page plugin is a document plugin too.
    assert!(host.description("test-page").is_some());
}

#[tokio::test]
async fn pages_that_break_the_rules_are_refused() {
    let (host, _) = host_with_pages().await;
    let too_big = (MAX_PAGE_BODY + 1).to_string();
    let cases = [
        (
            "header",
            vec![("name", "Set-Cookie"), ("value", "id=1")],
            "set-cookie",
        ),
        (
            "header",
            vec![("name", "content-length"), ("value", "0")],
            "content-length",
        ),
        (
            "header",
            vec![("name", "x-a"), ("value", "b\r\nset-cookie: id=1")],
            "line break",
        ),
        (
            "header",
            vec![("name", "bad name"), ("value", "v")],
            "header name",
        ),
        (
            "redirect",
            vec![("to", "https://elsewhere.example/")],
            "location",
        ),
        ("status", vec![("code", "700")], "status"),
        ("big", vec![("bytes", &too_big)], "body"),
    ];
    for (path, query, expected) in cases {
        match host
            .page("test-page", page_get(path, &query), DEADLINE)
            .await
        {
            Err(InvokeError::InvalidPage(reason)) => {
                assert!(
                    reason.contains(expected),
                    "{reason:?} should name {expected:?}"
                )
            }
            other => panic!("{path} {query:?}: expected InvalidPage, got {other:?}"),
        }
    }
    echo_renders(&host).await;
}

#[tokio::test]
async fn render_errors_and_panics_are_reported() {
    let (host, _) = host_with_pages().await;
    assert_eq!(
        host.page("test-page", page_get("fail", &[]), DEADLINE)
            .await,
        Err(InvokeError::PluginError("test-page failure".into()))
    );
    match host
        .page("test-page", page_get("panic", &[]), DEADLINE)
        .await
    {
        Err(InvokeError::Trap { message }) => {
            assert!(message.contains("test-page panic"), "{message}");
            assert!(message.contains("panicked at"), "{message}");
        }
        other => panic!("expected a trap, got {other:?}"),
    }
    echo_renders(&host).await;
}

#[tokio::test]
async fn an_endless_page_is_stopped_at_its_deadline() {
    let (host, _) = host_with_pages().await;
    let deadline = Duration::from_millis(300);
    let started = Instant::now();
    let result = host
        .page("test-page", page_get("loop", &[]), deadline)
        .await;
    let took = started.elapsed();
    assert_eq!(result, Err(InvokeError::DeadlineExceeded(deadline)));
    assert!(took >= deadline, "stopped early: {took:?}");
    assert!(took < deadline + SLACK, "stopped late: {took:?}");
    echo_renders(&host).await;
    assert_eq!(host.pool_usage(), PoolUsage::default());
}

#[tokio::test]
async fn a_page_that_allocates_without_end_is_stopped_at_the_memory_cap() {
    let host = PluginHost::new(&test_config(4), Arc::new(FakeServices::default())).expect("host");
    let cap = 16 << 20;
    host.load(PluginSpec::new("test-page", plugin_path(TEST_PAGE)).with_memory_limit(cap))
        .await
        .expect("loads");
    assert_eq!(
        host.page("test-page", page_get("alloc", &[]), DEADLINE)
            .await,
        Err(InvokeError::MemoryExhausted { limit: cap })
    );
    echo_renders(&host).await;
    assert_eq!(host.pool_usage(), PoolUsage::default());
}
