//! The SVO participant status QR (issue 3) end to end: the MoD showcase simulator, the `svo-status` plugin,
//! the 5-minute rule (shortened here), personal data deleted everywhere after it, several nodes, and a
//! showcase that is down or slow.

use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use gateway_e2e::pii;
use gateway_e2e::smev::{self, text_of};
use gateway_e2e::{
    BACKENDS, Backend, Client, GatewayProcess, Sim, TOKEN_A, TestConfig, TestDb, TestGateway,
    test_request_type,
};
use serde_json::{Value, json};

use crate::{soap, wait_response};

const ISSUE: &str = "{urn://gateway/svo-status/1.0}IssueQrRequest";
const VERIFY: &str = "{urn://gateway/svo-status/1.0}VerifyQrRequest";
/// An invented participant of the simulator's fixtures.
const SNILS: &str = "112-233-445 95";
/// What identifies that participant: the СНИЛС as digits and as written, the last and middle names, the date
/// of birth in ISO and Russian notation. [`pii::find`] searches every column of every table for each, in
/// every encoding it knows.
const PERSONAL: [&str; 6] = [
    "11223344595",
    "112-233-445 95",
    "Образцов",
    "Тестович",
    "1985-03-14",
    "14.03.1985",
];

async fn call(url: &str, message_type: &str, payload: Value) -> gateway_e2e::Reply {
    Client::new()
        .post_json(
            url,
            &json!({"type": message_type, "payload": payload}),
            Some(TOKEN_A),
        )
        .await
}

async fn issue(gw_url: &str, snils: &str) -> gateway_e2e::Reply {
    call(gw_url, ISSUE, json!({"snils": snils})).await
}

async fn verify(gw_url: &str, qr: &str) -> Value {
    let r = call(gw_url, VERIFY, json!({"qr": qr})).await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["payload"].clone()
}

fn svo_config(db: &TestDb, sim: &Sim, ttl: &str) -> TestConfig {
    TestConfig::new(db.url()).with_svo(&sim.url(), ttl)
}

