//! The negative set: every check of the `mchd` plugin broken once, each with its own reason, nothing
//! recorded.

use gateway_e2e::goscan::{facts, register, register_active};
use gateway_e2e::mchd::negative::{self, Parties, Source};
use gateway_e2e::mchd::{Kit, Mchd};
use gateway_e2e::{BACKENDS, Sim, TestDb, TestGateway};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_negative_case_has_its_own_reason_and_records_nothing() {
    for backend in BACKENDS {
        let kit = Kit::new();
        let untrusted = Kit::with_ca_name("Недоверенный УЦ (вымышленный)");
        let sim = Sim::start().await;
        let db = TestDb::fresh(backend).await;
        let gw = TestGateway::start(&config(&db, &sim, &kit, "5m")).await;
        let url = gw.url("/api/v1/messages");
        let parties = Parties::new(&kit);
        let cases = negative::cases(&kit, &untrusted, &parties);
        let guid = qr(&url).await;
        let mut seen = Vec::new();
        for case in &cases {
            for doc in &case.registry {
                register(&sim, &doc.xml, doc.signature.as_deref(), doc.status).await;
            }
            let on_behalf_of = match &case.source {
                Source::Inline(signed) => inline(&case.organisation, &case.scanner, signed),
                Source::Number(number) => by_number(&case.organisation, &case.scanner, number),
            };
            let got = scan(&url, &guid, on_behalf_of).await;
            assert_refused(&got, case.reason, case.name);
            seen.push(got["reasonCode"].as_str().unwrap_or_default().to_owned());
        }
        seen.sort();
        seen.dedup();
        assert_eq!(
            seen.len(),
            cases.len(),
            "{backend:?}: every case has its own reason"
        );
        assert!(facts(&db).await.is_empty(), "{backend:?}: nothing recorded");
        // The same QR with a valid power of attorney is recorded: the refusals were the power's, not the QR's.
        let signed = kit.confirmed(&Mchd::direct(&parties.org, &parties.employee));
        register_active(&sim, &signed).await;
        assert_eq!(
            scan(
                &url,
                &guid,
                inline(&parties.org.ogrn, &parties.employee, &signed)
            )
            .await["result"],
            "VALID"
        );
        assert_eq!(facts(&db).await.len(), 1, "{backend:?}");
        gw.stop().await;
    }
}
