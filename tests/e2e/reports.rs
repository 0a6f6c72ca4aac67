//! Scan reports e-mailed to organisations (issue 5), against a real SMTP server (aiosmtpd) started by the
//! tests, in clear or offering STARTTLS with a certificate of a test CA, read back with independent tools:
//! Python's email and zipfile, openpyxl, and the `openssl` CLI.

pub(crate) mod kit;
mod mail_sink;
mod starttls;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use gateway_e2e::artifacts::gateway_bin;
use gateway_e2e::pki::{Ca, Usage};
use gateway_e2e::{Backend, Client, GatewayProcess, Sim, TOKEN_A, TOKEN_B, TestDb, TestGateway};
use gateway_store::Fact;
use serde_json::Value;

use kit::{
    CINEMA, DAY_MS, Keys, MUSEUM, SOLE_TRADER, SPORTS, Sink, THEATRE, UNKNOWN, fact, moscow_day,
};

/// The report history as operator `A` sees it.
async fn history(url: &str, query: &str) -> Vec<Value> {
    let r = Client::new()
        .get(&format!("{url}/api/v1/reports{query}"), Some(TOKEN_A))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["reports"].as_array().cloned().unwrap_or_default()
}

/// Checks one received report completely: envelope and headers, the zip's members (stored), the
/// signature (openssl, against the test CA), and the workbook's rows (openpyxl) against `facts`.
fn check_report(eml: &Path, keys: &Keys, org: &str, day: &str, facts: &[&Fact]) {
    let profiles = kit::profiles();
    let (name, email) = &profiles[org];
    assert_eq!(
        Sink::recipients(eml),
        std::slice::from_ref(email),
        "delivered to the organisation's address"
    );
    let out = tempfile::tempdir().unwrap();
    let r = kit::read(eml, out.path(), false);
    assert_eq!(
        r["headers"]["To"],
        format!("{name} <{email}>"),
        "addressed to the organisation by name"
    );
    assert_eq!(
        r["headers"]["Message-ID"],
        format!("<scan-report.scheduled.{org}.{day}.{day}@gateway.test>")
    );
    let ru_day = format!("{}.{}.{}", &day[8..10], &day[5..7], &day[..4]);
    assert_eq!(
        r["headers"]["Subject"],
        format!("Отчёт о сканировании QR-кодов за {ru_day}")
    );
    let body = r["body"].as_str().unwrap();
    assert!(
        body.contains(&format!(
            "Количество успешных сканирований: {}.",
            facts.len()
        )),
        "{body}"
    );
    let stem = format!("scan-report_{org}_{day}_{day}");
    assert_eq!(r["attachments"], serde_json::json!([format!("{stem}.zip")]));
    let members = r["members"].as_array().unwrap();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [format!("{stem}.xlsx"), format!("{stem}.xlsx.sig")]);
    assert!(
        members.iter().all(|m| m["compression"] == "stored"),
        "{members:?}"
    );
    let (workbook, signature) = (out.path().join(names[0]), out.path().join(names[1]));
    let (ok, said) = kit::openssl_verify(&workbook, &signature, &keys.ca, None);
    assert!(ok, "the signature verifies with openssl cms: {said}");
    let title: Vec<String> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|row| row[0].as_str().map(str::to_owned))
        .collect();
    assert!(
        title.iter().any(|t| t.contains(name.as_str())),
        "the title names the organisation: {title:?}"
    );
    assert!(
        title.iter().any(|t| t.contains(org)),
        "and its ОГРН: {title:?}"
    );
    // How many scans each document type has, in the title and in the e-mail.
    let mut counts = std::collections::BTreeMap::new();
    for f in facts {
        *counts.entry(f.document_type.as_str()).or_insert(0) += 1;
    }
    let summary = format!(
        "В том числе: {}",
        counts
            .iter()
            .map(|(t, n)| format!("{} — {n}", kit::type_name(t)))
            .collect::<Vec<_>>()
            .join("; ")
    );
    assert!(title.contains(&summary), "{summary:?} in {title:?}");
    assert!(body.contains(&summary), "{summary:?} in {body}");
    let header = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row[0] == "№")
        .unwrap()
        .clone();
    assert_eq!(header[1], "Идентификатор факта сканирования");
    assert_eq!(header[3], "Тип документа");
    assert_eq!(
        kit::data_rows(&r),
        kit::expected_rows(facts),
        "exactly the organisation's facts of the period"
    );
}

