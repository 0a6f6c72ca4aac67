//! The response queue (take, redeliver, ack) and status events.

use std::collections::HashMap;
use std::time::Duration;

use gateway_store::{
    AckOutcome, Dialect, FinishOutcome, Finished, JournalQuery, NewStatusEvent, ResponseKind,
};

use crate::common::{LONG, databases, finished, journal_entry, queue_reply, reply, request};

const REDELIVER: Duration = Duration::from_millis(400);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_honours_the_selector_redelivers_and_stops_after_ack() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        queue_reply(&store, "SENDER", "m-1", "{urn:t}A", 100).await;
        queue_reply(&store, "SENDER", "m-2", "{urn:t}B", 200).await;

        let b = store
            .take_response("SENDER", Some("{urn:t}B"), REDELIVER)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((b.id.as_str(), b.deliveries), ("resp-m-2", 1), "{d:?}");
        assert_eq!(b.kind, ResponseKind::Reply);
        assert_eq!(b.body, b"<answer to m-2/>");
        assert!(
            store
                .take_response("SENDER", Some("{urn:t}B"), REDELIVER)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .take_response("SENDER", Some("{urn:t}C"), REDELIVER)
                .await
                .unwrap()
                .is_none()
        );

        let a = store
            .take_response("SENDER", None, REDELIVER)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.id, "resp-m-1", "{d:?}: oldest first");
        assert!(
            store
                .take_response("SENDER", None, REDELIVER)
                .await
                .unwrap()
                .is_none(),
            "{d:?}"
        );

        tokio::time::sleep(REDELIVER + Duration::from_millis(50)).await;
        let again = store
            .take_response("SENDER", None, REDELIVER)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.id.as_str(), again.deliveries),
            ("resp-m-1", 2),
            "{d:?}: redelivered"
        );

        assert_eq!(
            store.ack_response("SENDER", "resp-m-1").await.unwrap(),
            AckOutcome::Acked
        );
        assert_eq!(
            store.ack_response("SENDER", "resp-m-1").await.unwrap(),
            AckOutcome::AlreadyAcked
        );
        assert_eq!(
            store.ack_response("SENDER", "nope").await.unwrap(),
            AckOutcome::NotFound
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM responses WHERE id = 'resp-m-1' AND body IS NULL")
                .await,
            1,
            "{d:?}: an acknowledged body is erased"
        );

        tokio::time::sleep(REDELIVER + Duration::from_millis(50)).await;
        let next = store
            .take_response("SENDER", None, REDELIVER)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            next.id, "resp-m-2",
            "{d:?}: the acked one is never redelivered"
        );
        assert_eq!(
            store.ack_response("SENDER", "resp-m-2").await.unwrap(),
            AckOutcome::Acked
        );
        tokio::time::sleep(REDELIVER + Duration::from_millis(50)).await;
        assert!(
            store
                .take_response("SENDER", None, REDELIVER)
                .await
                .unwrap()
                .is_none(),
            "{d:?}"
        );
    }
}

