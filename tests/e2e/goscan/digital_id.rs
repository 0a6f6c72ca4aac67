//! The Digital ID of the MAX messenger (issue 12, item 2; seed 002) end to end: the `digital-id` plugin, the
//! `digital-id-issuer` adapter and the simulated issuer, behind the МЧД policy step. On both stores: a passport
//! QR shows the holder; an age QR answers adult yes/no and the operator's age, never the birth date; an ID made
//! from a driving licence has its passport QR refused; expired, used (single use) and unknown codes; a QR of
//! something else; the issuer unavailable; a scan for an organisation recorded as `digital-id`, a private one
//! not.

use gateway_e2e::goscan::{facts, register_active};
use gateway_e2e::mchd::{Mchd, Person};
use gateway_e2e::smev::{text_of, texts_of};
use gateway_e2e::{BACKENDS, Client, Sim};
use serde_json::{Value, json};

use super::*;

const VERIFY: &str = "{urn://gateway/digital-id/1.0}VerifyDigitalIdRequest";
const NS: &str = "urn://gateway/digital-id/1.0";

/// A fresh code of `holder` made by the simulated issuer (as the citizen's app does): its QR text.
async fn code(sim: &Sim, holder: &str, kind: &str, ttl_seconds: u64, single_use: bool) -> String {
    let r = Client::new()
        .post_json(
            &format!("{}/digital-id/v1/issue", sim.url()),
            &json!({"holder": holder, "kind": kind, "ttlSeconds": ttl_seconds, "singleUse": single_use}),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    format!(
        "https://id.max.ru/{kind}/{}",
        r.json()["code"].as_str().expect("code")
    )
}

fn result(answer: &Value) -> &str {
    answer["result"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_outcome_of_a_digital_id_scan_on_both_stores() {
    for backend in BACKENDS {
        let Setup {
            kit,
            sim,
            db,
            gw,
            url,
        } = Setup::start(backend, "[plugins.digital-id.config]\nages = [21]\n").await;
        let verify = |qr: String| {
            let url = url.clone();
            async move { answer(&url, VERIFY, json!({"qr": qr})).await }
        };

        // A passport QR: the holder and the passport.
        let passport = verify(code(&sim, "did-bio-0001", "passport", 60, false).await).await;
        assert_eq!(result(&passport), "VALID", "{backend:?}: {passport}");
        assert_eq!(passport["kind"], "PASSPORT");
        assert_eq!(passport["person"]["lastName"], "Цифрова");
        assert_eq!(passport["person"]["birthDate"], "1990-06-15");
        assert_eq!(passport["passport"]["series"], "4510");
        assert!(
            passport["photoRef"]
                .as_str()
                .is_some_and(|p| p.contains("did-bio-0001"))
        );
        assert!(passport["expiresAt"].is_string());

        // Age QRs: adult or not, and the operator's 21; never the birth date nor the name.
        for (holder, adult, over_21, born) in [
            ("did-bio-0001", true, true, "1990-06-15"),
            ("did-minor-0004", false, false, "2012-05-05"),
            ("did-lic-0003", true, true, "2004-03-01"),
        ] {
            let age = verify(code(&sim, holder, "age", 60, false).await).await;
            assert_eq!(result(&age), "VALID", "{backend:?}, {holder}: {age}");
            assert_eq!(age["kind"], "AGE");
            assert_eq!(age["adult"], adult, "{holder}");
            assert_eq!(
                age["ageCheck"],
                json!([{"age": 18, "passed": adult}, {"age": 21, "passed": over_21}]),
                "{holder}"
            );
            assert!(age["photoRef"].is_string());
            let text = age.to_string();
            assert!(
                !text.contains(born) && !text.contains(&born[..4]) && age.get("person").is_none(),
                "{holder}: an age check shows no birth date or name: {text}"
            );
        }

        // An ID made from a driving licence: its passport QR is refused with that reason.
        let licence = verify(code(&sim, "did-lic-0003", "passport", 60, false).await).await;
        assert_eq!(result(&licence), "PASSPORT_NOT_AVAILABLE", "{licence}");
        assert!(
            licence["message"]
                .as_str()
                .is_some_and(|m| m.contains("водительскому"))
        );
        assert!(licence.get("person").is_none(), "{licence}");

        // Short-lived and single-use codes; unknown codes; QRs of something else.
        let expired = verify(code(&sim, "did-bio-0001", "age", 0, false).await).await;
        assert_eq!(result(&expired), "EXPIRED", "{expired}");
        let once = code(&sim, "did-bio-0001", "age", 60, true).await;
        assert_eq!(result(&verify(once.clone()).await), "VALID");
        let again = verify(once).await;
        assert_eq!(result(&again), "USED", "{again}");
        let unknown = verify("https://id.max.ru/age/0000000000000000".into()).await;
        assert_eq!(result(&unknown), "NOT_FOUND", "{unknown}");
        for qr in [
            "https://www.gosuslugi.ru/mnogodet/77-0012345",
            "https://id.max.ru/visa/0123456789",
        ] {
            assert_eq!(
                result(&verify(qr.into()).await),
                "QR_NOT_RECOGNISED",
                "{qr}"
            );
        }

        // Private scans were not recorded; a scan for an organisation with a valid МЧД is, as digital-id.
        assert!(facts(&db).await.is_empty(), "{backend:?}");
        let org = kit.organisation("ООО «Магазин у дома»");
        let cashier = Person::new("Кассирова", "Проверка", "Возрастовна");
        let signed = kit.sign(&Mchd::direct(&org, &cashier));
        let number = register_active(&sim, &signed).await;
        let qr = code(&sim, "did-young-0002", "age", 60, false).await;
        let recorded = answer(
            &url,
            VERIFY,
            json!({"qr": qr, "onBehalfOf": by_number(&org.ogrn, &cashier, &number)}),
        )
        .await;
        assert_eq!(result(&recorded), "VALID", "{backend:?}: {recorded}");
        assert_eq!(recorded["ageCheck"][1], json!({"age": 21, "passed": false}));
        let rows = facts(&db).await;
        assert_eq!(rows.len(), 1, "{backend:?}: {rows:?}");
        assert_eq!(
            (
                rows[0].organisation.as_str(),
                rows[0].document_type.as_str()
            ),
            (org.ogrn.as_str(), "digital-id")
        );

        // SOAP: an age QR as XML; the answer is valid in its SMEV envelope.
        let qr = code(&sim, "did-bio-0001", "age", 60, false).await;
        let payload = format!(
            r#"<d:VerifyDigitalIdRequest xmlns:d="{NS}"><d:Qr>{qr}</d:Qr></d:VerifyDigitalIdRequest>"#
        );
        let got = soap_answer(&gw, &payload, NS, "VerifyDigitalIdResponse").await;
        assert_eq!(text_of(&got, "Adult").as_deref(), Some("true"));
        assert_eq!(texts_of(&got, "Passed"), ["true", "true"]);

        // The issuer unavailable: a retryable status.
        let qr = code(&sim, "did-bio-0001", "age", 60, false).await;
        sim.set_faults("digital-id", 0, 1.0).await;
        let r = call(&url, VERIFY, json!({"qr": qr})).await;
        assert_eq!(r.status, 503, "{backend:?}: {}", r.text());
        assert!(r.header("retry-after").is_some());
        gw.stop().await;
    }
}
