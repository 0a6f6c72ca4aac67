//! Group commit: writers that arrive while a commit is in flight join the next one.
//!
//! Every durable write of the hot paths (accepting a request, finishing it, handing an answer out,
//! acknowledging it, issuing a token, appending the journal) is an operation queued here rather than a
//! transaction of its own. A committer takes everything queued, runs the operations one after another in
//! one transaction and commits once: one fsync (SQLite, `synchronous = FULL`) or one WAL flush
//! (PostgreSQL) for all of them. Only then is each caller answered, so durability is what it was: a caller
//! hears "done" only when its write is on disk.
//!
//! An operation that fails (a repeated MessageID, say) must not take the others down with it, and on
//! PostgreSQL a failed statement aborts the whole transaction. So the committer rolls the batch back,
//! answers the failed operation with its error and runs the rest again in a new transaction. Operations
//! are therefore `Fn`, not `FnOnce`: they own their data and may run more than once, each time against the
//! database as it then is; only the run that commits is answered. Failures are rare (a client's repeated
//! id), so the common path has no savepoints.
//!
//! SQLite has one writer: one committer, which takes the store's write gate for each batch (other writes
//! still pass the gate one at a time). For a SQLite file it runs on a thread of its own with a connection of
//! its own, called directly (`raw`). PostgreSQL takes several transactions at once: a few committers
//! ("lanes") share the queue, so a batch forms behind each commit in flight and statements of different
//! batches overlap.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::postgres::{PgPool, PgPoolOptions};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::db::{Pool, RawTx, Tx};
use crate::error::StoreError;
use crate::raw::RawSqlite;

/// The future an operation returns: it borrows the batch's transaction.
pub(crate) type OpFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 't>>;

/// The most operations one transaction takes: bounds how long the first of them waits for its answer.
const MAX_BATCH: usize = 256;

/// A queued operation, type-erased.
trait Job: Send {
    /// Runs the operation in `tx` and keeps its result; false when it failed.
    fn run<'t>(&'t mut self, tx: &'t mut Tx) -> Pin<Box<dyn Future<Output = bool> + Send + 't>>;
    /// Answers the caller: with the kept result, or with `error` when the batch did not commit.
    fn answer(self: Box<Self>, error: Option<StoreError>);
}

struct Typed<T, F> {
    op: F,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Typed<T, F>
where
    T: Send + 'static,
    F: for<'t> Fn(&'t mut Tx) -> OpFuture<'t, T> + Send + 'static,
{
    fn run<'t>(&'t mut self, tx: &'t mut Tx) -> Pin<Box<dyn Future<Output = bool> + Send + 't>> {
        Box::pin(async move {
            let result = (self.op)(tx).await;
            let ok = result.is_ok();
            self.result = Some(result);
            ok
        })
    }

    fn answer(self: Box<Self>, error: Option<StoreError>) {
        let out = match (error, self.result) {
            (Some(error), _) => Err(error),
            (None, Some(result)) => result,
            (None, None) => Err(StoreError::Other(sqlx::Error::Protocol(
                "a grouped write was answered without having run".into(),
            ))),
        };
        // A caller that went away (its request cancelled) is not waiting: its write stands regardless.
        let _ = self.reply.send(out);
    }
}

