//! Opening a pool for a URL and bringing its schema up to date.

use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::db::{Pool, WriteGate};
use crate::error::StoreError;
use crate::options::{SqliteSync, StoreOptions};

/// The SQLite schema, embedded at compile time.
static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");
/// The PostgreSQL schema, embedded at compile time.
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Opens the pool `url` names and runs the migrations of its dialect.
pub(crate) async fn open(url: &str, opts: &StoreOptions) -> Result<Pool, StoreError> {
    opts.validate()?;
    let pool = if url.starts_with("sqlite:") {
        Pool::Sqlite(
            open_sqlite(url, opts).await?,
            WriteGate::new(opts.busy_timeout),
        )
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Pool::Postgres(open_postgres(url, opts).await?)
    } else {
        return Err(StoreError::Config(format!(
            "unsupported store URL scheme (expected sqlite: or postgres:): {}",
            scheme_of(url)
        )));
    };
    let migrated = match &pool {
        Pool::Sqlite(p, _) => SQLITE_MIGRATOR.run(p).await,
        Pool::Postgres(p) => POSTGRES_MIGRATOR.run(p).await,
    };
    if let Err(err) = migrated {
        pool.close().await;
        return Err(err.into());
    }
    Ok(pool)
}

/// The file of a SQLite URL (none for PostgreSQL and for in-memory databases).
pub(crate) fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") || is_sqlite_memory(url) {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    Some(options.get_filename().to_path_buf())
}

/// The part of a URL before `:` (never the credentials that may follow it).
fn scheme_of(url: &str) -> &str {
    url.split_once(':').map_or("(none)", |(scheme, _)| scheme)
}

/// True for the URLs that name a private in-memory SQLite database.
fn is_sqlite_memory(url: &str) -> bool {
    url.starts_with("sqlite::memory:") || url.contains("mode=memory")
}

async fn open_sqlite(url: &str, opts: &StoreOptions) -> Result<sqlx::SqlitePool, StoreError> {
    let memory = is_sqlite_memory(url);
    let mut connect = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("invalid SQLite URL: {e}")))?
        .foreign_keys(true)
        .busy_timeout(opts.busy_timeout)
        // Deleted content is overwritten with zeros: personal data must not linger in free pages.
        .pragma("secure_delete", "ON")
        .synchronous(match opts.sqlite_synchronous {
            SqliteSync::Full => SqliteSynchronous::Full,
            SqliteSync::Normal => SqliteSynchronous::Normal,
        });
    let mut pool = SqlitePoolOptions::new().acquire_timeout(opts.acquire_timeout);
    if memory {
        // A private in-memory database lives as long as one connection to it: keep exactly one, forever.
        pool = pool
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    } else {
        if let Some(dir) = connect
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            tokio::fs::create_dir_all(dir).await.map_err(|e| {
                StoreError::Config(format!(
                    "cannot create the directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        connect = connect
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        pool = pool.max_connections(opts.max_connections);
    }
    Ok(pool.connect_with(connect).await?)
}

async fn open_postgres(url: &str, opts: &StoreOptions) -> Result<sqlx::PgPool, StoreError> {
    let connect = PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("invalid PostgreSQL URL: {e}")))?
        .application_name(&format!("gateway-store ({})", opts.node));
    let pool = PgPoolOptions::new()
        .max_connections(opts.max_connections)
        .acquire_timeout(opts.acquire_timeout)
        .connect_with(connect)
        .await?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_urls_are_recognised() {
        assert!(is_sqlite_memory("sqlite::memory:"));
        assert!(is_sqlite_memory("sqlite://x.db?mode=memory"));
        assert!(!is_sqlite_memory("sqlite:///var/lib/gateway/store.db"));
    }

    #[test]
    fn scheme_never_shows_credentials() {
        assert_eq!(scheme_of("mysql://user:secret@host/db"), "mysql");
        assert_eq!(scheme_of("nothing"), "(none)");
    }

    /// The value of `PRAGMA name` on `conn`, as text.
    async fn pragma(conn: &mut sqlx::SqliteConnection, name: &str) -> String {
        use sqlx::Row;
        let row = sqlx::query(&format!("PRAGMA {name}"))
            .fetch_one(conn)
            .await
            .unwrap();
        row.try_get::<i64, _>(0)
            .map(|v| v.to_string())
            .or_else(|_| row.try_get::<String, _>(0))
            .unwrap()
    }

    /// Every pooled SQLite connection, not just the first, has the settings the store relies on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pooled_sqlite_connections_are_configured() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/dirs/store.db");
        let url = format!("sqlite://{}", file.display());
        let opts = StoreOptions {
            max_connections: 4,
            sqlite_synchronous: SqliteSync::Normal,
            busy_timeout: std::time::Duration::from_millis(1234),
            ..StoreOptions::default()
        };
        let Pool::Sqlite(pool, _) = open(&url, &opts).await.unwrap() else {
            panic!("a sqlite URL must open a SQLite pool");
        };
        assert!(file.exists(), "parent directories and the file are created");
        // Hold four connections at once so that each is a distinct pooled connection.
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(pool.acquire().await.unwrap());
        }
        for conn in &mut held {
            assert_eq!(pragma(conn, "secure_delete").await, "1");
            assert_eq!(pragma(conn, "foreign_keys").await, "1");
            assert_eq!(pragma(conn, "journal_mode").await, "wal");
            assert_eq!(pragma(conn, "synchronous").await, "1", "NORMAL");
            assert_eq!(pragma(conn, "busy_timeout").await, "1234");
        }
        drop(held);
        pool.close().await;
    }

    #[tokio::test]
    async fn unknown_scheme_is_a_config_error() {
        let err = open("mysql://u:secret@h/db", &StoreOptions::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Config(ref m) if !m.contains("secret")),
            "{err:?}"
        );
    }
}
