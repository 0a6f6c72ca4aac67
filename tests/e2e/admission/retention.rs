//! Personal data (item 5): visits and codes are deleted when their configured time is up (the sweep), tags
//! (phones, СНИЛС) are kept as keyed hashes only, and after their time no phone or СНИЛС of a visitor is left
//! anywhere in the store (every column of every table searched, `gateway_e2e::pii`).

use super::*;
use gateway_e2e::BACKENDS;
use gateway_e2e::pii;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitors_data_is_gone_when_its_time_is_up_on_both_stores() {
    let settings = "keep_visits = \"2s\"\nvisitor_qr_ttl = \"1s\"\ncode_ttl = \"1s\"\nsend_window = \"1s\"\nwrong_code_window = \"1s\"\n";
    let phone = "+79280000061";
    let texts = [phone, "9280000061", VISITOR_1, "20010020030"];
    for backend in BACKENDS {
        let s = Setup::start(backend, settings).await;
        let theatre = s.participant(&THEATRE).await;
        let qr = s.visitor_qr(VISITOR_1, Some(phone), None).await;
        assert_eq!(s.check_visitor(&theatre, &qr).await["result"], "ADMIT");
        assert!(
            !pii::find(&s.db, &texts).await.is_empty(),
            "{backend:?}: while the visit is kept its data is stored"
        );
        let in_tags: Vec<_> = pii::find(&s.db, &texts)
            .await
            .into_iter()
            .filter(|h| h.table.ends_with("plugin_record_tags"))
            .collect();
        assert!(in_tags.is_empty(), "tags are hashed: {in_tags:?}");

        // The code page: the phone is in the code's record until it goes (ttl + 1 h), so delete by using it.
        s.register_phone(&theatre, phone).await;
        let code = s.code_sent_to(phone).await;
        assert_eq!(s.check_code(&theatre, &code).await["result"], "ADMIT");

        // keep_visits = 2 s, then a sweep (every 200 ms in the tests).
        tokio::time::sleep(Duration::from_millis(3_000)).await;
        let left = pii::find(&s.db, &texts).await;
        assert!(left.is_empty(), "{backend:?}: {left:#?}");
        s.stop().await;
    }
}
