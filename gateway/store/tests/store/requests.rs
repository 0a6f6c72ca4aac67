//! Accepting, claiming and finishing requests.

use std::collections::HashMap;
use std::time::Duration;

use gateway_store::{
    FinishOutcome, Finished, JournalQuery, NewStatusEvent, RequestStatus, StoreError,
};

use crate::common::{LONG, databases, fact, finished, journal_entry, reply, request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_records_the_request_and_rejects_a_repeated_message_id() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        let r = request("m-1", "SENDER");
        store.accept_request(&r, LONG).await.unwrap();

        let state = store
            .request_state("SENDER", "m-1")
            .await
            .unwrap()
            .expect("state");
        assert_eq!(state.status, RequestStatus::Accepted, "{d:?}");
        assert_eq!(state.message_type, r.message_type);
        assert_eq!(state.received_at, r.received_at);
        assert_eq!((state.finished_at, state.attempts), (None, 1));

        let again = store.accept_request(&r, LONG).await.unwrap_err();
        assert!(matches!(again, StoreError::Duplicate), "{d:?}: {again:?}");
        // Another sender's request with the same id is another request: MessageIDs are the sender's own.
        store
            .accept_request(&request("m-1", "OTHER"), LONG)
            .await
            .unwrap_or_else(|e| panic!("{d:?}: another sender's m-1: {e:?}"));
        let other = store
            .request_state("OTHER", "m-1")
            .await
            .unwrap()
            .expect("OTHER's request");
        assert_eq!(other.status, RequestStatus::Accepted, "{d:?}");

        let journal = store
            .find_journal("SENDER", &JournalQuery::default())
            .await
            .unwrap();
        assert_eq!(
            journal.len(),
            1,
            "{d:?}: one entry, the duplicate rolled back"
        );
        let entry = &journal[0];
        assert_eq!(
            (entry.outcome.as_str(), entry.direction, entry.node.as_str()),
            ("accepted", gateway_store::Direction::In, "node-a"),
            "{d:?}"
        );
        assert_eq!(entry.payload_sha256, r.payload_sha256);
        assert_eq!(entry.message_type.as_deref(), Some(r.message_type.as_str()));

        // Finishing one sender's m-1 leaves the other's alone.
        assert_eq!(
            store.finish_request(&finished("m-1", None)).await.unwrap(),
            FinishOutcome::Finished,
            "{d:?}"
        );
        let other = store
            .request_state("OTHER", "m-1")
            .await
            .unwrap()
            .expect("OTHER's");
        assert_eq!(other.status, RequestStatus::Accepted, "{d:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finish_records_everything_once_and_erases_the_payload() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        store
            .accept_request(&request("m-1", "SENDER"), LONG)
            .await
            .unwrap();
        let f = Finished {
            sender: "SENDER".into(),
            message_id: "m-1".into(),
            response: Some(reply("m-1", "{urn:t}Answer", 100)),
            status_event: Some(NewStatusEvent {
                id: "st-1".into(),
                category: "requestIsProcessed".into(),
                details: Some("ok".into()),
                fault_code: None,
                fault_description: None,
                created_at: 100,
            }),
            facts: vec![fact("f-1", "1027700132195", 100)],
            journal: vec![journal_entry("SENDER", "m-1", 100, "replied")],
        };
        assert_eq!(
            store.finish_request(&f).await.unwrap(),
            FinishOutcome::Finished,
            "{d:?}"
        );
        assert_eq!(
            store.finish_request(&f).await.unwrap(),
            FinishOutcome::AlreadyDone,
            "{d:?}"
        );

        let state = store.request_state("SENDER", "m-1").await.unwrap().unwrap();
        assert_eq!(state.status, RequestStatus::Done, "{d:?}");
        assert!(state.finished_at.is_some());
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM requests WHERE payload IS NOT NULL")
                .await,
            0
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM requests WHERE lease_owner IS NOT NULL")
                .await,
            0
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM responses").await,
            1,
            "{d:?}: no second response"
        );
        assert_eq!(db.scalar("SELECT COUNT(*) FROM status_events").await, 1);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM facts").await, 1);

        let response = store
            .take_response("SENDER", None, LONG)
            .await
            .unwrap()
            .expect("queued");
        assert_eq!(response.request_message_id, "m-1");
        assert_eq!(
            response.reference_message_id.as_deref(),
            Some("ref-m-1"),
            "{d:?}: copied"
        );
        assert_eq!(response.transaction_code.as_deref(), Some("tx-1"));
        assert_eq!(response.reply_to.as_deref(), Some("reply-to-token"));
        assert_eq!(response.smev_version, "1.3");
        let event = store
            .take_status_event("SENDER")
            .await
            .unwrap()
            .expect("status event");
        assert_eq!(
            (event.original_message_id.as_str(), event.sender.as_str()),
            ("m-1", "SENDER")
        );

        let outcomes: Vec<String> = store
            .find_journal("SENDER", &JournalQuery::default())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.outcome)
            .collect();
        assert_eq!(
            outcomes.len(),
            2,
            "{d:?}: accepted + replied, not replied twice: {outcomes:?}"
        );
        assert!(
            outcomes.contains(&"replied".to_owned()) && outcomes.contains(&"accepted".to_owned())
        );

        let unknown = store.finish_request(&finished("nope", None)).await.unwrap();
        assert_eq!(unknown, FinishOutcome::Unknown, "{d:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_finish_records_nothing() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        store
            .record_facts(&[fact("f-taken", "1027700132195", 1)])
            .await
            .unwrap();
        store
            .accept_request(&request("m-1", "SENDER"), LONG)
            .await
            .unwrap();
        let mut f = finished("m-1", Some(reply("m-1", "{urn:t}Answer", 100)));
        // The same fact again (on PostgreSQL a fact's id is unique together with its time: see migration 0009).
        f.facts = vec![fact("f-taken", "1027700132195", 1)];
        let err = store.finish_request(&f).await.unwrap_err();
        assert!(matches!(err, StoreError::Duplicate), "{d:?}: {err:?}");
        let state = store.request_state("SENDER", "m-1").await.unwrap().unwrap();
        assert_eq!(state.status, RequestStatus::Accepted, "{d:?}: rolled back");
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM responses").await,
            0,
            "{d:?}"
        );
        assert_eq!(
            db.scalar("SELECT COUNT(*) FROM requests WHERE payload IS NULL")
                .await,
            0
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_lease_holder_finishes() {
    for db in databases().await {
        let d = db.dialect;
        let a = db.store("node-a").await;
        let b = db.store("node-b").await;
        a.accept_request(&request("m-1", "SENDER"), LONG)
            .await
            .unwrap();
        let outcome = b.finish_request(&finished("m-1", None)).await.unwrap();
        assert_eq!(outcome, FinishOutcome::LeasedElsewhere, "{d:?}");
        assert!(
            b.claim_requests(LONG, 10).await.unwrap().is_empty(),
            "{d:?}: lease is live"
        );
        assert_eq!(
            a.finish_request(&finished("m-1", None)).await.unwrap(),
            FinishOutcome::Finished
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_taken_over() {
    for db in databases().await {
        let d = db.dialect;
        let a = db.store("node-a").await;
        let b = db.store("node-b").await;
        let accepted = request("m-1", "SENDER");
        a.accept_request(&accepted, Duration::from_millis(100))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let claimed = b.claim_requests(LONG, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "{d:?}");
        let p = &claimed[0];
        assert_eq!(p.attempts, 2, "{d:?}");
        assert_eq!(p.request, accepted, "{d:?}: handed back as it was accepted");
        assert_eq!(
            a.finish_request(&finished("m-1", None)).await.unwrap(),
            FinishOutcome::LeasedElsewhere
        );
        assert_eq!(
            b.finish_request(&finished("m-1", None)).await.unwrap(),
            FinishOutcome::Finished
        );
        assert!(
            a.claim_requests(LONG, 10).await.unwrap().is_empty(),
            "{d:?}: done is never claimed"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_from_two_stores_never_share_a_request() {
    const REQUESTS: usize = 60;
    for db in databases().await {
        let d = db.dialect;
        let a = db.store("node-a").await;
        let b = db.store("node-b").await;
        for i in 0..REQUESTS {
            // A zero lease: claimable at once, as if the accepting node had died.
            a.accept_request(&request(&format!("m-{i:03}"), "SENDER"), Duration::ZERO)
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        let mut tasks = Vec::new();
        for t in 0..8 {
            let store = if t % 2 == 0 { a.clone() } else { b.clone() };
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let batch = store.claim_requests(LONG, 3).await.unwrap();
                    if batch.is_empty() {
                        break;
                    }
                    mine.extend(
                        batch
                            .into_iter()
                            .map(|p| (p.request.message_id, store.node().to_owned())),
                    );
                }
                mine
            }));
        }
        let mut owners: HashMap<String, Vec<String>> = HashMap::new();
        for task in tasks {
            for (id, node) in task.await.unwrap() {
                owners.entry(id).or_default().push(node);
            }
        }
        assert_eq!(owners.len(), REQUESTS, "{d:?}: every request claimed");
        for (id, nodes) in &owners {
            assert_eq!(nodes.len(), 1, "{d:?}: {id} claimed by {nodes:?}");
            let owner = if nodes[0] == "node-a" { &a } else { &b };
            let other = if nodes[0] == "node-a" { &b } else { &a };
            assert_eq!(
                other.finish_request(&finished(id, None)).await.unwrap(),
                FinishOutcome::LeasedElsewhere
            );
            assert_eq!(
                owner.finish_request(&finished(id, None)).await.unwrap(),
                FinishOutcome::Finished
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_returns_the_oldest_first_up_to_the_limit() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        for (i, at) in [(1, 300), (2, 100), (3, 200)] {
            let mut r = request(&format!("m-{i}"), "SENDER");
            r.received_at = at;
            store.accept_request(&r, Duration::ZERO).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(store.claim_requests(LONG, 0).await.unwrap().is_empty());
        let first: Vec<String> = store
            .claim_requests(LONG, 2)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.request.message_id)
            .collect();
        assert_eq!(first, ["m-2", "m-3"], "{d:?}");
        let rest = store.claim_requests(LONG, 2).await.unwrap();
        assert_eq!(rest.len(), 1, "{d:?}");
        assert_eq!(rest[0].request.message_id, "m-1");
    }
}
