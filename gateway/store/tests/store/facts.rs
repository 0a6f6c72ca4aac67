//! Facts: their counts per organisation and document type.

use gateway_store::{Fact, FactCount};

use crate::common::{databases, fact};

fn of(id: &str, org: &str, document_type: &str, kind: &str, at: i64) -> Fact {
    let mut f = fact(id, org, at);
    f.document_type = document_type.to_owned();
    f.kind = kind.to_owned();
    f
}

fn count(organisation: &str, document_type: &str, count: u64) -> FactCount {
    FactCount {
        organisation: organisation.to_owned(),
        document_type: document_type.to_owned(),
        count,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_are_counted_per_organisation_and_document_type_in_a_window() {
    for db in databases().await {
        let d = db.dialect;
        let store = db.store("node-a").await;
        store
            .record_facts(&[
                of("1", "1037739010891", "svo-status", "scan", 100),
                of("2", "1037739010891", "svo-status", "scan", 150),
                of("3", "1037739010891", "large-family", "scan", 199),
                of("4", "1027700132195", "digital-id", "scan", 100),
                of("5", "1027700132195", "digital-id", "visit", 120),
                of("6", "1027700132195", "digital-id", "scan", 99),
                of("7", "1027700132195", "digital-id", "scan", 200),
            ])
            .await
            .unwrap();
        let counts = store.fact_counts("scan", 100, 200, 100).await.unwrap();
        assert_eq!(
            counts,
            [
                count("1027700132195", "digital-id", 1),
                count("1037739010891", "large-family", 1),
                count("1037739010891", "svo-status", 2),
            ],
            "{d:?}: of the kind, inclusive from, exclusive to, ordered"
        );
        assert_eq!(
            store.fact_counts("scan", 100, 200, 2).await.unwrap().len(),
            2,
            "{d:?}: limited"
        );
        assert_eq!(
            store.fact_counts("visit", 0, 1_000, 100).await.unwrap(),
            [count("1027700132195", "digital-id", 1)]
        );
        assert!(
            store
                .fact_counts("scan", 0, 99, 100)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

/// An upgrade of a PostgreSQL store holding facts (migration 0009): the facts move into a partition per UTC day
/// (and those dated before the year 1 into `facts_early`), keep every column, and the store deletes by day after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgraded_postgres_store_keeps_its_facts_by_day() {
    use std::borrow::Cow;

    use sqlx::Connection;

    const DEC_4: i64 = 1_796_342_400_000;
    const DAY: i64 = 86_400_000;
    let db = crate::common::postgres_db().await;
    let mut before = sqlx::migrate!("./migrations/postgres");
    let upgrade = before
        .migrations
        .iter()
        .position(|m| m.version == 9)
        .expect("migration 0009");
    before.migrations = Cow::Owned(before.migrations[..upgrade].to_vec());
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    before.run(&mut conn).await.unwrap();
    for (id, at) in [
        ("f-1", DEC_4 + 5),
        ("f-2", DEC_4 + DAY - 1),
        ("f-3", DEC_4 + DAY),
        ("f-ancient", -62_135_596_800_001),
    ] {
        sqlx::query(
            "INSERT INTO facts (id, kind, organisation, document_type, occurred_at, attributes, recorded_at) \
             VALUES ($1, 'scan', '1027700132195', 'svo-qr', $2, '{\"pages\":1}', $2 + 1)",
        )
        .bind(id)
        .bind(at)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();

    let store = db.store("node-a").await;
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM facts_20261204").await,
        2,
        "the day's two facts in its partition"
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM facts_20261205").await, 1);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM facts_early").await, 1);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM pg_class WHERE relname = 'facts_unpartitioned'")
            .await,
        0
    );
    let kept = store.facts_between(None, DEC_4, DEC_4 + DAY).await.unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].id, "f-1");
    assert_eq!(kept[0].attributes, "{\"pages\":1}");
    assert_eq!(kept[0].recorded_at, DEC_4 + 6);

    assert_eq!(store.delete_facts_before(DEC_4 + DAY).await.unwrap(), 3);
    let left = store.facts_between(None, 0, i64::MAX).await.unwrap();
    assert_eq!(
        left.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["f-3"]
    );
}
