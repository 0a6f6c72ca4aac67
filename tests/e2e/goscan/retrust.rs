//! Retrusts (`Передов`): one and two levels deep, and parents that do not allow them.

use gateway_e2e::goscan::{facts, register_active};
use gateway_e2e::mchd::{Kit, Mchd, Person};
use gateway_e2e::{BACKENDS, Backend, Sim, TestDb, TestGateway};
use serde_json::json;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_retrust_works_and_a_retrust_of_a_non_retrustable_parent_is_refused() {
    for backend in BACKENDS {
        retrusts(backend).await;
    }
}

async fn retrusts(backend: Backend) {
    let kit = Kit::new();
    let sim = Sim::start().await;
    let db = TestDb::fresh(backend).await;
    let gw = TestGateway::start(&config(&db, &sim, &kit, "5m")).await;
    let url = gw.url("/api/v1/messages");
    let org = kit.organisation("МБУК «Городской театр»");
    let head_of_desk = Person::new("Старшая", "Кассира", "Петровна");
    let cashier = Person::new("Кассиров", "Билет", "Иванович");
    let usher = Person::new("Билетёрова", "Проба", "Сергеевна");
    let guid = qr(&url).await;

    // The organisation → the head of the ticket desk (retrust allowed onward) → a cashier → an usher.
    let root = Mchd {
        retrust: 3,
        ..Mchd::direct(&org, &head_of_desk)
    };
    let retrust = Mchd {
        retrust: 2,
        ..Mchd::retrust(&root, &cashier)
    };
    let second = Mchd::retrust(&retrust, &usher);
    let mut registered = Vec::new();
    for mchd in [&root, &retrust, &second] {
        let signed = kit.confirmed(mchd);
        register_active(&sim, &signed).await;
        registered.push(signed);
    }
    let got = scan(&url, &guid, by_number(&org.ogrn, &cashier, &retrust.number)).await;
    assert_eq!(
        (got["result"].as_str(), got["organisation"].as_str()),
        (Some("VALID"), Some(org.ogrn.as_str())),
        "{got}"
    );
    let got = scan(&url, &guid, inline(&org.ogrn, &usher, &registered[2])).await;
    assert_eq!(got["result"], "VALID", "a retrust of a retrust: {got}");
    let checked = answer(
        &url,
        VERIFY_MCHD,
        json!({"organisation": org.ogrn, "representative": usher.snils, "mchdNumber": second.number}),
    )
    .await;
    assert_eq!(checked["result"], "VALID", "{checked}");
    assert_eq!(checked["retrustOf"], json!([retrust.number, root.number]));
    assert_eq!(checked["organisationName"], "МБУК «Городской театр»");
    let recorded = facts(&db).await;
    assert_eq!(recorded.len(), 2, "{backend:?}");
    assert!(recorded.iter().all(|f| f.organisation == org.ogrn));

    // A parent that forbids retrust, and one that allows a single retrust only.
    let closed = Mchd {
        retrust: 1,
        ..Mchd::direct(&org, &head_of_desk)
    };
    let refused = Mchd::retrust(&closed, &cashier);
    let once = Mchd {
        retrust: 2,
        ..Mchd::direct(&org, &head_of_desk)
    };
    let first = Mchd {
        retrust: 3,
        ..Mchd::retrust(&once, &cashier)
    };
    let too_far = Mchd::retrust(&first, &usher);
    for mchd in [&closed, &refused, &once, &first, &too_far] {
        register_active(&sim, &kit.confirmed(mchd)).await;
    }
    let got = scan(&url, &guid, by_number(&org.ogrn, &cashier, &refused.number)).await;
    assert_refused(&got, "MCHD_RETRUST_FORBIDDEN", "the parent forbids retrust");
    assert!(
        got["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&closed.number),
        "{got}"
    );
    let got = scan(&url, &guid, by_number(&org.ogrn, &usher, &too_far.number)).await;
    assert_refused(
        &got,
        "MCHD_PARENT_INVALID",
        "the original allows one retrust only",
    );
    assert!(
        got["message"]
            .as_str()
            .unwrap_or_default()
            .contains("MCHD_RETRUST_FORBIDDEN"),
        "{got}"
    );
    assert_eq!(facts(&db).await.len(), 2, "refusals record nothing");
    gw.stop().await;
}
