//! Report e-mail over STARTTLS to a real TLS SMTP server, and never in clear to one whose certificate the
//! gateway does not trust.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_go_over_starttls_and_never_in_clear_to_an_untrusted_server() {
    let (sim, keys, pki) = (
        Sim::start().await,
        Keys::new(),
        tempfile::tempdir().unwrap(),
    );
    // The mail server's CA, which the gateway trusts (`[smtp] ca`), and a CA it does not trust; both issue
    // server certificates for 127.0.0.1.
    let mail_ca = Ca::new("Тестовый УЦ почтового сервера");
    let (mail_ca_pem, _) = mail_ca.issued.write(pki.path(), "mail-ca");
    let (cert, key) = mail_ca
        .issue("127.0.0.1", &[], Usage::Server)
        .write(pki.path(), "mail");
    let (rogue_cert, rogue_key) = Ca::new("Чужой УЦ")
        .issue("127.0.0.1", &[], Usage::Server)
        .write(pki.path(), "rogue");
    let (day, facts) = yesterdays_facts();
    let starttls = |port| kit::smtp(port, "starttls", Some(&mail_ca_pem));

    // A trusted server, which would take mail in clear too: both reports arrive, each over TLS, and no MAIL
    // FROM was sent before the upgrade.
    let sink = Sink::start_tls(&cert, &key);
    let db = TestDb::fresh(Backend::Sqlite).await;
    kit::record(&db.url(), &facts).await;
    let config = kit::config_with_smtp(&db.url(), &sim.url(), &starttls(sink.port), &keys, "");
    let gw = TestGateway::start(&config).await;
    sink.wait_for(2, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 2, "one report per organisation with a profile");
    for eml in &mails {
        let tls = Sink::tls(eml).unwrap_or_else(|| panic!("{eml:?} arrived in clear"));
        assert!(
            tls["version"]
                .as_str()
                .is_some_and(|v| v == "TLSv1.2" || v == "TLSv1.3"),
            "{tls}"
        );
        let org = if Sink::recipients(eml)[0].contains("teatr") {
            THEATRE
        } else {
            SPORTS
        };
        let idx: &[usize] = if org == THEATRE { &[0, 1, 2] } else { &[6] };
        check_report(eml, &keys, org, &day, &of(&facts, org, idx));
    }
    let sessions = sink.sessions();
    let mail_from: Vec<&Value> = sessions.iter().filter(|e| e["event"] == "mail").collect();
    assert!(
        mail_from.len() == 2 && mail_from.iter().all(|e| e["tls"] == true),
        "two MAIL FROM, each after STARTTLS: {sessions:?}"
    );
    let runs = history(&gw.url(""), "").await;
    for org in [THEATRE, SPORTS] {
        assert!(
            runs.iter()
                .any(|r| r["organisation"] == org && r["status"] == "sent" && r["attempts"] == 1),
            "{org}: {runs:?}"
        );
    }
    gw.stop().await;

    // A server whose certificate comes from a CA the gateway does not trust, and which would take mail in
    // clear: the gateway starts TLS, refuses the certificate, sends nothing, and records the failures.
    let rogue = Sink::start_tls(&rogue_cert, &rogue_key);
    let db = TestDb::fresh(Backend::Sqlite).await;
    kit::record(&db.url(), &facts).await;
    let config = kit::config_with_smtp(&db.url(), &sim.url(), &starttls(rogue.port), &keys, "");
    let gw = TestGateway::start(&config).await;
    let runs = wait_failed_twice(&gw.url(""), &[THEATRE, SPORTS]).await;
    gw.stop().await;
    assert!(
        runs.iter().all(|r| r["status"] == "failed"),
        "nothing is recorded as sent: {runs:?}"
    );
    for r in runs.iter().filter(|r| r["organisation"] != UNKNOWN) {
        let error = r["lastError"].as_str().unwrap_or_default().to_lowercase();
        assert!(error.contains("certificate"), "{r}");
        assert!(r["nextAttemptAt"].is_string(), "retried later: {r}");
    }
    assert_eq!(
        rogue.messages(),
        Vec::<std::path::PathBuf>::new(),
        "nothing arrived"
    );
    // Every attempt asked for STARTTLS: two per organisation, each through (see `wait_failed_twice`). The sink
    // records the request before it answers it, so a failure the gateway recorded is in the sink's log.
    let sessions = rogue.sessions();
    let starttls = sessions.iter().filter(|e| e["event"] == "starttls").count();
    assert!(
        starttls >= 4,
        "every attempt asked for STARTTLS: {sessions:?}"
    );
    assert!(
        !sessions
            .iter()
            .any(|e| e["event"] == "mail" || e["event"] == "tls"),
        "no session got past the certificate, in clear or over TLS: {sessions:?}"
    );
}
