//! The organisation's QR (item 3): the registration page a visitor lands on, the SMS code sent through the SMS
//! gateway, checked by the staff: a wrong, an expired and a right code, a code used twice, the limit of codes per
//! phone and of wrong codes per participant.

use super::*;
use gateway_e2e::BACKENDS;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sms_code_path_with_wrong_expired_and_right_codes_and_the_limits_on_both_stores() {
    let settings = "code_ttl = \"2s\"\nmax_sends_per_phone = 3\nsend_window = \"1h\"\nmax_wrong_codes = 3\nwrong_code_window = \"1h\"\n";
    for backend in BACKENDS {
        let s = Setup::start(backend, settings).await;
        let theatre = s.participant(&THEATRE).await;
        let museum = s.participant(&MUSEUM).await;

        // The page: a form in Russian with a phone field and «Отправить»; no script.
        let page = Client::new()
            .get(&s.gw.url(&format!("/admission/{theatre}")), None)
            .await;
        assert_eq!(page.status, 200, "{backend:?}: {}", page.text());
        let html = page.text();
        for needle in [
            "Отправить",
            "name=\"phone\"",
            "Краевой драматический театр",
            "viewport",
        ] {
            assert!(html.contains(needle), "{needle}: {html}");
        }
        assert!(!html.contains("<script"), "no JavaScript: {html}");
        let unknown = Client::new()
            .get(&s.gw.url("/admission/ZZZZZZZZ"), None)
            .await;
        assert_eq!(unknown.status, 404, "{}", unknown.text());

        // Not a Russian mobile number: the form again, nothing sent.
        let bad = s.register_phone(&theatre, "+7 (8652) 00-00-00").await;
        assert_eq!(bad.status, 422, "{}", bad.text());
        assert!(s.sms().await.is_empty());

        // An expired code.
        let sent = s.register_phone(&theatre, "8 (928) 000-00-21").await;
        assert_eq!(sent.status, 200, "{}", sent.text());
        assert!(
            sent.text().contains("**-21"),
            "the phone masked: {}",
            sent.text()
        );
        assert!(!sent.text().contains("000-00-21"), "{}", sent.text());
        let old = s.code_sent_to("+79280000021").await;
        tokio::time::sleep(Duration::from_millis(2_300)).await;
        assert_eq!(s.check_code(&theatre, &old).await["result"], "CODE_EXPIRED");

        // A right code, once; at another participant it is wrong.
        s.register_phone(&theatre, "+79280000021").await;
        let code = s.code_sent_to("+79280000021").await;
        assert_ne!(code, old);
        assert_eq!(s.check_code(&museum, &code).await["result"], "CODE_WRONG");
        let ok = s.check_code(&theatre, &code).await;
        assert_eq!(ok["result"], "ADMIT", "{ok}");
        assert!(ok["visitId"].is_string(), "{ok}");
        assert_eq!(
            s.check_code(&theatre, &code).await["result"],
            "CODE_WRONG",
            "a code is used once"
        );

        // The third send to this phone within the window is the last one.
        let third = s.register_phone(&theatre, "+79280000021").await;
        assert_eq!(third.status, 200, "{}", third.text());
        let fourth = s.register_phone(&theatre, "+79280000021").await;
        assert_eq!(fourth.status, 429, "{}", fourth.text());
        assert_eq!(
            s.sms()
                .await
                .iter()
                .filter(|m| m["phone"] == "+79280000021")
                .count(),
            3
        );

        // Wrong codes at the museum: the limit (3) then stops even a right one.
        s.register_phone(&museum, "+79280000031").await;
        let right = s.code_sent_to("+79280000031").await;
        let wrong = if right == "000000" {
            "111111"
        } else {
            "000000"
        };
        for _ in 0..2 {
            assert_eq!(s.check_code(&museum, wrong).await["result"], "CODE_WRONG");
        }
        let limited = s.check_code(&museum, &right).await;
        assert_eq!(limited["result"], "TOO_MANY_ATTEMPTS", "{limited}");
        // The theatre is not affected by the museum's wrong codes.
        s.register_phone(&theatre, "+79280000041").await;
        let other = s.code_sent_to("+79280000041").await;
        assert_eq!(s.check_code(&theatre, &other).await["result"], "ADMIT");

        // Requests at once cannot pass the limit together: of six for a fresh phone, at most three send.
        let burst = "+79280000071";
        let ask = || s.register_phone(&theatre, burst);
        let (a, b, c, d, e, f) = tokio::join!(ask(), ask(), ask(), ask(), ask(), ask());
        let statuses: Vec<u16> = [a, b, c, d, e, f].iter().map(|r| r.status).collect();
        let passed = statuses.iter().filter(|&&status| status == 200).count();
        assert!(
            statuses
                .iter()
                .all(|&status| status == 200 || status == 429),
            "{statuses:?}"
        );
        assert!(passed <= 3, "{backend:?}: {statuses:?}");
        let sent = s.sms().await;
        assert_eq!(
            sent.iter().filter(|m| m["phone"] == burst).count(),
            passed,
            "{statuses:?}"
        );
        // Wrong codes at once at the theatre: no more are looked at than the limit (3) allows.
        let wrong_at_once = || s.check_code(&theatre, wrong);
        let (a, b, c, d, e, f) = tokio::join!(
            wrong_at_once(),
            wrong_at_once(),
            wrong_at_once(),
            wrong_at_once(),
            wrong_at_once(),
            wrong_at_once()
        );
        let results: Vec<Value> = [a, b, c, d, e, f]
            .iter()
            .map(|r| r["result"].clone())
            .collect();
        let looked_at = results.iter().filter(|r| *r == "CODE_WRONG").count();
        // The theatre had one wrong code already (the used one); its right codes do not count.
        assert!(looked_at <= 2, "{backend:?}: {results:?}");
        assert_eq!(
            results.iter().filter(|r| *r == "TOO_MANY_ATTEMPTS").count(),
            6 - looked_at,
            "{results:?}"
        );
        s.stop().await;
    }
}
