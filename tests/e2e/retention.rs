//! Facts are kept for `[facts] retention` (90 days by the seed), then deleted by a job every node runs.

use std::time::Duration;

use gateway_e2e::{BACKENDS, TestConfig, TestDb, TestGateway};
use gateway_store::{Fact, Store, StoreOptions};

fn fact(id: &str, organisation: &str, occurred_at: i64) -> Fact {
    Fact {
        id: id.into(),
        kind: "scan".into(),
        organisation: organisation.into(),
        document_type: "svo-status".into(),
        occurred_at,
        attributes: "{}".into(),
        recorded_at: occurred_at,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_older_than_the_retention_are_deleted_younger_stay() {
    let day: i64 = 86_400_000;
    for backend in BACKENDS {
        let db = TestDb::fresh(backend).await;
        let now = gateway::tokens::now_ms();
        {
            let store = Store::connect(&db.url(), StoreOptions::default())
                .await
                .unwrap();
            store
                .record_facts(&[
                    fact(
                        "00000000-0000-4000-8000-000000000001",
                        "1027700132195",
                        now - 91 * day,
                    ),
                    fact(
                        "00000000-0000-4000-8000-000000000002",
                        "1027700132195",
                        now - 89 * day,
                    ),
                    fact(
                        "00000000-0000-4000-8000-000000000003",
                        "1027700132195",
                        now - day,
                    ),
                ])
                .await
                .unwrap();
            store.close().await;
        }
        let config = TestConfig::new(db.url())
            .with("[facts]\nretention = \"90d\"\nretention_interval = \"200ms\"\n");
        let gw = TestGateway::start(&config).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        let store = Store::connect(&db.url(), StoreOptions::default())
            .await
            .unwrap();
        let left = store.facts_between(None, 0, now + day).await.unwrap();
        let ids: Vec<&str> = left.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "00000000-0000-4000-8000-000000000002",
                "00000000-0000-4000-8000-000000000003"
            ],
            "{backend:?}"
        );
        store.close().await;
        gw.stop().await;
    }
}
