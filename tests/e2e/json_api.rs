//! The JSON API: the synchronous call and the JSON twins of the queue.

use std::time::Duration;

use gateway_e2e::{
    BACKENDS, Backend, Client, TOKEN_A, TOKEN_B, test_request_type, test_response_type,
};
use serde_json::json;

use crate::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synchronous_call_answers_at_once() {
    let (_db, gw) = start(Backend::Sqlite).await;
    let c = Client::new();
    let id = uuid::Uuid::new_v4().to_string();
    let r = c
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"messageId": id, "type": test_request_type(), "sender": "A", "payload": {"action": "echo", "text": "синхронно"}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["type"], test_response_type());
    assert_eq!(body["originalMessageId"], id);
    assert_eq!(body["payload"]["text"], "синхронно");
    assert_eq!(body["payload"]["sender"], "A");
    assert_eq!(body["payload"]["annotation"][0]["value"], "passed");

    // The plugin's config reaches it as JSON.
    let r = c
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"type": test_request_type(), "payload": {"action": "config"}}),
            Some(TOKEN_A),
        )
        .await;
    let cfg: serde_json::Value =
        serde_json::from_str(r.json()["payload"]["output"].as_str().unwrap()).unwrap();
    assert_eq!(cfg["greeting"], "hello");

    // A retryable status is a 503 with Retry-After.
    let r = c
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"type": test_request_type(), "payload": {"action": "status"}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(
        r.header("retry-after")
            .is_some_and(|v| v.parse::<u64>().unwrap() >= 1)
    );
    assert_eq!(r.json()["title"], "RequestStatus");

    // A rejection is a problem whose title says so and whose code is SMEV's.
    let r = c
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"type": test_request_type(), "payload": {"action": "reject"}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(
        (r.json()["title"].as_str(), r.json()["code"].as_str()),
        (Some("RequestRejected"), Some("NO_DATA"))
    );

    // The `sender` field must be the authenticated sender.
    let r = c
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"type": test_request_type(), "sender": "B", "payload": {"action": "echo"}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["title"].as_str()),
        (403, Some("AccessDenied"))
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_queue_send_get_ack_find_on_both_stores() {
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        let c = Client::new();
        let id = smev_envelope::new_message_id();
        let r = c
            .post_json(&gw.url("/api/v1/send"), &json!({"messageId": id, "type": test_request_type(), "payload": {"action": "echo", "text": "в очередь"}}), Some(TOKEN_A))
            .await;
        assert_eq!(r.status, 202, "{}", r.text());
        assert_eq!(r.json()["messageId"], id);
        let again = c
            .post_json(&gw.url("/api/v1/send"), &json!({"messageId": id, "type": test_request_type(), "payload": {"action": "echo"}}), Some(TOKEN_A))
            .await;
        assert_eq!(
            (again.status, again.json()["title"].as_str()),
            (409, Some("MessageIsAlreadySent"))
        );

        let mut answer = serde_json::Value::Null;
        for _ in 0..200 {
            let r = c
                .post_json(
                    &gw.url("/api/v1/get"),
                    &json!({"type": test_response_type()}),
                    Some(TOKEN_A),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
            answer = r.json()["message"].clone();
            if !answer.is_null() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(answer["originalMessageId"], id, "{answer}");
        assert_eq!(answer["kind"], "reply");
        assert_eq!(answer["payload"]["text"], "в очередь");
        let response_id = answer["messageId"].as_str().unwrap().to_owned();

        // Another sender can neither acknowledge nor find it.
        let r = c
            .post_json(
                &gw.url("/api/v1/ack"),
                &json!({"messageId": response_id}),
                Some(TOKEN_B),
            )
            .await;
        assert_eq!(
            (r.status, r.json()["title"].as_str()),
            (404, Some("TargetMessageIsNotFound"))
        );
        let r = c
            .post_json(
                &gw.url("/api/v1/find"),
                &json!({"messageId": id}),
                Some(TOKEN_B),
            )
            .await;
        assert_eq!(r.json()["entries"].as_array().unwrap().len(), 0);

        let r = c
            .post_json(
                &gw.url("/api/v1/ack"),
                &json!({"messageId": response_id}),
                Some(TOKEN_A),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let r = c
            .post_json(&gw.url("/api/v1/get"), &json!({}), Some(TOKEN_A))
            .await;
        assert!(r.json()["message"].is_null());

        // The journal has the request, with metadata only.
        let r = c
            .post_json(
                &gw.url("/api/v1/find"),
                &json!({"messageId": id}),
                Some(TOKEN_A),
            )
            .await;
        let entries = r.json()["entries"].as_array().unwrap().clone();
        assert!(
            entries.iter().any(|e| e["outcome"] == "accepted"),
            "{entries:?}"
        );
        assert!(
            !r.text().contains("в очередь"),
            "the journal must not hold content"
        );
        gw.stop().await;
    }
}