/// Decodes a PNG QR code with zbarimg (an independent decoder).
pub(crate) fn zbar(png: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("qr.png");
    std::fs::write(&file, png).unwrap();
    let out = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&file)
        .output()
        .expect("zbarimg (zbar-tools) is installed");
    assert!(
        out.status.success(),
        "zbarimg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_verify_and_the_ttl_on_both_stores() {
    for backend in BACKENDS {
        let sim = Sim::start().await;
        let db = TestDb::fresh(backend).await;
        let gw = TestGateway::start(&svo_config(&db, &sim, "3s")).await;
        let url = gw.url("/api/v1/messages");

        let r = issue(&url, SNILS).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let first = r.json()["payload"].clone();
        assert_eq!(first["status"], "ISSUED", "{first}");
        // While the QR lives, the search for personal data finds what the gateway keeps for it: the check
        // after the TTL below looks where the data is.
        let live = pii::find(&db, &PERSONAL).await;
        assert!(
            !live.is_empty(),
            "{backend:?}: the participant's data is stored while the QR lives, yet not found"
        );
        let guid = first["guid"].as_str().unwrap().to_owned();
        let link = first["link"].as_str().unwrap().to_owned();
        assert_eq!(link, format!("https://www.gosuslugi.ru/somc2/{guid}"));
        assert_eq!(first["participant"]["lastName"], "Образцов");
        assert!(first["expiresAt"].as_str().unwrap().ends_with('Z'));
        assert!(first["qrSvg"].as_str().unwrap().contains("<svg"));
        let png = base64::engine::general_purpose::STANDARD
            .decode(first["qrPng"].as_str().unwrap())
            .unwrap();
        assert_eq!(zbar(&png), link, "the PNG decodes to exactly the link");

        // Within the TTL: the same QR, and the showcase is not asked again.
        let again = issue(&url, "11223344595").await.json()["payload"].clone();
        assert_eq!(again["guid"], guid.as_str());
        assert_eq!(sim.calls("mod-showcase").await, 1, "{backend:?}");

        // Scans: the link, the bare GUID; as a private person nothing is recorded.
        let v = verify(&url, &link).await;
        assert_eq!(
            (v["result"].as_str(), v["participant"]["firstName"].as_str()),
            (Some("VALID"), Some("Пример"))
        );
        assert!(v.get("scanId").is_none());
        assert_eq!(verify(&url, &guid).await["result"], "VALID");
        assert_eq!(
            verify(&url, &uuid::Uuid::new_v4().to_string()).await["result"],
            "NOT_FOUND"
        );
        assert_eq!(
            verify(&url, "https://example.org/nothing").await["result"],
            "NOT_FOUND"
        );

        // The page the link opens on this gateway.
        let page = Client::new()
            .get(&gw.url(&format!("/somc2/{guid}")), None)
            .await;
        assert_eq!(page.status, 200);
        assert!(
            page.text().contains("Статус участника СВО подтверждён")
                && page.text().contains("Образцов")
        );

        // The same citizen over SOAP, queued and never fetched: its answer holds the data too.
        let payload = format!(
            r#"<s:IssueQrRequest xmlns:s="urn://gateway/svo-status/1.0"><s:Snils>{SNILS}</s:Snils></s:IssueQrRequest>"#
        );
        let r = soap(
            &gw,
            "1.3",
            smev::send_request("1.3", &smev::message_id(), &payload),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());

        // After the TTL: EXPIRED, a new GUID on the next request, and no personal data left anywhere.
        tokio::time::sleep(Duration::from_millis(3500)).await;
        assert_eq!(verify(&url, &guid).await["result"], "EXPIRED");
        let page = Client::new()
            .get(&gw.url(&format!("/somc2/{guid}")), None)
            .await;
        assert_eq!(page.status, 410);
        assert!(!page.text().contains("Образцов"));
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let leaks = pii::find(&db, &PERSONAL).await;
            if leaks.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{backend:?}: personal data remains after the TTL: {leaks:#?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let renewed = issue(&url, SNILS).await.json()["payload"].clone();
        assert_eq!(renewed["status"], "ISSUED");
        assert_ne!(renewed["guid"], guid.as_str());
        assert_eq!(sim.calls("mod-showcase").await, 2);
        gw.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absent_citizens_and_malformed_snils() {
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&svo_config(&db, &sim, "5m")).await;
    let url = gw.url("/api/v1/messages");
    // A valid but fictitious СНИЛС that the showcase does not know.
    let r = issue(&url, "700-800-903 40").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = r.json()["payload"].clone();
    assert_eq!(answer["status"], "NOT_FOUND");
    assert_eq!(
        answer["certificateFormUrl"],
        "https://www.gosuslugi.ru/600554/1/form"
    );
    assert_eq!(sim.calls("mod-showcase").await, 1);
    // A wrong check number: refused at the edge, over JSON and SOAP, without a showcase call.
    let r = issue(&url, "112-233-445 96").await;
    assert_eq!(
        (r.status, r.json()["title"].as_str()),
        (400, Some("InvalidContent")),
        "{}",
        r.text()
    );
    assert!(r.json()["errors"][0].as_str().unwrap().contains("СНИЛС"));
    let payload = r#"<s:IssueQrRequest xmlns:s="urn://gateway/svo-status/1.0"><s:Snils>112-233-445 96</s:Snils></s:IssueQrRequest>"#;
    let r = soap(
        &gw,
        "1.3",
        smev::send_request("1.3", &smev::message_id(), payload),
    )
    .await;
    assert_eq!(
        smev::fault_name(&r.body).as_deref(),
        Some("InvalidContent"),
        "{}",
        r.text()
    );
    smev::assert_valid_answer("1.3", &r.body);
    let r = issue(&url, "12345").await;
    assert_eq!(r.json()["title"], "InvalidContent");
    assert_eq!(
        sim.calls("mod-showcase").await,
        1,
        "no call for malformed numbers"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_soap_cycle_for_svo() {
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&svo_config(&db, &sim, "5m")).await;
    for v in ["1.1", "1.2", "1.3"] {
        let payload = format!(
            r#"<s:IssueQrRequest xmlns:s="urn://gateway/svo-status/1.0"><s:Snils>{SNILS}</s:Snils></s:IssueQrRequest>"#
        );
        soap(&gw, v, smev::send_request(v, &smev::message_id(), &payload)).await;
        let got = wait_response(
            &gw,
            v,
            TOKEN_A,
            Some(("urn://gateway/svo-status/1.0", "IssueQrResponse")),
        )
        .await;
        smev::assert_valid_answer(v, &got.body);
        assert_eq!(
            text_of(&got.body, "Status").as_deref(),
            Some("ISSUED"),
            "{}",
            got.text()
        );
        let link = text_of(&got.body, "Link").unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(text_of(&got.body, "QrPng").unwrap())
            .unwrap();
        assert_eq!(zbar(&png), link);
        soap(&gw, v, smev::ack(v, &smev::response_id(&got.body))).await;

        let payload = format!(
            r#"<s:VerifyQrRequest xmlns:s="urn://gateway/svo-status/1.0"><s:Qr>{link}</s:Qr></s:VerifyQrRequest>"#
        );
        soap(&gw, v, smev::send_request(v, &smev::message_id(), &payload)).await;
        let got = wait_response(
            &gw,
            v,
            TOKEN_A,
            Some(("urn://gateway/svo-status/1.0", "VerifyQrResponse")),
        )
        .await;
        smev::assert_valid_answer(v, &got.body);
        assert_eq!(text_of(&got.body, "Result").as_deref(), Some("VALID"));
        soap(&gw, v, smev::ack(v, &smev::response_id(&got.body))).await;
    }
    assert_eq!(
        sim.calls("mod-showcase").await,
        1,
        "one citizen, one showcase call within the TTL"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_qr_codes_through_postgresql() {
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Postgres).await;
    let config = svo_config(&db, &sim, "5m");
    let a = GatewayProcess::spawn(&config).await;
    let b = GatewayProcess::spawn(&config).await;
    let issued = issue(&a.url("/api/v1/messages"), SNILS).await.json()["payload"].clone();
    assert_eq!(issued["status"], "ISSUED");
    let guid = issued["guid"].as_str().unwrap();
    assert_eq!(
        verify(&b.url("/api/v1/messages"), guid).await["result"],
        "VALID"
    );
    let again = issue(&b.url("/api/v1/messages"), SNILS).await.json()["payload"].clone();
    assert_eq!(again["guid"], guid, "the other node returns the same QR");
    assert_eq!(sim.calls("mod-showcase").await, 1);
    a.stop();
    b.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn showcase_down_or_slow_is_retryable_and_the_gateway_keeps_serving() {
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&svo_config(&db, &sim, "5m")).await;
    let url = gw.url("/api/v1/messages");

    // Slower than the adapter's timeout (400 ms, one retry): while it waits, other requests are served.
    sim.set_faults("mod-showcase", 3000, 0.0).await;
    let slow = tokio::spawn({
        let url = url.clone();
        async move { issue(&url, SNILS).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..5 {
        let started = Instant::now();
        let r = call(
            &url,
            &test_request_type(),
            json!({"action": "echo", "text": "meanwhile"}),
        )
        .await;
        assert_eq!(r.status, 200);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "blocked by the slow showcase: {:?}",
            started.elapsed()
        );
    }
    let r = slow.await.unwrap();
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    assert_eq!(r.json()["title"], "RequestStatus");

    // Over SOAP the same is a RequestStatus.
    let payload = format!(
        r#"<s:IssueQrRequest xmlns:s="urn://gateway/svo-status/1.0"><s:Snils>{SNILS}</s:Snils></s:IssueQrRequest>"#
    );
    soap(
        &gw,
        "1.3",
        smev::send_request("1.3", &smev::message_id(), &payload),
    )
    .await;
    let got = wait_response(&gw, "1.3", TOKEN_A, None).await;
    assert!(
        smev::has_element(&got.body, "RequestStatus"),
        "{}",
        got.text()
    );
    smev::assert_valid_answer("1.3", &got.body);

    // Down: the port is closed.
    sim.stop().await;
    let r = issue(&url, SNILS).await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    gw.stop().await;
}