/// The facts of yesterday (Moscow) with edge cases around both midnights, and facts that must not be in
/// yesterday's reports: the day before, today, another kind, another organisation.
fn yesterdays_facts() -> (String, Vec<Fact>) {
    let (day, start) = moscow_day(-1);
    let s = 1000;
    let mut certificate = fact(
        THEATRE,
        start + 9 * 3600 * s + 30 * 60 * s + 15 * s + 900,
        "scan",
    );
    certificate.document_type = "large-family".into();
    let facts = vec![
        fact(THEATRE, start, "scan"),
        certificate,
        fact(THEATRE, start + DAY_MS - s, "scan"),
        fact(THEATRE, start - s, "scan"),
        fact(THEATRE, start + DAY_MS, "scan"),
        fact(THEATRE, start + 3600 * s, "visit"),
        fact(SPORTS, start + 12 * 3600 * s, "scan"),
        fact(UNKNOWN, start + 3600 * s, "scan"),
    ];
    (day, facts)
}

fn of<'a>(facts: &'a [Fact], org: &str, idx: &[usize]) -> Vec<&'a Fact> {
    idx.iter()
        .map(|i| &facts[*i])
        .filter(|f| f.organisation == org)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_organisation_receives_its_signed_report_and_failures_stay_visible() {
    let (db, sim, sink, keys) = (
        TestDb::fresh(Backend::Sqlite).await,
        Sim::start().await,
        Sink::start(),
        Keys::new(),
    );
    let (day, facts) = yesterdays_facts();
    kit::record(&db.url(), &facts).await;
    let gw = TestGateway::start(&kit::config(&db.url(), &sim.url(), sink.port, &keys, "")).await;
    let mails = sink.wait_for(2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mails = sink
        .messages()
        .into_iter()
        .chain(mails)
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(mails.len(), 2, "one report per organisation with a profile");
    for eml in &mails {
        let to = Sink::recipients(eml);
        let org = if to[0].contains("teatr") {
            THEATRE
        } else {
            SPORTS
        };
        let own = if org == THEATRE {
            of(&facts, org, &[0, 1, 2])
        } else {
            of(&facts, org, &[6])
        };
        check_report(eml, &keys, org, &day, &own);
    }
    let runs = history(&gw.url(""), "").await;
    let by_org = |o: &str| {
        runs.iter()
            .find(|r| r["organisation"] == o)
            .cloned()
            .unwrap_or_else(|| panic!("{o} in {runs:?}"))
    };
    for org in [THEATRE, SPORTS] {
        let r = by_org(org);
        assert_eq!(
            (
                r["status"].as_str(),
                r["kind"].as_str(),
                r["attempts"].as_u64()
            ),
            (Some("sent"), Some("scheduled"), Some(1))
        );
        assert_eq!(r["periodFrom"], day.as_str());
        assert!(
            r["smtpResponse"].as_str().unwrap().starts_with("250"),
            "{r}"
        );
    }
    assert_eq!(by_org(THEATRE)["facts"], 3);
    let unknown = by_org(UNKNOWN);
    assert_eq!(
        unknown["status"], "failed",
        "an organisation without a profile: {unknown}"
    );
    assert!(
        unknown["lastError"]
            .as_str()
            .unwrap()
            .contains("no profile"),
        "{unknown}"
    );
    assert!(unknown["nextAttemptAt"].is_string());
    // Filters, and only operators may read the history.
    assert_eq!(
        history(&gw.url(""), &format!("?org={SPORTS}&status=sent"))
            .await
            .len(),
        1
    );
    assert_eq!(
        history(&gw.url(""), "?from=2000-01-01&to=2000-01-31")
            .await
            .len(),
        0
    );
    let denied = Client::new()
        .get(&gw.url("/api/v1/reports"), Some(TOKEN_B))
        .await;
    assert_eq!(denied.status, 403, "{}", denied.text());
    assert_eq!(
        Client::new()
            .get(&gw.url("/api/v1/reports"), None)
            .await
            .status,
        401
    );
    let bad = Client::new()
        .get(&gw.url("/api/v1/reports?org=123"), Some(TOKEN_A))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text());
    gw.stop().await;
}

