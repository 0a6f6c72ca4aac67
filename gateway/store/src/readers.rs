//! Reads from a SQLite file through SQLite's C API on a blocking thread, handed over in batches.
//!
//! sqlx streams a query's rows from its connection's worker thread one at a time: every row is copied
//! into a row object of its own and sent over a channel, and the consumer's task is woken for it. A
//! report reads a million facts that way; profiled, those copies and thread hand-overs took a third of
//! the many-reports tick (~330,000 context switches in it). A reader here steps the statement itself
//! on a blocking thread, decodes each row straight from SQLite's column buffers into the caller's type
//! and hands rows over a few hundred at a time. Its connections are read-only and kept for the next read.
//!
//! Journal searches read here too: a search of 100 entries through sqlx cost ten times one of a single entry
//! (the hand-over per row), and through a reader it ran three times as many searches a second.
//! Each connection caches its prepared statements; a search has a few shapes (one per set of filters).

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt};
use tokio::sync::mpsc;

use crate::arg::{Arg, OwnedArg};
use crate::error::StoreError;
use crate::raw::{RawSqlite, RowRef};

/// Rows handed over at once.
const BATCH: usize = 512;
/// Batches read ahead of the consumer: what a read holds in memory is bounded by `BATCH * (AHEAD + 1)` rows.
const AHEAD: usize = 2;
/// Idle connections kept for the next read.
const KEEP: usize = 4;

/// Read-only connections to one SQLite file, opened on demand.
pub(crate) struct RawReaders {
    path: PathBuf,
    busy_timeout: Duration,
    idle: Mutex<Vec<RawSqlite>>,
    /// Set when the store was closed: no read starts after it.
    closed: AtomicBool,
}

impl std::fmt::Debug for RawReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawReaders")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Where a read puts its rows; returns false when the consumer has gone (the read should stop).
pub(crate) type Sink<'a, T> = dyn FnMut(T) -> bool + 'a;

