//! Attachments both ways (issue 11, item 3; contract 1.2.0 `attachments`): files a SendRequest names by reference
//! (`RefAttachmentHeaderList`) reach the plugin as references; files the plugin attaches to its reply reach the
//! sender inline in GetResponseResponse, as MTOM parts when it asks in MTOM, and base64 in the JSON API. On both
//! stores; every SOAP answer valid against the official schemas.

use base64::Engine;
use gateway_e2e::smev::{self, has_element, text_of};
use gateway_e2e::{BACKENDS, Client, Reply, TOKEN_A, test_request_type};
use serde_json::json;

use crate::{soap, start, wait_response};

const REFERENCE: &str = "0b6e1c5a-7f3d-4d52-9a39-2f1d5b8c7e10";
const SCAN: &[u8] = b"%PDF-1.7 scan\r\n--uuid:not-a-boundary";

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A SendRequest of version `v` asking test-doc to send its files back with one more holding `text`: one file
/// inline, one named by reference.
pub(crate) fn request_with_files(v: &str, id: &str, text: &str) -> String {
    let file_name = if v == "1.3" {
        "<b:FileName>большой архив.zip</b:FileName>"
    } else {
        ""
    };
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="{t}" xmlns:b="{b}"><soap:Body><ns:SendRequestRequest><ns:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER"><ns:MessageID>{id}</ns:MessageID>{extra}<b:MessagePrimaryContent>{payload}</b:MessagePrimaryContent><b:AttachmentHeaderList><b:AttachmentHeader><b:contentId>scan</b:contentId><b:MimeType>application/pdf</b:MimeType></b:AttachmentHeader></b:AttachmentHeaderList><b:RefAttachmentHeaderList><b:RefAttachmentHeader><b:uuid>{REFERENCE}</b:uuid>{file_name}<b:Hash>6fWn+3RdOvxOpnNVH4UHOyq1vyd9ahPpx6KqKN/Kzz0=</b:Hash><b:MimeType>application/zip</b:MimeType><b:SignaturePKCS7>{sig}</b:SignaturePKCS7></b:RefAttachmentHeader></b:RefAttachmentHeaderList></ns:SenderProvidedRequestData><b:AttachmentContentList><b:AttachmentContent><b:Id>scan</b:Id><b:Content>{scan}</b:Content></b:AttachmentContent></b:AttachmentContentList></ns:SendRequestRequest></soap:Body></soap:Envelope>"#,
        t = smev::types_ns(v),
        b = smev::basic_ns(v),
        extra = if v == "1.2" {
            format!(
                "<ns:ReferenceMessageID>{id}</ns:ReferenceMessageID><ns:TransactionCode>TX</ns:TransactionCode>"
            )
        } else {
            String::new()
        },
        payload = smev::test_payload("attachments", text),
        sig = b64(&[0x30, 0x82, 0x01, 0x00]),
        scan = b64(SCAN),
    )
}

/// `envelope` posted to `url` the way an MTOM client sends it: one `multipart/related` part, the root.
pub(crate) async fn post_as_mtom(url: &str, envelope: &str) -> Reply {
    let boundary = "uuid:3c1d9e0a-client";
    let body = format!(
        "--{boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\nContent-ID: <root.message@client>\r\n\r\n{envelope}\r\n--{boundary}--\r\n"
    );
    Client::new()
        .post(
            url,
            &format!("multipart/related; type=\"application/xop+xml\"; start=\"<root.message@client>\"; start-info=\"text/xml\"; boundary=\"{boundary}\""),
            body,
            Some(TOKEN_A),
        )
        .await
}

/// The `(contentId, MimeType, content)` of every attachment of a plain (resolved) GetResponseResponse.
fn attachments_of(envelope: &[u8]) -> Vec<(String, String, Vec<u8>)> {
    let ids = smev::texts_of(envelope, "contentId");
    let types = smev::texts_of(envelope, "MimeType");
    let contents = smev::texts_of(envelope, "Content");
    assert_eq!(
        ids.len(),
        contents.len(),
        "{}",
        String::from_utf8_lossy(envelope)
    );
    ids.into_iter()
        .zip(types)
        .zip(contents)
        .map(|((id, mime), content)| {
            let data = base64::engine::general_purpose::STANDARD
                .decode(content.trim())
                .expect("base64");
            (id, mime, data)
        })
        .collect()
}

