//! Logs in JSON with a trace id per envelope (issue 15, item 5): every line about one request carries its
//! `trace_id` — the gateway's own, the plugin's log line (target `plugin`) and the adapter host's line about a
//! failed registry call — also for a queued SendRequest whose chain runs on another task; a caller's W3C
//! `traceparent` is kept and the id returned in `x-trace-id`; identifiers stay masked.

use std::time::Duration;

use gateway_e2e::{
    Backend, Client, GatewayProcess, TOKEN_A, TestConfig, TestDb, test_request_type,
};
use serde_json::{Value, json};

const SYNC: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const FAILING: &str = "0af7651916cd43dd8448eb211c80319c";
const QUEUED: &str = "5c1a7c2f0e6b4b1d9f3e2a1b0c9d8e7f";

fn traceparent(id: &str) -> String {
    format!("00-{id}-00f067aa0ba902b7-01")
}

/// The JSON lines of `log` whose spans carry `trace_id`.
fn lines_of(log: &[Value], trace_id: &str) -> Vec<Value> {
    log.iter()
        .filter(|l| {
            l.to_string()
                .contains(&format!("\"trace_id\":\"{trace_id}\""))
        })
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_of_an_envelope_carries_its_trace_id() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let mut config = TestConfig::new(db.url());
    config.log = "format = \"json\"\nlevel = \"info\"\n".into();
    let dir = tempfile::tempdir().unwrap();
    let log_file = dir.path().join("gateway.log");
    let gw = GatewayProcess::spawn_logging(&config, Some(&log_file)).await;
    let api = gw.url("/api/v1/messages");
    let client = Client::new();
    let call = |id: &'static str, payload: Value| {
        let client = &client;
        let api = &api;
        async move {
            let body =
                serde_json::to_vec(&json!({"type": test_request_type(), "payload": payload}))
                    .unwrap();
            let req = hyper::Request::post(api.as_str())
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {TOKEN_A}"))
                .header("traceparent", traceparent(id))
                .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                .unwrap();
            client.send(req).await
        }
    };
    let r = call(
        SYNC,
        json!({"action": "echo", "text": "трассировка 112-233-445 95"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-trace-id").as_deref(), Some(SYNC));
    let r = call(
        FAILING,
        json!({"action": "adapter", "adapter": "test", "operation": "error",
            "input": "{\"kind\": \"unavailable\", \"message\": \"down\"}"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // A queued request: accepted by /api/v1/send, its chain run afterwards on another task.
    let body = serde_json::to_vec(
        &json!({"type": test_request_type(), "payload": {"action": "echo", "text": "в очереди"}}),
    )
    .unwrap();
    let req = hyper::Request::post(gw.url("/api/v1/send"))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {TOKEN_A}"))
        .header("traceparent", traceparent(QUEUED))
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let r = client.send(req).await;
    assert_eq!(r.status, 202, "{}", r.text());
    // Without a traceparent: a fresh id, returned.
    let fresh = Client::new()
        .post_json(
            &api,
            &json!({"type": test_request_type(), "payload": {"action": "ids"}}),
            Some(TOKEN_A),
        )
        .await;
    let fresh_id = fresh.header("x-trace-id").expect("a trace id");
    assert_eq!(fresh_id.len(), 32);
    assert_ne!(fresh_id, SYNC);

    let mut log = Vec::new();
    for _ in 0..50 {
        let text = std::fs::read_to_string(&log_file).unwrap_or_default();
        log = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .collect();
        if lines_of(&log, QUEUED)
            .iter()
            .any(|l| l["target"] == "plugin")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = std::fs::read_to_string(&log_file).unwrap();
    assert!(!log.is_empty(), "JSON lines: {text}");
    let sync = lines_of(&log, SYNC);
    let plugin_line = sync
        .iter()
        .find(|l| l["target"] == "plugin")
        .unwrap_or_else(|| panic!("the plugin's line carries the trace id: {text}"));
    let message = plugin_line["fields"]["message"].as_str().unwrap_or("");
    assert!(message.contains("трассировка"), "{plugin_line}");
    assert!(
        !message.contains("112-233-445"),
        "identifiers masked: {plugin_line}"
    );
    let failing = lines_of(&log, FAILING);
    assert!(
        failing.iter().any(|l| l["target"]
            .as_str()
            .is_some_and(|t| t.starts_with("gateway_adapter_host"))),
        "the adapter host's line carries the trace id: {failing:#?}\n{text}"
    );
    assert!(
        lines_of(&log, QUEUED)
            .iter()
            .any(|l| l["target"] == "plugin"),
        "the queued chain's plugin line carries the accepting request's trace id: {text}"
    );
    gw.stop();
}
