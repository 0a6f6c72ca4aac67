//! Queue semantics on both stores: an answer not acknowledged is delivered again after the redelivery time;
//! once acknowledged, never again; a repeated MessageID runs no second chain.

use std::time::Duration;

use gateway_e2e::smev::{self, fault_name, has_element, text_of};
use gateway_e2e::{BACKENDS, TOKEN_A, TOKEN_B};

use crate::{soap, soap_as, start, wait_response};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivery_until_ack_on_both_stores() {
    let v = "1.3";
    for backend in BACKENDS {
        // The test config redelivers after 1 s.
        let (_db, gw) = start(backend).await;
        let id = smev::message_id();
        soap(
            &gw,
            v,
            smev::send_request(v, &id, &smev::test_payload("echo", "redeliver me")),
        )
        .await;
        let first = wait_response(&gw, v, TOKEN_A, None).await;
        let response_id = smev::response_id(&first.body);

        // Within the redelivery time the answer is not handed out again.
        let r = soap(&gw, v, smev::get_response(v, None)).await;
        assert!(
            !has_element(&r.body, "ResponseMessage"),
            "{backend:?}: handed out twice at once"
        );

        // After it, the same answer comes again.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let again = wait_response(&gw, v, TOKEN_A, None).await;
        assert_eq!(
            Some(smev::response_id(&again.body)).as_deref(),
            Some(response_id.as_str()),
            "{backend:?}"
        );
        assert_eq!(
            text_of(&again.body, "OriginalMessageId").as_deref(),
            Some(id.as_str())
        );

        // Acknowledged: never again.
        let r = soap(&gw, v, smev::ack(v, &response_id)).await;
        assert_eq!(r.status, 200);
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let r = soap(&gw, v, smev::get_response(v, None)).await;
        assert!(
            !has_element(&r.body, "ResponseMessage"),
            "{backend:?}: delivered after Ack: {}",
            r.text()
        );
        gw.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_message_id_runs_no_second_chain_on_both_stores() {
    let v = "1.3";
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        let id = smev::message_id();
        // Each run of `token-issue` issues a token: a second run would be visible as a second answer.
        let payload = r#"<t:TestRequest xmlns:t="urn://gateway/test/1.0"><t:Action>echo</t:Action><t:Text>only once</t:Text></t:TestRequest>"#;
        let r = soap(&gw, v, smev::send_request(v, &id, payload)).await;
        assert_eq!(r.status, 200);
        for _ in 0..3 {
            let r = soap(&gw, v, smev::send_request(v, &id, payload)).await;
            assert_eq!(
                smev::fault_name(&r.body).as_deref(),
                Some("MessageIsAlreadySent")
            );
        }
        let got = wait_response(&gw, v, TOKEN_A, None).await;
        soap(&gw, v, smev::ack(v, &smev::response_id(&got.body))).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let r = soap(&gw, v, smev::get_response(v, None)).await;
        assert!(
            !has_element(&r.body, "ResponseMessage"),
            "{backend:?}: a second answer exists: {}",
            r.text()
        );
        gw.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_ids_are_each_senders_own_on_both_stores() {
    let v = "1.3";
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        let id = smev::message_id();
        // B sends first, so that A's later use of the id cannot be told apart from a fresh one.
        for (token, text) in [(TOKEN_B, "для B"), (TOKEN_A, "для A")] {
            let r = soap_as(
                &gw,
                v,
                smev::send_request(v, &id, &smev::test_payload("echo", text)),
                Some(token),
            )
            .await;
            assert_eq!(r.status, 200, "{backend:?}: {}", r.text());
            assert!(
                has_element(&r.body, "SendRequestResponse"),
                "{backend:?}: {}",
                r.text()
            );
        }
        for (token, text) in [(TOKEN_A, "для A"), (TOKEN_B, "для B")] {
            let got = wait_response(&gw, v, token, None).await;
            assert_eq!(
                text_of(&got.body, "OriginalMessageId").as_deref(),
                Some(id.as_str())
            );
            assert_eq!(
                text_of(&got.body, "Text").as_deref(),
                Some(text),
                "{backend:?}: each sender gets the answer to its own request"
            );
            // Each sender's own repeat is refused, and only its own.
            let r = soap_as(
                &gw,
                v,
                smev::send_request(v, &id, &smev::test_payload("echo", text)),
                Some(token),
            )
            .await;
            assert_eq!(
                fault_name(&r.body).as_deref(),
                Some("MessageIsAlreadySent"),
                "{backend:?}"
            );
            let r = soap_as(
                &gw,
                v,
                smev::ack(v, &smev::response_id(&got.body)),
                Some(token),
            )
            .await;
            assert_eq!(r.status, 200, "{backend:?}: {}", r.text());
        }
        gw.stop().await;
    }
}

/// GetStatus hands each sender the status messages of its own requests, each once, in every version; an old
/// `Timestamp` of a sender not registered to sign is only informative (issue 11, item 5). On both stores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_status_reports_each_senders_own_processing_events_on_both_stores() {
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        for v in ["1.1", "1.2", "1.3"] {
            let of_a = smev::message_id();
            let of_b = smev::message_id();
            for (id, token) in [(&of_a, TOKEN_A), (&of_b, TOKEN_B)] {
                let r = soap_as(
                    &gw,
                    v,
                    smev::send_request(v, id, &smev::test_payload("echo", "x")),
                    Some(token),
                )
                .await;
                assert_eq!(fault_name(&r.body), None, "{backend:?} {v}: {}", r.text());
                wait_response(&gw, v, token, None).await;
            }
            for (id, token) in [(&of_a, TOKEN_A), (&of_b, TOKEN_B)] {
                let status = smev::get_status(v, "2026-01-01T00:00:00Z");
                let r = soap_as(&gw, v, status.clone(), Some(token)).await;
                assert_eq!(r.status, 200, "{backend:?} {v}: {}", r.text());
                smev::assert_valid_answer(v, &r.body);
                assert_eq!(
                    text_of(&r.body, "OriginalMessageId").as_deref(),
                    Some(id.as_str()),
                    "{backend:?} {v}: another sender's status: {}",
                    r.text()
                );
                let category = text_of(&r.body, "StatusCategory");
                let wanted = if v == "1.3" {
                    "responseIsQueued"
                } else {
                    "responseIsAcceptedBySmev"
                };
                assert_eq!(category.as_deref(), Some(wanted), "{backend:?} {v}");
                // Delivered once.
                let r = soap_as(&gw, v, status, Some(token)).await;
                assert!(
                    !has_element(&r.body, "AsyncProcessingStatus"),
                    "{backend:?} {v}: {}",
                    r.text()
                );
                smev::assert_valid_answer(v, &r.body);
            }
        }
        gw.stop().await;
    }
}