fn expected_files(text: &str) -> Vec<(String, String, Vec<u8>)> {
    vec![
        ("back-scan".into(), "application/pdf".into(), SCAN.to_vec()),
        ("text".into(), "text/plain".into(), text.as_bytes().to_vec()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_reach_the_plugin_and_reply_files_reach_the_sender_on_both_stores() {
    for backend in BACKENDS {
        let (_db, gw) = start(backend).await;
        for v in ["1.1", "1.2", "1.3"] {
            // Inline: the reply's files in AttachmentHeaderList and AttachmentContentList.
            let text = format!("ответ с файлами {v}");
            let r = soap(&gw, v, request_with_files(v, &smev::message_id(), &text)).await;
            assert!(
                has_element(&r.body, "SendRequestResponse"),
                "{backend:?} {v}: {}",
                r.text()
            );
            let got = wait_response(&gw, v, TOKEN_A, None).await;
            smev::assert_valid_answer(v, &got.body);
            let file_name = if v == "1.3" {
                "большой архив.zip"
            } else {
                ""
            };
            assert_eq!(
                text_of(&got.body, "Output").as_deref(),
                Some(
                    format!(
                        "scan application/pdf {} 37\nref {REFERENCE} application/zip 6fWn+3RdOvxOpnNVH4UHOyq1vyd9ahPpx6KqKN/Kzz0= {file_name}",
                        SCAN.len()
                    )
                    .as_str()
                ),
                "{backend:?} {v}: {}",
                got.text()
            );
            assert_eq!(
                attachments_of(&got.body),
                expected_files(&text),
                "{backend:?} {v}"
            );
            let r = soap(&gw, v, smev::ack(v, &smev::response_id(&got.body))).await;
            assert_eq!(r.status, 200);

            // MTOM: a GetResponse asked in MTOM gets the files as binary parts the envelope includes.
            let text = format!("ответ частями MIME {v}");
            let r = soap(&gw, v, request_with_files(v, &smev::message_id(), &text)).await;
            assert!(has_element(&r.body, "SendRequestResponse"), "{}", r.text());
            let mut answered = None;
            for _ in 0..200 {
                let r = post_as_mtom(&gw.url(&format!("/smev/{v}")), &smev::get_response(v, None))
                    .await;
                assert_eq!(r.status, 200, "{backend:?} {v}: {}", r.text());
                if r.body
                    .windows(b"ResponseMessage".len())
                    .any(|w| w == b"ResponseMessage")
                {
                    answered = Some(r);
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            let mtom = answered.expect("answered within 10 s");
            let content_type = mtom.header("content-type").expect("content type");
            assert!(
                content_type.starts_with("multipart/related")
                    && content_type.contains("application/xop+xml"),
                "{backend:?} {v}: {content_type}"
            );
            assert!(
                mtom.body.windows(SCAN.len()).any(|w| w == SCAN),
                "{backend:?} {v}: the scan travels as binary"
            );
            let root =
                smev_envelope::mtom::resolve(&content_type, &mtom.body).expect("a valid MTOM body");
            smev::assert_valid_answer(v, &root);
            assert_eq!(
                attachments_of(&root),
                expected_files(&text),
                "{backend:?} {v}"
            );
            let r = soap(&gw, v, smev::ack(v, &smev::response_id(&root))).await;
            assert_eq!(r.status, 200);
        }

        // JSON: the synchronous call's answer carries the files base64.
        let r = Client::new()
            .post_json(
                &gw.url("/api/v1/messages"),
                &json!({"type": test_request_type(), "payload": {"action": "attachments", "text": "в JSON"}}),
                Some(TOKEN_A),
            )
            .await;
        assert_eq!(r.status, 200, "{backend:?}: {}", r.text());
        assert_eq!(
            r.json()["attachments"],
            json!([{"contentId": "text", "mimeType": "text/plain", "data": b64("в JSON".as_bytes())}]),
            "{backend:?}"
        );
        gw.stop().await;
    }
}
