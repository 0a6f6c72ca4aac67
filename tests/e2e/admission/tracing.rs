//! Contact tracing (item 4): a visitor reported confirmed ill; exactly the visitors of the same place within the
//! window around the ill visitor's visit are warned, by e-mail where known and by SMS otherwise, each once per
//! case even when the case is reported twice, or at once on two nodes sharing the store, and even when the next
//! report knows a contact by another identifier.

use super::*;
use gateway_e2e::BACKENDS;
use gateway_e2e::admission::HEALTH;

const A_MAIL: &str = "visitor.a@primer.example";
const C_MAIL: &str = "visitor.c@primer.example";
const D_MAIL: &str = "visitor.d@primer.example";
const B_PHONE: &str = "+79280000051";

async fn report(api: &str, case: &str, snils: &str) -> Value {
    answer(
        api,
        HEALTH,
        "CaseReportRequest",
        json!({"caseId": case, "snils": snils}),
    )
    .await
}

fn notices_to(sms: &[Value], phone: &str) -> usize {
    sms.iter()
        .filter(|m| m["phone"] == phone && six_digits(m["text"].as_str().unwrap_or("")).is_none())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_the_overlapping_visitors_are_warned_once_each_on_both_stores() {
    let settings = "contact_before = \"2s\"\ncontact_after = \"2s\"\n";
    for backend in BACKENDS {
        let s = Setup::start(backend, settings).await;
        let theatre = s.participant(&THEATRE).await;
        let museum = s.participant(&MUSEUM).await;
        let ill = s.visitor_qr(VISITOR_4, None, None).await;
        let a = s.visitor_qr(VISITOR_1, None, Some(A_MAIL)).await;
        let c = s.visitor_qr(VISITOR_5, None, Some(C_MAIL)).await;
        let d = s.visitor_qr(VISITOR_6, None, Some(D_MAIL)).await;

        // The ill visitor, then A (twice) and B (by SMS code) at the theatre; C at the museum.
        assert_eq!(s.check_visitor(&theatre, &ill).await["result"], "ADMIT");
        assert_eq!(s.check_visitor(&theatre, &a).await["result"], "ADMIT");
        assert_eq!(s.check_visitor(&theatre, &a).await["result"], "ADMIT");
        s.register_phone(&theatre, B_PHONE).await;
        let code = s.code_sent_to(B_PHONE).await;
        assert_eq!(s.check_code(&theatre, &code).await["result"], "ADMIT");
        assert_eq!(s.check_visitor(&museum, &c).await["result"], "ADMIT");
        // D comes to the theatre after the window.
        tokio::time::sleep(Duration::from_millis(3_000)).await;
        let d_again = s.visitor_qr(VISITOR_6, None, Some(D_MAIL)).await;
        let _ = d;
        assert_eq!(s.check_visitor(&theatre, &d_again).await["result"], "ADMIT");

        let first = report(&s.api, "CASE-2026-001", VISITOR_4).await;
        assert_eq!(first["visitsFound"], 1, "{backend:?}: {first}");
        assert_eq!(first["contactsFound"], 2, "{first}");
        assert_eq!(first["notifiedByEmail"], 1, "{first}");
        assert_eq!(first["notifiedBySms"], 1, "{first}");
        assert_eq!(first["alreadyNotified"], 0, "{first}");
        assert!(
            !first.to_string().contains("200-100"),
            "no СНИЛС in the answer: {first}"
        );

        let mails = mail_to(&s.sink, A_MAIL, 1).await;
        let out = tempfile::tempdir().unwrap();
        let mail = read_mail(&mails[0], out.path());
        assert_eq!(
            mail["headers"]["Subject"], "Возможный контакт с заболевшим",
            "{mail}"
        );
        let body = mail["body"].as_str().unwrap();
        assert!(body.contains("Краевой драматический театр"), "{body}");
        assert!(
            !body.contains("200-100-400"),
            "never the ill person: {body}"
        );
        assert_eq!(notices_to(&s.sms().await, B_PHONE), 1);

        // Reported again: nobody is warned twice.
        let second = report(&s.api, "CASE-2026-001", VISITOR_4).await;
        assert_eq!(second["alreadyNotified"], 2, "{second}");
        assert_eq!(second["notifiedByEmail"], 0, "{second}");
        assert_eq!(second["notifiedBySms"], 0, "{second}");

        // A second node on the same store; a new case reported on both at once.
        let node2 = TestGateway::start(&config(&s.db, &s.sim, &s.sink, settings)).await;
        let api2 = node2.url("/api/v1/messages");
        let (one, two) = tokio::join!(
            report(&s.api, "CASE-2026-002", VISITOR_4),
            report(&api2, "CASE-2026-002", VISITOR_4)
        );
        let sent = |v: &Value, k: &str| v[k].as_u64().unwrap_or(0);
        assert_eq!(
            sent(&one, "notifiedByEmail") + sent(&two, "notifiedByEmail"),
            1,
            "{one} {two}"
        );
        assert_eq!(
            sent(&one, "notifiedBySms") + sent(&two, "notifiedBySms"),
            1,
            "{one} {two}"
        );
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert_eq!(
            mail_to(&s.sink, A_MAIL, 2).await.len(),
            2,
            "one mail per case"
        );
        assert_eq!(notices_to(&s.sms().await, B_PHONE), 2, "one SMS per case");
        for outsider in [C_MAIL, D_MAIL] {
            let got: Vec<_> = s
                .sink
                .messages()
                .into_iter()
                .filter(|m| {
                    crate::reports::kit::Sink::recipients(m)
                        .iter()
                        .any(|r| r == outsider)
                })
                .collect();
            assert!(got.is_empty(), "{outsider} was not there then");
        }
        node2.stop().await;
        s.stop().await;
    }
}

/// A contact known by phone to one report of a case and by СНИЛС to the next (a QR visit with that phone came
/// later) is warned once: the notice was claimed under the phone, and the next report looks under every
/// identifier the contact shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_known_by_phone_then_by_snils_is_warned_once_on_both_stores() {
    let settings = "contact_before = \"1m\"\ncontact_after = \"1m\"\n";
    let phone = "+79280000081";
    for backend in BACKENDS {
        let s = Setup::start(backend, settings).await;
        let theatre = s.participant(&THEATRE).await;
        let ill = s.visitor_qr(VISITOR_4, None, None).await;
        assert_eq!(s.check_visitor(&theatre, &ill).await["result"], "ADMIT");
        // The contact comes in by SMS code: known by the phone only.
        s.register_phone(&theatre, phone).await;
        let code = s.code_sent_to(phone).await;
        assert_eq!(s.check_code(&theatre, &code).await["result"], "ADMIT");
        let first = report(&s.api, "CASE-2026-010", VISITOR_4).await;
        assert_eq!(first["contactsFound"], 1, "{backend:?}: {first}");
        assert_eq!(first["notifiedBySms"], 1, "{first}");

        // Then by QR with a СНИЛС and the same phone: the next report knows the contact by the СНИЛС.
        let qr = s.visitor_qr(VISITOR_3, Some(phone), None).await;
        assert_eq!(s.check_visitor(&theatre, &qr).await["result"], "ADMIT");
        let second = report(&s.api, "CASE-2026-010", VISITOR_4).await;
        assert_eq!(second["contactsFound"], 1, "{second}");
        assert_eq!(second["notifiedBySms"], 0, "{second}");
        assert_eq!(second["alreadyNotified"], 1, "{second}");
        assert_eq!(notices_to(&s.sms().await, phone), 1, "one SMS for the case");

        // A new case reaches the contact once, known by both from the start.
        let other = report(&s.api, "CASE-2026-011", VISITOR_4).await;
        assert_eq!(other["notifiedBySms"], 1, "{other}");
        let again = report(&s.api, "CASE-2026-011", VISITOR_4).await;
        assert_eq!(again["alreadyNotified"], 1, "{again}");
        assert_eq!(notices_to(&s.sms().await, phone), 2);
        s.stop().await;
    }
}

