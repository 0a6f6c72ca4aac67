//! Test databases (a fresh SQLite file and a fresh PostgreSQL database per test), builders of
//! test rows, and raw access to the tables for assertions the API cannot make.

use std::time::Duration;

use gateway_store::{
    Dialect, Fact, Finished, Format, JournalEntry, NewRequest, NewResponse, ResponseKind,
    Retention, Store, StoreOptions,
};
use sqlx::{Connection, Executor, Row};

/// The admin URL used to create and drop test databases, unless `GATEWAY_TEST_PG_URL` is set.
const DEFAULT_PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// One fresh database; dropping it deletes the database (also when the test panics).
pub struct TestDb {
    pub dialect: Dialect,
    pub url: String,
    _cleanup: Cleanup,
}

enum Cleanup {
    /// The directory is deleted when the value is dropped.
    Sqlite(#[expect(dead_code, reason = "held for its Drop")] tempfile::TempDir),
    /// The database is dropped when the value is dropped.
    Postgres(#[expect(dead_code, reason = "held for its Drop")] PgDropGuard),
}

/// A fresh SQLite file store and a fresh PostgreSQL database, for tests that run on both.
pub async fn databases() -> Vec<TestDb> {
    vec![sqlite_db(), postgres_db().await]
}

/// A fresh SQLite database in its own temporary directory.
pub fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    TestDb {
        dialect: Dialect::Sqlite,
        url,
        _cleanup: Cleanup::Sqlite(dir),
    }
}

/// A fresh PostgreSQL database `gw_store_<random>`, dropped with the returned value.
pub async fn postgres_db() -> TestDb {
    let admin =
        std::env::var("GATEWAY_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_ADMIN_URL.into());
    let name = format!("gw_store_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL admin connection to {admin}: {e}"));
    conn.execute(format!("CREATE DATABASE \"{name}\"").as_str())
        .await
        .expect("create test database");
    conn.close().await.ok();
    TestDb {
        dialect: Dialect::Postgres,
        url: with_database(&admin, &name),
        _cleanup: Cleanup::Postgres(PgDropGuard { admin, name }),
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

struct PgDropGuard {
    admin: String,
    name: String,
}

impl Drop for PgDropGuard {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // Drop may run inside a runtime (or while unwinding): use a thread with its own runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                conn.execute(sql.as_str()).await?;
                conn.close().await
            })
            .map_err(std::io::Error::other)
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}: {dropped:?}", self.name);
        }
    }
}

impl TestDb {
    /// A store on this database for node `node` (several may share the database).
    pub async fn store(&self, node: &str) -> Store {
        self.store_with(node, Retention::default()).await
    }

    /// A store with the given retention.
    pub async fn store_with(&self, node: &str, retention: Retention) -> Store {
        let opts = StoreOptions {
            max_connections: 5,
            node: node.to_owned(),
            retention,
            ..StoreOptions::default()
        };
        Store::connect(&self.url, opts)
            .await
            .unwrap_or_else(|e| panic!("{:?} store: {e}", self.dialect))
    }

    /// Every text and blob value of every table, as `(table, column, bytes)`.
    pub async fn all_text_and_blob_values(&self) -> Vec<(String, String, Vec<u8>)> {
        let mut out = Vec::new();
        match self.dialect {
            Dialect::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap();
                for table in tables {
                    let columns = sqlx::query(&format!("PRAGMA table_info(\"{table}\")"))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    for col in columns {
                        let (name, ty): (String, String) = (col.get("name"), col.get("type"));
                        if !matches!(ty.as_str(), "TEXT" | "BLOB") {
                            continue;
                        }
                        let sql = format!(
                            "SELECT CAST(\"{name}\" AS BLOB) FROM \"{table}\" WHERE \"{name}\" IS NOT NULL"
                        );
                        for v in sqlx::query_scalar::<_, Vec<u8>>(&sql)
                            .fetch_all(&mut conn)
                            .await
                            .unwrap()
                        {
                            out.push((table.clone(), name.clone(), v));
                        }
                    }
                }
                conn.close().await.ok();
            }
            Dialect::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                let columns = sqlx::query(
                    "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty \
                     FROM information_schema.columns WHERE table_schema = 'public' \
                     AND data_type IN ('text', 'bytea', 'character varying')",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap();
                for col in columns {
                    let (table, name, ty): (String, String, String) =
                        (col.get("t"), col.get("c"), col.get("ty"));
                    let expr = if ty == "bytea" {
                        format!("\"{name}\"")
                    } else {
                        format!("convert_to(\"{name}\", 'UTF8')")
                    };
                    let sql =
                        format!("SELECT {expr} FROM \"{table}\" WHERE \"{name}\" IS NOT NULL");
                    for v in sqlx::query_scalar::<_, Vec<u8>>(&sql)
                        .fetch_all(&mut conn)
                        .await
                        .unwrap()
                    {
                        out.push((table.clone(), name.clone(), v));
                    }
                }
                conn.close().await.ok();
            }
        }
        out
    }

    /// The single integer `sql` returns (e.g. a count), run outside the store.
    pub async fn scalar(&self, sql: &str) -> i64 {
        match self.dialect {
            Dialect::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
            }
            Dialect::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
            }
        }
    }
}

