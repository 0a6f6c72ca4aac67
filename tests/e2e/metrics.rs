//! `GET /metrics`: for operators only on the main listener, or without a credential on a listener of its own;
//! after a known mix of calls, each family shows exactly those counts.
//!
//! The metrics recorder belongs to the process, and several gateways may run in one test process: counters are
//! compared between two scrapes (the delta over the mix), and each test uses a sender, a plugin (the test plugin
//! under a name of its own) and an adapter (the test adapter, likewise) no other test uses, so that tests running
//! at the same time in one process (`cargo test`) do not move its series. The gauges read at scrape time (queue
//! depth, circuit breakers) belong to the gateway scraped and are compared as they are.

use std::collections::BTreeMap;
use std::time::Duration;

use gateway_e2e::artifacts::{adapter, plugin};
use gateway_e2e::{
    Backend, Client, TOKEN_A, TOKEN_B, TestConfig, TestDb, TestGateway, smev, test_request_type,
};
use serde_json::json;

use crate::soap_as;

/// The names one test's series carry.
struct Names {
    /// The operator, a sender of its own.
    sender: &'static str,
    /// Its bearer token.
    token: &'static str,
    /// The test plugin's name in the config.
    plugin: &'static str,
    /// The test adapter's name in the config.
    adapter: &'static str,
}

/// The names of the known mix.
const MIX: Names = Names {
    sender: "M",
    token: "token-of-the-metrics-operator",
    plugin: "metrics-doc",
    adapter: "metrics-adapter",
};

/// The names of the test of the listener of its own.
const LISTENER: Names = Names {
    sender: "L",
    token: "token-of-the-listener-test",
    plugin: "listener-doc",
    adapter: "listener-adapter",
};

/// The default test config with `names.sender` as the operator, and the test plugin and adapter under their
/// names (the adapter retries once and opens its breaker after two failures) serving the test route;
/// `metrics` is the body of the `[metrics]` section.
fn config(db: &TestDb, names: &Names, metrics: &str) -> TestConfig {
    use sha2::Digest;
    let mut c = TestConfig::new(db.url());
    c.test_parts = false;
    c.with(&format!(
        r#"
[[senders]]
mnemonic = "{sender}"
name = "Metrics operator"
bearer_token_sha256 = "{token}"
may_send = ["*"]

[operator]
senders = ["{sender}"]

[metrics]
{metrics}

[plugins.{plugin}]
path = "{doc}"
memory = "16MiB"
adapters = ["{adapter_name}"]

[adapters.{adapter_name}]
path = "{adapter}"
timeout = "300ms"
retries = 1
retry_backoff = "1ms"
breaker_failures = 2
breaker_open_for = "1h"

[[routes]]
type = "{{urn://gateway/test/1.0}}TestRequest"
chain = ["{plugin}"]
deadline = "500ms"
"#,
        sender = names.sender,
        plugin = names.plugin,
        adapter_name = names.adapter,
        token = hex::encode(sha2::Sha256::digest(names.token.as_bytes())),
        doc = plugin("test-doc").display(),
        adapter = adapter("test_adapter").display(),
    ))
}

/// A scrape: each series (name and its labels, sorted) and its value.
#[derive(Debug, Default)]
struct Scrape(BTreeMap<String, f64>);

impl Scrape {
    fn parse(text: &str) -> Scrape {
        let mut series = BTreeMap::new();
        for line in text.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line
                .rsplit_once(' ')
                .unwrap_or_else(|| panic!("not a sample: {line}"));
            let (name, labels) = match key.split_once('{') {
                Some((name, rest)) => (name, labels_of(rest.strip_suffix('}').expect("}"))),
                None => (key, Vec::new()),
            };
            let value: f64 = value
                .parse()
                .unwrap_or_else(|_| panic!("not a value: {line}"));
            series.insert(series_key(name, &labels), value);
        }
        Scrape(series)
    }

    /// The value of `name` with exactly `labels`; 0 when absent.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.0
            .get(&series_key(name, &labels))
            .copied()
            .unwrap_or(0.0)
    }

    /// Whether any series of `name` has a label `key` with `value`.
    fn has(&self, name: &str, key: &str, value: &str) -> bool {
        let needle = format!("{key}=\"{value}\"");
        self.0
            .keys()
            .any(|k| k.starts_with(&format!("{name}{{")) && k.contains(&needle))
    }
}

