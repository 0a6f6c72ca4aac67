//! A visitor's personal QR (item 2): issued short-lived, scanned at the entrance, admitted or refused by the
//! register of confirmed diagnoses (never saying why), the visit registered either way; an expired and an
//! unknown code; an unknown participant.

use super::*;
use gateway_e2e::BACKENDS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_is_admitted_and_one_refused_on_both_stores() {
    for backend in BACKENDS {
        let s = Setup::start(backend, "visitor_qr_ttl = \"2s\"\n").await;
        let theatre = s.participant(&THEATRE).await;

        let healthy = s.visitor_qr(VISITOR_1, Some("+79280000011"), None).await;
        let admitted = s.check_visitor(&theatre, &healthy).await;
        assert_eq!(admitted["result"], "ADMIT", "{backend:?}: {admitted}");
        assert!(admitted["visitId"].is_string(), "{admitted}");
        // The same QR within its lifetime is the same token (as the SVO QR).
        assert_eq!(
            s.visitor_qr(VISITOR_1, Some("8 (928) 000-00-11"), None)
                .await,
            healthy
        );

        s.confirm_diagnosis(VISITOR_2).await;
        let ill = s.visitor_qr(VISITOR_2, None, None).await;
        let refused = s.check_visitor(&theatre, &ill).await;
        assert_eq!(refused["result"], "REFUSE", "{refused}");
        let text = refused.to_string().to_lowercase();
        for word in ["диагноз", "covid", "болезн", "заболе"] {
            assert!(
                !text.contains(word),
                "the diagnosis is never shown: {refused}"
            );
        }
        // A link-shaped QR text ending in the token is read too.
        let linked = s
            .check_visitor(&theatre, &format!("https://26gosuslugi.ru/qr/{healthy}"))
            .await;
        assert_eq!(linked["result"], "ADMIT", "{linked}");

        let unknown = s
            .check_visitor(&theatre, "3f2b6d1e-0000-4000-8000-000000000000")
            .await;
        assert_eq!(unknown["result"], "QR_UNKNOWN", "{unknown}");
        let nowhere = s.check_visitor("ZZZZZZZZ", &healthy).await;
        assert_eq!(nowhere["result"], "PARTICIPANT_UNKNOWN", "{nowhere}");

        // The same СНИЛС with other contact details is another token: a code asked for with someone's СНИЛС and
        // another phone or e-mail is never handed to them, their visits recorded with another's address.
        let other_phone = s.visitor_qr(VISITOR_1, Some("+79280000099"), None).await;
        let other_mail = s
            .visitor_qr(VISITOR_1, Some("+79280000011"), Some("x@primer.example"))
            .await;
        let no_details = s.visitor_qr(VISITOR_1, None, None).await;
        let tokens = [&healthy, &other_phone, &other_mail, &no_details];
        for (i, token) in tokens.iter().enumerate() {
            assert!(!tokens[..i].contains(token), "{tokens:?}");
        }
        assert_eq!(
            s.visitor_qr(VISITOR_1, Some("+79280000099"), None).await,
            other_phone
        );

        tokio::time::sleep(Duration::from_millis(2_300)).await;
        let expired = s.check_visitor(&theatre, &healthy).await;
        assert_eq!(expired["result"], "QR_EXPIRED", "{expired}");

        // The register was asked once per scan of a live code at a known participant (three), besides the
        // test's own entry of the diagnosis: not for an unknown or expired code, nor an unknown participant.
        assert_eq!(s.sim.calls("diagnosis-register").await, 3 + 1);
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unavailable_register_is_a_retryable_status_not_an_admission() {
    let s = Setup::start(Backend::Sqlite, "").await;
    let theatre = s.participant(&THEATRE).await;
    let qr = s.visitor_qr(VISITOR_3, None, None).await;
    s.sim.set_faults("diagnosis-register", 0, 1.0).await;
    let r = call(
        &s.api,
        PORTAL,
        "CheckVisitorRequest",
        json!({"participantCode": theatre, "qr": qr}),
    )
    .await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.header("retry-after").is_some(), "{:?}", r.headers);
    assert!(!r.text().contains("ADMIT"), "{}", r.text());
    s.stop().await;
}
