//! Senders are authenticated and isolated: an unknown client is refused, a sender may send only its types,
//! and one sender cannot read, acknowledge or find another's messages — on SQLite and on PostgreSQL.

use std::time::Duration;

use gateway_e2e::smev::{self, fault_name, has_element};
use gateway_e2e::{BACKENDS, Client, TOKEN_A, TOKEN_B, test_request_type};
use serde_json::json;

use crate::{soap_as, start, wait_response};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_clients_are_refused() {
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        for token in [None, Some("wrong-token")] {
            let r = soap_as(
                &gw,
                "1.3",
                smev::send_request("1.3", &smev::message_id(), &smev::test_payload("echo", "x")),
                token,
            )
            .await;
            assert_eq!(
                fault_name(&r.body).as_deref(),
                Some("SenderIsNotRegistered"),
                "{backend:?}, token {token:?}: {}",
                r.text()
            );
            smev::assert_valid_answer("1.3", &r.body);
            let r = Client::new()
                .post_json(
                    &gw.url("/api/v1/messages"),
                    &json!({"type": test_request_type(), "payload": {"action": "echo"}}),
                    token,
                )
                .await;
            assert_eq!(
                (r.status, r.json()["title"].as_str()),
                (401, Some("SenderIsNotRegistered")),
                "{backend:?}, token {token:?}: {}",
                r.text()
            );
        }
        gw.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sender_cannot_touch_anothers_messages() {
    let v = "1.3";
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        let id = smev::message_id();
        let r = soap_as(
            &gw,
            v,
            smev::send_request(v, &id, &smev::test_payload("echo", "для A")),
            Some(TOKEN_A),
        )
        .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.text());
        let got_a = wait_response(&gw, v, TOKEN_A, None).await;
        let response_id = smev::response_id(&got_a.body);
        // A does not acknowledge it: after the redelivery time (1 s in the test config) the answer is waiting
        // to be handed out again, and B polls for it then.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let r = soap_as(&gw, v, smev::get_response(v, None), Some(TOKEN_B)).await;
        assert!(
            !has_element(&r.body, "ResponseMessage"),
            "{backend:?}: B must not see A's answers: {}",
            r.text()
        );
        // B cannot acknowledge it either; A can.
        let r = soap_as(&gw, v, smev::ack(v, &response_id), Some(TOKEN_B)).await;
        assert_eq!(
            fault_name(&r.body).as_deref(),
            Some("TargetMessageIsNotFound"),
            "{backend:?}: {}",
            r.text()
        );
        // The answer was there all along: A gets it again and acknowledges it.
        let again = wait_response(&gw, v, TOKEN_A, None).await;
        assert_eq!(
            smev::response_id(&again.body),
            response_id,
            "{backend:?}: A's unacknowledged answer is delivered again"
        );
        let r = soap_as(&gw, v, smev::ack(v, &response_id), Some(TOKEN_A)).await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.text());
        // B may send test requests but not other types.
        let svo = r#"<s:VerifyQrRequest xmlns:s="urn://gateway/svo-status/1.0"><s:Qr>x</s:Qr></s:VerifyQrRequest>"#;
        let r = soap_as(
            &gw,
            v,
            smev::send_request(v, &smev::message_id(), svo),
            Some(TOKEN_B),
        )
        .await;
        // The SVO route is absent from this config: the type is unknown, which is checked before rights.
        assert_eq!(
            fault_name(&r.body).as_deref(),
            Some("BusinessDataTypeIsNotSupported"),
            "{backend:?}: {}",
            r.text()
        );
        gw.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_may_send_only_its_types() {
    let sim = gateway_e2e::Sim::start().await;
    for backend in BACKENDS {
        let db = gateway_e2e::TestDb::fresh(backend).await;
        let gw = gateway_e2e::TestGateway::start(
            &gateway_e2e::TestConfig::new(db.url()).with_svo(&sim.url(), "5m"),
        )
        .await;
        let svo = r#"<s:VerifyQrRequest xmlns:s="urn://gateway/svo-status/1.0"><s:Qr>x</s:Qr></s:VerifyQrRequest>"#;
        let r = soap_as(
            &gw,
            "1.3",
            smev::send_request("1.3", &smev::message_id(), svo),
            Some(TOKEN_B),
        )
        .await;
        assert_eq!(
            fault_name(&r.body).as_deref(),
            Some("AccessDenied"),
            "{backend:?}: {}",
            r.text()
        );
        smev::assert_valid_answer("1.3", &r.body);
        let r = Client::new()
            .post_json(
                &gw.url("/api/v1/messages"),
                &json!({"type": "{urn://gateway/svo-status/1.0}VerifyQrRequest", "payload": {"qr": "x"}}),
                Some(TOKEN_B),
            )
            .await;
        assert_eq!(
            (r.status, r.json()["title"].as_str()),
            (403, Some("AccessDenied")),
            "{backend:?}: {}",
            r.text()
        );
        gw.stop().await;
    }
}