/// `k="v"` pairs (values may hold escaped quotes).
fn labels_of(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some((key, after)) = rest.split_once("=\"") {
        let mut value = String::new();
        let mut chars = after.char_indices();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(if escaped == 'n' { '\n' } else { escaped });
                    }
                }
                '"' => {
                    end = i + 1;
                    break;
                }
                c => value.push(c),
            }
        }
        out.push((key.trim_start_matches(',').to_owned(), value));
        rest = &after[end..];
    }
    out
}

fn series_key(name: &str, labels: &[(String, String)]) -> String {
    let mut labels = labels.to_vec();
    labels.sort();
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

async fn scrape(url: &str, token: Option<&str>) -> Scrape {
    let r = Client::new().get(url, token).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        r.header("content-type")
    );
    Scrape::parse(&r.text())
}

async fn call(
    gw: &TestGateway,
    token: &str,
    message_type: &str,
    payload: serde_json::Value,
) -> gateway_e2e::Reply {
    Client::new()
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"type": message_type, "payload": payload}),
            Some(token),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_after_a_known_mix_shows_exactly_its_counts() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&config(&db, &MIX, "")).await;
    let url = gw.url("/metrics");
    let c = Client::new();

    // Operators only: no credential 401, a sender that is not an operator 403.
    assert_eq!(c.get(&url, None).await.status, 401);
    assert_eq!(c.get(&url, Some(TOKEN_B)).await.status, 403);
    assert_eq!(c.get(&url, Some(TOKEN_A)).await.status, 403);
    let before = scrape(&url, Some(MIX.token)).await;

    // The mix. Calls the plugin answers (an echo, a rejection after a trap or a deadline, an adapter's error it
    // reports): each is a request without a fault.
    let test_type = test_request_type();
    let answered = [
        json!({"action": "echo", "text": "1"}),
        json!({"action": "echo", "text": "2"}),
        json!({"action": "echo", "text": "3"}),
        json!({"action": "panic", "text": "boom"}),
        json!({"action": "loop"}),
        json!({"action": "adapter", "adapter": MIX.adapter, "operation": "echo", "input": "x"}),
        json!({"action": "adapter", "adapter": MIX.adapter, "operation": "error",
               "input": r#"{"kind": "unavailable", "message": "down"}"#}),
        json!({"action": "adapter", "adapter": MIX.adapter, "operation": "echo", "input": "y"}),
        json!({"action": "token-issue", "scope": "m", "subject": "s", "text": "t", "ttlMs": 60_000}),
        json!({"action": "fact", "organisation": "1027700132195", "text": "f"}),
    ];
    let mut token_id = String::new();
    for payload in &answered {
        let r = call(&gw, MIX.token, &test_type, payload.clone()).await;
        let status = if payload["action"] == "panic" || payload["action"] == "loop" {
            502
        } else {
            200
        };
        assert_eq!(r.status, status, "{payload}: {}", r.text());
        if payload["action"] == "token-issue" {
            token_id = r.json()["payload"]["token"]["id"]
                .as_str()
                .expect("a token")
                .to_owned();
        }
    }
    // Token lookups: by subject and by id from this node's cache, an unknown id from the store.
    for payload in [
        json!({"action": "token-find", "scope": "m", "subject": "s"}),
        json!({"action": "token-get", "scope": "m", "tokenId": token_id}),
        json!({"action": "token-get", "scope": "m", "tokenId": uuid::Uuid::new_v4().to_string()}),
    ] {
        let r = call(&gw, MIX.token, &test_type, payload.clone()).await;
        assert_eq!(r.status, 200, "{payload}: {}", r.text());
    }
    // Refused before any plugin: a schema violation, a type no route serves.
    let r = call(
        &gw,
        MIX.token,
        &test_type,
        json!({"action": "no-such-action"}),
    )
    .await;
    assert_eq!(r.json()["title"], "InvalidContent", "{}", r.text());
    let r = call(
        &gw,
        MIX.token,
        "{urn://gateway/test/1.0}NoSuchRequest",
        json!({"action": "echo"}),
    )
    .await;
    assert_eq!(r.json()["title"], "BusinessDataTypeIsNotSupported");
    // One SOAP SendRequest: its answer waits in M's queue.
    let v = "1.3";
    let r = soap_as(
        &gw,
        v,
        smev::send_request(v, &smev::message_id(), &smev::test_payload("echo", "q")),
        Some(MIX.token),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Settled: the queued answer stored, and every plugin call of the mix counted (a call is counted as its
    // invocation returns, on the task that made it; one run of the full suite once scraped 11 of the 12 `ok`
    // calls with the queue already at 1, not reproduced since). The counts are then compared exactly.
    let plugin_ok = [
        ("plugin", MIX.plugin),
        ("export", "handle"),
        ("outcome", "ok"),
    ];
    // The JSON calls answered (the mix and the three token lookups) less the trap and the deadline, plus the
    // queued SOAP echo.
    let json_ok = (answered.len() + 3) as f64;
    let calls_ok = json_ok - 2.0 + 1.0;
    let mut after = scrape(&url, Some(MIX.token)).await;
    for _ in 0..100 {
        if after.get("gateway_queue_depth", &[("sender", MIX.sender)]) == 1.0
            && after.get("gateway_plugin_invocations_total", &plugin_ok)
                - before.get("gateway_plugin_invocations_total", &plugin_ok)
                >= calls_ok
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = scrape(&url, Some(MIX.token)).await;
    }
    let delta =
        |name: &str, labels: &[(&str, &str)]| after.get(name, labels) - before.get(name, labels);

    // Requests by endpoint, message type, sender and outcome.
    let messages = "/api/v1/messages";
    let requests = |endpoint, message_type, outcome| {
        delta(
            "gateway_requests_total",
            &[
                ("endpoint", endpoint),
                ("message_type", message_type),
                ("sender", MIX.sender),
                ("outcome", outcome),
            ],
        )
    };
    assert_eq!(requests(messages, test_type.as_str(), "ok"), json_ok);
    assert_eq!(
        requests(messages, test_type.as_str(), "InvalidContent"),
        1.0
    );
    assert_eq!(
        requests(messages, "", "BusinessDataTypeIsNotSupported"),
        1.0
    );
    assert_eq!(
        requests("/smev/1.3#SendRequest", test_type.as_str(), "ok"),
        1.0
    );
    assert!(
        delta(
            "gateway_request_duration_seconds_count",
            &[("endpoint", messages)]
        ) >= json_ok + 2.0,
        "every request is timed"
    );
    assert!(
        !after.has("gateway_requests_total", "endpoint", "/metrics"),
        "scrapes are not envelope requests"
    );

    // Plugin calls by outcome: the trap and the deadline, the rest answered (the queued echo too).
    let plugin = |outcome| {
        delta(
            "gateway_plugin_invocations_total",
            &[
                ("plugin", MIX.plugin),
                ("export", "handle"),
                ("outcome", outcome),
            ],
        )
    };
    assert_eq!(plugin("ok"), calls_ok);
    assert_eq!(plugin("trap"), 1.0);
    assert_eq!(plugin("deadline"), 1.0);
    assert_eq!(
        delta(
            "gateway_plugin_duration_seconds_count",
            &[("plugin", MIX.plugin), ("export", "handle")]
        ),
        json_ok + 1.0
    );

    // Adapter calls: one answered, one unavailable after its one retry (which opened the breaker), one refused
    // by the open breaker.
    let adapter_calls = |outcome| {
        delta(
            "gateway_adapter_calls_total",
            &[("adapter", MIX.adapter), ("outcome", outcome)],
        )
    };
    assert_eq!(adapter_calls("ok"), 1.0);
    assert_eq!(adapter_calls("unavailable"), 1.0);
    assert_eq!(adapter_calls("circuit_open"), 1.0);
    assert_eq!(
        delta("gateway_adapter_retries_total", &[("adapter", MIX.adapter)]),
        1.0
    );
    assert_eq!(
        delta(
            "gateway_adapter_call_duration_seconds_count",
            &[("adapter", MIX.adapter)]
        ),
        3.0
    );
    assert_eq!(
        before.get("gateway_adapter_circuit_state", &[("adapter", MIX.adapter)]),
        0.0,
        "closed"
    );
    assert_eq!(
        after.get("gateway_adapter_circuit_state", &[("adapter", MIX.adapter)]),
        2.0,
        "open"
    );

    // Token cache: two hits, one miss, under the plugin owning the scope.
    let tokens = |result| {
        delta(
            "gateway_token_cache_lookups_total",
            &[("plugin", MIX.plugin), ("result", result)],
        )
    };
    assert_eq!((tokens("hit"), tokens("miss")), (2.0, 1.0));

    // Facts recorded by kind and document type (the test plugin's kind is `test`; a real scan's is `scan`).
    assert_eq!(
        delta(
            "gateway_facts_recorded_total",
            &[("kind", "test"), ("document_type", "test-doc")]
        ),
        1.0
    );

    // Queues, read at scrape time: M's answer waits; every configured sender is listed.
    assert_eq!(
        after.get("gateway_queue_depth", &[("sender", MIX.sender)]),
        1.0
    );
    assert!(after.has("gateway_queue_oldest_age_seconds", "sender", MIX.sender));
    let age = after.get(
        "gateway_queue_oldest_age_seconds",
        &[("sender", MIX.sender)],
    );
    assert!((0.0..60.0).contains(&age), "an age in seconds: {age}");
    for sender in ["A", "B"] {
        assert!(after.has("gateway_queue_depth", "sender", sender));
        assert_eq!(after.get("gateway_queue_depth", &[("sender", sender)]), 0.0);
    }
    // Fetched and acknowledged, the answer no longer waits.
    let got = crate::wait_response(&gw, v, MIX.token, None).await;
    let r = soap_as(
        &gw,
        v,
        smev::ack(v, &smev::response_id(&got.body)),
        Some(MIX.token),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let acked = scrape(&url, Some(MIX.token)).await;
    assert_eq!(
        acked.get("gateway_queue_depth", &[("sender", MIX.sender)]),
        0.0
    );
    assert_eq!(
        acked.get(
            "gateway_queue_oldest_age_seconds",
            &[("sender", MIX.sender)]
        ),
        0.0
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_of_its_own_serves_metrics_without_a_credential() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let gw = TestGateway::start(&config(
        &db,
        &LISTENER,
        &format!("listen = \"127.0.0.1:{port}\""),
    ))
    .await;
    let url = format!("http://127.0.0.1:{port}/metrics");
    let before = scrape(&url, None).await;
    let r = call(
        &gw,
        LISTENER.token,
        &test_request_type(),
        json!({"action": "echo"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let after = scrape(&url, None).await;
    let test_type = test_request_type();
    let labels = [
        ("endpoint", "/api/v1/messages"),
        ("message_type", test_type.as_str()),
        ("sender", LISTENER.sender),
        ("outcome", "ok"),
    ];
    assert_eq!(
        after.get("gateway_requests_total", &labels)
            - before.get("gateway_requests_total", &labels),
        1.0
    );
    assert!(after.has("gateway_queue_depth", "sender", LISTENER.sender));

    // Not on the main listener, even for the operator; nothing else on the metrics listener.
    let c = Client::new();
    assert_eq!(
        c.get(&gw.url("/metrics"), Some(LISTENER.token))
            .await
            .status,
        404
    );
    assert_eq!(
        c.get(&format!("http://127.0.0.1:{port}/readyz"), None)
            .await
            .status,
        404
    );
    gw.stop().await;
    // The metrics listener stops with the gateway.
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "the metrics listener is closed"
    );
}