/// The queue of operations and its committers. Cloning shares them; the committers end when the last clone
/// is dropped.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    queue: mpsc::UnboundedSender<Box<dyn Job>>,
    closed: Arc<AtomicBool>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts `lanes` committers (at least one) on a thread of their own. On a SQLite file (`raw` given) the one
    /// committer writes through that connection of its own; on PostgreSQL the lanes get a pool of their own with
    /// a connection each (falling back to `pool` if it cannot be opened); otherwise they write through `pool`.
    ///
    /// The thread matters: a committer runs one statement after another, each waiting for the database, and on
    /// the runtime that serves requests every one of those waits ended behind a queue of request tasks (most of
    /// PostgreSQL's connections were seen idle in their transactions, waiting for the gateway's next statement).
    /// On SQLite its statements and its commit's fsync block the calling thread, which must not be a request's.
    pub(crate) fn start(pool: Pool, lanes: usize, raw: Option<RawSqlite>) -> GroupCommit {
        let (queue, rx) = mpsc::unbounded_channel();
        let rx = Arc::new(Mutex::new(rx));
        let closed = Arc::new(AtomicBool::new(false));
        let lanes = lanes.max(1);
        let run = {
            let closed = Arc::clone(&closed);
            async move {
                let raw = raw.map(|conn| Arc::new(std::sync::Mutex::new(conn)));
                let own = match (&pool, &raw) {
                    (Pool::Postgres(main), None) => own_postgres_pool(main, lanes).await,
                    _ => None,
                };
                let pool = own.clone().unwrap_or(pool);
                let lanes = if raw.is_some() { 1 } else { lanes };
                let mut running = Vec::with_capacity(lanes);
                for _ in 0..lanes {
                    let writer = Writer {
                        pool: pool.clone(),
                        raw: raw.clone(),
                        closed: Arc::clone(&closed),
                    };
                    running.push(tokio::spawn(committer(writer, Arc::clone(&rx))));
                }
                for lane in running {
                    let _ = lane.await;
                }
                if let Some(own) = own {
                    own.close().await;
                }
            }
        };
        let spawned = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|runtime| {
                std::thread::Builder::new()
                    .name("store-committer".into())
                    .spawn(move || runtime.block_on(run))
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the store's committer thread could not start");
        }
        GroupCommit { queue, closed }
    }

    /// Refuses every later write (as a closed pool does); the committer ends when the last handle is dropped.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// Runs `op` in the next group transaction and returns its result once that transaction has committed.
    /// `op` may run more than once (see the module's documentation); only the committed run's result is
    /// returned.
    pub(crate) async fn write<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'t> Fn(&'t mut Tx) -> OpFuture<'t, T> + Send + 'static,
    {
        if self.closed.load(Ordering::Relaxed) {
            return Err(StoreError::Unavailable(sqlx::Error::PoolClosed));
        }
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Typed {
            op,
            result: None,
            reply,
        });
        if self.queue.send(job).is_err() {
            return Err(StoreError::Unavailable(sqlx::Error::PoolClosed));
        }
        answer
            .await
            .unwrap_or(Err(StoreError::Unavailable(sqlx::Error::WorkerCrashed)))
    }
}

/// Where a lane's transactions go.
struct Writer {
    pool: Pool,
    /// The committer's own SQLite connection, when the store is a SQLite file.
    raw: Option<Arc<std::sync::Mutex<RawSqlite>>>,
    /// Set when the store was closed.
    closed: Arc<AtomicBool>,
}

impl Writer {
    async fn begin(&self) -> Result<Tx, StoreError> {
        if self.closed.load(Ordering::Relaxed) {
            return Err(StoreError::Unavailable(sqlx::Error::PoolClosed));
        }
        match (&self.raw, self.pool.write_gate()) {
            (Some(conn), Some(gate)) => RawTx::begin(conn, gate).await,
            _ => self.pool.begin_write().await,
        }
    }
}

/// A pool of `lanes` connections for the committer's runtime, with the options of `main`.
async fn own_postgres_pool(main: &PgPool, lanes: usize) -> Option<Pool> {
    let options = (*main.connect_options()).clone();
    match PgPoolOptions::new()
        .max_connections(u32::try_from(lanes).unwrap_or(8))
        .connect_with(options)
        .await
    {
        Ok(pool) => Some(Pool::Postgres(pool)),
        Err(e) => {
            tracing::warn!(error = %e, "the committer writes through the shared pool: its own did not open");
            None
        }
    }
}

