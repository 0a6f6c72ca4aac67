//! A power of attorney is the document the ФНС registry holds (issue 9): a forged inline МЧД that reuses the
//! number of an ACTIVE registered one, and every variant of it, is refused and records nothing, while the
//! registered document still verifies inline and by number.

use gateway_e2e::goscan::{facts, register_active};
use gateway_e2e::mchd::{Kit, Mchd, Organisation, Person, Power, Signed};
use gateway_e2e::{BACKENDS, Sim, TestDb, TestGateway};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_powers_of_attorney_are_refused_and_record_nothing() {
    for backend in BACKENDS {
        let kit = Kit::new();
        let sim = Sim::start().await;
        let db = TestDb::fresh(backend).await;
        let gw = TestGateway::start(&config(&db, &sim, &kit, "5m")).await;
        let url = gw.url("/api/v1/messages");

        // The genuine power: organisation A to its employee, signed by A's head, ACTIVE in the registry.
        let org_a = kit.organisation("ООО «Подлинная»");
        let employee = Person::new("Сканова", "Подлинная", "Тестовна");
        let genuine = Mchd::direct(&org_a, &employee);
        let registered = kit.confirmed(&genuine);
        register_active(&sim, &registered).await;
        // The forger heads organisation B: his certificate from the same trusted CA names B.
        let org_b = kit.organisation("АО «Подделка»");
        let forger = org_b.head.clone();
        // The victim: organisation C, on whose behalf the forger wants scans recorded.
        let org_c = Organisation::new("ООО «Жертва»", forger.clone());
        let guid = qr(&url).await;

        let forge = |mchd: Mchd| {
            let xml = mchd.to_xml();
            let signature = kit.sign_for(&xml, &forger, &org_b.ogrn);
            Signed { xml, signature }
        };
        let variants: Vec<(&str, String, Person, Signed)> = vec![
            (
                "organisation C as principal, the forger as its head",
                org_c.ogrn.clone(),
                employee.clone(),
                forge(Mchd {
                    principal: org_c.clone(),
                    ..genuine.clone()
                }),
            ),
            (
                "another representative",
                org_a.ogrn.clone(),
                forger.clone(),
                forge(Mchd {
                    representative: forger.clone(),
                    principal: Organisation {
                        head: forger.clone(),
                        ..org_a.clone()
                    },
                    ..genuine.clone()
                }),
            ),
            (
                "changed powers",
                org_a.ogrn.clone(),
                employee.clone(),
                forge(Mchd {
                    powers: vec![Power::scan(), Power::other()],
                    principal: Organisation {
                        head: forger.clone(),
                        ..org_a.clone()
                    },
                    ..genuine.clone()
                }),
            ),
            (
                "changed validity",
                org_a.ogrn.clone(),
                employee.clone(),
                forge(Mchd {
                    valid_until: gateway_e2e::mchd::ids::moscow_date(3000),
                    principal: Organisation {
                        head: forger.clone(),
                        ..org_a.clone()
                    },
                    ..genuine.clone()
                }),
            ),
            (
                "the registered bytes signed by a trusted head of another organisation",
                org_a.ogrn.clone(),
                employee.clone(),
                Signed {
                    xml: registered.xml.clone(),
                    signature: kit.sign_for(&registered.xml, &forger, &org_b.ogrn),
                },
            ),
            (
                "the registered bytes signed by the genuine head's personal certificate",
                org_a.ogrn.clone(),
                employee.clone(),
                Signed {
                    xml: registered.xml.clone(),
                    signature: kit.sign_as(&registered.xml, &org_a.head),
                },
            ),
        ];
        for (what, organisation, scanner, signed) in &variants {
            let got = scan(&url, &guid, inline(organisation, scanner, signed)).await;
            assert_refused(&got, "MCHD_NOT_THE_REGISTERED_DOCUMENT", what);
            // The МЧД service says the same.
            let checked = answer(
                &url,
                VERIFY_MCHD,
                serde_json::json!({
                    "organisation": organisation,
                    "representative": scanner.snils,
                    "mchd": inline(organisation, scanner, signed)["mchd"],
                }),
            )
            .await;
            assert_eq!(checked["result"], "INVALID", "{what}: {checked}");
            assert_eq!(
                checked["reasonCode"], "MCHD_NOT_THE_REGISTERED_DOCUMENT",
                "{what}"
            );
        }
        assert!(facts(&db).await.is_empty(), "{backend:?}: nothing recorded");

        // The registered document itself still verifies, inline and by number, and only then is recorded.
        let got = scan(&url, &guid, inline(&org_a.ogrn, &employee, &registered)).await;
        assert_eq!(got["result"], "VALID", "{backend:?}: {got}");
        let got = scan(
            &url,
            &guid,
            by_number(&org_a.ogrn, &employee, &genuine.number),
        )
        .await;
        assert_eq!(got["result"], "VALID", "{backend:?}: {got}");
        let recorded = facts(&db).await;
        assert_eq!(recorded.len(), 2, "{backend:?}: {recorded:?}");
        assert!(
            recorded.iter().all(|f| f.organisation == org_a.ogrn),
            "{backend:?}: {recorded:?}"
        );
        gw.stop().await;
    }
}
