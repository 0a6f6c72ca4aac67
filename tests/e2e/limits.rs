//! Every plugin call is bounded: a plugin that loops is stopped at its deadline, one that allocates without
//! end at its memory cap, a panic is a trap, a panicking adapter is a fault; each reaches the sender as a
//! rejection naming the cause, and the next request succeeds.

use std::time::{Duration, Instant};

use gateway_e2e::smev::{self, text_of};
use gateway_e2e::{Backend, Client, TOKEN_A, test_request_type};
use serde_json::json;

use crate::{soap, start, wait_response};

async fn call(gw: &gateway_e2e::TestGateway, payload: serde_json::Value) -> gateway_e2e::Reply {
    let body = json!({"type": test_request_type(), "payload": payload});
    Client::new()
        .post_json(&gw.url("/api/v1/messages"), &body, Some(TOKEN_A))
        .await
}

async fn assert_next_succeeds(gw: &gateway_e2e::TestGateway) {
    let r = call(gw, json!({"action": "echo", "text": "still here"})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["payload"]["text"], "still here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_plugins_and_adapters_become_rejections_with_their_reason() {
    let (_db, gw) = start(Backend::Sqlite).await;
    let cases = [
        (json!({"action": "loop"}), "время"),
        (json!({"action": "alloc"}), "памяти"),
        (json!({"action": "panic", "text": "boom-42"}), "boom-42"),
        (
            json!({"action": "adapter", "adapter": "test", "operation": "panic", "input": "{}"}),
            "",
        ),
    ];
    for (payload, reason) in cases {
        let started = Instant::now();
        let r = call(&gw, payload.clone()).await;
        let body = r.json();
        if payload["action"] == "adapter" {
            // The adapter's panic is a fault of the call: the plugin sees it as an error kind and answers.
            assert_eq!(r.status, 200, "{body}");
            assert_eq!(body["payload"]["errorKind"], "failed", "{body}");
        } else {
            assert_eq!(r.status, 502, "{payload}: {body}");
            assert_eq!(body["title"], "RequestRejected");
            assert_eq!(body["code"], "FAILURE");
            let detail = body["detail"].as_str().unwrap();
            assert!(detail.contains(reason), "{payload}: {detail}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{payload} took {:?}",
            started.elapsed()
        );
        assert_next_succeeds(&gw).await;
    }
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_plugin_failures_are_rejections_not_endless_failures() {
    let (_db, gw) = start(Backend::Sqlite).await;
    let v = "1.3";
    for (action, reason) in [
        ("loop", "время"),
        ("alloc", "памяти"),
        ("panic", "аварийное"),
    ] {
        let id = smev::message_id();
        let r = soap(
            &gw,
            v,
            smev::send_request(v, &id, &smev::test_payload(action, "x")),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let got = wait_response(&gw, v, TOKEN_A, None).await;
        smev::assert_valid_answer(v, &got.body);
        assert_eq!(
            text_of(&got.body, "RejectionReasonCode").as_deref(),
            Some("FAILURE"),
            "{}",
            got.text()
        );
        let reason_text = text_of(&got.body, "RejectionReasonDescription").unwrap();
        assert!(reason_text.contains(reason), "{action}: {reason_text}");
        soap(&gw, v, smev::ack(v, &smev::response_id(&got.body))).await;
    }
    assert_next_succeeds(&gw).await;
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_keeps_no_identifier_a_plugin_error_quotes() {
    let (db, gw) = start(Backend::Sqlite).await;
    let long = "я".repeat(1000);
    for (action, text) in [
        (
            "fail",
            format!("снилс 112-233-445 95, огрн 1027700132195 {long}"),
        ),
        (
            "panic",
            "qr 3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60 телефон +7 912 345-67-89".to_owned(),
        ),
    ] {
        let r = call(&gw, json!({"action": action, "text": text})).await;
        assert_ne!(r.status, 200, "{}", r.text());
    }
    gw.stop().await;
    let pool = sqlx::SqlitePool::connect(&db.url()).await.expect("sqlite");
    let details: Vec<(Option<String>,)> = sqlx::query_as("SELECT detail FROM journal")
        .fetch_all(&pool)
        .await
        .expect("journal");
    let details: Vec<String> = details.into_iter().filter_map(|(d,)| d).collect();
    assert!(
        details.iter().any(|d| d.contains("test-doc: error"))
            && details.iter().any(|d| d.contains("test-doc: trap")),
        "{details:?}"
    );
    for detail in &details {
        for secret in [
            "112-233-445",
            "1027700132195",
            "3f2b8c1e-7a4d",
            "912 345-67",
        ] {
            assert!(!detail.contains(secret), "{detail}");
        }
        assert!(detail.chars().count() < 240, "capped: {detail}");
    }
}