impl TestDb {
    /// The query plan of `sql`, one line per row of `EXPLAIN` (PostgreSQL) or `EXPLAIN QUERY PLAN` (SQLite).
    pub async fn plan(&self, sql: &str) -> String {
        let lines: Vec<String> = match self.dialect {
            Dialect::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                rows.iter().map(|r| r.get::<String, _>("detail")).collect()
            }
            Dialect::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(&format!("EXPLAIN {sql}"))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap()
            }
        };
        lines.join("\n")
    }
}

/// True if `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The current time in unix ms.
pub fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// A lease long enough never to run out during a test.
pub const LONG: Duration = Duration::from_secs(600);

/// A request from `sender` with a small payload.
pub fn request(message_id: &str, sender: &str) -> NewRequest {
    NewRequest {
        message_id: message_id.to_owned(),
        sender: sender.to_owned(),
        message_type: "{urn://example/svo}Request".to_owned(),
        smev_version: "1.3".to_owned(),
        format: Format::Xml,
        reference_message_id: Some(format!("ref-{message_id}")),
        transaction_code: Some("tx-1".to_owned()),
        reply_to: Some("reply-to-token".to_owned()),
        test_message: true,
        received_at: now_ms(),
        payload: Some(format!("<payload of {message_id}/>").into_bytes()),
        payload_sha256: Some("ab".repeat(32)),
    }
}

/// A reply of type `response_type` to request `message_id`.
pub fn reply(message_id: &str, response_type: &str, created_at: i64) -> NewResponse {
    NewResponse {
        id: format!("resp-{message_id}"),
        response_type: response_type.to_owned(),
        kind: ResponseKind::Reply,
        body: format!("<answer to {message_id}/>").into_bytes(),
        format: Format::Xml,
        created_at,
        purge_at: None,
    }
}

/// Finishes `SENDER`'s `message_id` with `response` and nothing else.
pub fn finished(message_id: &str, response: Option<NewResponse>) -> Finished {
    Finished {
        sender: "SENDER".to_owned(),
        message_id: message_id.to_owned(),
        response,
        status_event: None,
        facts: Vec::new(),
        journal: Vec::new(),
    }
}

/// A journal entry of `sender` about `message_id`.
pub fn journal_entry(sender: &str, message_id: &str, at: i64, outcome: &str) -> JournalEntry {
    JournalEntry {
        id: None,
        at,
        node: String::new(),
        sender: sender.to_owned(),
        message_id: message_id.to_owned(),
        direction: gateway_store::Direction::Out,
        message_type: Some("{urn://example/svo}Response".to_owned()),
        outcome: outcome.to_owned(),
        detail: None,
        payload_sha256: None,
        duration_us: Some(42),
    }
}

/// A scan fact of `organisation` at `occurred_at`.
pub fn fact(id: &str, organisation: &str, occurred_at: i64) -> Fact {
    Fact {
        id: id.to_owned(),
        kind: "scan".to_owned(),
        organisation: organisation.to_owned(),
        document_type: "svo-qr".to_owned(),
        occurred_at,
        attributes: r#"{"scan_id":"x"}"#.to_owned(),
        recorded_at: occurred_at,
    }
}

/// Accepts and finishes `message_id` of `sender` with a reply of `response_type` on `store`.
pub async fn queue_reply(
    store: &Store,
    sender: &str,
    message_id: &str,
    response_type: &str,
    created_at: i64,
) {
    store
        .accept_request(&request(message_id, sender), LONG)
        .await
        .unwrap();
    let outcome = store
        .finish_request(&finished(
            message_id,
            Some(reply(message_id, response_type, created_at)),
        ))
        .await
        .unwrap();
    assert_eq!(outcome, gateway_store::FinishOutcome::Finished);
}

#[test]
fn with_database_replaces_only_the_path() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
}
