//! The [`Store`] handle: connecting, the dialect, health, and the clock the operations use.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::connect;
use crate::db::Pool;
use crate::empty::EmptyQueues;
use crate::error::StoreError;
use crate::fact_days::FactDays;
use crate::group::GroupCommit;
use crate::options::{Dialect, Retention, StoreOptions};
use crate::raw::RawSqlite;
use crate::readers::RawReaders;

/// The gateway's persistent state on SQLite or PostgreSQL.
///
/// Cloning is cheap: clones share the connection pool. Operations are grouped by table in the
/// modules `requests`, `queue`, `journal`, `tokens`, `facts` and `retention`.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
    /// The hot paths' writes, committed in groups (see `group`).
    pub(crate) group: GroupCommit,
    /// Queues just found empty (see `empty`).
    pub(crate) empty: Arc<EmptyQueues>,
    /// Reads of a SQLite file outside sqlx: a report's facts, journal searches (see `readers`).
    pub(crate) readers: Option<Arc<RawReaders>>,
    /// The facts' day partitions known to exist (PostgreSQL; see `fact_days`).
    pub(crate) fact_days: Arc<FactDays>,
    node: Arc<str>,
    retention: Retention,
}

impl Store {
    /// Connects to `url` and brings the schema up to date.
    ///
    /// `url` is `sqlite://path/to/file.db` (the file and its parent directories are created if
    /// missing; WAL journal, `secure_delete`, foreign keys, busy timeout, `synchronous` from `opts`),
    /// `sqlite::memory:` (a private database for tests, one connection), or `postgres://...`.
    pub async fn connect(url: &str, opts: StoreOptions) -> Result<Store, StoreError> {
        let pool = connect::open(url, &opts).await?;
        tracing::debug!(dialect = ?pool.dialect(), node = %opts.node, "store connected");
        let lanes = match pool.dialect() {
            // One writer at a time: a second lane would only wait for the write gate.
            Dialect::Sqlite => 1,
            // Batches overlap; the lanes have a pool of their own, a connection each (see `group`).
            Dialect::Postgres => (opts.max_connections as usize / 3).clamp(1, 8),
        };
        // A SQLite file's committer gets a connection of its own, called directly (see `raw`), and so do its
        // reports' and journal searches' reads (see `readers`).
        let file = connect::sqlite_file(url);
        let raw = match &file {
            Some(path) => Some(RawSqlite::open(
                path,
                opts.busy_timeout,
                opts.sqlite_synchronous,
            )?),
            None => None,
        };
        let readers = file.map(|path| Arc::new(RawReaders::new(path, opts.busy_timeout)));
        let fact_days = Arc::new(FactDays::default());
        if let Pool::Postgres(pg) = &pool {
            fact_days.ensure_ahead(pg, now_ms()).await?;
        }
        Ok(Store {
            group: GroupCommit::start(pool.clone(), lanes, raw),
            empty: Arc::default(),
            readers,
            fact_days,
            pool,
            node: Arc::from(opts.node),
            retention: opts.retention,
        })
    }

    /// The database behind this store.
    pub fn dialect(&self) -> Dialect {
        self.pool.dialect()
    }

    /// This node's name (from [`StoreOptions::node`]).
    pub fn node(&self) -> &str {
        &self.node
    }

    /// This node's name, shared (for operations that own their data).
    pub(crate) fn node_name(&self) -> Arc<str> {
        Arc::clone(&self.node)
    }

    /// The retention periods [`Store::sweep`] applies.
    pub fn retention(&self) -> Retention {
        self.retention
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.pool.fetch_optional("SELECT 1", &[]).await?;
        Ok(())
    }

    /// Closes the pool: waits for connections in use, then closes them all. Later operations on this
    /// store or its clones fail with [`StoreError::Unavailable`].
    pub async fn close(&self) {
        self.group.close();
        if let Some(readers) = &self.readers {
            readers.close();
        }
        self.pool.close().await;
    }
}

/// The current time in unix milliseconds (0 if the clock is before 1970).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, duration_ms)
}

/// A duration in milliseconds, saturating at `i64::MAX`.
pub(crate) fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Declares an enum stored as TEXT, with `as_str` and a parser that reports unknown codes as
/// [`StoreError::Corrupt`].
macro_rules! text_code {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $code:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $name {
            /// The code stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }

            /// Parses a stored code.
            pub(crate) fn from_code(code: &str) -> Result<Self, $crate::error::StoreError> {
                match code {
                    $( $code => Ok($name::$variant), )+
                    other => Err($crate::error::StoreError::Corrupt(format!(
                        concat!("unknown ", stringify!($name), " code {:?}"), other
                    ))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_code;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_saturate() {
        assert_eq!(duration_ms(Duration::from_millis(1500)), 1500);
        assert_eq!(duration_ms(Duration::MAX), i64::MAX);
    }

    #[test]
    fn clock_is_after_2020() {
        assert!(now_ms() > 1_577_836_800_000);
    }

    #[tokio::test]
    async fn memory_store_connects_and_answers() {
        let store = Store::connect("sqlite::memory:", StoreOptions::default())
            .await
            .unwrap();
        assert_eq!(store.dialect(), Dialect::Sqlite);
        assert_eq!(store.node(), "gateway");
        store.ping().await.unwrap();
        store.close().await;
        let err = store.ping().await.unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
    }
}
