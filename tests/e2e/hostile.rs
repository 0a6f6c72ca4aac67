//! Bad input gets a clear fault quickly and the gateway keeps serving: malformed XML, a DOCTYPE with entity
//! expansion, a 50 MiB body, nesting 100,000 deep, an unknown payload type, a schema violation — on SQLite and
//! on PostgreSQL.

use std::time::{Duration, Instant};

use gateway_e2e::smev::{self, fault_name};
use gateway_e2e::{BACKENDS, Backend, Client, TOKEN_A, test_request_type};
use serde_json::json;

use crate::{soap, start};

const V: &str = "1.3";

async fn assert_still_serving(gw: &gateway_e2e::TestGateway, backend: Backend, after: &str) {
    let r = soap(
        gw,
        V,
        smev::send_request(V, &smev::message_id(), &smev::test_payload("echo", "ok")),
    )
    .await;
    assert_eq!(
        r.status,
        200,
        "{backend:?}: not serving after {after}: {}",
        r.text()
    );
}

/// The SOAP cases: what, body, expected fault. Message ids are fresh on every call.
fn soap_cases() -> Vec<(&'static str, String, &'static str)> {
    let laughs = format!(
        r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>{}"#,
        smev::send_request(V, &smev::message_id(), "<t:TestRequest xmlns:t=\"urn://gateway/test/1.0\"><t:Action>echo</t:Action><t:Text>&lol3;</t:Text></t:TestRequest>")
            .trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
    );
    let deep = format!("{}{}{}", "<a>".repeat(100_000), "x", "</a>".repeat(100_000));
    let deep = smev::send_request(V, &smev::message_id(), &deep);
    let big = format!(
        "{}{}",
        smev::send_request(V, &smev::message_id(), "<t:X xmlns:t=\"urn:x\"/>"),
        " ".repeat(50 << 20)
    );
    vec![
        ("malformed", "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><oops></soap:Body>".into(), "InvalidContent"),
        ("doctype", laughs, "InvalidContent"),
        ("deep", deep, "InvalidContent"),
        ("50 MiB", big, "InvalidContent"),
        ("unknown type", smev::send_request(V, &smev::message_id(), "<x:Unknown xmlns:x=\"urn:nobody\"/>"), "BusinessDataTypeIsNotSupported"),
        (
            "schema violation",
            smev::send_request(V, &smev::message_id(), "<t:TestRequest xmlns:t=\"urn://gateway/test/1.0\"><t:Nope/></t:TestRequest>"),
            "InvalidContent",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_soap_gets_a_fault_within_a_second() {
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        for (what, body, fault) in soap_cases() {
            let started = Instant::now();
            let r = soap(&gw, V, body).await;
            let took = started.elapsed();
            // A fault is HTTP 500, as SOAP 1.1 requires; a body the gateway would not read is 413.
            let status = if what == "50 MiB" { 413 } else { 500 };
            assert_eq!(r.status, status, "{backend:?}, {what}: {}", r.text());
            assert_eq!(
                fault_name(&r.body).as_deref(),
                Some(fault),
                "{backend:?}, {what}: {}",
                r.text()
            );
            smev::assert_valid_answer(V, &r.body);
            assert!(
                took < Duration::from_secs(1),
                "{backend:?}, {what} took {took:?}"
            );
            assert_still_serving(&gw, backend, what).await;
        }
        gw.stop().await;
    }
}

/// The JSON cases: what, body, expected status and problem title.
fn json_cases() -> Vec<(&'static str, Vec<u8>, u16, &'static str)> {
    let deep = format!(
        "{{\"type\": \"{}\", \"payload\": {}1{}}}",
        test_request_type(),
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    vec![
        ("malformed", b"{\"type\": ".to_vec(), 400, "InvalidContent"),
        ("deep", deep.into_bytes(), 400, "InvalidContent"),
        ("50 MiB", vec![b' '; 50 << 20], 413, "InvalidContent"),
        (
            "unknown type",
            serde_json::to_vec(&json!({"type": "{urn:nobody}Unknown", "payload": {}})).unwrap(),
            400,
            "BusinessDataTypeIsNotSupported",
        ),
        (
            "schema violation",
            serde_json::to_vec(&json!({"type": test_request_type(), "payload": {"action": "fly"}}))
                .unwrap(),
            400,
            "InvalidContent",
        ),
        (
            "unknown field",
            serde_json::to_vec(
                &json!({"type": test_request_type(), "payload": {"action": "echo"}, "extra": 1}),
            )
            .unwrap(),
            400,
            "InvalidContent",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_json_gets_a_problem_within_a_second() {
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        let url = gw.url("/api/v1/messages");
        for (what, body, status, title) in json_cases() {
            let started = Instant::now();
            let r = Client::new()
                .post(&url, "application/json", body, Some(TOKEN_A))
                .await;
            let took = started.elapsed();
            assert_eq!(
                r.header("content-type").as_deref(),
                Some("application/problem+json"),
                "{backend:?}, {what}"
            );
            let p = r.json();
            assert_eq!(
                (r.status, p["title"].as_str()),
                (status, Some(title)),
                "{backend:?}, {what}: {p}"
            );
            assert_eq!(
                p["type"],
                format!("urn:smev-gateway:fault:{title}"),
                "{backend:?}, {what}"
            );
            assert!(
                took < Duration::from_secs(1),
                "{backend:?}, {what} took {took:?}"
            );
        }
        assert_still_serving(&gw, backend, "the hostile JSON").await;
        gw.stop().await;
    }
}

/// The same bad input over SOAP and over JSON: one intake, one error table, so the same fault name, and the
/// status each protocol gives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_bad_input_gets_the_same_fault_both_ways() {
    let (_db, gw) = start(Backend::Sqlite).await;
    let url = gw.url("/api/v1/messages");
    let client = Client::new();
    let cases: [(&str, &str, serde_json::Value, &str, u16); 2] = [
        (
            "schema violation",
            "<t:TestRequest xmlns:t=\"urn://gateway/test/1.0\"><t:Nope/></t:TestRequest>",
            json!({"type": test_request_type(), "payload": {"nope": 1}}),
            "InvalidContent",
            400,
        ),
        (
            "unknown type",
            "<x:Unknown xmlns:x=\"urn:nobody\"/>",
            json!({"type": "{urn:nobody}Unknown", "payload": {}}),
            "BusinessDataTypeIsNotSupported",
            400,
        ),
    ];
    for (what, xml, call, fault, json_status) in cases {
        let r = soap(&gw, V, smev::send_request(V, &smev::message_id(), xml)).await;
        assert_eq!(r.status, 500, "{what}: {}", r.text());
        assert_eq!(fault_name(&r.body).as_deref(), Some(fault), "SOAP, {what}");
        let r = client.post_json(&url, &call, Some(TOKEN_A)).await;
        assert_eq!(r.status, json_status, "{what}: {}", r.text());
        assert_eq!(r.json()["title"], fault, "JSON, {what}");
    }
    // A body the gateway will not read: 413 both ways, the same fault.
    let big = " ".repeat(9 << 20);
    let r = soap(&gw, V, big.clone()).await;
    assert_eq!(
        (r.status, fault_name(&r.body).as_deref()),
        (413, Some("InvalidContent"))
    );
    let r = client
        .post(&url, "application/json", big, Some(TOKEN_A))
        .await;
    assert_eq!(
        (r.status, r.json()["title"].as_str()),
        (413, Some("InvalidContent"))
    );
    gw.stop().await;
}
