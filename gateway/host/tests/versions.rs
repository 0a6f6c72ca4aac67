//! Contract versions: a plugin built against 1.0.0 (`test-legacy`, from a frozen copy of the 1.0.0 WIT) loads
//! and answers next to plugins of the current contract (1.3.0) with and without pages; which plugins serve pages is known at load;
//! a page export of another major version is refused.

mod common;

use std::sync::Arc;

use common::{
    DEADLINE, FakeServices, json_reply, json_request, load_patched_copy, page_get, patched_copy,
    test_config,
};
use gateway_host::testing::{TEST_DOC, TEST_LEGACY, TEST_PAGE, plugin_path};
use gateway_host::{
    InvokeError, LoadError, Outcome, PayloadFormat, PluginHost, PluginSpec, QName, Request,
};
use serde_json::{Value, json};

const LEGACY_NS: &str = "urn://gateway/test-legacy/1.0";

/// The versioned `smev-gateway:plugin/<interface>@<version>` names in a component's bytes (import and export
/// names, and the names of adapter shims built from them).
fn contract_names(crate_name: &str) -> Vec<String> {
    let bytes = std::fs::read(plugin_path(crate_name)).expect("the component is built");
    let text = String::from_utf8_lossy(&bytes);
    let mut names: Vec<String> = text
        .match_indices("smev-gateway:plugin/")
        .filter_map(|(at, _)| {
            let rest = &text[at..];
            let (interface, version) = rest.split_once('@')?;
            let interface_ok = interface["smev-gateway:plugin/".len()..]
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-');
            let end = version
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(version.len());
            let version = version[..end].trim_end_matches('.');
            (interface_ok && !version.is_empty()).then(|| format!("{interface}@{version}"))
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

async fn three_generations() -> Arc<PluginHost> {
    let host = PluginHost::new(&test_config(8), Arc::new(FakeServices::default())).expect("host");
    for (name, crate_name) in [
        ("test-legacy", TEST_LEGACY),
        ("test-doc", TEST_DOC),
        ("test-page", TEST_PAGE),
    ] {
        host.load(PluginSpec::new(name, plugin_path(crate_name)))
            .await
            .unwrap_or_else(|error| panic!("{name} loads: {error}"));
    }
    Arc::new(host)
}

#[test]
fn the_components_target_the_versions_the_tests_assume() {
    let legacy = contract_names(TEST_LEGACY);
    assert!(
        legacy.contains(&"smev-gateway:plugin/handler@1.0.0".to_owned())
            && legacy.contains(&"smev-gateway:plugin/tokens@1.0.0".to_owned())
            && legacy.contains(&"smev-gateway:plugin/ids@1.0.0".to_owned()),
        "{legacy:?}"
    );
    assert!(
        legacy.iter().all(|name| name.ends_with("@1.0.0")),
        "test-legacy is a 1.0.0 component: {legacy:?}"
    );
    let doc = contract_names(TEST_DOC);
    assert!(doc.iter().all(|name| name.ends_with("@1.3.0")), "{doc:?}");
    assert!(!doc.iter().any(|name| name.contains("/page@")), "{doc:?}");
    let page = contract_names(TEST_PAGE);
    assert!(
        page.contains(&"smev-gateway:plugin/page@1.3.0".to_owned())
            && page.contains(&"smev-gateway:plugin/handler@1.3.0".to_owned()),
        "{page:?}"
    );
}

#[tokio::test]
async fn a_plugin_built_against_1_0_answers_next_to_plugins_of_1_1() {
    let host = three_generations().await;
    let legacy = host.description("test-legacy").expect("loaded");
    assert_eq!(legacy.accepts, [QName::new(LEGACY_NS, "LegacyRequest")]);

    let request = Request::new(
        "msg-legacy",
        "TEST_SENDER",
        QName::new(LEGACY_NS, "LegacyRequest"),
        PayloadFormat::Json,
        br#"{"text":"old"}"#.to_vec(),
    );
    let invocation = host
        .invoke("test-legacy", request, DEADLINE)
        .await
        .expect("the 1.0.0 plugin answers");
    let Outcome::Reply(reply) = invocation.outcome else {
        panic!("a reply: {:?}", invocation.outcome)
    };
    assert_eq!(reply.message_type, QName::new(LEGACY_NS, "LegacyResponse"));
    let answer: Value = serde_json::from_slice(&reply.payload).expect("JSON");
    assert_eq!(answer["echo"], json!({"text": "old"}));
    assert_eq!(
        answer["uuid"].as_str().map(str::len),
        Some(36),
        "ids@1.0.0 reached the host: {answer}"
    );
    assert_eq!(
        answer["token"], "unknown",
        "tokens@1.0.0 (async) reached the services"
    );

    let echo = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "echo", "text": "new"})),
            DEADLINE,
        )
        .await
        .expect("the 1.3.0 plugin answers");
    assert_eq!(json_reply(&echo.outcome)["text"], "new");
    let page = host
        .page("test-page", page_get("echo", &[]), DEADLINE)
        .await
        .expect("the page plugin renders");
    assert_eq!(page.status, 200);
}

#[tokio::test]
async fn which_plugins_serve_pages_is_known_at_load() {
    let host = three_generations().await;
    assert!(host.serves_pages("test-page"));
    assert!(!host.serves_pages("test-doc"));
    assert!(!host.serves_pages("test-legacy"));
    assert!(!host.serves_pages("absent"));
    for plugin in ["test-doc", "test-legacy"] {
        assert_eq!(
            host.page(plugin, page_get("echo", &[]), DEADLINE).await,
            Err(InvokeError::NoPages(plugin.to_owned()))
        );
    }
}

#[tokio::test]
async fn a_page_export_of_another_major_version_is_refused() {
    let refused = load_patched_copy(
        TEST_PAGE,
        "smev-gateway:plugin/page@1.3.0",
        "smev-gateway:plugin/page@2.1.0",
    )
    .await;
    match refused {
        Err(LoadError::IncompatibleVersion { interface, .. }) => {
            assert_eq!(interface, "smev-gateway:plugin/page@2.1.0")
        }
        other => panic!("expected IncompatibleVersion, got {other:?}"),
    }
}

#[tokio::test]
async fn a_page_export_of_a_later_minor_version_is_served() {
    let path = patched_copy(
        TEST_PAGE,
        "smev-gateway:plugin/page@1.3.0",
        "smev-gateway:plugin/page@1.7.0",
    );
    let host = PluginHost::new(&test_config(4), Arc::new(FakeServices::default())).expect("host");
    host.load(PluginSpec::new("later", &path))
        .await
        .expect("a later minor version loads");
    assert!(host.serves_pages("later"));
    let page = host
        .page("later", page_get("echo", &[]), DEADLINE)
        .await
        .expect("renders");
    assert_eq!(page.status, 200);
}
