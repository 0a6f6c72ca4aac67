//! Participants (item 1): an application approved by its coordinator, registered by the operator and its
//! organisation QR e-mailed through a real SMTP server (the PNG decodes to the registration link); one
//! declined with a reason; a duplicate ОГРН, also submitted several times at once; bad check numbers; who may
//! read which application.

use super::*;
use gateway_e2e::admission::{HEALTH, SPORT};
use gateway_e2e::{BACKENDS, pii};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_participant_receives_its_qr_by_mail_on_both_stores() {
    for backend in BACKENDS {
        let s = Setup::start(backend, "").await;
        let applied = s.apply(ORG_SYSTEM, &THEATRE, "culture").await;
        assert_eq!(applied["status"], "SUBMITTED", "{backend:?}: {applied}");
        let id = applied["applicationId"].as_str().expect("id").to_owned();

        // The operator sees nothing before the coordinator approves.
        let early = s.register(&id).await;
        assert_eq!(early["result"], "NOT_FOUND", "{early}");

        let approved = s.decide(CULTURE, &id, "APPROVE", None).await;
        assert_eq!(approved["status"], "APPROVED", "{approved}");
        let registered = s.register(&id).await;
        assert_eq!(registered["status"], "REGISTERED", "{registered}");
        let code = registered["participantCode"].as_str().expect("code");
        let link = format!("https://26gosuslugi.ru/admission/{code}");
        assert_eq!(registered["registrationLink"], link.as_str());

        // The e-mail, read as the participant's mail program reads it; its PNG decoded by zbarimg.
        let mails = mail_to(&s.sink, THEATRE.email, 1).await;
        let out = tempfile::tempdir().unwrap();
        let mail = read_mail(&mails[0], out.path());
        assert_eq!(
            mail["headers"]["Subject"], "QR-код организации для системы допуска",
            "{mail}"
        );
        let body = mail["body"].as_str().expect("a text body");
        assert!(body.contains(&link), "the link is in the body: {body}");
        assert!(body.contains("Краевой драматический театр"), "{body}");
        let files = mail["attachments"].as_array().expect("attachments");
        assert_eq!(files.len(), 1, "{mail}");
        assert_eq!(files[0]["type"], "image/png");
        assert_eq!(files[0]["name"], format!("qr-{code}.png"));
        let png = std::fs::read(files[0]["path"].as_str().unwrap()).unwrap();
        assert_eq!(
            crate::svo::zbar(&png),
            link,
            "the QR in the mail opens the page"
        );

        // Registering again answers the same participant and sends nothing more.
        let again = s.register(&id).await;
        assert_eq!(again["participantCode"], code, "{again}");
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(
            mail_to(&s.sink, THEATRE.email, 1).await.len(),
            1,
            "one mail"
        );

        // The history, as the applicant, the coordinator and the operator each read it.
        for role in [ORG_SYSTEM, CULTURE, OPERATOR] {
            let status = s.status(role, &id).await;
            assert_eq!(
                status["status"], "REGISTERED",
                "{}: {status}",
                role.mnemonic
            );
            assert_eq!(status["participantCode"], code);
            let steps: Vec<&str> = status["history"]
                .as_array()
                .expect("history")
                .iter()
                .map(|e| e["status"].as_str().unwrap())
                .collect();
            assert_eq!(steps, ["SUBMITTED", "APPROVED", "REGISTERED"], "{status}");
        }
        // Not theirs: another applicant system and another coordinator are told nothing exists.
        for role in [PORTAL, SPORT] {
            let status = s.status(role, &id).await;
            assert_eq!(status["result"], "NOT_FOUND", "{}: {status}", role.mnemonic);
            assert!(status.get("organisationName").is_none(), "{status}");
        }
        // The health authority may not send application messages at all (the sender's may_send).
        let r = raw(
            &s,
            HEALTH,
            "ApplicationStatusRequest",
            json!({"applicationId": id}),
        )
        .await;
        assert_eq!(r.status, 403, "{}", r.text());
        s.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declined_duplicate_and_malformed_applications_are_answered_clearly_on_both_stores() {
    for backend in BACKENDS {
        let s = Setup::start(backend, "").await;
        let applied = s.apply(ORG_SYSTEM, &STADIUM, "sport").await;
        let id = applied["applicationId"].as_str().expect("id").to_owned();

        // The culture coordinator cannot decide a sport application (it does not see it).
        let foreign = s.decide(CULTURE, &id, "APPROVE", None).await;
        assert_eq!(foreign["result"], "NOT_FOUND", "{foreign}");
        // A decline needs a reason: the message's schema says so.
        let bare = raw(
            &s,
            SPORT,
            "ApplicationDecisionRequest",
            json!({"applicationId": id, "decision": "DECLINE"}),
        )
        .await;
        assert_eq!(bare.status, 400, "{}", bare.text());
        assert!(bare.text().contains("reason"), "{}", bare.text());

        // A second application of the same ОГРН while the first is open: a duplicate.
        let twice = s.apply(ORG_SYSTEM, &STADIUM, "sport").await;
        assert_eq!(twice["result"], "DUPLICATE", "{twice}");
        assert_eq!(
            twice["applicationId"],
            id.as_str(),
            "the same applicant learns its id"
        );
        let other = s.apply(PORTAL, &STADIUM, "sport").await;
        assert_eq!(other["result"], "DUPLICATE", "{other}");
        assert!(
            other.get("applicationId").is_none(),
            "another system does not: {other}"
        );

        let reason = "Организация не относится к общественным местам";
        let declined = s.decide(SPORT, &id, "DECLINE", Some(reason)).await;
        assert_eq!(declined["status"], "DECLINED", "{declined}");
        let status = s.status(ORG_SYSTEM, &id).await;
        assert_eq!(status["status"], "DECLINED");
        let last = status["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["reason"], reason, "{status}");
        // Deciding again: the state is told.
        let again = s.decide(SPORT, &id, "APPROVE", None).await;
        assert_eq!(again["result"], "WRONG_STATE", "{again}");
        // The operator cannot register a declined application, and no mail goes out: it does not see it, as its
        // status request does not.
        let reg = s.register(&id).await;
        assert_ne!(reg["status"], "REGISTERED", "{reg}");
        assert_eq!(reg["result"], "NOT_FOUND", "{reg}");
        assert!(reg.get("status").is_none(), "{reg}");
        assert_eq!(s.status(OPERATOR, &id).await["result"], "NOT_FOUND");
        // After a decline the organisation may apply again.
        let fresh = s.apply(ORG_SYSTEM, &STADIUM, "sport").await;
        assert_eq!(fresh["status"], "SUBMITTED", "{fresh}");
        assert_ne!(fresh["applicationId"], id.as_str());

        // Check numbers: refused at the gateway's edge, before the plugin.
        let mut bad = application(&MUSEUM, "culture");
        bad["ogrn"] = json!("1022601000015");
        let r = raw(&s, ORG_SYSTEM, "SubmitApplicationRequest", bad).await;
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(
            r.text().contains("ogrn") || r.text().contains("Ogrn"),
            "{}",
            r.text()
        );
        let mut bad_inn = application(&MUSEUM, "culture");
        bad_inn["inn"] = json!("2634000012");
        let r = raw(&s, ORG_SYSTEM, "SubmitApplicationRequest", bad_inn).await;
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(s.sink.messages().is_empty(), "no mail for any of it");

        // One ОГРН applied for by several requests at once: exactly one application is accepted.
        let museum = || {
            answer(
                &s.api,
                ORG_SYSTEM,
                "SubmitApplicationRequest",
                application(&MUSEUM, "culture"),
            )
        };
        let (a, b, c, d) = tokio::join!(museum(), museum(), museum(), museum());
        let at_once = [a, b, c, d];
        let accepted = at_once
            .iter()
            .filter(|a| a.get("result").is_none() && a["status"] == "SUBMITTED")
            .count();
        let duplicates = at_once
            .iter()
            .filter(|a| a["result"] == "DUPLICATE")
            .count();
        assert_eq!((accepted, duplicates), (1, 3), "{at_once:?}");
        // The index of ОГРН keys its records by a keyed hash: an ОГРНИП is a sole trader's personal data.
        let in_keys: Vec<_> = pii::find(&s.db, &[STADIUM.ogrn, MUSEUM.ogrn])
            .await
            .into_iter()
            .filter(|hit| hit.column == "key")
            .collect();
        assert!(in_keys.is_empty(), "{backend:?}: {in_keys:#?}");
        s.stop().await;
    }
}

/// The QR letter queued while the mail server is down is not lost: it is delivered, once, when the server is
/// back (the gateway's mail job retries with growing pauses).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_letter_waits_for_the_mail_server_and_goes_once() {
    let mut s = Setup::start_with(Backend::Postgres, "", Sink::down()).await;
    let code = s.participant(&MUSEUM).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(s.sink.messages().is_empty());
    s.sink.resume();
    let mails = mail_to(&s.sink, MUSEUM.email, 1).await;
    let out = tempfile::tempdir().unwrap();
    let mail = read_mail(&mails[0], out.path());
    assert!(mail["body"].as_str().unwrap().contains(&code), "{mail}");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(
        mail_to(&s.sink, MUSEUM.email, 1).await.len(),
        1,
        "sent once"
    );
    s.stop().await;
}
