//! The public QR page cannot starve senders (issue 9): while `/somc2/{guid}` is flooded from many more
//! connections than the gateway has plugin instances, an authenticated sender's calls all succeed (none is
//! "busy"); the flood meets the per-address rate limit (429) or the page's own capacity (503). Malformed,
//! unknown and expired ids get their pages (and the guard's unit tests show they are then answered from
//! memory).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gateway_e2e::{
    Backend, Client, Sim, TOKEN_A, TestConfig, TestDb, TestGateway, test_request_type,
};
use serde_json::json;

/// How long the flood lasts at most, and how many requests each of its connections sends at most.
const FLOOD_FOR: Duration = Duration::from_secs(3);
const FLOOD_EACH: usize = 2_000;
const FLOODERS: usize = 24;

/// Floods `/somc2/...` until `stop` (or the bounds); returns the statuses seen.
async fn flood(gw_url: String, valid: String, stop: Arc<AtomicBool>) -> Vec<u16> {
    let client = Client::new();
    let started = Instant::now();
    let mut seen = Vec::new();
    for i in 0..FLOOD_EACH {
        if stop.load(Ordering::Relaxed) || started.elapsed() > FLOOD_FOR {
            break;
        }
        let id = match i % 3 {
            0 => uuid::Uuid::new_v4().to_string(),
            1 => valid.clone(),
            _ => "not-a-guid".to_owned(),
        };
        seen.push(
            client
                .get(&format!("{gw_url}/somc2/{id}"), None)
                .await
                .status,
        );
    }
    seen
}

async fn flood_while_a_sender_works(limits: &str) -> Vec<u16> {
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    // Few plugin instances: without the page's own capacity, the flood would take them all and the sender
    // would be answered "busy".
    let mut config = TestConfig::new(db.url()).with_svo(&sim.url(), "5m");
    config.host = "max_instances = 4".into();
    config.limits = limits.to_owned();
    let gw = TestGateway::start(&config).await;
    let url = gw.url("/api/v1/messages");
    let client = Client::new();
    let issued = client
        .post_json(
            &url,
            &json!({"type": "{urn://gateway/svo-status/1.0}IssueQrRequest", "payload": {"snils": "112-233-445 95"}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(issued.status, 200, "{}", issued.text());
    let guid = issued.json()["payload"]["guid"]
        .as_str()
        .expect("guid")
        .to_owned();

    let stop = Arc::new(AtomicBool::new(false));
    let flooders: Vec<_> = (0..FLOODERS)
        .map(|_| tokio::spawn(flood(gw.url(""), guid.clone(), stop.clone())))
        .collect();
    // The sender works while the page is flooded: every call succeeds.
    tokio::time::sleep(Duration::from_millis(200)).await;
    for i in 0..40 {
        let r = client
            .post_json(
                &url,
                &json!({"type": test_request_type(), "payload": {"action": "echo", "text": format!("call {i}")}}),
                Some(TOKEN_A),
            )
            .await;
        assert_eq!(r.status, 200, "call {i} during the flood: {}", r.text());
        let r = client
            .post_json(
                &url,
                &json!({"type": "{urn://gateway/svo-status/1.0}VerifyQrRequest", "payload": {"qr": guid}}),
                Some(TOKEN_A),
            )
            .await;
        assert_eq!(r.status, 200, "verify {i} during the flood: {}", r.text());
        assert_eq!(r.json()["payload"]["result"], "VALID");
    }
    stop.store(true, Ordering::Relaxed);
    let mut statuses = Vec::new();
    for f in flooders {
        statuses.extend(f.await.expect("flooder"));
    }
    gw.stop().await;
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_one_address_is_rate_limited_and_senders_are_served() {
    let statuses =
        flood_while_a_sender_works("[limits.pages]\nrate = 20\nburst = 20\nconcurrency = 2\n")
            .await;
    assert!(!statuses.is_empty());
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(limited > 0, "the flood met the rate limit: {statuses:?}");
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 404 | 429 | 503)),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_beyond_their_own_capacity_are_busy_and_senders_are_served() {
    let statuses = flood_while_a_sender_works("[limits.pages]\nrate = 0\nconcurrency = 1\n").await;
    let served = statuses.iter().filter(|s| matches!(s, 200 | 404)).count();
    assert!(served > 0, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 404 | 503)),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_unknown_and_expired_ids_get_their_pages() {
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&TestConfig::new(db.url()).with_svo(&sim.url(), "1s")).await;
    let client = Client::new();
    let issued = client
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"type": "{urn://gateway/svo-status/1.0}IssueQrRequest", "payload": {"snils": "112-233-445 95"}}),
            Some(TOKEN_A),
        )
        .await;
    let guid = issued.json()["payload"]["guid"]
        .as_str()
        .expect("guid")
        .to_owned();
    assert_eq!(
        client
            .get(&gw.url(&format!("/somc2/{guid}")), None)
            .await
            .status,
        200
    );
    for id in [
        "not-a-guid",
        "../../etc/passwd",
        &uuid::Uuid::new_v4().to_string(),
    ] {
        for _ in 0..2 {
            let r = client.get(&gw.url(&format!("/somc2/{id}")), None).await;
            assert_eq!(r.status, 404, "{id}: {}", r.text());
            assert!(r.text().contains("QR-код не найден"), "{id}");
        }
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for _ in 0..2 {
        let r = client.get(&gw.url(&format!("/somc2/{guid}")), None).await;
        assert_eq!(r.status, 410, "{}", r.text());
    }
    gw.stop().await;
}

