//! Revocation (issue 9): the trust store takes CRL files; a power of attorney signed by a head whose
//! certificate the suite's own CA revoked is refused as `MCHD_CERTIFICATE_REVOKED`; a CRL past its next update
//! fails closed and is named by `gateway check` and, for an authenticated caller, by `/readyz`. An OCSP
//! responder (`openssl ocsp`) is asked where configured; its silence is retryable, never a pass.

use std::path::Path;

use gateway_e2e::goscan::{Goscan, facts, register_active};
use gateway_e2e::mchd::{Kit, Mchd, Person};
use gateway_e2e::{BACKENDS, Backend, Client, Sim, TOKEN_A, TestConfig, TestDb, TestGateway};

use super::*;

/// The goscan config trusting `kit` with `crls`.
fn with_crls(db: &TestDb, sim: &Sim, kit: &Kit, crls: &[&Path]) -> TestConfig {
    TestConfig::new(db.url()).with_goscan(Goscan {
        sim_url: &sim.url(),
        trust_store: kit.ca_pem(),
        openssl_conf: None,
        cache_ttl: "5m",
        crl_files: crls,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_heads_power_of_attorney_is_refused() {
    for backend in BACKENDS {
        let kit = Kit::new();
        let revoked_org = kit.organisation("ООО «Отозванная подпись»");
        let sound_org = kit.organisation("ООО «Действующая подпись»");
        let employee = Person::new("Сканова", "Отзыв", "Тестовна");
        let revoked = kit.confirmed(&Mchd::direct(&revoked_org, &employee));
        let sound = kit.confirmed(&Mchd::direct(&sound_org, &employee));
        // The CA revokes the certificate the head of the first organisation signed with.
        let crl = kit.crl(
            &[(&revoked_org.head, Some(revoked_org.ogrn.as_str()))],
            7,
            "current",
        );
        let sim = Sim::start().await;
        let db = TestDb::fresh(backend).await;
        let config = with_crls(&db, &sim, &kit, &[&crl]);
        let (ok, text) = config.check();
        assert!(ok, "{text}");
        assert!(text.contains("1 revoked"), "{text}");
        let gw = TestGateway::start(&config).await;
        let url = gw.url("/api/v1/messages");
        register_active(&sim, &revoked).await;
        register_active(&sim, &sound).await;
        let guid = qr(&url).await;

        let got = scan(&url, &guid, inline(&revoked_org.ogrn, &employee, &revoked)).await;
        assert_refused(
            &got,
            "MCHD_CERTIFICATE_REVOKED",
            "the head's certificate is revoked",
        );
        let got = scan(&url, &guid, inline(&sound_org.ogrn, &employee, &sound)).await;
        assert_eq!(got["result"], "VALID", "{backend:?}: {got}");
        let recorded = facts(&db).await;
        assert_eq!(recorded.len(), 1, "{backend:?}: {recorded:?}");
        assert_eq!(recorded[0].organisation, sound_org.ogrn);
        gw.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_crl_fails_closed_and_is_reported() {
    let kit = Kit::new();
    let org = kit.organisation("ООО «Просроченный список»");
    let employee = Person::new("Сканова", "Список", "Тестовна");
    let signed = kit.confirmed(&Mchd::direct(&org, &employee));
    let stale = kit.crl(&[], -1, "stale");
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let config = with_crls(&db, &sim, &kit, &[&stale]);

    let (ok, text) = config.check();
    assert!(!ok, "a stale CRL is a problem: {text}");
    assert!(text.contains("past its next update"), "{text}");

    let gw = TestGateway::start(&config).await;
    let client = Client::new();
    // Anyone learns only whether the gateway is ready.
    let anonymous = client.get(&gw.url("/readyz"), None).await;
    assert_eq!(anonymous.status, 200, "{}", anonymous.text());
    assert_eq!(anonymous.json(), serde_json::json!({"status": "ready"}));
    // An authenticated caller reads the particulars, the stale CRL among them.
    let known = client.get(&gw.url("/readyz"), Some(TOKEN_A)).await;
    assert_eq!(known.status, 200);
    let body = known.json();
    assert_eq!(body["store"], "ok", "{body}");
    assert!(
        body["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("past its next update")),
        "{body}"
    );
    // Fail closed: a signature under that CA is not trusted while its CRL is stale.
    register_active(&sim, &signed).await;
    let url = gw.url("/api/v1/messages");
    let guid = qr(&url).await;
    let got = scan(&url, &guid, inline(&org.ogrn, &employee, &signed)).await;
    assert_refused(&got, "MCHD_UNTRUSTED_SIGNER", "a stale CRL");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crl_of_a_ca_not_trusted_is_a_config_error() {
    let kit = Kit::new();
    let stranger = Kit::with_ca_name("Посторонний УЦ (вымышленный)");
    let foreign = stranger.crl(&[], 7, "foreign");
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let (ok, text) = with_crls(&db, &sim, &kit, &[&foreign]).check();
    assert!(!ok, "{text}");
    assert!(
        text.contains("not issued and signed by a CA of [crypto] trust_store"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ocsp_responder_is_asked_and_its_silence_is_never_a_pass() {
    let kit = Kit::new();
    let orgs: Vec<_> = ["Отозванная", "Действующая", "Неизвестная", "Поздняя"]
        .iter()
        .map(|n| kit.organisation(&format!("ООО «{n}»")))
        .collect();
    let employee = Person::new("Сканова", "Ответчик", "Тестовна");
    let signed: Vec<_> = orgs
        .iter()
        .map(|o| kit.confirmed(&Mchd::direct(o, &employee)))
        .collect();
    let head = |i: usize| (&orgs[i].head, Some(orgs[i].ogrn.as_str()));
    let responder = kit.ocsp_responder(&[head(1), head(3)], &[head(0)]);
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let config = with_crls(&db, &sim, &kit, &[]).with(&format!(
        "[crypto.ocsp]\nenabled = true\nresponder = \"{}\"\ntimeout = \"2s\"\n",
        responder.url()
    ));
    let gw = TestGateway::start(&config).await;
    let url = gw.url("/api/v1/messages");
    for s in &signed {
        register_active(&sim, s).await;
    }
    let guid = qr(&url).await;
    let got = scan(&url, &guid, inline(&orgs[0].ogrn, &employee, &signed[0])).await;
    assert_refused(&got, "MCHD_CERTIFICATE_REVOKED", "revoked by the responder");
    let got = scan(&url, &guid, inline(&orgs[1].ogrn, &employee, &signed[1])).await;
    assert_eq!(got["result"], "VALID", "{got}");
    let got = scan(&url, &guid, inline(&orgs[2].ogrn, &employee, &signed[2])).await;
    assert_refused(&got, "MCHD_UNTRUSTED_SIGNER", "unknown to the responder");
    // The responder stops: a signer not asked about yet cannot be checked, and that is no pass.
    drop(responder);
    let r = call(
        &url,
        VERIFY_QR,
        serde_json::json!({"qr": guid, "onBehalfOf": inline(&orgs[3].ogrn, &employee, &signed[3])}),
    )
    .await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.header("retry-after").is_some(), "{}", r.text());
    let recorded = facts(&db).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].organisation, orgs[1].ogrn);
    gw.stop().await;
}
