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