/// Without `[tokens] subject_key` the key of the tags' hashes is made once and kept in the store: the visits
/// registered before a restart are still found after it, and a case reported before and after the restart still
/// warns each contact once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visits_are_found_across_a_restart_without_a_configured_key() {
    let sim = Sim::start().await;
    let sink = Sink::start();
    let db = TestDb::fresh(Backend::Sqlite).await;
    let settings = "contact_before = \"1h\"\ncontact_after = \"1h\"\n";
    let mut cfg = config(&db, &sim, &sink, settings);
    cfg.tokens = String::new();
    let gw = TestGateway::start(&cfg).await;
    let s = Setup {
        api: gw.url("/api/v1/messages"),
        sim,
        sink,
        db,
        gw,
    };
    let theatre = s.participant(&THEATRE).await;
    let ill = s.visitor_qr(VISITOR_4, None, None).await;
    let a = s.visitor_qr(VISITOR_1, None, Some(A_MAIL)).await;
    assert_eq!(s.check_visitor(&theatre, &ill).await["result"], "ADMIT");
    assert_eq!(s.check_visitor(&theatre, &a).await["result"], "ADMIT");
    let before = report(&s.api, "CASE-R-1", VISITOR_4).await;
    assert_eq!(before["notifiedByEmail"], 1, "{before}");
    let Setup {
        sim, sink, db, gw, ..
    } = s;
    gw.stop().await;
    let gw = TestGateway::start(&cfg).await;
    let api = gw.url("/api/v1/messages");
    let again = report(&api, "CASE-R-1", VISITOR_4).await;
    assert_eq!(
        again["visitsFound"], 1,
        "the visits are found after the restart: {again}"
    );
    assert_eq!(again["alreadyNotified"], 1, "{again}");
    let other = report(&api, "CASE-R-2", VISITOR_4).await;
    assert_eq!(other["notifiedByEmail"], 1, "{other}");
    assert_eq!(mail_to(&sink, A_MAIL, 2).await.len(), 2);
    drop(db);
    gw.stop().await;
    sim.stop().await;
}
