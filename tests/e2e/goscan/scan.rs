//! One scan message for every Goscan document (issue 12, item 3): `{urn://gateway/goscan/1.0}ScanRequest` carries
//! the raw QR text; the gateway recognises the document by the operator's patterns (`[routes.scan]`), passes the
//! request on to that document's route and chain (the МЧД policy step included) and answers `ScanResponse` with
//! the document's type, result and answer. A QR no pattern matches is `QR_NOT_RECOGNISED`. On both stores, over
//! JSON and SOAP.

use gateway_e2e::goscan::{facts, register_active};
use gateway_e2e::mchd::{Mchd, Person};
use gateway_e2e::smev::text_of;
use gateway_e2e::{BACKENDS, Client};
use serde_json::json;

use super::*;

const SCAN: &str = "{urn://gateway/goscan/1.0}ScanRequest";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_request_reaches_the_plugin_of_the_document_its_qr_holds_on_both_stores() {
    for backend in BACKENDS {
        let Setup {
            kit,
            sim,
            db,
            gw,
            url,
        } = Setup::start(backend, "").await;
        let scan = |qr: String| {
            let url = url.clone();
            async move { answer(&url, SCAN, json!({"qr": qr})).await }
        };

        // The SVO status link.
        let issued = answer(&url, ISSUE, json!({"snils": CITIZEN})).await;
        let link = issued["link"].as_str().expect("link").to_owned();
        let svo = scan(link).await;
        assert_eq!(
            (svo["documentType"].as_str(), svo["result"].as_str()),
            (Some("svo-status"), Some("VALID")),
            "{backend:?}: {svo}"
        );
        assert_eq!(svo["answer"]["participant"]["lastName"], "Образцов");

        // A large-family certificate, and an expired one.
        let family = scan("https://www.gosuslugi.ru/mnogodet/77-0012345".into()).await;
        assert_eq!(family["documentType"], "large-family", "{family}");
        assert_eq!(family["result"], "VALID");
        assert_eq!(family["answer"]["certificate"]["childrenCount"], 3);
        let expired = scan("https://www.gosuslugi.ru/mnogodet/50-0000777".into()).await;
        assert_eq!(
            (expired["documentType"].as_str(), expired["result"].as_str()),
            (Some("large-family"), Some("EXPIRED"))
        );

        // A Digital ID age code.
        let r = Client::new()
            .post_json(
                &format!("{}/digital-id/v1/issue", sim.url()),
                &json!({"holder": "did-bio-0001", "kind": "age"}),
                None,
            )
            .await;
        let code = r.json()["code"].as_str().expect("code").to_owned();
        let id = scan(format!("https://id.max.ru/age/{code}")).await;
        assert_eq!(
            (id["documentType"].as_str(), id["result"].as_str()),
            (Some("digital-id"), Some("VALID")),
            "{id}"
        );
        assert_eq!(id["answer"]["adult"], true);

        // Nothing the gateway knows: the seed's first error.
        for garbage in [
            "просто текст",
            "https://example.org/somc2/123",
            "77-0012345",
        ] {
            let unknown = scan(garbage.into()).await;
            assert_eq!(
                unknown["result"], "QR_NOT_RECOGNISED",
                "{garbage}: {unknown}"
            );
            assert!(unknown.get("documentType").is_none(), "{unknown}");
            assert!(unknown["message"].as_str().is_some_and(|m| !m.is_empty()));
        }

        // On behalf of an organisation: the document's chain checks the МЧД; the scan is recorded with its type.
        let org = kit.organisation("ООО «Один сканер»");
        let employee = Person::new("Сканова", "Единая", "Кодовна");
        let signed = kit.sign(&Mchd::direct(&org, &employee));
        let number = register_active(&sim, &signed).await;
        let on_behalf_of = by_number(&org.ogrn, &employee, &number);
        let recorded = answer(
            &url,
            SCAN,
            json!({"qr": "https://www.gosuslugi.ru/mnogodet/77-0012345", "onBehalfOf": on_behalf_of}),
        )
        .await;
        assert_eq!(recorded["result"], "VALID", "{backend:?}: {recorded}");
        assert_eq!(recorded["answer"]["organisation"], org.ogrn.as_str());
        let rows = facts(&db).await;
        assert_eq!(rows.len(), 1, "{backend:?}: {rows:?}");
        assert_eq!(rows[0].document_type, "large-family");
        let stranger = Person::new("Чужая", "Без", "Полномочий");
        let refused = answer(
            &url,
            SCAN,
            json!({"qr": "https://www.gosuslugi.ru/mnogodet/77-0012345",
                   "onBehalfOf": by_number(&org.ogrn, &stranger, &number)}),
        )
        .await;
        assert_eq!(
            (refused["documentType"].as_str(), refused["result"].as_str()),
            (Some("large-family"), Some("MCHD_INVALID"))
        );
        assert_eq!(refused["answer"]["advice"], ADVICE);
        assert_eq!(facts(&db).await.len(), 1);

        // SOAP: the XML scan message with OnBehalfOf by prefix, the answer valid in its envelope.
        let payload = format!(
            r#"<g:ScanRequest xmlns:g="urn://gateway/goscan/1.0"><g:Qr>https://www.gosuslugi.ru/mnogodet/77-0012345</g:Qr><g:OnBehalfOf><g:Organisation>{ogrn}</g:Organisation><g:Scanner>{snils}</g:Scanner><g:MchdNumber>{number}</g:MchdNumber></g:OnBehalfOf></g:ScanRequest>"#,
            ogrn = org.ogrn,
            snils = employee.snils,
        );
        let got = soap_answer(&gw, &payload, "urn://gateway/goscan/1.0", "ScanResponse").await;
        assert_eq!(
            text_of(&got, "DocumentType").as_deref(),
            Some("large-family")
        );
        assert_eq!(text_of(&got, "Result").as_deref(), Some("VALID"));
        assert_eq!(text_of(&got, "ChildrenCount").as_deref(), Some("3"));
        assert_eq!(
            facts(&db).await.len(),
            2,
            "{backend:?}: the SOAP scan is recorded too"
        );
        let garbage = soap_answer(
            &gw,
            r#"<ScanRequest xmlns="urn://gateway/goscan/1.0"><Qr>не документ</Qr></ScanRequest>"#,
            "urn://gateway/goscan/1.0",
            "ScanResponse",
        )
        .await;
        assert_eq!(
            text_of(&garbage, "Result").as_deref(),
            Some("QR_NOT_RECOGNISED")
        );
        gw.stop().await;
    }
}

