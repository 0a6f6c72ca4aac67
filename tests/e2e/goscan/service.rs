//! `VerifyMchdRequest` on its own, over JSON and SOAP.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gateway_e2e::goscan::{facts, register_active};
use gateway_e2e::mchd::{Kit, Mchd, Person};
use gateway_e2e::smev::{self, text_of};
use gateway_e2e::{Backend, Sim, TOKEN_A, TestDb, TestGateway};
use serde_json::json;

use super::*;
use crate::{soap, wait_response};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_mchd_request_on_its_own_over_json_and_soap() {
    let kit = Kit::new();
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&config(&db, &sim, &kit, "5m")).await;
    let url = gw.url("/api/v1/messages");
    let org = kit.organisation("ООО «Проверяемое»");
    let employee = Person::new("Доверенная", "Сотрудница", "Тестовна");
    let mchd = Mchd::direct(&org, &employee);
    let signed = kit.confirmed(&mchd);
    register_active(&sim, &signed).await;

    let valid = answer(
        &url,
        VERIFY_MCHD,
        json!({"organisation": org.ogrn, "representative": employee.snils, "mchd": {"xml": STANDARD.encode(&signed.xml), "signature": STANDARD.encode(&signed.signature)}}),
    )
    .await;
    assert_eq!(
        valid,
        json!({"result": "VALID", "number": mchd.number, "organisation": org.ogrn, "organisationName": "ООО «Проверяемое»",
               "issuedOn": mchd.issued, "validUntil": mchd.valid_until})
    );
    let stranger = Person::new("Посторонний", "Человек", "Иванович");
    let invalid = answer(&url, VERIFY_MCHD, json!({"organisation": org.ogrn, "representative": stranger.snils, "mchdNumber": mchd.number})).await;
    assert_eq!(
        (invalid["result"].as_str(), invalid["reasonCode"].as_str()),
        (Some("INVALID"), Some("MCHD_REPRESENTATIVE_MISMATCH"))
    );

    let payload = format!(
        r#"<m:VerifyMchdRequest xmlns:m="urn://gateway/mchd/1.0"><m:Organisation>{}</m:Organisation><m:Representative>{}</m:Representative><m:MchdNumber>{}</m:MchdNumber></m:VerifyMchdRequest>"#,
        org.ogrn, employee.snils, mchd.number
    );
    soap(
        &gw,
        "1.3",
        smev::send_request("1.3", &smev::message_id(), &payload),
    )
    .await;
    let got = wait_response(
        &gw,
        "1.3",
        TOKEN_A,
        Some(("urn://gateway/mchd/1.0", "VerifyMchdResponse")),
    )
    .await;
    smev::assert_valid_answer("1.3", &got.body);
    assert_eq!(
        text_of(&got.body, "Result").as_deref(),
        Some("VALID"),
        "{}",
        got.text()
    );
    let text = got.text();
    let start = text.find("<VerifyMchdResponse").expect("the answer");
    let end = text.find("</VerifyMchdResponse>").expect("closed") + "</VerifyMchdResponse>".len();
    assert_valid_xsd(&text.as_bytes()[start..end], "schemas/mchd/mchd.xsd");
    assert!(facts(&db).await.is_empty(), "verifying is not scanning");
    gw.stop().await;
}

/// `xmllint --schema <repo>/<schema>`.
fn assert_valid_xsd(doc: &[u8], schema: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, doc).expect("write");
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(gateway_e2e::artifacts::repo_root().join(schema))
        .arg(&file)
        .output()
        .expect("xmllint");
    assert!(
        out.status.success(),
        "{}: {}",
        String::from_utf8_lossy(doc),
        String::from_utf8_lossy(&out.stderr)
    );
}
