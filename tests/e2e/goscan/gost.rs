//! A power of attorney signed with GOST R 34.10-2012 (the `openssl` command and the gost engine) verifies in
//! a gateway process whose `[crypto] openssl_conf` loads the engine.

use gateway_e2e::goscan::{Goscan, facts, register_active};
use gateway_e2e::mchd::check::{openssl_verify, xmllint};
use gateway_e2e::mchd::gost::GostPki;
use gateway_e2e::mchd::{Kit, Mchd, Person, Signed};
use gateway_e2e::{Backend, GatewayProcess, Sim, TestConfig, TestDb};
use serde_json::json;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gost_signed_power_of_attorney_verifies() {
    let gost = GostPki::new();
    let kit = Kit::new();
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let org = kit.organisation("ФГБУК «ГОСТ-театр»");
    let employee = Person::new("Гостева", "Подпись", "Стрибоговна");
    let mchd = Mchd::direct(&org, &employee);
    let xml = mchd.to_xml();
    let head = gost.signer(&org.head);
    let signature = gost.sign_detached(&xml, &head);
    // Confirmed without the gateway: the schema, and openssl with the gost engine against the GOST CA.
    xmllint(&xml).expect("valid against the ФНС schema");
    openssl_verify(&xml, &signature, gost.ca_pem(), Some(gost.conf()))
        .expect("openssl verifies the GOST signature");
    let signed = Signed { xml, signature };
    register_active(&sim, &signed).await;

    let config = TestConfig::new(db.url()).with_goscan(Goscan {
        sim_url: &sim.url(),
        trust_store: gost.ca_pem(),
        openssl_conf: Some(gost.conf()),
        cache_ttl: "0s",
        crl_files: &[],
    });
    let gw = GatewayProcess::spawn(&config).await;
    let url = gw.url("/api/v1/messages");
    let checked = answer(&url, VERIFY_MCHD, json!({"organisation": org.ogrn, "representative": employee.snils, "mchdNumber": mchd.number})).await;
    assert_eq!(checked["result"], "VALID", "{checked}");
    let guid = qr(&url).await;
    let got = scan(&url, &guid, inline(&org.ogrn, &employee, &signed)).await;
    assert_eq!(got["result"], "VALID", "{got}");
    // Signed with GOST by someone else: not the registered signature; and once registered so (the simulated
    // registry takes any signature), refused by who signed, not by the algorithm.
    let by_employee = Signed {
        xml: signed.xml.clone(),
        signature: gost.sign_detached(&signed.xml, &gost.signer(&employee)),
    };
    let wrong = scan(&url, &guid, inline(&org.ogrn, &employee, &by_employee)).await;
    assert_refused(
        &wrong,
        "MCHD_NOT_THE_REGISTERED_DOCUMENT",
        "a GOST signature by the employee, not the registered one",
    );
    register_active(&sim, &by_employee).await;
    let wrong = scan(&url, &guid, by_number(&org.ogrn, &employee, &mchd.number)).await;
    assert_refused(
        &wrong,
        "MCHD_WRONG_SIGNER",
        "a GOST signature by the employee",
    );
    gw.stop();
    let recorded = facts(&db).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].organisation, org.ogrn);
}
