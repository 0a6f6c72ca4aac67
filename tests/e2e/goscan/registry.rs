//! The ФНС registry: a revocation takes effect once the cache time has passed; an unavailable registry gives
//! a retryable answer; the demo fixtures.

use std::time::Duration;

use gateway_e2e::goscan::{facts, register_active, set_status};
use gateway_e2e::mchd::{Kit, Mchd, Person};
use gateway_e2e::smev;
use gateway_e2e::{BACKENDS, Backend, Sim, TOKEN_A, TestDb, TestGateway};
use serde_json::json;

use super::*;
use crate::{soap, wait_response};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_turns_the_employee_away_once_the_cache_time_has_passed() {
    for backend in BACKENDS {
        revocation(backend).await;
    }
}

/// The cache time of the revocation test.
const CACHE: Duration = Duration::from_secs(3);

async fn revocation(backend: Backend) {
    let kit = Kit::new();
    let sim = Sim::start().await;
    let db = TestDb::fresh(backend).await;
    let gw = TestGateway::start(&config(&db, &sim, &kit, "3s")).await;
    let url = gw.url("/api/v1/messages");
    let org = kit.organisation("ГАУК «Парк культуры»");
    let employee = Person::new("Смотрителев", "Парк", "Аллеевич");
    let number = register_active(&sim, &kit.confirmed(&Mchd::direct(&org, &employee))).await;
    let guid = qr(&url).await;

    let started = std::time::Instant::now();
    assert_eq!(
        scan(&url, &guid, by_number(&org.ogrn, &employee, &number)).await["result"],
        "VALID"
    );
    set_status(&sim, &number, "REVOKED").await;
    // Within the cache time the registry's earlier answer stands.
    let cached = scan(&url, &guid, by_number(&org.ogrn, &employee, &number)).await;
    assert!(started.elapsed() < CACHE, "too slow to observe the cache");
    assert_eq!(cached["result"], "VALID", "{cached}");
    let calls = sim.calls("mchd-registry").await;

    tokio::time::sleep(CACHE.saturating_sub(started.elapsed()) + Duration::from_millis(500)).await;
    let got = scan(&url, &guid, by_number(&org.ogrn, &employee, &number)).await;
    assert_refused(&got, "MCHD_STATUS_REVOKED", "revoked in the registry");
    assert!(
        sim.calls("mchd-registry").await > calls,
        "the registry was asked again"
    );
    assert_eq!(
        facts(&db).await.len(),
        2,
        "{backend:?}: only the scans before the revocation took effect count"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unavailable_registry_gives_a_retryable_answer_never_a_pass() {
    let kit = Kit::new();
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&config(&db, &sim, &kit, "5m")).await;
    let url = gw.url("/api/v1/messages");
    let org = kit.organisation("ООО «Недоступное»");
    let employee = Person::new("Ждунов", "Реестр", "Ожидаевич");
    let signed = kit.confirmed(&Mchd::direct(&org, &employee));
    let number = register_active(&sim, &signed).await;
    let guid = qr(&url).await;

    sim.set_faults("mchd-registry", 0, 1.0).await;
    for on_behalf_of in [
        by_number(&org.ogrn, &employee, &number),
        inline(&org.ogrn, &employee, &signed),
    ] {
        let r = call(
            &url,
            VERIFY_QR,
            json!({"qr": guid, "onBehalfOf": on_behalf_of}),
        )
        .await;
        assert_eq!(r.status, 503, "{}", r.text());
        assert_eq!(r.header("retry-after").as_deref(), Some("7"));
        assert_eq!(r.json()["title"], "RequestStatus");
    }
    // Over SOAP: a RequestStatus.
    let payload = format!(
        r#"<s:VerifyQrRequest xmlns:s="urn://gateway/svo-status/1.0" xmlns:g="urn://gateway/goscan/1.0"><s:Qr>{guid}</s:Qr><g:OnBehalfOf><g:Organisation>{}</g:Organisation><g:Scanner>{}</g:Scanner><g:MchdNumber>{number}</g:MchdNumber></g:OnBehalfOf></s:VerifyQrRequest>"#,
        org.ogrn, employee.snils
    );
    soap(
        &gw,
        "1.3",
        smev::send_request("1.3", &smev::message_id(), &payload),
    )
    .await;
    let got = wait_response(&gw, "1.3", TOKEN_A, None).await;
    assert!(
        smev::has_element(&got.body, "RequestStatus"),
        "{}",
        got.text()
    );
    smev::assert_valid_answer("1.3", &got.body);
    assert!(facts(&db).await.is_empty(), "no scan counted unverified");

    // Back again: the same scan passes.
    sim.set_faults("mchd-registry", 0, 0.0).await;
    assert_eq!(
        scan(&url, &guid, by_number(&org.ogrn, &employee, &number)).await["result"],
        "VALID"
    );
    assert_eq!(facts(&db).await.len(), 1);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_fixtures_list_two_organisations_and_carry_no_signature() {
    let kit = Kit::new();
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let gw = TestGateway::start(&config(&db, &sim, &kit, "5m")).await;
    let url = gw.url("/api/v1/messages");
    let listed = answer(&url, LIST, json!({"scanner": "112-233-445 95"})).await;
    let names: Vec<&str> = listed["organisation"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(names, ["АО «Образец»", "ООО «Пример»"]);
    let demo = Person {
        snils: "112-233-445 95".into(),
        ..Person::new("Демо", "Демо", "Демо")
    };
    let guid = qr(&url).await;
    let got = scan(
        &url,
        &guid,
        by_number(
            "1027700132195",
            &demo,
            "6d0c3b7e-1f2a-4c5d-9e8f-0a1b2c3d4e01",
        ),
    )
    .await;
    assert_refused(
        &got,
        "MCHD_SIGNATURE_MISSING",
        "demo documents are unsigned",
    );
    let empty = answer(&url, LIST, json!({"scanner": "700-800-903 40"})).await;
    assert_eq!(empty["organisation"], json!([]));
    gw.stop().await;
}
