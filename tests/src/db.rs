//! A fresh database per test.

use std::path::PathBuf;

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for the life of the value.
pub enum TestDb {
    Sqlite { dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

/// The PostgreSQL URL tests use as admin: `GATEWAY_TEST_PG_URL` (set by `cargo xtask test` to its run database),
/// else the local server's `postgres` database.
pub fn pg_admin_url() -> String {
    std::env::var("GATEWAY_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(url: &str, db: &str) -> String {
    match url.rfind('/') {
        Some(i) => format!("{}/{db}", &url[..i]),
        None => format!("{url}/{db}"),
    }
}

impl TestDb {
    /// A fresh database of `backend`.
    pub async fn fresh(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::Sqlite {
                dir: tempfile::tempdir().expect("temp dir"),
            },
            Backend::Postgres => {
                let admin_url = pg_admin_url();
                let name = format!("gw_e2e_{}", uuid::Uuid::new_v4().simple());
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin_url} is needed: {e}"));
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                TestDb::Postgres { admin_url, name }
            }
        }
    }

    /// The store URL for the gateway config.
    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite { dir } => format!("sqlite://{}", self.sqlite_path(dir).display()),
            TestDb::Postgres { admin_url, name } => with_database(admin_url, name),
        }
    }

    fn sqlite_path(&self, dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("gateway.db")
    }

    /// Which backend.
    pub fn backend(&self) -> Backend {
        match self {
            TestDb::Sqlite { .. } => Backend::Sqlite,
            TestDb::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Every text and blob value of every table, for tests that prove some data is gone. SQLite reads the file
    /// through the store's own dialect; PostgreSQL casts each column to text.
    pub async fn all_values(&self) -> Vec<(String, String)> {
        match self {
            TestDb::Sqlite { .. } => {
                use sqlx::Row;
                let pool = sqlx::SqlitePool::connect(&self.url())
                    .await
                    .expect("open sqlite");
                let tables: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                        .fetch_all(&pool)
                        .await
                        .expect("tables");
                let mut out = Vec::new();
                for t in tables {
                    let cols: Vec<String> = sqlx::query(&format!("PRAGMA table_info({t})"))
                        .fetch_all(&pool)
                        .await
                        .expect("columns")
                        .iter()
                        .map(|r| r.get::<String, _>("name"))
                        .collect();
                    for c in cols {
                        let rows = sqlx::query(&format!("SELECT CAST({c} AS BLOB) AS v FROM {t}"))
                            .fetch_all(&pool)
                            .await
                            .expect("values");
                        for r in rows {
                            if let Ok(Some(v)) = r.try_get::<Option<Vec<u8>>, _>("v") {
                                out.push((
                                    format!("{t}.{c}"),
                                    String::from_utf8_lossy(&v).into_owned(),
                                ));
                            }
                        }
                    }
                }
                pool.close().await;
                out
            }
            TestDb::Postgres { .. } => {
                use sqlx::Row;
                let pool = sqlx::PgPool::connect(&self.url())
                    .await
                    .expect("open postgres");
                let cols = sqlx::query(
                    "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns WHERE table_schema = 'public'",
                )
                .fetch_all(&pool)
                .await
                .expect("columns");
                let mut out = Vec::new();
                for r in cols {
                    let (t, c): (String, String) = (r.get("t"), r.get("c"));
                    let q = format!(
                        "SELECT CASE WHEN pg_typeof(\"{c}\")::text = 'bytea' THEN convert_from(\"{c}\"::bytea, 'UTF8') ELSE \"{c}\"::text END AS v FROM \"{t}\""
                    );
                    let rows = match sqlx::query(&q).fetch_all(&pool).await {
                        Ok(rows) => rows,
                        // bytea that is not UTF-8: compare as escaped text instead
                        Err(_) => sqlx::query(&format!("SELECT \"{c}\"::text AS v FROM \"{t}\""))
                            .fetch_all(&pool)
                            .await
                            .expect("values"),
                    };
                    for row in rows {
                        if let Ok(Some(v)) = row.try_get::<Option<String>, _>("v") {
                            out.push((format!("{t}.{c}"), v));
                        }
                    }
                }
                pool.close().await;
                out
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            let admin_url = admin_url.clone();
            let name = name.clone();
            // Dropping needs its own runtime: Drop may run inside or outside one.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(mut conn) =
                        <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await
                    {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut conn)
                                .await;
                    }
                });
            })
            .join();
        }
    }
}
