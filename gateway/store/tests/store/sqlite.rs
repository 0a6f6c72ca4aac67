//! SQLite specifics: the file on disk.

use gateway_store::{NewToken, Store, StoreOptions, TokenLookup};

use crate::common::{LONG, contains, request};

const DATA: &[u8] = b"personal data that must not linger: Petrov Petr, 1985-05-05";

/// The bytes of the database file and its WAL.
fn file_bytes(db: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).unwrap();
    let wal = db.with_extension("db-wal");
    if let Ok(more) = std::fs::read(wal) {
        bytes.extend(more);
    }
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erased_token_data_is_gone_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = Store::connect(
        &format!("sqlite://{}", path.display()),
        StoreOptions::default(),
    )
    .await
    .unwrap();
    // Enough rows that the token shares its page with live data, as in real use.
    for i in 0..50 {
        let t = NewToken {
            scope: "svo-qr".into(),
            id: format!("g-{i}"),
            subject_hash: Some(format!("s-{i}")),
            data: Some(if i == 25 {
                DATA.to_vec()
            } else {
                b"other data".to_vec()
            }),
            issued_at: 0,
            expires_at: if i == 25 { 1_000 } else { 10_000 },
            tombstone_until: 20_000,
        };
        store.token_issue(&t, 0).await.unwrap();
    }
    assert!(
        contains(&file_bytes(&path), DATA),
        "control: the data is on disk"
    );

    let report = store.sweep(1_000).await.unwrap();
    assert_eq!(report.tokens_expired, 1);
    assert!(
        !contains(&file_bytes(&path), DATA),
        "secure_delete and the WAL checkpoint erase it"
    );
    assert_eq!(
        store.token_get("svo-qr", "g-25", 1_000).await.unwrap(),
        TokenLookup::Expired { expires_at: 1_000 }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_and_its_directories_are_created_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c/store.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
    store
        .accept_request(&request("m-1", "SENDER"), LONG)
        .await
        .unwrap();
    store.close().await;
    assert!(path.exists());

    let reopened = Store::connect(&url, StoreOptions::default()).await.unwrap();
    let state = reopened.request_state("SENDER", "m-1").await.unwrap();
    assert!(state.is_some(), "the accepted request was durable");
}

/// Writers of one process — transactions and single statements mixed, many at once on a pool of a few
/// connections — all succeed and all land, taking turns behind the store's write gate (no writer waits on a
/// turn its own task holds, none gives up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_of_one_process_all_land() {
    let db = crate::common::sqlite_db();
    let store = Store::connect(
        &db.url,
        StoreOptions {
            max_connections: 4,
            busy_timeout: std::time::Duration::from_secs(10),
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    const WRITERS: usize = 48;
    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let id = format!("m-{i}");
                store.accept_request(&request(&id, "SENDER"), LONG).await?;
                store
                    .append_journal(&[crate::common::journal_entry("SENDER", &id, 1, "accepted")])
                    .await?;
                let token = NewToken {
                    scope: "svo-qr".into(),
                    id: format!("g-{i}"),
                    subject_hash: Some(format!("s-{i}")),
                    data: Some(b"data".to_vec()),
                    issued_at: 0,
                    expires_at: 10_000,
                    tombstone_until: 20_000,
                };
                store.token_issue(&token, 0).await.map(|_| ())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every writer succeeds");
    }
    let n = WRITERS as i64;
    assert_eq!(db.scalar("SELECT count(*) FROM requests").await, n);
    // accept_request journals the acceptance itself, besides the entry each writer appends.
    assert_eq!(db.scalar("SELECT count(*) FROM journal").await, 2 * n);
    assert_eq!(db.scalar("SELECT count(*) FROM tokens").await, n);
}