/// A scan request is held to the rules of the document its QR holds: a sender allowed `ScanRequest` but not the
/// large-family request cannot reach the certificate through it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_is_allowed_only_for_documents_the_sender_may_send() {
    const TOKEN_C: &str = "token-of-scanner-c";
    let token = hex::encode(
        openssl::hash::hash(openssl::hash::MessageDigest::sha256(), TOKEN_C.as_bytes())
            .expect("sha256"),
    );
    // Kept whole: a field not bound would be dropped at once (the simulator with it).
    let setup = Setup::start(
        gateway_e2e::Backend::Sqlite,
        &format!(
            "[[senders]]\nmnemonic = \"C\"\nbearer_token_sha256 = \"{token}\"\n\
             may_send = [\"{{urn://gateway/goscan/1.0}}ScanRequest\", \"{{urn://gateway/digital-id/1.0}}VerifyDigitalIdRequest\"]\n"
        ),
    )
    .await;
    let gw = &setup.gw;
    let call = |qr: &str| {
        let url = gw.url("/api/v1/messages");
        let body = json!({"type": SCAN, "payload": {"qr": qr}});
        async move { Client::new().post_json(&url, &body, Some(TOKEN_C)).await }
    };
    let refused = call("https://www.gosuslugi.ru/mnogodet/77-0012345").await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    assert_eq!(refused.json()["title"], "AccessDenied");
    let allowed = call("https://id.max.ru/age/demo-age-0001").await;
    assert_eq!(allowed.status, 200, "{}", allowed.text());
    assert_eq!(allowed.json()["payload"]["documentType"], "digital-id");
    let unknown = call("не документ").await;
    assert_eq!(unknown.json()["payload"]["result"], "QR_NOT_RECOGNISED");
    setup.gw.stop().await;
}
