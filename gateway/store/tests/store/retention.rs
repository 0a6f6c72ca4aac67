//! Retention: purging response bodies, deleting old rows, facts retention.

use std::time::Duration;

use gateway_store::{AckOutcome, Dialect, Retention};

use crate::common::{LONG, databases, fact, finished, now_ms, reply, request};

const BODY_MARK: &[u8] = b"<answer to m-1/>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_bodies_are_purged_and_never_delivered_again() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        for (id, purge_at) in [("m-1", Some(5_000)), ("m-2", Some(9_000)), ("m-3", None)] {
            store
                .accept_request(&request(id, "SENDER"), LONG)
                .await
                .unwrap();
            let mut r = reply(id, "{urn:t}A", 1);
            r.purge_at = purge_at;
            store.finish_request(&finished(id, Some(r))).await.unwrap();
        }
        // m-3 is handed out and acknowledged before the sweep: not a purge candidate.
        let order = ["resp-m-1", "resp-m-2", "resp-m-3"];
        for id in order {
            let taken = store
                .take_response("SENDER", None, LONG)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(taken.id, id, "{d:?}");
        }
        assert_eq!(
            store.ack_response("SENDER", "resp-m-3").await.unwrap(),
            AckOutcome::Acked
        );

        let report = store.sweep(5_000).await.unwrap();
        assert_eq!(report.responses_purged, 1, "{d:?}: only m-1 is due");
        let found = db
            .all_text_and_blob_values()
            .await
            .into_iter()
            .filter(|(_, _, v)| crate::common::contains(v, BODY_MARK))
            .count();
        assert_eq!(found, 0, "{d:?}: the purged body is gone");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM responses WHERE body IS NOT NULL")
                .await,
            1
        );

        tokio::time::sleep(Duration::from_millis(20)).await;
        let redelivered = store
            .take_response("SENDER", None, Duration::from_millis(10))
            .await
            .unwrap()
            .expect("m-2 is still deliverable");
        assert_eq!(redelivered.id, "resp-m-2", "{d:?}: purged m-1 is skipped");
        assert_eq!(
            store.sweep(9_000).await.unwrap().responses_purged,
            1,
            "{d:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            store
                .take_response("SENDER", None, Duration::from_millis(10))
                .await
                .unwrap()
                .is_none(),
            "{d:?}"
        );
        assert_eq!(
            store.sweep(9_000).await.unwrap().responses_purged,
            0,
            "{d:?}: purged once"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_finished_work_is_deleted_after_its_retention() {
    let retention = Retention {
        responses: Duration::from_secs(60),
        requests: Duration::from_secs(120),
        journal: Some(Duration::from_secs(180)),
    };
    for db in databases().await {
        let d = db.dialect;
        let store = db.store_with("node-a", retention).await;
        store
            .accept_request(&request("m-1", "SENDER"), LONG)
            .await
            .unwrap();
        store
            .accept_request(&request("m-2", "SENDER"), LONG)
            .await
            .unwrap();
        store
            .finish_request(&finished("m-1", Some(reply("m-1", "{urn:t}A", now_ms()))))
            .await
            .unwrap();
        let taken = store
            .take_response("SENDER", None, LONG)
            .await
            .unwrap()
            .unwrap();
        store.ack_response("SENDER", &taken.id).await.unwrap();
        let now = now_ms();

        let early = store.sweep(now + 30_000).await.unwrap();
        assert!(
            early.is_empty(),
            "{d:?}: nothing is old enough yet: {early:?}"
        );

        let report = store.sweep(now + 61_000).await.unwrap();
        assert_eq!(
            (report.responses_deleted, report.requests_deleted),
            (1, 0),
            "{d:?}"
        );
        let report = store.sweep(now + 121_000).await.unwrap();
        assert_eq!(
            report.requests_deleted, 1,
            "{d:?}: only the finished request"
        );
        assert_eq!(report.journal_deleted, 0);
        assert!(
            store
                .request_state("SENDER", "m-1")
                .await
                .unwrap()
                .is_none(),
            "{d:?}"
        );
        assert!(
            store
                .request_state("SENDER", "m-2")
                .await
                .unwrap()
                .is_some(),
            "{d:?}: unfinished stays"
        );
        let report = store.sweep(now + 181_000).await.unwrap();
        assert_eq!(report.journal_deleted, 2, "{d:?}: both accepted entries");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_are_kept_until_their_cutoff() {
    const DAY: i64 = 86_400_000;
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        let facts = [
            fact("f-old", "1027700132195", DAY),
            fact("f-edge", "1027700132195", 2 * DAY),
            fact("f-new", "1027700132195", 3 * DAY),
            fact("f-other", "304500116000157", 3 * DAY),
        ];
        store.record_facts(&facts).await.unwrap();
        let dup = store.record_facts(&facts[..1]).await.unwrap_err();
        assert!(
            matches!(dup, gateway_store::StoreError::Duplicate),
            "{d:?}: {dup:?}"
        );

        let org = store
            .facts_between(Some("1027700132195"), 0, 4 * DAY)
            .await
            .unwrap();
        assert_eq!(
            org.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            ["f-old", "f-edge", "f-new"]
        );
        assert_eq!(org[0], facts[0], "{d:?}: round trip");

        assert_eq!(
            store.delete_facts_before(2 * DAY).await.unwrap(),
            1,
            "{d:?}: cutoff is exclusive"
        );
        let all = store.facts_between(None, 0, 4 * DAY).await.unwrap();
        assert_eq!(
            all.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            ["f-edge", "f-new", "f-other"],
            "{d:?}"
        );
        assert!(
            store
                .facts_between(None, 3 * DAY, 3 * DAY)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_facts_and_journal_entries_are_written_in_batches() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        let facts: Vec<_> = (0..1_234)
            .map(|i| fact(&format!("f-{i:05}"), "1027700132195", i))
            .collect();
        store.record_facts(&facts).await.unwrap();
        assert_eq!(
            store.facts_between(None, 0, 10_000).await.unwrap(),
            facts,
            "{d:?}"
        );
        let entries: Vec<_> = (0..1_100)
            .map(|i| crate::common::journal_entry("SENDER", &format!("m-{i}"), i, "replied"))
            .collect();
        store.append_journal(&entries).await.unwrap();
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM journal").await,
            1_100,
            "{d:?}"
        );

        // SQLite deletes in several batches, every row before the cutoff and none after it; PostgreSQL deletes
        // whole days (the first day has not ended by the cutoff).
        let (deleted, kept) = match d {
            Dialect::Sqlite => (1_200, 34),
            Dialect::Postgres => (0, 1_234),
        };
        assert_eq!(
            store.delete_facts_before(1_200).await.unwrap(),
            deleted,
            "{d:?}"
        );
        assert_eq!(db.scalar("SELECT COUNT(*) FROM facts").await, kept, "{d:?}");
        let journal_kept = store_with_journal_retention(&db, 1_050).await;
        let swept = journal_kept.sweep(1_050 + 1_050).await.unwrap();
        assert_eq!(
            swept.journal_deleted, 1_050,
            "{d:?}: entries at 0..1050 are older than 1050 ms"
        );
        assert_eq!(db.scalar("SELECT COUNT(*) FROM journal").await, 50, "{d:?}");
    }
}

/// A store of `db` whose journal is kept `ms` milliseconds.
async fn store_with_journal_retention(db: &crate::common::TestDb, ms: u64) -> gateway_store::Store {
    db.store_with(
        "node-a",
        Retention {
            journal: Some(Duration::from_millis(ms)),
            ..Retention::default()
        },
    )
    .await
}

/// A batch of the facts retention on SQLite (facts.rs) takes the oldest facts off `facts_occurred`, with no
/// statistics gathered (a new store): a sequential scan stopping at the limit read the whole table in the last
/// batch of every deletion, which finds fewer rows than the limit. (So did PostgreSQL's, with `autovacuum = off`,
/// before it deleted whole days: see the next test.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_facts_retention_batch_reads_the_oldest_off_an_index_without_statistics() {
    for db in databases().await {
        let d = db.dialect;
        if d == Dialect::Postgres {
            continue;
        }
        let store = db.store("node-a").await;
        let facts: Vec<_> = (0..50_000)
            .map(|i| fact(&format!("f-{i:05}"), "1027700132195", i))
            .collect();
        store.record_facts(&facts).await.unwrap();
        let plan = db
            .plan(
                "DELETE FROM facts WHERE id IN \
                 (SELECT id FROM facts WHERE occurred_at < 100 ORDER BY occurred_at LIMIT 500)",
            )
            .await;
        assert!(plan.contains("facts_occurred"), "{d:?}: {plan}");
        assert!(!plan.contains("SCAN facts"), "{d:?}: {plan}");
        assert_eq!(store.delete_facts_before(100).await.unwrap(), 100, "{d:?}");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM facts").await,
            49_900,
            "{d:?}"
        );
    }
}

