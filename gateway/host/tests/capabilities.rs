//! Host capabilities, called by test-doc through fake gateway services: registry, facts, tokens, QR, config,
//! crypto, XML Schema, ids, attachments.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{DEADLINE, host_with_plugins, json_reply, json_request};
use gateway_host::Fact;
use serde_json::{Value, json};

async fn answer(host: &gateway_host::PluginHost, fields: Value) -> Value {
    let invocation = host
        .invoke("test-doc", json_request(fields), DEADLINE)
        .await
        .expect("the action answers");
    json_reply(&invocation.outcome)
}

#[tokio::test]
async fn registry_calls_reach_the_adapter_with_the_call_context() {
    let (host, services) = host_with_plugins().await;
    let ok = answer(
        &host,
        json!({"action": "adapter", "adapter": "echo", "operation": "find", "input": "{\"q\":1}"}),
    )
    .await;
    assert_eq!(ok["output"], "find:{\"q\":1}");
    assert_eq!(ok.get("errorKind"), None);

    let down = answer(
        &host,
        json!({"action": "adapter", "adapter": "down", "operation": "find"}),
    )
    .await;
    assert_eq!(down["errorKind"], "unavailable");
    assert_eq!(down["output"], "the registry is down");
    let unknown = answer(
        &host,
        json!({"action": "adapter", "adapter": "nope", "operation": "find"}),
    )
    .await;
    assert_eq!(unknown["errorKind"], "invalid");

    let calls = services.calls();
    assert_eq!(calls.len(), 3);
    let (cx, adapter, operation) = &calls[0];
    assert_eq!(
        (
            cx.plugin.as_str(),
            cx.message_id.as_str(),
            cx.sender.as_str()
        ),
        ("test-doc", "msg-1", "TEST_SENDER")
    );
    assert_eq!((adapter.as_str(), operation.as_str()), ("echo", "find"));
}

#[tokio::test]
async fn recorded_facts_are_returned_with_the_outcome() {
    let (host, _) = host_with_plugins().await;
    let before = now_ms();
    let request =
        json_request(json!({"action": "fact", "organisation": "1027700132195", "text": "scan-1"}));
    let invocation = host
        .invoke("test-doc", request, DEADLINE)
        .await
        .expect("answers");
    assert_eq!(json_reply(&invocation.outcome)["text"], "scan-1");
    let [fact]: [Fact; 1] = invocation.facts.try_into().expect("exactly one fact");
    assert_eq!(fact.kind, "test");
    assert_eq!(fact.organisation, "1027700132195");
    assert_eq!(fact.document_type, "test-doc");
    assert_eq!(
        fact.attributes,
        [("text".to_string(), "scan-1".to_string())]
    );
    assert!(fact.occurred_at >= before && fact.occurred_at <= now_ms());
}

#[tokio::test]
async fn tokens_are_issued_found_and_looked_up_across_invocations() {
    let (host, _) = host_with_plugins().await;
    let issued = answer(
        &host,
        json!({"action": "token-issue", "scope": "qr", "subject": "citizen-1", "text": "payload", "ttlMs": 60000}),
    )
    .await;
    let token = &issued["token"];
    let id = token["id"].as_str().expect("an id").to_owned();
    assert_eq!(token["data"], "payload");
    assert_eq!(
        token["expiresAt"].as_u64().expect("expiry") - token["issuedAt"].as_u64().expect("issue"),
        60_000
    );

    let again = answer(
        &host,
        json!({"action": "token-issue", "scope": "qr", "subject": "citizen-1", "text": "other"}),
    )
    .await;
    assert_eq!(
        again["token"]["id"],
        id.as_str(),
        "a live token of the subject is reused"
    );

    let live = answer(
        &host,
        json!({"action": "token-get", "scope": "qr", "tokenId": id}),
    )
    .await;
    assert_eq!(live["tokenState"], "live");
    assert_eq!(live["token"]["data"], "payload");
    let found = answer(
        &host,
        json!({"action": "token-find", "scope": "qr", "subject": "citizen-1"}),
    )
    .await;
    assert_eq!(found["token"]["id"], id.as_str());
    let unknown = answer(
        &host,
        json!({"action": "token-get", "scope": "qr", "tokenId": "tok-999"}),
    )
    .await;
    assert_eq!(unknown["tokenState"], "unknown");
    let other_scope = answer(
        &host,
        json!({"action": "token-find", "scope": "mchd", "subject": "citizen-1"}),
    )
    .await;
    assert_eq!(other_scope["tokenState"], "unknown");
}

#[tokio::test]
async fn qr_codes_come_back_as_png_and_svg() {
    let (host, _) = host_with_plugins().await;
    let qr = answer(
        &host,
        json!({"action": "qr", "text": "https://www.gosuslugi.ru/somc2/3f2b"}),
    )
    .await;
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(qr["png"].as_str().expect("png"))
        .expect("base64");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(qr["svg"].as_str().expect("svg").contains("<svg"));
}