/// A gateway with the test plugin that serves pages under `/t/` (public) and `/private/` (senders only).
async fn page_gateway() -> (TestDb, TestGateway) {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let config = TestConfig::new(db.url()).with(&format!(
        r#"
[plugins.test-page]
path = "{}"

[[pages]]
prefix = "/t/"
plugin = "test-page"
deadline = "500ms"

[[pages]]
prefix = "/private/"
plugin = "test-page"
public = false
"#,
        gateway_e2e::artifacts::plugin("test-page").display()
    ));
    let gw = TestGateway::start(&config).await;
    (db, gw)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_page_gets_the_request_and_answers_it() {
    let (_db, gw) = page_gateway().await;
    let client = Client::new();
    // GET: the path below the prefix percent-decoded, the query, the language.
    let r = client
        .get_with(
            &gw.url("/t/echo/%D0%BF%D1%83%D1%82%D1%8C?a=1&b=%D1%8F+%D1%82%D1%83%D1%82"),
            &[("accept-language", "ru-RU,ru;q=0.9,en;q=0.8")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // The plugin's own content type, not the default HTML one.
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    // Sandboxed: no script, an opaque origin (pages share the gateway's origin with the console).
    assert_eq!(
        r.header("content-security-policy").as_deref(),
        Some("sandbox allow-forms allow-top-navigation-by-user-activation")
    );
    let echo = r.json();
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["prefix"], "/t/");
    assert_eq!(echo["path"], "echo/путь");
    assert_eq!(echo["query"], json!([["a", "1"], ["b", "я тут"]]));
    assert_eq!(echo["language"], "ru-ru");
    // A form POST, as a browser without JavaScript sends it.
    let r = client
        .post(
            &gw.url("/t/echo"),
            "application/x-www-form-urlencoded",
            "phone=%2B7+912+345-67-89&send=%D0%9E%D1%82%D0%BF%D1%80%D0%B0%D0%B2%D0%B8%D1%82%D1%8C",
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["method"], "POST");
    assert_eq!(
        r.json()["form"],
        json!([["phone", "+7 912 345-67-89"], ["send", "Отправить"]])
    );
    // Not a form, or too large a form: refused before the plugin.
    let r = client
        .post(&gw.url("/t/echo"), "application/json", "{}", None)
        .await;
    assert_eq!(r.status, 415);
    let r = client
        .post(
            &gw.url("/t/echo"),
            "application/x-www-form-urlencoded",
            format!("x={}", "y".repeat(20_000)),
            None,
        )
        .await;
    assert_eq!(r.status, 413);
    // The plugin's own status, headers and redirects pass; its failures are a plain page.
    let r = client.get(&gw.url("/t/status?code=418"), None).await;
    assert_eq!(r.status, 418);
    let r = client.get(&gw.url("/t/fail"), None).await;
    assert_eq!(r.status, 500);
    assert!(
        !r.text().contains("test-page failure"),
        "the plugin's message stays in the log"
    );
    let r = client.get(&gw.url("/t/loop"), None).await;
    assert_eq!(r.status, 503, "past the page's deadline");
    // A missing page is remembered: the same answer again.
    for _ in 0..2 {
        let r = client.get(&gw.url("/t/nothing-here"), None).await;
        assert_eq!(r.status, 404);
        assert!(r.text().contains("no such page"), "{}", r.text());
    }
    // Senders only.
    assert_eq!(client.get(&gw.url("/private/echo"), None).await.status, 401);
    let r = client
        .get(&gw.url("/private/echo"), Some(gateway_e2e::TOKEN_A))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    gw.stop().await;
}
