//! The large-family certificate (issue 12, item 1; seed 002) end to end: the `large-family` plugin, the
//! `large-family-bank` adapter and the simulated data bank, behind the МЧД policy step. Every outcome on both
//! stores: found (the family and the number of children, no child's name or birth date unless the operator
//! enables the names), not found, expired, annulled, a QR that holds no certificate, the bank unavailable
//! (retryable); a scan for an organisation with a valid МЧД recorded with its document type, a private scan
//! not; a refused МЧД with the seed's advice. Over JSON and SOAP.

use gateway_e2e::goscan::{facts, register_active};
use gateway_e2e::mchd::{Kit, Mchd, Person};
use gateway_e2e::smev::{text_of, texts_of};
use gateway_e2e::{BACKENDS, Sim, TestDb, TestGateway};
use serde_json::json;

use super::*;

const VERIFY: &str = "{urn://gateway/large-family/1.0}VerifyCertificateRequest";
const NS: &str = "urn://gateway/large-family/1.0";
/// The simulator's certificates: active, expired (valid until 2024), annulled.
const ACTIVE: &str = "https://www.gosuslugi.ru/mnogodet/77-0012345";
const EXPIRED: &str = "50-0000777";
const ANNULLED: &str = "https://www.gosuslugi.ru/mnogodet/78-0004242/";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_outcome_of_a_certificate_scan_on_both_stores() {
    for backend in BACKENDS {
        let Setup {
            kit,
            sim,
            db,
            gw,
            url,
        } = Setup::start(backend, "").await;
        let verify = |qr: &str| answer(&url, VERIFY, json!({"qr": qr}));

        // Found: what the seed's screen shows, and no more.
        let found = verify(ACTIVE).await;
        assert_eq!(found["result"], "VALID", "{backend:?}: {found}");
        let certificate = &found["certificate"];
        assert_eq!(certificate["number"], "77-0012345");
        assert_eq!(certificate["validUntil"], "2031-02-01");
        assert_eq!(certificate["region"], "г. Москва");
        assert_eq!(certificate["parent"][0]["lastName"], "Многодетова");
        assert_eq!(certificate["parent"][1]["firstName"], "Сергей");
        assert_eq!(certificate["childrenCount"], 3);
        assert!(certificate.get("child").is_none(), "{found}");
        let text = found.to_string();
        assert!(
            !text.contains("Иван") && !text.contains("2012-04-03"),
            "no child's name or birth date by default: {text}"
        );
        assert!(
            found.get("scanId").is_none(),
            "a private scan is not recorded"
        );

        // The distinct variants of "not found".
        for (qr, result) in [
            ("77-0099999", "NOT_FOUND"),
            (EXPIRED, "EXPIRED"),
            (ANNULLED, "ANNULLED"),
            (
                "https://www.gosuslugi.ru/somc2/not-a-certificate",
                "QR_NOT_RECOGNISED",
            ),
            ("просто текст", "QR_NOT_RECOGNISED"),
        ] {
            let a = verify(qr).await;
            assert_eq!(a["result"], result, "{backend:?}, {qr}: {a}");
            assert!(a["message"].as_str().is_some_and(|m| !m.is_empty()), "{a}");
            assert!(a.get("scanId").is_none(), "{a}");
        }

        // For an organisation with a valid МЧД: recorded with the document type; a refused one gets the advice.
        let org = kit.organisation("ООО «Детский центр»");
        let employee = Person::new("Проверкина", "Семья", "Многодетовна");
        let signed = kit.sign(&Mchd::direct(&org, &employee));
        let number = register_active(&sim, &signed).await;
        assert!(facts(&db).await.is_empty(), "{backend:?}");
        let recorded = answer(
            &url,
            VERIFY,
            json!({"qr": ACTIVE, "onBehalfOf": by_number(&org.ogrn, &employee, &number)}),
        )
        .await;
        assert_eq!(recorded["result"], "VALID", "{backend:?}: {recorded}");
        assert_eq!(recorded["organisation"], org.ogrn.as_str());
        let rows = facts(&db).await;
        assert_eq!(rows.len(), 1, "{backend:?}: {rows:?}");
        assert_eq!(
            (
                rows[0].organisation.as_str(),
                rows[0].document_type.as_str()
            ),
            (org.ogrn.as_str(), "large-family")
        );
        assert_eq!(Some(rows[0].id.as_str()), recorded["scanId"].as_str());
        let stranger = Person::new("Чужова", "Без", "Доверенности");
        let refused = answer(
            &url,
            VERIFY,
            json!({"qr": ACTIVE, "onBehalfOf": by_number(&org.ogrn, &stranger, &number)}),
        )
        .await;
        assert_eq!(refused["result"], "MCHD_INVALID", "{backend:?}: {refused}");
        assert_eq!(refused["advice"], ADVICE);
        assert!(refused.get("certificate").is_none(), "{refused}");
        assert_eq!(facts(&db).await.len(), 1, "a refused scan records nothing");

        // SOAP: the same certificate as XML, its answer valid against the plugin's schema via the SMEV envelope.
        let payload = format!(
            r#"<f:VerifyCertificateRequest xmlns:f="{NS}"><f:Qr>{ACTIVE}</f:Qr></f:VerifyCertificateRequest>"#
        );
        let got = soap_answer(&gw, &payload, NS, "VerifyCertificateResponse").await;
        assert_eq!(text_of(&got, "Result").as_deref(), Some("VALID"));
        assert_eq!(texts_of(&got, "Parent").len(), 2);
        assert_eq!(text_of(&got, "ChildrenCount").as_deref(), Some("3"));

        // The bank unavailable: a retryable status, no answer made up.
        sim.set_faults("large-family-bank", 0, 1.0).await;
        let r = call(&url, VERIFY, json!({"qr": ACTIVE})).await;
        assert_eq!(r.status, 503, "{backend:?}: {}", r.text());
        assert_eq!(r.json()["title"], "RequestStatus");
        assert!(r.header("retry-after").is_some());
        gw.stop().await;
    }
}

/// The operator may name the children (`show_children_names`); birth dates never leave the gateway. A typo in
/// the plugin's config stops the gateway at start, not at the first scan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_are_named_only_where_the_operator_enables_it() {
    let kit = Kit::new();
    let sim = Sim::start().await;
    let db = TestDb::fresh(gateway_e2e::Backend::Sqlite).await;
    let gw = TestGateway::start(
        &config(&db, &sim, &kit, "5m")
            .with("[plugins.large-family.config]\nshow_children_names = true\n"),
    )
    .await;
    let url = gw.url("/api/v1/messages");
    let found = answer(&url, VERIFY, json!({"qr": ACTIVE})).await;
    assert_eq!(found["certificate"]["childrenCount"], 3);
    assert_eq!(found["certificate"]["child"][0]["firstName"], "Иван");
    assert_eq!(found["certificate"]["child"][2]["middleName"], "Сергеевич");
    assert!(!found.to_string().contains("2012-04-03"), "{found}");
    gw.stop().await;

    let typo = config(&db, &sim, &kit, "5m")
        .with("[plugins.large-family.config]\nshow_children_name = true\n");
    let refused = match TestGateway::try_start(&typo).await {
        Ok(gw) => {
            gw.stop().await;
            panic!("a typo in the plugin's config was accepted at start");
        }
        Err(why) => why,
    };
    assert!(
        refused.contains("show_children_name") && refused.contains("large-family"),
        "{refused}"
    );
}