impl RawReaders {
    pub(crate) fn new(path: PathBuf, busy_timeout: Duration) -> RawReaders {
        RawReaders {
            path,
            busy_timeout,
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    /// Closes the idle connections; reads started later fail with [`StoreError::Unavailable`] (as the pool's do).
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.lock().clear();
    }

    /// Runs `read` on a blocking thread with a connection of its own and streams what it puts into its
    /// sink, in order. The read stops when the stream is dropped (at the next batch). An error of the read
    /// (or a panic in it) ends the stream with that error, after the rows read before it.
    pub(crate) fn stream<T, F>(
        self: &Arc<Self>,
        read: F,
    ) -> BoxStream<'static, Result<T, StoreError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut RawSqlite, &mut Sink<'_, T>) -> Result<(), StoreError> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel::<Result<Vec<T>, StoreError>>(AHEAD);
        let readers = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| readers.read(&tx, read)));
            let failure = match outcome {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e,
                Err(_) => StoreError::Unavailable(sqlx::Error::WorkerCrashed),
            };
            // The consumer may have gone already; then nobody is told.
            let _ = tx.blocking_send(Err(failure));
        });
        stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) })
            .flat_map(|batch| match batch {
                Ok(rows) => stream::iter(rows).map(Ok).left_stream(),
                Err(e) => stream::once(async { Err(e) }).right_stream(),
            })
            .boxed()
    }

    /// Runs `sql` (one statement) with `args` on a blocking thread and streams its rows decoded by `decode`,
    /// as [`RawReaders::stream`] does; a row that does not decode ends the stream with that error.
    pub(crate) fn query<T>(
        self: &Arc<Self>,
        sql: String,
        args: Vec<OwnedArg>,
        decode: fn(&RowRef<'_>) -> Result<T, StoreError>,
    ) -> BoxStream<'static, Result<T, StoreError>>
    where
        T: Send + 'static,
    {
        self.stream(move |conn, sink| {
            let args: Vec<Arg<'_>> = args.iter().map(OwnedArg::as_arg).collect();
            let mut failed = None;
            conn.for_each_row(&sql, &args, |row| match decode(row) {
                Ok(value) => sink(value),
                Err(e) => {
                    failed = Some(e);
                    false
                }
            })?;
            failed.map_or(Ok(()), Err)
        })
    }

    /// Runs `read` on a connection taken from the idle ones (or opened), sending its rows in batches.
    fn read<T, F>(
        &self,
        tx: &mpsc::Sender<Result<Vec<T>, StoreError>>,
        read: F,
    ) -> Result<(), StoreError>
    where
        F: FnOnce(&mut RawSqlite, &mut Sink<'_, T>) -> Result<(), StoreError>,
    {
        if self.closed.load(Ordering::Relaxed) {
            return Err(StoreError::Unavailable(sqlx::Error::PoolClosed));
        }
        let mut conn = match self.lock().pop() {
            Some(conn) => conn,
            None => RawSqlite::open_reader(&self.path, self.busy_timeout)?,
        };
        let mut batch = Vec::with_capacity(BATCH);
        let mut open = true;
        let result = read(&mut conn, &mut |row| {
            batch.push(row);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                open = tx.blocking_send(Ok(full)).is_ok();
            }
            open
        });
        let mut idle = self.lock();
        if idle.len() < KEEP && !self.closed.load(Ordering::Relaxed) {
            idle.push(conn);
        }
        drop(idle);
        if open && !batch.is_empty() {
            let _ = tx.blocking_send(Ok(batch));
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<RawSqlite>> {
        // A panic while the list was held leaves it whole (push and pop only): go on with it.
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;

    use super::*;
    use crate::arg::Arg;
    use crate::options::SqliteSync;

    const COUNT: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         SELECT i, 'row ' || i FROM n";

    fn readers(rows: i64) -> (tempfile::TempDir, Arc<RawReaders>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("readers.db");
        std::fs::File::create(&path).unwrap();
        let mut writer = RawSqlite::open(&path, Duration::from_secs(1), SqliteSync::Full).unwrap();
        writer
            .exec_plain("CREATE TABLE t (i INTEGER PRIMARY KEY, name TEXT)")
            .unwrap();
        writer
            .execute(&format!("INSERT INTO t {COUNT}"), &[Arg::int(rows)])
            .unwrap();
        (dir, Arc::new(RawReaders::new(path, Duration::from_secs(1))))
    }

    fn all(readers: &Arc<RawReaders>) -> BoxStream<'static, Result<(i64, String), StoreError>> {
        readers.stream(|conn, sink| {
            conn.for_each_row("SELECT i, name FROM t ORDER BY i", &[], |row| {
                match (row.int(0), row.text(1)) {
                    (Ok(i), Ok(name)) => sink((i, name)),
                    _ => false,
                }
            })
        })
    }

    #[tokio::test]
    async fn rows_come_in_order_across_batches_and_the_connection_is_kept() {
        let n = (BATCH * 3 + 7) as i64;
        let (_dir, readers) = readers(n);
        let rows: Vec<(i64, String)> = all(&readers).try_collect().await.unwrap();
        assert_eq!(rows.len() as i64, n);
        assert!(
            rows.iter()
                .enumerate()
                .all(|(k, (i, name))| *i == k as i64 + 1 && *name == format!("row {i}"))
        );
        assert_eq!(
            readers.lock().len(),
            1,
            "the connection went back for the next read"
        );
        let again: Vec<(i64, String)> = all(&readers).try_collect().await.unwrap();
        assert_eq!(
            again.len() as i64,
            n,
            "a kept connection reads again from the start"
        );
    }

    #[tokio::test]
    async fn a_dropped_stream_stops_the_read() {
        let (_dir, readers) = readers((BATCH * 20) as i64);
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&seen);
        let mut rows = readers.stream(move |conn, sink| {
            conn.for_each_row("SELECT i FROM t ORDER BY i", &[], |row| {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                sink(row.int(0).unwrap_or(-1))
            })
        });
        assert_eq!(rows.next().await.unwrap().unwrap(), 1);
        drop(rows);
        // The read notices at its next full batch, and gives its connection back.
        for _ in 0..200 {
            if readers.lock().len() == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(readers.lock().len(), 1);
        let read = seen.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            read <= BATCH * (AHEAD + 3),
            "stopped early: {read} rows read"
        );
    }

    #[tokio::test]
    async fn an_error_ends_the_stream_after_the_rows_before_it() {
        let (_dir, readers) = readers(3);
        let mut rows = readers.stream(|conn, sink| {
            conn.for_each_row("SELECT i FROM t ORDER BY i", &[], |row| {
                sink(row.int(0).unwrap_or(-1))
            })?;
            conn.for_each_row("SELECT i FROM nowhere", &[], |_| true)
        });
        for i in 1..=3 {
            assert_eq!(rows.next().await.unwrap().unwrap(), i);
        }
        assert!(
            rows.next().await.unwrap().is_err(),
            "the failed query's error"
        );
        assert!(rows.next().await.is_none());
        let mut wrong = readers.stream(|conn, sink| {
            conn.for_each_row("SELECT name FROM t", &[], |row| match row.int(0) {
                Ok(i) => sink(Ok(i)),
                Err(e) => sink(Err(e)),
            })
        });
        let first: Result<Result<i64, StoreError>, StoreError> = wrong.next().await.unwrap();
        assert!(
            matches!(first, Ok(Err(StoreError::Corrupt(_)))),
            "a text column read as an integer is corrupt data: {first:?}"
        );
    }

    #[tokio::test]
    async fn no_read_starts_once_closed() {
        let (_dir, readers) = readers(3);
        let rows: Vec<(i64, String)> = all(&readers).try_collect().await.unwrap();
        assert_eq!(rows.len(), 3);
        readers.close();
        assert!(readers.lock().is_empty(), "the idle connection was closed");
        let after = all(&readers).try_collect::<Vec<_>>().await;
        assert!(
            matches!(after, Err(StoreError::Unavailable(_))),
            "{after:?}"
        );
    }

    #[tokio::test]
    async fn a_panicking_read_ends_the_stream_with_an_error() {
        let (_dir, readers) = readers(1);
        let mut rows = readers.stream::<i64, _>(|_, _| panic!("the read failed"));
        assert!(matches!(
            rows.next().await,
            Some(Err(StoreError::Unavailable(_)))
        ));
        assert!(rows.next().await.is_none());
    }
}
