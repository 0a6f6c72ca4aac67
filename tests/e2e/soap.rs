//! The SMEV cycle SendRequest → GetResponse → Ack in every version, on both stores, with every answer and
//! fault checked against the official schemas of its version.

use gateway_e2e::smev::{self, assert_valid_answer, fault_name, has_element, text_of};
use gateway_e2e::{BACKENDS, TOKEN_A};

use crate::{soap, start, wait_response};

const VERSIONS: [&str; 3] = ["1.1", "1.2", "1.3"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_get_ack_in_every_version_on_both_stores() {
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        for v in VERSIONS {
            let id = smev::message_id();
            let r = soap(
                &gw,
                v,
                smev::send_request(v, &id, &smev::test_payload("echo", "привет")),
            )
            .await;
            assert_eq!(r.status, 200, "{v} {backend:?}: {}", r.text());
            assert!(has_element(&r.body, "SendRequestResponse"));
            assert_eq!(text_of(&r.body, "MessageId").as_deref(), Some(id.as_str()));
            assert_valid_answer(v, &r.body);

            let got = wait_response(&gw, v, TOKEN_A, None).await;
            assert_valid_answer(v, &got.body);
            assert_eq!(
                text_of(&got.body, "OriginalMessageId").as_deref(),
                Some(id.as_str()),
                "{v}"
            );
            assert_eq!(text_of(&got.body, "Text").as_deref(), Some("привет"));
            // The policy step ran first and left its note for the document plugin.
            assert_eq!(text_of(&got.body, "Value").as_deref(), Some("passed"));
            if v == "1.2" {
                assert_eq!(
                    text_of(&got.body, "OriginalTransactionCode"),
                    Some(format!("TX-{id}"))
                );
            }
            let response_id = smev::response_id(&got.body);
            let acked = soap(&gw, v, smev::ack(v, &response_id)).await;
            assert_eq!(acked.status, 200, "{}", acked.text());
            assert!(has_element(&acked.body, "AckResponse"));
            assert_valid_answer(v, &acked.body);

            // The queue is empty now: an empty GetResponseResponse, valid too.
            let empty = soap(&gw, v, smev::get_response(v, None)).await;
            assert!(
                !has_element(&empty.body, "ResponseMessage"),
                "{}",
                empty.text()
            );
            assert_valid_answer(v, &empty.body);
        }
        gw.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_and_statuses_reach_the_sender() {
    let (_db, gw) = start(gateway_e2e::Backend::Sqlite).await;
    for v in VERSIONS {
        let id = smev::message_id();
        soap(
            &gw,
            v,
            smev::send_request(v, &id, &smev::test_payload("reject", "x")),
        )
        .await;
        let got = wait_response(&gw, v, TOKEN_A, None).await;
        assert_valid_answer(v, &got.body);
        assert_eq!(
            text_of(&got.body, "RejectionReasonCode").as_deref(),
            Some("NO_DATA"),
            "{}",
            got.text()
        );
        soap(&gw, v, smev::ack(v, &smev::response_id(&got.body))).await;

        let id = smev::message_id();
        soap(
            &gw,
            v,
            smev::send_request(v, &id, &smev::test_payload("status", "x")),
        )
        .await;
        let got = wait_response(&gw, v, TOKEN_A, None).await;
        assert_valid_answer(v, &got.body);
        assert!(has_element(&got.body, "RequestStatus"), "{}", got.text());
        assert!(text_of(&got.body, "StatusDescription").is_some());
        soap(&gw, v, smev::ack(v, &smev::response_id(&got.body))).await;

        // A policy denial is rendered by the document plugin (test-doc echoes the denial).
        let id = smev::message_id();
        let payload = r#"<t:TestRequest xmlns:t="urn://gateway/test/1.0"><t:Action>echo</t:Action><t:Policy>deny</t:Policy></t:TestRequest>"#;
        soap(&gw, v, smev::send_request(v, &id, payload)).await;
        let got = wait_response(&gw, v, TOKEN_A, None).await;
        assert_eq!(
            text_of(&got.body, "Code").as_deref(),
            Some("TEST_DENIED"),
            "{}",
            got.text()
        );
        soap(&gw, v, smev::ack(v, &smev::response_id(&got.body))).await;
    }
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_request_faults_are_those_of_the_wsdl_and_valid() {
    let (_db, gw) = start(gateway_e2e::Backend::Sqlite).await;
    for v in VERSIONS {
        // Unknown payload type.
        let r = soap(
            &gw,
            v,
            smev::send_request(
                v,
                &smev::message_id(),
                r#"<x:Unknown xmlns:x="urn:nobody"/>"#,
            ),
        )
        .await;
        assert_eq!(r.status, 500);
        assert_eq!(
            fault_name(&r.body).as_deref(),
            Some("BusinessDataTypeIsNotSupported"),
            "{}",
            r.text()
        );
        assert_valid_answer(v, &r.body);
        // Schema violation.
        let bad = r#"<t:TestRequest xmlns:t="urn://gateway/test/1.0"><t:Action>fly</t:Action></t:TestRequest>"#;
        let r = soap(&gw, v, smev::send_request(v, &smev::message_id(), bad)).await;
        assert_eq!(
            fault_name(&r.body).as_deref(),
            Some("InvalidContent"),
            "{}",
            r.text()
        );
        assert_valid_answer(v, &r.body);
        // A MessageID that is not a UUID; a version-4 UUID where SMEV wants version 1.
        for id in ["not-a-uuid", &uuid::Uuid::new_v4().to_string()] {
            let r = soap(
                &gw,
                v,
                smev::send_request(v, id, &smev::test_payload("echo", "x")),
            )
            .await;
            let name = fault_name(&r.body);
            assert!(
                matches!(
                    name.as_deref(),
                    Some("InvalidMessageIdFormat") | Some("InvalidContent")
                ),
                "{v} {id}: {}",
                r.text()
            );
            assert_valid_answer(v, &r.body);
        }
        // The same MessageID twice.
        let id = smev::message_id();
        let first = soap(
            &gw,
            v,
            smev::send_request(v, &id, &smev::test_payload("echo", "once")),
        )
        .await;
        assert_eq!(first.status, 200);
        let again = soap(
            &gw,
            v,
            smev::send_request(v, &id, &smev::test_payload("echo", "twice")),
        )
        .await;
        assert_eq!(
            fault_name(&again.body).as_deref(),
            Some("MessageIsAlreadySent"),
            "{}",
            again.text()
        );
        assert_valid_answer(v, &again.body);
        let got = wait_response(&gw, v, TOKEN_A, None).await;
        assert_eq!(text_of(&got.body, "Text").as_deref(), Some("once"));
        soap(&gw, v, smev::ack(v, &smev::response_id(&got.body))).await;
        // Ack of an unknown message; GetResponse with a selector of a type no route produces.
        let r = soap(&gw, v, smev::ack(v, &smev::message_id())).await;
        assert_eq!(
            fault_name(&r.body).as_deref(),
            Some("TargetMessageIsNotFound"),
            "{}",
            r.text()
        );
        assert_valid_answer(v, &r.body);
        let r = soap(
            &gw,
            v,
            smev::get_response(v, Some(("urn:nobody", "Nothing"))),
        )
        .await;
        assert_eq!(
            fault_name(&r.body).as_deref(),
            Some("UnknownMessageType"),
            "{}",
            r.text()
        );
        assert_valid_answer(v, &r.body);
    }
    // No second answer was produced for the repeated MessageIDs.
    for v in VERSIONS {
        let empty = soap(&gw, v, smev::get_response(v, None)).await;
        assert!(
            !has_element(&empty.body, "ResponseMessage"),
            "{}",
            empty.text()
        );
    }
    gw.stop().await;
}
