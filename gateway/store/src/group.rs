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
//! still pass the gate one at a time). PostgreSQL takes several transactions at once: a few committers
//! ("lanes") share the queue, so a batch forms behind each commit in flight and statements of different
//! batches overlap.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::db::{Pool, Tx};
use crate::error::StoreError;

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
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts `lanes` committers (at least one) writing through `pool`. Needs a Tokio runtime.
    pub(crate) fn start(pool: Pool, lanes: usize) -> GroupCommit {
        let (queue, rx) = mpsc::unbounded_channel();
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..lanes.max(1) {
            tokio::spawn(committer(pool.clone(), Arc::clone(&rx)));
        }
        GroupCommit { queue }
    }

    /// Runs `op` in the next group transaction and returns its result once that transaction has committed.
    /// `op` may run more than once (see the module's documentation); only the committed run's result is
    /// returned.
    pub(crate) async fn write<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'t> Fn(&'t mut Tx) -> OpFuture<'t, T> + Send + 'static,
    {
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

/// One lane: takes the first queued operation and everything queued behind it, and commits them together.
async fn committer(pool: Pool, queue: Arc<Mutex<mpsc::UnboundedReceiver<Box<dyn Job>>>>) {
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
        commit(&pool, batch).await;
    }
}

/// Runs `batch` in one transaction and answers every operation in it. An operation that fails is answered
/// with its error and the others run again without it.
async fn commit(pool: &Pool, mut batch: Vec<Box<dyn Job>>) {
    while !batch.is_empty() {
        let mut tx = match pool.begin_write().await {
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
        let group = GroupCommit::start(pool.clone(), 1);
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
        let group = GroupCommit::start(pool.clone(), 1);
        pool.close().await;
        let err = group.write(insert(1)).await.unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
    }
}
