//! The console in a real browser (done-when of the console's issue): Debian's headless Chromium, JavaScript
//! off. Log in with the operator's token, find a message in the journal, see a plugin's failure count rise after
//! a failing call, send a failed report again and see it sent. Each browser run is a fresh browser, so each
//! logs in. Screenshots are kept under `<target>/test-artefacts/console/`.

use std::time::{Duration, Instant};

use gateway_e2e::artifacts::artefacts_dir;
use gateway_e2e::browser::Browser;
use gateway_e2e::{Backend, Client, Sim, TOKEN_A, TestDb, TestGateway, smev, test_request_type};
use serde_json::{Value, json};

use super::{OPERATOR_A, send_and_journal};
use crate::reports::kit::{self, Keys, Sink, THEATRE};

/// The kit's quick retries, and retries an hour apart: a failed report then waits for the operator.
const QUICK_RETRY: &str = "retry_initial = \"300ms\"\nretry_max = \"1s\"";
const SLOW_RETRY: &str = "retry_initial = \"1h\"\nretry_max = \"1h\"";

/// THEATRE's report run as `GET /api/v1/reports` shows it, once `done` says it is as awaited (within 30 s).
async fn theatre_report(gw: &TestGateway, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let r = Client::new()
            .get(
                &gw.url(&format!("/api/v1/reports?org={THEATRE}")),
                Some(TOKEN_A),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        if let Some(run) = r.json()["reports"].get(0).filter(|run| done(run)) {
            return run.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "THEATRE's report: {}",
            r.text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The steps of a login with the operator's token, from the console's address (which redirects to the form).
fn login(gw: &TestGateway) -> Vec<Value> {
    vec![
        json!({"viewport": [1280, 900]}),
        json!({"open": gw.url("/console")}),
        json!({"url": "login_url"}),
        json!({"fill": "#token", "value": TOKEN_A}),
        json!({"submit": "form#login"}),
        json!({"status": "logged_in"}),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_finds_a_message_sees_a_failure_counted_and_sends_a_report_again() {
    let (db, sim, mut sink, keys) = (
        TestDb::fresh(Backend::Sqlite).await,
        Sim::start().await,
        Sink::down(),
        Keys::new(),
    );
    let (_, yesterday) = kit::moscow_day(-1);
    kit::record(
        &db.url(),
        &[kit::fact(THEATRE, yesterday + 3_600_000, "scan")],
    )
    .await;
    let mut config = kit::config(&db.url(), &sim.url(), sink.port, &keys, "").with(OPERATOR_A);
    assert!(
        config.extra.contains(QUICK_RETRY),
        "the kit's retries changed"
    );
    config.extra = config.extra.replace(QUICK_RETRY, SLOW_RETRY);
    let gw = TestGateway::start(&config).await;
    // The scheduler makes yesterday's report at once; with no SMTP server it fails and waits an hour.
    let failed = theatre_report(&gw, |r| r["status"] == "failed").await;
    let report = failed["id"].as_i64().expect("a run id");
    let id = smev::message_id();
    send_and_journal(&gw, &id, "в журнал").await;

    let dir = artefacts_dir("console");
    let shot = |name: &str| dir.join(name);
    let browser = Browser::new().failure_screenshot(dir.join("failure.png"));
    let plugin_failures = "tr[data-plugin='test-doc'] td.failures";
    let row = format!("tr[data-report='{report}']");

    // 1. Log in, find the message in the journal, read the plugin's failures.
    let mut steps = login(&gw);
    steps.extend([
        json!({"url": "home"}),
        json!({"text": "#operator", "as": "operator"}),
        json!({"has": "a.skip[href='#main']", "as": "skip_link"}),
        json!({"scripts_run": "scripts"}),
        json!({"screenshot": shot("1-logged-in.png")}),
        json!({"click": "nav a[href='/console/journal']"}),
        json!({"fill": "#message_id", "value": id}),
        json!({"submit": "form#journal-search"}),
        json!({"status": "journal_status"}),
        json!({"texts": "#journal tbody td.message-id", "as": "ids"}),
        json!({"texts": "#journal tbody td.type", "as": "types"}),
        json!({"texts": "#journal tbody td.sender", "as": "senders"}),
        json!({"screenshot": shot("2-journal.png"), "full_page": true}),
        json!({"click": "nav a[href='/console/plugins']"}),
        json!({"text": plugin_failures, "as": "failures"}),
        json!({"screenshot": shot("3-plugins-before.png"), "full_page": true}),
    ]);
    let out = browser.run(&steps).await.expect("the first browser run");
    assert!(
        out.text("login_url").ends_with("/console/login"),
        "{:?}",
        out.values
    );
    assert!(out.text("home").ends_with("/console"), "{:?}", out.values);
    assert_eq!(out.status_of("logged_in"), Some(200));
    assert_eq!(out.text("operator"), "A");
    assert!(out.flag("skip_link"));
    assert!(!out.flag("scripts"), "the console needs no JavaScript");
    assert_eq!(out.status_of("journal_status"), Some(200));
    let ids = out.value("ids").as_array().expect("a list");
    assert!(!ids.is_empty(), "the message is found: {:?}", out.values);
    assert!(ids.iter().all(|v| v == id.as_str()), "{ids:?}");
    assert!(
        out.value("types")
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == test_request_type().as_str())
    );
    assert!(
        out.value("senders")
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s == "A")
    );
    let before: u64 = out
        .text("failures")
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{e}: {:?}", out.values));

    // 2. A call the plugin fails (it panics: a trap), then the SMTP server is back.
    let r = Client::new()
        .post_json(
            &gw.url("/api/v1/messages"),
            &json!({"type": test_request_type(), "payload": {"action": "panic", "text": "сбой"}}),
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(r.status, 502, "{}", r.text());
    sink.resume();

    // 3. Log in again: the failure is counted; the failed report is sent again.
    let mut steps = login(&gw);
    steps.extend([
        json!({"click": "nav a[href='/console/plugins']"}),
        json!({"text": plugin_failures, "as": "failures"}),
        json!({"screenshot": shot("4-plugins-after.png"), "full_page": true}),
        json!({"click": "nav a[href='/console/reports']"}),
        json!({"text": format!("{row} td.status"), "as": "status_before"}),
        json!({"text": format!("{row} td.last-error"), "as": "error"}),
        json!({"screenshot": shot("5-report-failed.png"), "full_page": true}),
        json!({"click": format!("{row} form.resend button")}),
        json!({"url": "after_resend"}),
        json!({"text": "#notice", "as": "notice"}),
        json!({"screenshot": shot("6-report-resent.png"), "full_page": true}),
    ]);
    let out = browser.run(&steps).await.expect("the second browser run");
    let after: u64 = out.text("failures").trim().parse().expect("a count");
    assert_eq!(after, before + 1, "one more failure of test-doc");
    assert_eq!(out.text("status_before"), "ошибка");
    assert!(!out.text("error").trim().is_empty() && out.text("error") != "—");
    assert!(
        out.text("after_resend")
            .ends_with(&format!("/console/reports?resent={report}")),
        "{:?}",
        out.values
    );
    assert_eq!(
        out.text("notice"),
        format!("Отчёт № {report} поставлен на повторную отправку.")
    );

    // 4. Once delivered, the page says so.
    let sent = theatre_report(&gw, |r| r["status"] == "sent").await;
    assert!(sent["attempts"].as_u64() >= Some(2), "{sent}");
    sink.wait_for(1, Duration::from_secs(10)).await;
    let mut steps = login(&gw);
    steps.extend([
        json!({"open": gw.url("/console/reports")}),
        json!({"text": format!("{row} td.status"), "as": "status_after"}),
        json!({"has": format!("{row} form.resend"), "as": "button"}),
        json!({"screenshot": shot("7-report-sent.png"), "full_page": true}),
        json!({"open": gw.url("/console/scans")}),
        json!({"text": format!("tr[data-organisation='{THEATRE}'] td.count"), "as": "scans"}),
        json!({"screenshot": shot("8-scans.png"), "full_page": true}),
        json!({"open": gw.url("/console/routes")}),
        json!({"screenshot": shot("9-routes.png"), "full_page": true}),
        json!({"open": gw.url("/console/adapters")}),
        json!({"text": "tr[data-adapter='test'] td.breaker", "as": "breaker"}),
        json!({"screenshot": shot("10-adapters.png"), "full_page": true}),
        json!({"open": gw.url("/console/queues")}),
        json!({"screenshot": shot("11-queues.png"), "full_page": true}),
    ]);
    let out = browser.run(&steps).await.expect("the third browser run");
    assert_eq!(out.text("status_after"), "отправлен");
    assert!(!out.flag("button"), "a sent report has no button");
    assert_eq!(out.text("scans"), "1");
    assert!(
        out.text("breaker").starts_with("замкнут"),
        "{:?}",
        out.values
    );
    assert_eq!(out.screenshots.len(), 5);
    println!("screenshots: {}", dir.display());
    gw.stop().await;
}