/// SMEV's vendor samples name the вид сведений in `MessageTypeSelector` by its request root: that selects the
/// route's answers as the response root does (issue 11, item 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selector_by_the_request_root_carries_the_reply_on_both_stores() {
    let v = "1.3";
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        for text in ["по запросу", "по ответу"] {
            let id = smev::message_id();
            let r = soap(
                &gw,
                v,
                smev::send_request(v, &id, &smev::test_payload("echo", text)),
            )
            .await;
            assert_eq!(r.status, 200, "{backend:?}: {}", r.text());
        }
        let by_request = wait_response(
            &gw,
            v,
            TOKEN_A,
            Some(("urn://gateway/test/1.0", "TestRequest")),
        )
        .await;
        smev::assert_valid_answer(v, &by_request.body);
        assert!(
            has_element(&by_request.body, "TestResponse"),
            "{backend:?}: {}",
            by_request.text()
        );
        let by_answer = wait_response(
            &gw,
            v,
            TOKEN_A,
            Some(("urn://gateway/test/1.0", "TestResponse")),
        )
        .await;
        assert_ne!(
            smev::response_id(&by_request.body),
            smev::response_id(&by_answer.body)
        );
        // A type the gateway neither accepts nor answers with is still unknown.
        let r = soap(
            &gw,
            v,
            smev::get_response(v, Some(("urn:nobody", "Nothing"))),
        )
        .await;
        assert_eq!(
            fault_name(&r.body).as_deref(),
            Some("UnknownMessageType"),
            "{backend:?}"
        );
        gw.stop().await;
    }
}