/// On PostgreSQL the facts retention drops whole days: each UTC day is a partition of its own, created before its
/// first fact is written and dropped (not deleted row by row) once the day is past the cutoff; a day dropped and
/// written again is made anew, and facts dated outside the years 1–9999 are kept and deleted too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_deletes_facts_by_dropping_whole_days() {
    const DAY: i64 = 86_400_000;
    // 2026-12-04T00:00Z: the days 4, 5 and 6 December.
    const DEC_4: i64 = 1_796_342_400_000;
    for db in databases().await {
        if db.dialect != Dialect::Postgres {
            continue;
        }
        let store = db.store("node-a").await;
        let mut facts: Vec<_> = (0..300)
            .map(|i| fact(&format!("f-{i:03}"), "1027700132195", DEC_4 + i * DAY / 100))
            .collect();
        facts.push(fact("f-ancient", "1027700132195", -62_135_596_800_001));
        store.record_facts(&facts).await.unwrap();
        let partitions = "SELECT COUNT(*) FROM pg_inherits WHERE inhparent = 'facts'::regclass \
             AND inhrelid::regclass::text IN ('facts_20261204', 'facts_20261205', 'facts_20261206')";
        assert_eq!(db.scalar(partitions).await, 3);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM facts_early").await, 1);

        // The cutoff falls in 6 December: 4 and 5 December go, with the fact before the year 1.
        assert_eq!(
            store
                .delete_facts_before(DEC_4 + 2 * DAY + DAY / 2)
                .await
                .unwrap(),
            201
        );
        assert_eq!(db.scalar(partitions).await, 1);
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM pg_class WHERE relname IN ('facts_20261204', 'facts_20261205')")
                .await,
            0,
            "the detached tables are dropped"
        );
        assert_eq!(db.scalar("SELECT COUNT(*) FROM facts").await, 100);
        assert_eq!(
            db.scalar("SELECT MIN(occurred_at) FROM facts").await,
            DEC_4 + 2 * DAY
        );

        // A late fact of a dropped day is written to a new partition, and so is one another node writes
        // after this store last looked.
        store
            .record_facts(&[fact("f-late", "1027700132195", DEC_4 + 1)])
            .await
            .unwrap();
        let other = db.store("node-b").await;
        assert_eq!(other.delete_facts_before(DEC_4 + DAY).await.unwrap(), 1);
        store
            .record_facts(&[fact("f-later", "1027700132195", DEC_4 + 2)])
            .await
            .unwrap();
        assert_eq!(db.scalar("SELECT COUNT(*) FROM facts").await, 101);
    }
}