/// One lane: takes the first queued operation and everything queued behind it, and commits them together.
async fn committer(writer: Writer, queue: Arc<Mutex<mpsc::UnboundedReceiver<Box<dyn Job>>>>) {
    loop {
        let batch = {
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else {
                return;
            };
            let mut batch = Vec::with_capacity(queue.len().min(MAX_BATCH) + 1);
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            batch
        };
        commit(&writer, batch).await;
    }
}

/// Runs `batch` in one transaction and answers every operation in it. An operation that fails is answered
/// with its error and the others run again without it.
async fn commit(writer: &Writer, mut batch: Vec<Box<dyn Job>>) {
    while !batch.is_empty() {
        let mut tx = match writer.begin().await {
            Ok(tx) => tx,
            Err(e) => return fail_all(batch, &e),
        };
        let mut failed = None;
        for (i, job) in batch.iter_mut().enumerate() {
            if !job.run(&mut tx).await {
                failed = Some(i);
                break;
            }
        }
        match failed {
            None => {
                return match tx.commit().await {
                    Ok(()) => batch.into_iter().for_each(|job| job.answer(None)),
                    Err(e) => fail_all(batch, &e),
                };
            }
            Some(i) => {
                // Undo what ran before it (it may have written half its statements), answer it, go again.
                if let Err(e) = tx.rollback().await {
                    tracing::debug!(error = %e, "rolling back a group transaction failed");
                }
                batch.remove(i).answer(None);
            }
        }
    }
}

/// Answers every operation of a batch that could not commit with (a copy of) `error`.
fn fail_all(batch: Vec<Box<dyn Job>>, error: &StoreError) {
    for job in batch {
        job.answer(Some(error.replicate()));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::db::Arg;
    use crate::options::StoreOptions;

    async fn pool() -> Pool {
        crate::connect::open("sqlite::memory:", &StoreOptions::default())
            .await
            .expect("memory database")
    }

    fn insert(value: i64) -> impl for<'t> Fn(&'t mut Tx) -> OpFuture<'t, u64> + Send + 'static {
        move |tx| {
            Box::pin(async move {
                tx.execute("INSERT INTO gc_test (v) VALUES ($1)", &[Arg::int(value)])
                    .await
            })
        }
    }

    /// Many writers at once: every one is answered, a duplicate fails alone, the rest are all committed.
    #[tokio::test]
    async fn a_failing_writer_fails_alone_and_the_others_commit() {
        let pool = pool().await;
        pool.execute("CREATE TABLE gc_test (v INTEGER PRIMARY KEY)", &[])
            .await
            .unwrap();
        let group = GroupCommit::start(pool.clone(), 1, None);
        // Hold the writer's turn so that all writers queue up and form one batch behind it.
        let held = pool.begin_write().await.unwrap();
        let mut writers = Vec::new();
        for v in [1, 2, 3, 2, 4] {
            let group = group.clone();
            writers.push(tokio::spawn(async move { group.write(insert(v)).await }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        held.rollback().await.unwrap();
        let mut outcomes = Vec::new();
        for w in writers {
            outcomes.push(w.await.unwrap());
        }
        let duplicates = outcomes
            .iter()
            .filter(|o| matches!(o, Err(StoreError::Duplicate)))
            .count();
        assert_eq!(duplicates, 1, "{outcomes:?}");
        assert_eq!(outcomes.iter().filter(|o| matches!(o, Ok(1))).count(), 4);
        let rows = pool
            .fetch_all("SELECT v FROM gc_test ORDER BY v", &[])
            .await
            .unwrap();
        let values: Vec<i64> = rows.iter().map(|r| r.get("v").unwrap()).collect();
        assert_eq!(values, vec![1, 2, 3, 4]);
    }

    /// A batch that cannot begin (the pool closed) answers every writer with a retryable error.
    #[tokio::test]
    async fn writers_hear_of_a_batch_that_could_not_begin() {
        let pool = pool().await;
        let group = GroupCommit::start(pool.clone(), 1, None);
        pool.close().await;
        let err = group.write(insert(1)).await.unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
    }
}