/// 100 responses, 8 concurrent takers over two stores on one database: each response is handed
/// out exactly once within the redelivery window.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_takers_get_each_response_exactly_once() {
    const RESPONSES: usize = 100;
    for db in databases().await {
        let d = db.dialect;
        let a = db.store("node-a").await;
        let b = db.store("node-b").await;
        for i in 0..RESPONSES {
            queue_reply(
                &a,
                "SENDER",
                &format!("m-{i:03}"),
                "{urn:t}A",
                i64::try_from(i).unwrap(),
            )
            .await;
        }
        let mut tasks = Vec::new();
        for t in 0..8 {
            let store = if t % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(r) = store.take_response("SENDER", None, LONG).await.unwrap() {
                    assert_eq!(r.deliveries, 1);
                    got.push(r.id);
                }
                got
            }));
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for task in tasks {
            for id in task.await.unwrap() {
                *seen.entry(id).or_default() += 1;
            }
        }
        assert_eq!(seen.len(), RESPONSES, "{d:?}: every response handed out");
        let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            twice.is_empty(),
            "{d:?}: handed out more than once: {twice:?}"
        );
        assert_eq!(
            db.scalar(
                "SELECT COUNT(*) FROM responses WHERE deliveries = 1 AND delivered_at IS NOT NULL"
            )
            .await,
            i64::try_from(RESPONSES).unwrap(),
            "{d:?}"
        );
        // On PostgreSQL the nodes take rows side by side (`FOR UPDATE SKIP LOCKED`), so both take some. On SQLite
        // they take turns at the file's one write lock, and one node's committer may win every turn while the
        // other sleeps in SQLite's busy handler (seen once under the full suite's load): exactly-once is what
        // must hold there, and does above.
        if d == Dialect::Postgres {
            let delivered_to_b = db
                .scalar("SELECT COUNT(*) FROM responses WHERE delivered_to = 'node-b'")
                .await;
            assert!(delivered_to_b > 0, "{d:?}: both nodes took part");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selector_names_the_answer_type_or_the_request_type() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        for id in ["m-1", "m-2"] {
            store
                .accept_request(&request(id, "SENDER"), LONG)
                .await
                .unwrap();
            let f = finished(id, Some(reply(id, "{urn:t}Answer", 1)));
            assert_eq!(
                store.finish_request(&f).await.unwrap(),
                FinishOutcome::Finished
            );
        }
        // By the request's root (the common request type of `request`).
        let by_request = store
            .take_response("SENDER", Some("{urn://example/svo}Request"), LONG)
            .await
            .unwrap()
            .expect("selected by the request type");
        // By the answer's root.
        let by_answer = store
            .take_response("SENDER", Some("{urn:t}Answer"), LONG)
            .await
            .unwrap()
            .expect("selected by the answer type");
        assert_ne!(by_request.id, by_answer.id, "{d:?}");
        assert!(
            store
                .take_response("SENDER", Some("{urn:t}Other"), LONG)
                .await
                .unwrap()
                .is_none(),
            "{d:?}: another type selects nothing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_never_see_each_others_messages() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        store
            .accept_request(&request("m-1", "ALICE"), LONG)
            .await
            .unwrap();
        let mut f = finished("m-1", Some(reply("m-1", "{urn:t}A", 1)));
        f.sender = "ALICE".into();
        f.status_event = Some(status("st-1"));
        f.journal = vec![journal_entry("ALICE", "m-1", 1, "replied")];
        assert_eq!(
            store.finish_request(&f).await.unwrap(),
            FinishOutcome::Finished
        );

        assert!(
            store
                .take_response("BOB", None, LONG)
                .await
                .unwrap()
                .is_none(),
            "{d:?}"
        );
        assert!(
            store
                .take_response("BOB", Some("{urn:t}A"), LONG)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store.ack_response("BOB", "resp-m-1").await.unwrap(),
            AckOutcome::NotFound,
            "{d:?}"
        );
        assert!(store.take_status_event("BOB").await.unwrap().is_none());
        assert!(store.request_state("BOB", "m-1").await.unwrap().is_none());
        let q = JournalQuery {
            message_id: Some("m-1".into()),
            ..JournalQuery::default()
        };
        assert!(
            store.find_journal("BOB", &q).await.unwrap().is_empty(),
            "{d:?}"
        );

        // Bob's failed ack did not acknowledge Alice's response.
        let r = store
            .take_response("ALICE", None, LONG)
            .await
            .unwrap()
            .expect("still queued");
        assert_eq!(r.sender, "ALICE");
        assert_eq!(
            store.ack_response("ALICE", &r.id).await.unwrap(),
            AckOutcome::Acked
        );
        assert!(store.take_status_event("ALICE").await.unwrap().is_some());
        assert_eq!(
            store.find_journal("ALICE", &q).await.unwrap().len(),
            2,
            "{d:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_events_are_delivered_once_in_order() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        for (i, at) in [(1, 20), (2, 10)] {
            let id = format!("m-{i}");
            store
                .accept_request(&request(&id, "SENDER"), LONG)
                .await
                .unwrap();
            let mut event = status(&format!("st-{i}"));
            event.created_at = at;
            let f = Finished {
                status_event: Some(event),
                ..finished(&id, None)
            };
            store.finish_request(&f).await.unwrap();
        }
        let first = store.take_status_event("SENDER").await.unwrap().unwrap();
        assert_eq!(
            (first.id.as_str(), first.original_message_id.as_str()),
            ("st-2", "m-2"),
            "{d:?}"
        );
        assert_eq!(first.fault_code.as_deref(), Some("NO_DATA"));
        let second = store.take_status_event("SENDER").await.unwrap().unwrap();
        assert_eq!(second.id, "st-1", "{d:?}");
        assert!(
            store.take_status_event("SENDER").await.unwrap().is_none(),
            "{d:?}: never again"
        );
    }
}

fn status(id: &str) -> NewStatusEvent {
    NewStatusEvent {
        id: id.into(),
        category: "requestIsRejected".into(),
        details: Some("no data".into()),
        fault_code: Some("NO_DATA".into()),
        fault_description: Some("Нет данных".into()),
        created_at: 1,
    }
}

/// The metrics' queue gauges: per sender, the answers not acknowledged and not purged (handed out or not), and
/// the oldest one's creation time; senders with none are not listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_depths_count_unacknowledged_unpurged_answers_per_sender() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        assert_eq!(store.queue_depths().await.unwrap(), [], "{d:?}");
        for (sender, id, created_at, purge_at) in [
            ("SENDER", "m-1", 100, None),
            ("SENDER", "m-2", 200, None),
            ("SENDER", "m-3", 300, None),
            ("OTHER", "o-1", 50, Some(1_000)),
        ] {
            store
                .accept_request(&request(id, sender), LONG)
                .await
                .unwrap();
            let mut r = reply(id, "{urn:t}A", created_at);
            r.purge_at = purge_at;
            let mut f = finished(id, Some(r));
            f.sender = sender.to_owned();
            store.finish_request(&f).await.unwrap();
        }
        let depth = |sender: &str, depth, oldest_created_at| gateway_store::QueueDepth {
            sender: sender.to_owned(),
            depth,
            oldest_created_at,
        };
        assert_eq!(
            store.queue_depths().await.unwrap(),
            [depth("OTHER", 1, 50), depth("SENDER", 3, 100)],
            "{d:?}"
        );

        // Handed out but not acknowledged: still waiting. Acknowledged: gone.
        let first = store
            .take_response("SENDER", None, REDELIVER)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.id, "resp-m-1", "{d:?}");
        assert_eq!(
            store.queue_depths().await.unwrap()[1],
            depth("SENDER", 3, 100),
            "{d:?}: a delivered answer waits for its Ack"
        );
        assert_eq!(
            store.ack_response("SENDER", "resp-m-1").await.unwrap(),
            AckOutcome::Acked
        );
        // A purged answer is no longer deliverable: gone too.
        assert_eq!(
            store.sweep(1_000).await.unwrap().responses_purged,
            1,
            "{d:?}"
        );
        assert_eq!(
            store.queue_depths().await.unwrap(),
            [depth("SENDER", 2, 200)],
            "{d:?}"
        );
    }
}
