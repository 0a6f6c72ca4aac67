//! Reports: scheduled periods, report runs leased to one node, the streaming read of their facts.

use std::collections::HashSet;
use std::time::Duration;

use futures::TryStreamExt;
use gateway_store::{
    Delivery, Fact, NewReport, ReportKind, ReportPeriod, ReportQuery, ReportStatus, Store,
};

use crate::common::{LONG, databases, fact, now_ms};

const DAY: i64 = 86_400_000;
/// 2025-03-01T00:00:00+03:00 (Europe/Moscow).
const MARCH_1: i64 = 1_740_776_400_000;

fn period(first_day: i64, days: i64) -> ReportPeriod {
    let name = |d: i64| format!("2025-03-{:02}", d + 1);
    ReportPeriod {
        first: name(first_day),
        last: name(first_day + days - 1),
        from_ms: MARCH_1 + first_day * DAY,
        to_ms: MARCH_1 + (first_day + days) * DAY,
    }
}

fn of_kind(mut f: Fact, kind: &str) -> Fact {
    f.kind = kind.to_owned();
    f
}

fn adhoc(org: &str, p: ReportPeriod) -> NewReport {
    NewReport {
        kind: ReportKind::Adhoc,
        organisation: org.to_owned(),
        period: p,
        fact_kind: "scan".to_owned(),
    }
}

