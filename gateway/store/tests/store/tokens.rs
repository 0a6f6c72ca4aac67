//! Tokens: issue, lookup, the race between nodes, expiry, tombstones and erasure.

use gateway_store::{NewToken, TokenLookup};

use crate::common::{contains, databases};

const DATA: &[u8] = b"MoD showcase: Ivanov Ivan, 1990-01-01, unit 12345";

fn token(id: &str, subject: &str, issued_at: i64) -> NewToken {
    NewToken {
        scope: "svo-qr".into(),
        id: id.into(),
        subject_hash: Some(subject.into()),
        data: Some(DATA.to_vec()),
        issued_at,
        expires_at: issued_at + 300_000,
        tombstone_until: issued_at + 3_600_000,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_then_find_by_id_and_subject_until_expiry() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        let t = store
            .token_issue(&token("g-1", "subj", 1_000), 1_000)
            .await
            .unwrap();
        assert_eq!(
            (t.id.as_str(), t.data.as_deref()),
            ("g-1", Some(DATA)),
            "{d:?}"
        );

        let TokenLookup::Live(live) = store.token_get("svo-qr", "g-1", 2_000).await.unwrap() else {
            panic!("{d:?}: live token expected");
        };
        assert_eq!(live, t);
        assert_eq!(
            store
                .token_by_subject("svo-qr", "subj", 2_000)
                .await
                .unwrap(),
            Some(t.clone())
        );
        assert_eq!(
            store
                .token_by_subject("other-scope", "subj", 2_000)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store.token_get("svo-qr", "g-2", 2_000).await.unwrap(),
            TokenLookup::Unknown
        );

        // At expires_at it is expired, before any sweep, and its data is not returned.
        let expiry = t.expires_at;
        assert_eq!(
            store.token_get("svo-qr", "g-1", expiry).await.unwrap(),
            TokenLookup::Expired { expires_at: expiry },
            "{d:?}"
        );
        assert_eq!(
            store
                .token_by_subject("svo-qr", "subj", expiry)
                .await
                .unwrap(),
            None,
            "{d:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_issuing_for_one_subject_agree_on_one_token() {
    for db in databases().await {
        let d = db.dialect;
        let a = db.store("node-a").await;
        let b = db.store("node-b").await;
        let mut races = Vec::new();
        for i in 0..20 {
            let (a, b) = (a.clone(), b.clone());
            races.push(tokio::spawn(async move {
                let subject = format!("subject-{i}");
                let ta = token(&format!("a-{i}"), &subject, 1_000);
                let tb = token(&format!("b-{i}"), &subject, 1_000);
                let (ra, rb) = tokio::join!(a.token_issue(&ta, 1_000), b.token_issue(&tb, 1_000));
                (ra.unwrap(), rb.unwrap())
            }));
        }
        for race in races {
            let (ta, tb) = race.await.unwrap();
            assert_eq!(ta.id, tb.id, "{d:?}: both nodes return the winner");
            assert_eq!(ta, tb);
        }
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM tokens").await,
            20,
            "{d:?}: one row per subject"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_erases_the_data_everywhere_and_the_tombstone_goes_later() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        let t = store
            .token_issue(&token("g-1", "subj", 1_000), 1_000)
            .await
            .unwrap();
        let holding = |values: &[(String, String, Vec<u8>)]| {
            values
                .iter()
                .filter(|(_, _, v)| contains(v, DATA))
                .map(|(t, c, _)| format!("{t}.{c}"))
                .collect::<Vec<_>>()
        };
        let before = holding(&db.all_text_and_blob_values().await);
        assert_eq!(
            before,
            ["tokens.data"],
            "{d:?}: the search finds the live data"
        );

        let report = store.sweep(t.expires_at).await.unwrap();
        assert_eq!(report.tokens_expired, 1, "{d:?}");
        assert_eq!(report.tokens_deleted, 0);
        let after = holding(&db.all_text_and_blob_values().await);
        assert!(after.is_empty(), "{d:?}: token data left in {after:?}");
        assert_eq!(
            store
                .token_get("svo-qr", "g-1", t.expires_at)
                .await
                .unwrap(),
            TokenLookup::Expired {
                expires_at: t.expires_at
            },
            "{d:?}: the tombstone still answers expired"
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM tokens WHERE subject_hash IS NOT NULL")
                .await,
            0
        );

        // A new token for the same subject can be issued while the tombstone exists.
        let renewed = store
            .token_issue(&token("g-2", "subj", t.expires_at), t.expires_at)
            .await
            .unwrap();
        assert_eq!(renewed.id, "g-2", "{d:?}");

        let tombstone_end = 1_000 + 3_600_000;
        assert_eq!(
            store.sweep(tombstone_end - 1).await.unwrap().tokens_deleted,
            0,
            "{d:?}"
        );
        let report = store.sweep(tombstone_end).await.unwrap();
        assert_eq!(report.tokens_deleted, 1, "{d:?}");
        assert_eq!(
            store
                .token_get("svo-qr", "g-1", tombstone_end)
                .await
                .unwrap(),
            TokenLookup::Unknown
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expire_now_makes_a_tombstone_and_frees_the_subject() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        let now = crate::common::now_ms();
        store
            .token_issue(&token("g-1", "subj", now), now)
            .await
            .unwrap();
        store.token_expire("svo-qr", "g-1").await.unwrap();
        store.token_expire("svo-qr", "unknown").await.unwrap();
        let later = crate::common::now_ms() + 1;
        assert!(
            matches!(
                store.token_get("svo-qr", "g-1", later).await.unwrap(),
                TokenLookup::Expired { .. }
            ),
            "{d:?}"
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM tokens WHERE data IS NOT NULL")
                .await,
            0,
            "{d:?}"
        );
        assert_eq!(
            store
                .token_by_subject("svo-qr", "subj", later)
                .await
                .unwrap(),
            None
        );
        let fresh = store
            .token_issue(&token("g-2", "subj", later), later)
            .await
            .unwrap();
        assert_eq!(fresh.id, "g-2", "{d:?}");
    }
}
