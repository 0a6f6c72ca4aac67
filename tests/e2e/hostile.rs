//! Bad input gets a clear fault quickly and the gateway keeps serving: malformed XML, a DOCTYPE with entity
//! expansion, a 50 MiB body, nesting 100,000 deep, an unknown payload type, a schema violation.

use std::time::{Duration, Instant};

use gateway_e2e::smev::{self, fault_name};
use gateway_e2e::{Backend, Client, TOKEN_A, test_request_type};
use serde_json::json;

use crate::{soap, start};

const V: &str = "1.3";

async fn assert_still_serving(gw: &gateway_e2e::TestGateway) {
    let r = soap(
        gw,
        V,
        smev::send_request(V, &smev::message_id(), &smev::test_payload("echo", "ok")),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_soap_gets_a_fault_within_a_second() {
    let (_db, gw) = start(Backend::Sqlite).await;
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
    let cases: Vec<(&str, String, &str)> = vec![
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
    ];
    for (what, body, fault) in cases {
        let started = Instant::now();
        let r = soap(&gw, V, body).await;
        let took = started.elapsed();
        assert_eq!(r.status, 500, "{what}: {}", r.text());
        assert_eq!(
            fault_name(&r.body).as_deref(),
            Some(fault),
            "{what}: {}",
            r.text()
        );
        smev::assert_valid_answer(V, &r.body);
        assert!(took < Duration::from_secs(1), "{what} took {took:?}");
        assert_still_serving(&gw).await;
    }
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_json_gets_a_problem_within_a_second() {
    let (_db, gw) = start(Backend::Sqlite).await;
    let url = gw.url("/api/v1/messages");
    let deep = format!(
        "{{\"type\": \"{}\", \"payload\": {}1{}}}",
        test_request_type(),
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
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
    ];
    for (what, body, status, title) in cases {
        let started = Instant::now();
        let r = Client::new()
            .post(&url, "application/json", body, Some(TOKEN_A))
            .await;
        let took = started.elapsed();
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{what}"
        );
        let p = r.json();
        assert_eq!(
            (r.status, p["title"].as_str()),
            (status, Some(title)),
            "{what}: {p}"
        );
        assert_eq!(p["type"], format!("urn:smev-gateway:fault:{title}"));
        assert!(took < Duration::from_secs(1), "{what} took {took:?}");
    }
    assert_still_serving(&gw).await;
    gw.stop().await;
}
