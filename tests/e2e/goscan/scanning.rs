//! Valid scans: exactly one fact per scan with the right organisation, date and time, on both stores; an
//! employee with powers from two organisations sees both and scans for either.

use gateway_e2e::goscan::{facts, register, register_active};
use gateway_e2e::mchd::check::{openssl_verify, xmllint};
use gateway_e2e::mchd::{Kit, Mchd, Person};
use gateway_e2e::smev::{self, text_of};
use gateway_e2e::{BACKENDS, Sim, TOKEN_A, TestDb, TestGateway};
use serde_json::json;

use super::*;
use crate::{soap, wait_response};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_scan_records_exactly_one_fact_on_both_stores() {
    for backend in BACKENDS {
        let kit = Kit::new();
        let sim = Sim::start().await;
        let db = TestDb::fresh(backend).await;
        let gw = TestGateway::start(&config(&db, &sim, &kit, "5m")).await;
        let url = gw.url("/api/v1/messages");
        let org = kit.organisation("ООО «Учреждение культуры»");
        let employee = Person::new("Контролёрова", "Билета", "Проверовна");
        let signed = kit.sign(&Mchd::direct(&org, &employee));
        // The material, confirmed without the gateway.
        xmllint(&signed.xml).expect("valid against the ФНС schema");
        openssl_verify(&signed.xml, &signed.signature, kit.ca_pem(), None)
            .expect("openssl verifies it");
        let number = register_active(&sim, &signed).await;

        // As a private person: shown, not recorded.
        let guid = qr(&url).await;
        let private = answer(&url, VERIFY_QR, json!({"qr": guid})).await;
        assert_eq!(private["result"], "VALID");
        assert!(facts(&db).await.is_empty(), "{backend:?}");

        let before = now_ms();
        let valid = scan(&url, &guid, inline(&org.ogrn, &employee, &signed)).await;
        let after = now_ms();
        assert_eq!(valid["result"], "VALID", "{backend:?}: {valid}");
        assert_eq!(valid["organisation"], org.ogrn.as_str());
        assert_eq!(valid["participant"]["lastName"], "Образцов");
        let scan_id = valid["scanId"].as_str().expect("a scan id");
        let recorded = facts(&db).await;
        assert_eq!(recorded.len(), 1, "{backend:?}: {recorded:?}");
        let fact = &recorded[0];
        assert_eq!((fact.id.as_str(), fact.kind.as_str()), (scan_id, "scan"));
        assert_eq!(
            (fact.organisation.as_str(), fact.document_type.as_str()),
            (org.ogrn.as_str(), "svo-status")
        );
        assert!(
            (before..=after).contains(&fact.occurred_at),
            "{backend:?}: {before} ≤ {} ≤ {after}",
            fact.occurred_at
        );

        // The same over SOAP (XML payload), by number: a second fact.
        let payload = format!(
            r#"<s:VerifyQrRequest xmlns:s="urn://gateway/svo-status/1.0" xmlns:g="urn://gateway/goscan/1.0"><s:Qr>{guid}</s:Qr><g:OnBehalfOf><g:Organisation>{ogrn}</g:Organisation><g:Scanner>{snils}</g:Scanner><g:MchdNumber>{number}</g:MchdNumber></g:OnBehalfOf></s:VerifyQrRequest>"#,
            ogrn = org.ogrn,
            snils = employee.snils,
        );
        let r = soap(
            &gw,
            "1.3",
            smev::send_request("1.3", &smev::message_id(), &payload),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let got = wait_response(
            &gw,
            "1.3",
            TOKEN_A,
            Some(("urn://gateway/svo-status/1.0", "VerifyQrResponse")),
        )
        .await;
        smev::assert_valid_answer("1.3", &got.body);
        assert_eq!(
            text_of(&got.body, "Result").as_deref(),
            Some("VALID"),
            "{}",
            got.text()
        );
        assert_eq!(
            text_of(&got.body, "Organisation").as_deref(),
            Some(org.ogrn.as_str())
        );
        let recorded = facts(&db).await;
        assert_eq!(recorded.len(), 2, "{backend:?}");
        assert_eq!(
            recorded[1].id,
            text_of(&got.body, "ScanId").expect("a scan id")
        );
        gw.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_with_powers_from_two_organisations_sees_both_and_scans_for_either() {
    for backend in BACKENDS {
        let kit = Kit::new();
        let sim = Sim::start().await;
        let db = TestDb::fresh(backend).await;
        let gw = TestGateway::start(&config(&db, &sim, &kit, "5m")).await;
        let url = gw.url("/api/v1/messages");
        let museum = kit.organisation("ГБУК «Музей истории»");
        let stadium = kit.organisation("АНО «Стадион»");
        let closed = kit.organisation("ООО «Закрытое»");
        let employee = Person::new("Совместителев", "Двух", "Работович");
        let colleague = Person::new("Коллегина", "Другая", "Работовна");
        let for_museum = Mchd::direct(&museum, &employee);
        let for_stadium = Mchd::direct(&stadium, &employee);
        register_active(&sim, &kit.confirmed(&for_museum)).await;
        let stadium_signed = kit.confirmed(&for_stadium);
        register_active(&sim, &stadium_signed).await;
        let revoked = kit.confirmed(&Mchd::direct(&closed, &employee));
        register(&sim, &revoked.xml, Some(&revoked.signature), "REVOKED").await;
        register_active(&sim, &kit.confirmed(&Mchd::direct(&closed, &colleague))).await;

        let listed = answer(&url, LIST, json!({"scanner": employee.snils})).await;
        let organisations = listed["organisation"].as_array().expect("a list");
        let summary: Vec<(&str, &str, &str, &str)> = organisations
            .iter()
            .map(|o| {
                let field = |k: &str| o[k].as_str().unwrap_or_default();
                (
                    field("name"),
                    field("ogrn"),
                    field("mchdNumber"),
                    field("validUntil"),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "АНО «Стадион»",
                    stadium.ogrn.as_str(),
                    for_stadium.number.as_str(),
                    for_stadium.valid_until.as_str()
                ),
                (
                    "ГБУК «Музей истории»",
                    museum.ogrn.as_str(),
                    for_museum.number.as_str(),
                    for_museum.valid_until.as_str()
                ),
            ],
            "{backend:?}: both active organisations, by name; not the revoked one"
        );

        let guid = qr(&url).await;
        let first = scan(
            &url,
            &guid,
            by_number(&museum.ogrn, &employee, &for_museum.number),
        )
        .await;
        let second = scan(
            &url,
            &guid,
            inline(&stadium.ogrn, &employee, &stadium_signed),
        )
        .await;
        assert_eq!(
            (first["result"].as_str(), second["result"].as_str()),
            (Some("VALID"), Some("VALID"))
        );
        // The power of one organisation does not let the employee scan for the other.
        let crossed = scan(
            &url,
            &guid,
            by_number(&stadium.ogrn, &employee, &for_museum.number),
        )
        .await;
        assert_refused(
            &crossed,
            "MCHD_PRINCIPAL_MISMATCH",
            "the museum's power for the stadium",
        );
        let recorded = facts(&db).await;
        let by_org: Vec<(&str, &str)> = recorded
            .iter()
            .map(|f| (f.id.as_str(), f.organisation.as_str()))
            .collect();
        assert_eq!(
            by_org,
            [
                (
                    first["scanId"].as_str().unwrap_or_default(),
                    museum.ogrn.as_str()
                ),
                (
                    second["scanId"].as_str().unwrap_or_default(),
                    stadium.ogrn.as_str()
                ),
            ],
            "{backend:?}: each fact goes to the chosen organisation"
        );
        gw.stop().await;
    }
}