#[tokio::test]
async fn the_plugin_reads_its_config() {
    let (host, _) = host_with_plugins().await;
    let config = answer(&host, json!({"action": "config"})).await;
    let parsed: Value =
        serde_json::from_str(config["output"].as_str().expect("output")).expect("JSON");
    assert_eq!(parsed, json!({"greeting": "hello"}));
}

#[tokio::test]
async fn signatures_are_verified_by_the_host() {
    let (host, _) = host_with_plugins().await;
    let good = answer(
        &host,
        json!({"action": "verify", "text": "doc", "signature": "good"}),
    )
    .await;
    assert_eq!(good["output"], "CN=Test Signer, content=doc");
    let bad = answer(
        &host,
        json!({"action": "verify", "text": "doc", "signature": "forged"}),
    )
    .await;
    assert_eq!(bad["errorKind"], "bad-signature");
    let untrusted = answer(
        &host,
        json!({"action": "verify", "text": "doc", "signature": "untrusted"}),
    )
    .await;
    assert_eq!(untrusted["errorKind"], "untrusted");
}

#[tokio::test]
async fn xml_is_validated_by_the_host() {
    let (host, _) = host_with_plugins().await;
    let valid = answer(
        &host,
        json!({"action": "validate", "namespace": "urn:valid", "text": "<a/>"}),
    )
    .await;
    assert_eq!(valid["output"], "valid");
    let invalid = answer(
        &host,
        json!({"action": "validate", "namespace": "urn:other", "text": "<a/>"}),
    )
    .await;
    assert_eq!(invalid["output"], "no schema for urn:other (4 bytes)");
}

#[tokio::test]
async fn ids_are_random_uuids_and_the_clock_is_now() {
    let (host, _) = host_with_plugins().await;
    let first = answer(&host, json!({"action": "ids"})).await;
    let second = answer(&host, json!({"action": "ids"})).await;
    let uuid = first["uuid"].as_str().expect("uuid");
    let parsed = uuid::Uuid::parse_str(uuid).expect("a UUID");
    assert_eq!(parsed.get_version_num(), 4);
    assert_eq!(uuid, uuid.to_lowercase());
    assert_ne!(first["uuid"], second["uuid"]);
    let now = first["nowMs"].as_u64().expect("now");
    assert!(now.abs_diff(now_ms()) < 60_000);
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

/// `attachments` (contract 1.2.0): the plugin reads the request's references and attaches files to its reply,
/// within the host's limits; a reply carries them, another outcome does not.
#[tokio::test]
async fn references_reach_the_plugin_and_attached_files_the_reply() {
    let limits = gateway_host::AttachmentLimits {
        max_files: 2,
        max_bytes: 64,
    };
    let (host, _services) = common::host_with(
        gateway_host::HostConfig {
            reply_attachments: limits,
            ..common::test_config(8)
        },
        "{}",
    )
    .await;
    let mut request = json_request(json!({"action": "attachments", "text": "скан"}));
    request.attachments = vec![gateway_host::Attachment {
        content_id: "scan".into(),
        mime_type: "application/pdf".into(),
        data: b"%PDF".to_vec(),
    }];
    request.references = vec![gateway_host::AttachmentReference {
        uuid: "0b6e1c5a-7f3d-4d52-9a39-2f1d5b8c7e10".into(),
        file_name: Some("big.zip".into()),
        hash: "AAAA".into(),
        mime_type: "application/zip".into(),
        signature_pkcs7: None,
    }];
    let invocation = host
        .invoke("test-doc", request.clone(), DEADLINE)
        .await
        .expect("answers");
    let gateway_host::Outcome::Reply(reply) = &invocation.outcome else {
        panic!("a reply: {:?}", invocation.outcome)
    };
    assert_eq!(
        json_reply(&invocation.outcome)["output"],
        "scan application/pdf 4 37\nref 0b6e1c5a-7f3d-4d52-9a39-2f1d5b8c7e10 application/zip AAAA big.zip"
    );
    let attached: Vec<_> = reply
        .attachments
        .iter()
        .map(|a| {
            (
                a.content_id.as_str(),
                a.mime_type.as_str(),
                a.data.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        attached,
        [
            ("back-scan", "application/pdf", b"%PDF".as_slice()),
            ("text", "text/plain", "скан".as_bytes()),
        ]
    );

    // One file more than the limit: the plugin's attach fails, and so does its call.
    request.attachments.push(gateway_host::Attachment {
        content_id: "second".into(),
        mime_type: "image/png".into(),
        data: vec![1],
    });
    let refused = host
        .invoke("test-doc", request, DEADLINE)
        .await
        .expect_err("three files where two are allowed");
    assert!(
        refused.to_string().contains("at most 2 attachments"),
        "{refused}"
    );
}
