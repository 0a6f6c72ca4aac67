//! The demo's mail sink: reports sent through the registry simulator's SMTP server, listed and served back.

use super::*;

/// The demo's mail sink (issue 12): the registry simulator's SMTP server keeps the reports the gateway sends,
/// and lists them at `/__mail` (JSON) and `/__mail/page`, each downloadable as `.eml`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_reach_the_simulators_mail_sink() {
    let (db, keys) = (TestDb::fresh(Backend::Sqlite).await, Keys::new());
    let (sim, smtp_port) = Sim::start_with_mail().await;
    let (day, facts) = yesterdays_facts();
    kit::record(&db.url(), &facts).await;
    let gw = TestGateway::start(&kit::config(&db.url(), &sim.url(), smtp_port, &keys, "")).await;
    let mut listed = Vec::new();
    for _ in 0..300 {
        let r = gateway_e2e::Client::new()
            .get(&format!("{}/__mail", sim.url()), None)
            .await;
        listed = r.json().as_array().cloned().unwrap_or_default();
        if listed.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        listed.len(),
        2,
        "one report per organisation with a profile: {listed:?}"
    );
    let theatre = listed
        .iter()
        .find(|m| m["to"][0].as_str().is_some_and(|t| t.contains("teatr")))
        .expect("the theatre's report");
    assert_eq!(
        theatre["attachments"],
        serde_json::json!([format!("scan-report_{THEATRE}_{day}_{day}.zip")])
    );
    assert!(
        theatre["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("Отчёт о сканировании QR-кодов")),
        "{theatre}"
    );
    let n = theatre["n"].as_u64().expect("n");
    let eml = gateway_e2e::Client::new()
        .get(&format!("{}/__mail/{n}.eml", sim.url()), None)
        .await;
    assert_eq!(
        eml.header("content-type").as_deref(),
        Some("message/rfc822")
    );
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("report.eml");
    std::fs::write(&file, &eml.body).unwrap();
    let read = kit::read(&file, out.path(), false);
    assert_eq!(kit::data_rows(&read).len(), 3, "the theatre's three scans");
    let page = gateway_e2e::Client::new()
        .get(&format!("{}/__mail/page", sim.url()), None)
        .await;
    assert!(page.text().contains(&format!("/__mail/{n}.eml")));
    gw.stop().await;
}