fn delivery(message_id: &str) -> Delivery {
    Delivery {
        message_id: message_id.to_owned(),
        recipient: "org@example.org".to_owned(),
        facts: 3,
        smtp_response: "250 2.0.0 Ok: queued".to_owned(),
        sent_at: now_ms(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_period_is_recorded_once_with_a_run_per_organisation_with_facts() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        store
            .record_facts(&[
                fact("a1", "1027700132195", MARCH_1 + 10),
                fact("a2", "1027700132195", MARCH_1 + DAY + 10),
                fact("b1", "1037739010891", MARCH_1 + DAY - 1),
                fact("b2", "1037739010891", MARCH_1 + 2 * DAY),
                of_kind(fact("c1", "1047796000000", MARCH_1 + 5), "visit"),
                fact("d1", "1057700000000", MARCH_1 - 1),
            ])
            .await
            .unwrap();
        assert_eq!(store.last_report_period().await.unwrap(), None, "{d:?}");
        let p = period(0, 2);
        assert_eq!(
            store.record_report_period(&p, "scan", 5).await.unwrap(),
            Some(2),
            "{d:?}"
        );
        let runs = store.find_reports(&ReportQuery::default()).await.unwrap();
        let mut orgs: Vec<_> = runs.iter().map(|r| r.organisation.as_str()).collect();
        orgs.sort_unstable();
        assert_eq!(orgs, ["1027700132195", "1037739010891"], "{d:?}");
        for r in &runs {
            assert_eq!(
                (r.kind, r.status, r.attempts, r.next_attempt_at),
                (ReportKind::Scheduled, ReportStatus::Pending, 0, 5)
            );
            assert_eq!(r.period, p);
        }
        // Again, or overlapping the recorded period: nothing new.
        assert_eq!(
            store.record_report_period(&p, "scan", 6).await.unwrap(),
            None
        );
        let overlapping = period(1, 3);
        assert_eq!(
            store
                .record_report_period(&overlapping, "scan", 6)
                .await
                .unwrap(),
            None
        );
        // An earlier period never comes after a later one.
        assert_eq!(
            store
                .record_report_period(&period(-3, 2), "scan", 6)
                .await
                .unwrap(),
            None
        );
        // The next period is recorded.
        assert_eq!(
            store
                .record_report_period(&period(2, 2), "scan", 7)
                .await
                .unwrap(),
            Some(1)
        );
        assert_eq!(
            store.last_report_period().await.unwrap(),
            Some(("2025-03-03".to_owned(), "2025-03-04".to_owned()))
        );
        assert_eq!(db.scalar("SELECT COUNT(*) FROM report_periods").await, 2);
        assert_eq!(db.scalar("SELECT COUNT(*) FROM reports").await, 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_recording_the_same_period_at_once_record_it_once() {
    for db in databases().await {
        let d = db.dialect;
        let setup = db.store("setup").await;
        let facts: Vec<Fact> = (0..20)
            .map(|i| fact(&format!("f{i}"), &format!("10277001321{i:02}"), MARCH_1 + i))
            .collect();
        setup.record_facts(&facts).await.unwrap();
        let stores = [
            db.store("node-a").await,
            db.store("node-b").await,
            db.store("node-c").await,
        ];
        let p = period(0, 1);
        let results =
            futures::future::join_all(stores.iter().map(|s| s.record_report_period(&p, "scan", 1)))
                .await;
        let recorded: Vec<u32> = results.into_iter().filter_map(|r| r.unwrap()).collect();
        assert_eq!(recorded, [20], "{d:?}: one node records the period");
        assert_eq!(db.scalar("SELECT COUNT(*) FROM reports").await, 20);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_are_exclusive_and_a_sent_run_is_never_claimed_again() {
    for db in databases().await {
        let d = db.dialect;
        let a = db.store("node-a").await;
        let b = db.store("node-b").await;
        let mut ids = HashSet::new();
        for i in 0..30 {
            let run = a
                .ensure_report(&adhoc(&format!("org-{i}"), period(0, 1)))
                .await
                .unwrap();
            ids.insert(run.id);
        }
        let (got_a, got_b) = tokio::join!(a.claim_reports(LONG, 20), b.claim_reports(LONG, 20));
        let (got_a, got_b) = (got_a.unwrap(), got_b.unwrap());
        let ids_a: HashSet<i64> = got_a.iter().map(|r| r.id).collect();
        let ids_b: HashSet<i64> = got_b.iter().map(|r| r.id).collect();
        assert!(
            ids_a.is_disjoint(&ids_b),
            "{d:?}: a run leased to both nodes"
        );
        assert_eq!(
            ids_a.len() + ids_b.len(),
            30,
            "{d:?}: every due run is claimed"
        );
        assert!(got_a.iter().all(|r| r.attempts == 1
            && r.lease_owner.as_deref() == Some("node-a")
            && r.lease_until.is_some()));
        assert!(a.claim_reports(LONG, 20).await.unwrap().is_empty());

        let run = got_a[0].clone();
        assert!(
            !b.mark_report_sent(run.id, &delivery("<x@y>"))
                .await
                .unwrap(),
            "{d:?}: only the lease holder records the outcome"
        );
        assert!(!b.renew_report_lease(run.id, LONG).await.unwrap());
        assert!(a.renew_report_lease(run.id, LONG).await.unwrap());
        assert!(
            a.mark_report_sent(run.id, &delivery("<x@y>"))
                .await
                .unwrap()
        );
        assert!(
            !a.mark_report_sent(run.id, &delivery("<x@y>"))
                .await
                .unwrap(),
            "{d:?}: sent once"
        );
        let sent = a.report(run.id).await.unwrap().expect("run");
        assert_eq!(sent.status, ReportStatus::Sent);
        assert_eq!(sent.message_id.as_deref(), Some("<x@y>"));
        assert_eq!(sent.recipient.as_deref(), Some("org@example.org"));
        assert_eq!(sent.facts, Some(3));
        assert_eq!(sent.smtp_response.as_deref(), Some("250 2.0.0 Ok: queued"));
        assert_eq!(
            (sent.lease_owner.as_deref(), sent.lease_until),
            (Some("node-a"), None),
            "the lease ends; the sender node is kept"
        );
        assert!(!a.mark_report_failed(run.id, "late", 0).await.unwrap());
        assert!(
            a.claim_report(run.id, LONG).await.unwrap().is_none(),
            "{d:?}"
        );

        // Ensuring the sent run again returns it unchanged.
        let again = a
            .ensure_report(&adhoc(&run.organisation, period(0, 1)))
            .await
            .unwrap();
        assert_eq!(again.status, ReportStatus::Sent);
        assert_eq!(again.id, run.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_stays_visible_and_is_claimed_again_when_due() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        let run = store
            .ensure_report(&adhoc("1027700132195", period(0, 1)))
            .await
            .unwrap();
        let claimed = store.claim_reports(LONG, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "{d:?}");
        let later = now_ms() + 60_000;
        assert!(
            store
                .mark_report_failed(run.id, "SMTP: connection refused", later)
                .await
                .unwrap()
        );
        let failed = store.report(run.id).await.unwrap().expect("run");
        assert_eq!(failed.status, ReportStatus::Failed);
        assert_eq!(
            failed.last_error.as_deref(),
            Some("SMTP: connection refused")
        );
        assert_eq!((failed.attempts, failed.next_attempt_at), (1, later));
        assert!(
            store.claim_reports(LONG, 10).await.unwrap().is_empty(),
            "{d:?}: not due yet"
        );
        // An operator may run it now.
        let now = store
            .claim_report(run.id, LONG)
            .await
            .unwrap()
            .expect("claimed");
        assert_eq!(now.attempts, 2);
        assert!(
            store.claim_report(run.id, LONG).await.unwrap().is_none(),
            "{d:?}: leased"
        );
        // Given back at shutdown: the attempt does not count and the run is free again.
        assert!(store.release_report(run.id).await.unwrap());
        let released = store.report(run.id).await.unwrap().expect("run");
        assert_eq!((released.attempts, released.lease_owner), (1, None));
        assert!(
            !store.mark_report_failed(run.id, "x", 0).await.unwrap(),
            "{d:?}: recording an outcome needs the lease"
        );
        assert!(store.claim_reports(LONG, 10).await.unwrap().is_empty());
        let claimed = store
            .claim_report(run.id, LONG)
            .await
            .unwrap()
            .expect("free");
        assert!(
            store
                .mark_report_failed(claimed.id, "again", 0)
                .await
                .unwrap()
        );
        assert!(
            store
                .claim_reports_due_by(LONG, 10, -1)
                .await
                .unwrap()
                .is_empty(),
            "{d:?}: not due by then"
        );
        let due = store.claim_reports(LONG, 10).await.unwrap();
        assert_eq!(due.len(), 1, "{d:?}: due again");
        assert_eq!(due[0].last_error.as_deref(), Some("again"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_lease_ran_out_is_taken_over() {
    for db in databases().await {
        let a = db.store("node-a").await;
        let b = db.store("node-b").await;
        let run = a
            .ensure_report(&adhoc("1027700132195", period(0, 1)))
            .await
            .unwrap();
        assert_eq!(
            a.claim_reports(Duration::from_millis(1), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let taken = b.claim_reports(LONG, 10).await.unwrap();
        assert_eq!(taken.len(), 1, "{:?}", db.dialect);
        assert_eq!((taken[0].attempts, taken[0].id), (2, run.id));
        assert!(!a.renew_report_lease(run.id, LONG).await.unwrap());
        assert!(
            !a.mark_report_sent(run.id, &delivery("<a@b>"))
                .await
                .unwrap()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_stream_in_order_with_their_count_and_organisations() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        let org = "1027700132195";
        let mut facts: Vec<Fact> = (0..1200)
            .map(|i| {
                let mut f = fact(&format!("id-{i:04}"), org, MARCH_1 + (i % 400) * 1000);
                if i % 4 == 0 {
                    f.document_type = "large-family".into();
                }
                f
            })
            .collect();
        facts.push(fact("other-org", "1037739010891", MARCH_1 + 5));
        facts.push(of_kind(fact("other-kind", org, MARCH_1 + 5), "visit"));
        facts.push(fact("before", org, MARCH_1 - 1));
        facts.push(fact("after", org, MARCH_1 + DAY));
        store.record_facts(&facts).await.unwrap();
        let (from, to) = (MARCH_1, MARCH_1 + DAY);
        let got: Vec<Fact> = store
            .report_facts(org, "scan", from, to)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got.len(), 1200, "{d:?}");
        let keys: Vec<(i64, &str)> = got.iter().map(|f| (f.occurred_at, f.id.as_str())).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        assert_eq!(keys, sorted, "{d:?}: ordered by time, then id");
        assert_eq!(got[0], facts[0]);
        assert_eq!(
            store
                .count_report_facts_by_type(org, "scan", from, to)
                .await
                .unwrap(),
            [("large-family".to_owned(), 300), ("svo-qr".to_owned(), 900)],
            "{d:?}: by document type, sorted"
        );
        assert_eq!(
            store.report_organisations("scan", from, to).await.unwrap(),
            ["1027700132195", "1037739010891"]
        );
        assert_eq!(
            store.report_organisations("visit", from, to).await.unwrap(),
            [org]
        );
        assert!(
            store
                .report_organisations("scan", to + 1, to + DAY)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_filtered_by_period_organisation_and_status() {
    for db in databases().await {
        let d = db.dialect;
        let store: Store = db.store("node-a").await;
        let first = store
            .ensure_report(&adhoc("1027700132195", period(0, 1)))
            .await
            .unwrap();
        store
            .ensure_report(&adhoc("1027700132195", period(5, 5)))
            .await
            .unwrap();
        store
            .ensure_report(&adhoc("1037739010891", period(9, 2)))
            .await
            .unwrap();
        let ids = |runs: Vec<gateway_store::ReportRun>| {
            runs.into_iter()
                .map(|r| (r.organisation, r.period.first))
                .collect::<Vec<_>>()
        };
        let q = |from: Option<&str>, to: Option<&str>, org: Option<&str>| ReportQuery {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            organisation: org.map(str::to_owned),
            ..ReportQuery::default()
        };
        assert_eq!(
            store
                .find_reports(&q(None, None, None))
                .await
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            ids(store
                .find_reports(&q(Some("2025-03-08"), Some("2025-03-10"), None))
                .await
                .unwrap()),
            [
                ("1037739010891".to_owned(), "2025-03-10".to_owned()),
                ("1027700132195".to_owned(), "2025-03-06".to_owned())
            ],
            "{d:?}: periods overlapping the range, newest first"
        );
        assert_eq!(
            ids(store
                .find_reports(&q(None, Some("2025-03-05"), Some("1027700132195")))
                .await
                .unwrap()),
            [("1027700132195".to_owned(), "2025-03-01".to_owned())]
        );
        store
            .claim_report(first.id, LONG)
            .await
            .unwrap()
            .expect("claimed");
        store
            .mark_report_sent(first.id, &delivery("<m@x>"))
            .await
            .unwrap();
        let sent = ReportQuery {
            status: Some(ReportStatus::Sent),
            ..ReportQuery::default()
        };
        assert_eq!(store.find_reports(&sent).await.unwrap()[0].id, first.id);
        assert_eq!(
            store
                .delete_sent_reports_before(now_ms() - 60_000)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            store
                .delete_sent_reports_before(now_ms() + 60_000)
                .await
                .unwrap(),
            1
        );
        assert!(store.report(first.id).await.unwrap().is_none(), "{d:?}");
        assert_eq!(
            store
                .find_reports(&ReportQuery::default())
                .await
                .unwrap()
                .len(),
            2,
            "unsent runs stay"
        );
        let one = ReportQuery {
            limit: Some(1),
            ..ReportQuery::default()
        };
        assert_eq!(store.find_reports(&one).await.unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_makes_a_failed_run_due_now_but_never_a_sent_one() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        let run = store
            .ensure_report(&adhoc("1027700132195", period(0, 1)))
            .await
            .unwrap();
        assert_eq!(store.claim_reports(LONG, 10).await.unwrap().len(), 1);
        let in_an_hour = now_ms() + 3_600_000;
        assert!(
            store
                .mark_report_failed(run.id, "SMTP: connection refused", in_an_hour)
                .await
                .unwrap()
        );
        assert!(store.claim_reports(LONG, 10).await.unwrap().is_empty());

        let before = now_ms();
        assert!(store.retry_report_now(run.id).await.unwrap(), "{d:?}");
        let due = store.report(run.id).await.unwrap().expect("run");
        assert!(
            (before..=now_ms()).contains(&due.next_attempt_at),
            "{d:?}: due now: {due:?}"
        );
        assert_eq!(
            (due.status, due.attempts, due.last_error.as_deref()),
            (ReportStatus::Failed, 1, Some("SMTP: connection refused")),
            "{d:?}: attempts and error stay"
        );
        let claimed = store.claim_reports(LONG, 10).await.unwrap();
        assert_eq!(claimed.len(), 1, "{d:?}: the scheduler takes it");
        assert!(
            store
                .mark_report_sent(run.id, &delivery("<m@x>"))
                .await
                .unwrap()
        );
        assert!(
            !store.retry_report_now(run.id).await.unwrap(),
            "{d:?}: a sent run stays sent"
        );
        assert!(!store.retry_report_now(run.id + 1_000).await.unwrap());
        let sent = store.report(run.id).await.unwrap().expect("run");
        assert_eq!(sent.status, ReportStatus::Sent);
    }
}