/// The report history, once every report in it that has a profile has failed at least twice (within 30 s).
async fn wait_failed_twice(url: &str, orgs: &[&str]) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let runs = history(url, "").await;
        // `attempts` counts the attempt in flight too (taken, `leasedTo` set) while `status` still tells the
        // last one that ended: a run is through its second attempt only once no node holds it.
        let failed_twice = |org: &str| {
            runs.iter().any(|r| {
                r["organisation"] == org
                    && r["status"] == "failed"
                    && r["attempts"].as_u64() >= Some(2)
                    && r["leasedTo"].is_null()
            })
        };
        if orgs.iter().all(|o| failed_twice(o)) {
            return runs;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "not every report of {orgs:?} failed twice: {runs:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_then_a_restart_then_smtp_back_sends_once_and_a_second_run_sends_nothing() {
    let (db, sim, mut sink, keys) = (
        TestDb::fresh(Backend::Sqlite).await,
        Sim::start().await,
        Sink::down(),
        Keys::new(),
    );
    let (day, facts) = yesterdays_facts();
    kit::record(&db.url(), &facts[..6]).await;
    let config = kit::config(&db.url(), &sim.url(), sink.port, &keys, "");
    let gw = TestGateway::start(&config).await;
    let failed = loop {
        let runs = history(&gw.url(""), &format!("?org={THEATRE}")).await;
        if let Some(r) = runs.first().filter(|r| r["attempts"].as_u64() >= Some(2)) {
            break r.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        !failed["lastError"].as_str().unwrap().is_empty(),
        "{failed}"
    );
    gw.stop().await;
    assert!(sink.messages().is_empty());

    let gw = TestGateway::start(&config).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    sink.resume();
    let mails = sink.wait_for(1, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.messages().len(), 1, "sent once");
    check_report(
        &mails[0],
        &keys,
        THEATRE,
        &day,
        &of(&facts, THEATRE, &[0, 1, 2]),
    );
    let r = history(&gw.url(""), "").await;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["status"], "sent");
    assert!(r[0]["attempts"].as_u64().unwrap() >= 3, "{}", r[0]);
    assert_eq!(r[0]["lastError"], Value::Null);
    gw.stop().await;

    // A second run of the scheduler on the same period sends nothing new.
    let gw = TestGateway::start(&config).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.messages().len(), 1, "nothing new");
    assert_eq!(history(&gw.url(""), "").await.len(), 1);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ad_hoc_runs_send_once_and_never_mark_the_scheduled_period() {
    let (db, sim, sink, keys) = (
        TestDb::fresh(Backend::Sqlite).await,
        Sim::start().await,
        Sink::start(),
        Keys::new(),
    );
    let (day, facts) = yesterdays_facts();
    kit::record(&db.url(), &facts).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    let config = kit::config(&db.url(), &sim.url(), sink.port, &keys, "scheduler = false");
    std::fs::write(&file, config.render()).unwrap();
    let run = |extra: &[&str]| {
        let o = Command::new(gateway_bin())
            .args(["report", "run", "--config"])
            .arg(&file)
            .args(["--from", &day, "--to", &day, "--org", THEATRE])
            .args(extra)
            .output()
            .expect("gateway runs");
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let (ok, said) = run(&[]);
    assert!(ok, "{said}");
    assert!(said.contains(&format!("{THEATRE}: sent to")), "{said}");
    let (ok, said) = run(&[]);
    assert!(ok && said.contains("already sent"), "{said}");
    let mails = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(mails.len(), 1, "the second run sent nothing");
    let out = tempfile::tempdir().unwrap();
    let r = kit::read(&mails[0], out.path(), false);
    assert_eq!(
        r["headers"]["Message-ID"],
        format!("<scan-report.adhoc.{THEATRE}.{day}.{day}@gateway.test>")
    );
    assert_eq!(
        kit::data_rows(&r),
        kit::expected_rows(&of(&facts, THEATRE, &[0, 1, 2]))
    );

    // The scheduled period is not marked: the scheduler still sends yesterday's reports.
    let config = kit::config(&db.url(), &sim.url(), sink.port, &keys, "");
    let gw = TestGateway::start(&config).await;
    sink.wait_for(3, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        sink.messages().len(),
        3,
        "the ad hoc one and the two scheduled ones"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_send_one_email_per_organisation_and_period() {
    let (db, sim, sink, keys) = (
        TestDb::fresh(Backend::Postgres).await,
        Sim::start().await,
        Sink::start(),
        Keys::new(),
    );
    let (day, start) = moscow_day(-1);
    let orgs = [THEATRE, SPORTS, MUSEUM, CINEMA, SOLE_TRADER];
    let facts: Vec<Fact> = (0..50)
        .map(|i| fact(orgs[i % orgs.len()], start + i as i64 * 60_000, "scan"))
        .collect();
    kit::record(&db.url(), &facts).await;
    let config = kit::config(&db.url(), &sim.url(), sink.port, &keys, "");
    // Slow profile lookups (800 ms a report) make the work outlast any difference in start-up, so both
    // nodes take reports; both start at once, so their first ticks coincide.
    sim.set_faults("org-profile", 800, 0.0).await;
    let (a, b) = tokio::join!(
        GatewayProcess::spawn(&config),
        GatewayProcess::spawn(&config)
    );
    sink.wait_for(orgs.len(), Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails = sink.messages();
    assert_eq!(
        mails.len(),
        orgs.len(),
        "one e-mail per organisation: {mails:?}"
    );
    let mut recipients: Vec<String> = mails.iter().flat_map(|m| Sink::recipients(m)).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), orgs.len());
    let runs = history(&a.url(""), "").await;
    assert_eq!(runs.len(), orgs.len());
    assert!(
        runs.iter().all(|r| r["status"] == "sent"
            && r["attempts"] == 1
            && r["periodFrom"] == day.as_str()),
        "{runs:?}"
    );
    let mut senders: Vec<&str> = runs.iter().map(|r| r["sentBy"].as_str().unwrap()).collect();
    senders.sort_unstable();
    senders.dedup();
    assert_eq!(senders.len(), 2, "both nodes sent reports: {runs:?}");
    for eml in &mails {
        let to = Sink::recipients(eml);
        let (org, _) = kit::profiles()
            .into_iter()
            .find(|(_, (_, e))| *e == to[0])
            .unwrap();
        let own: Vec<&Fact> = facts.iter().filter(|f| f.organisation == org).collect();
        check_report(eml, &keys, &org, &day, &own);
    }
    a.stop();
    b.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gost_signed_report_verifies_with_openssl() {
    let (db, sim, keys) = (
        TestDb::fresh(Backend::Sqlite).await,
        Sim::start().await,
        Keys::new(),
    );
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("openssl-gost.cnf");
    std::fs::write(
        &conf,
        "openssl_conf = openssl_init\n[openssl_init]\nengines = engines\n[engines]\ngost = gost\n\
         [gost]\nengine_id = gost\ndefault_algorithms = ALL\n",
    )
    .unwrap();
    let openssl = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .env("OPENSSL_CONF", &conf)
            .output()
            .expect("openssl");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    openssl(&[
        "genpkey",
        "-algorithm",
        "gost2012_256",
        "-pkeyopt",
        "paramset:A",
        "-out",
        "gost.key",
    ]);
    openssl(&[
        "req",
        "-new",
        "-key",
        "gost.key",
        "-subj",
        "/CN=GOST report signer",
        "-out",
        "gost.csr",
    ]);
    let (ca, ca_key) = (
        keys.ca.display().to_string(),
        keys.ca_key.display().to_string(),
    );
    openssl(&[
        "x509", "-req", "-in", "gost.csr", "-CA", &ca, "-CAkey", &ca_key, "-days", "2", "-out",
        "gost.pem",
    ]);

    let (day, facts) = yesterdays_facts();
    kit::record(&db.url(), &facts).await;
    let mut config = kit::config(&db.url(), &sim.url(), 9, &keys, "scheduler = false");
    config = config.with(&format!(
        "[crypto]\nopenssl_conf = \"{}\"\n",
        conf.display()
    ));
    let text = config
        .render()
        .replace(
            &keys.cert.display().to_string(),
            &dir.path().join("gost.pem").display().to_string(),
        )
        .replace(
            &keys.key.display().to_string(),
            &dir.path().join("gost.key").display().to_string(),
        );
    let file = dir.path().join("gateway.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let o = Command::new(gateway_bin())
        .args(["report", "run", "--config"])
        .arg(&file)
        .args([
            "--from",
            &day,
            "--to",
            &day,
            "--org",
            THEATRE,
            "--no-send",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("gateway runs");
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let archive = out.join(format!("scan-report_{THEATRE}_{day}_{day}.zip"));
    let unpacked = dir.path().join("unpacked");
    let r = kit::read(&archive, &unpacked, true);
    assert_eq!(
        kit::data_rows(&r),
        kit::expected_rows(&of(&facts, THEATRE, &[0, 1, 2]))
    );
    let (workbook, signature) = (
        unpacked.join(r["workbook"].as_str().unwrap()),
        unpacked.join(r["signature"].as_str().unwrap()),
    );
    let (ok, said) = kit::openssl_verify(&workbook, &signature, &keys.ca, Some(&conf));
    assert!(ok, "the GOST signature verifies: {said}");
    let printed = openssl(&[
        "cms",
        "-cmsout",
        "-print",
        "-inform",
        "DER",
        "-in",
        signature.to_str().unwrap(),
    ]);
    assert!(
        printed.to_lowercase().contains("gost"),
        "a GOST R 34.10-2012 signature: {printed}"
    );
    let mut tampered = std::fs::read(&workbook).unwrap();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    std::fs::write(&workbook, tampered).unwrap();
    let (ok, _) = kit::openssl_verify(&workbook, &signature, &keys.ca, Some(&conf));
    assert!(!ok, "a changed workbook does not verify");
}
