//! Retention: erasing personal data when it is due and deleting finished work after its period.
//!
//! [`Store::sweep`] runs each step as its own short statement (SQLite has one writer: no long write
//! transaction). On SQLite it then checkpoints and truncates the WAL, so erased data does not linger
//! in old WAL frames; `secure_delete` zeroes it in the database file itself.

use crate::db::{Arg, Pool};
use crate::error::StoreError;
use crate::options::Dialect;
use crate::store::{Store, duration_ms};

/// What one [`Store::sweep`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Expired tokens whose data and subject were erased (now tombstones).
    pub tokens_expired: u64,
    /// Tombstones past `tombstone_until`, deleted.
    pub tokens_deleted: u64,
    /// Unacknowledged responses past `purge_at` whose body was erased (never delivered again).
    pub responses_purged: u64,
    /// Acknowledged or purged responses older than the retention, deleted.
    pub responses_deleted: u64,
    /// Status events older than the retention, deleted.
    pub status_events_deleted: u64,
    /// Finished requests older than the retention, deleted.
    pub requests_deleted: u64,
    /// Journal entries older than the journal retention (when one is set), deleted.
    pub journal_deleted: u64,
    /// Plugins' records past their expiry, deleted with their tags.
    pub plugin_records_deleted: u64,
    /// Plugins' e-mail sent or abandoned long enough ago that its key is forgotten, deleted.
    pub mail_forgotten: u64,
}

impl SweepReport {
    /// True if the sweep changed nothing.
    pub fn is_empty(&self) -> bool {
        *self == SweepReport::default()
    }
}

const EXPIRE_TOKENS: &str = "UPDATE tokens SET data = NULL, subject_hash = NULL \
     WHERE expires_at <= $1 AND (subject_hash IS NOT NULL OR data IS NOT NULL)";
const DELETE_TOMBSTONES: &str =
    "DELETE FROM tokens WHERE tombstone_until <= $1 AND expires_at <= $1";
const PURGE_RESPONSES: &str = "UPDATE responses SET body = NULL, kind = 'purged' \
     WHERE purge_at <= $1 AND acked_at IS NULL AND kind <> 'purged'";
const DELETE_RESPONSES: &str = "DELETE FROM responses \
     WHERE (acked_at IS NOT NULL AND acked_at < $1) OR (kind = 'purged' AND created_at < $1)";
const DELETE_STATUS_EVENTS: &str = "DELETE FROM status_events WHERE created_at < $1";
const DELETE_REQUESTS: &str = "DELETE FROM requests WHERE status = 'done' AND finished_at < $1";
/// One batch of the journal's retention: `$1` the cutoff, `$2` the batch size (oldest first, by the journal's
/// index on `at`).
const DELETE_JOURNAL: &str = "DELETE FROM journal WHERE id IN \
     (SELECT id FROM journal WHERE at < $1 ORDER BY at LIMIT $2)";
/// Rows one batch of a large delete removes on PostgreSQL: short enough that no transaction holds many row locks.
const DELETE_BATCH_POSTGRES: i64 = 500;
/// Rows one batch removes on SQLite, whose one write lock the batch holds: 2,000 held it some 80 ms a batch under
/// load (`secure_delete`, three indexes, the rows spread over every organisation's pages); measured with a day of
/// facts deleted by another process under the SOAP cycle, 500-row batches let the cycle's longest request reach
/// 60–71 ms (47 ms without the deletion), 100-row batches 29–31 ms, and the deletion took 20 s instead of 16.
const DELETE_BATCH_SQLITE: i64 = 100;
/// The pause between batches on SQLite: writers of another process (which do not pass this process's write
/// gate) poll for the lock in SQLite's busy handler and need a moment in which it is free.
const SQLITE_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);
const CHECKPOINT: &str = "PRAGMA wal_checkpoint(TRUNCATE)";

impl Store {
    /// Applies retention as of `now_ms`:
    /// - expired tokens become tombstones (data and subject erased); tombstones past
    ///   `tombstone_until` are deleted;
    /// - unacknowledged responses whose `purge_at <= now_ms` lose their body and are never handed
    ///   out again;
    /// - acknowledged responses (by `acked_at`), purged responses and status events (by creation
    ///   time) older than [`Retention::responses`](crate::Retention::responses) are deleted;
    /// - finished requests older than [`Retention::requests`](crate::Retention::requests) are
    ///   deleted, and journal entries older than [`Retention::journal`](crate::Retention::journal)
    ///   when it is set;
    /// - plugins' records past their expiry are deleted (personal data deleted on time), and plugins' e-mail
    ///   past its `forget_at`.
    pub async fn sweep(&self, now_ms: i64) -> Result<SweepReport, StoreError> {
        let retention = self.retention();
        let now = [Arg::int(now_ms)];
        let responses_cutoff = [Arg::int(
            now_ms.saturating_sub(duration_ms(retention.responses)),
        )];
        let requests_cutoff = [Arg::int(
            now_ms.saturating_sub(duration_ms(retention.requests)),
        )];
        let pool = &self.pool;
        let mut report = SweepReport {
            tokens_expired: pool.execute(EXPIRE_TOKENS, &now).await?,
            tokens_deleted: pool.execute(DELETE_TOMBSTONES, &now).await?,
            responses_purged: pool.execute(PURGE_RESPONSES, &now).await?,
            responses_deleted: pool.execute(DELETE_RESPONSES, &responses_cutoff).await?,
            status_events_deleted: pool
                .execute(DELETE_STATUS_EVENTS, &responses_cutoff)
                .await?,
            requests_deleted: pool.execute(DELETE_REQUESTS, &requests_cutoff).await?,
            journal_deleted: 0,
            plugin_records_deleted: self.sweep_plugin_records(now_ms).await?,
            mail_forgotten: self.forget_mail(now_ms).await?,
        };
        if let Some(journal) = retention.journal {
            let cutoff = now_ms.saturating_sub(duration_ms(journal));
            report.journal_deleted = delete_in_batches(pool, DELETE_JOURNAL, cutoff).await?;
        }
        if !report.is_empty() {
            checkpoint(pool).await?;
        }
        tracing::debug!(?report, "store sweep");
        Ok(report)
    }
}

/// Runs `sql` (a delete of at most `$2` rows older than `$1`) until it deletes fewer than a batch; returns
/// how many rows went. Each batch is its own statement, so on SQLite writers waiting at the write gate (or, in
/// another process, in the busy handler) get their turn between batches, and on PostgreSQL no transaction
/// holds many row locks.
pub(crate) async fn delete_in_batches(
    pool: &Pool,
    sql: &str,
    cutoff_ms: i64,
) -> Result<u64, StoreError> {
    let batch = match pool.dialect() {
        Dialect::Sqlite => DELETE_BATCH_SQLITE,
        Dialect::Postgres => DELETE_BATCH_POSTGRES,
    };
    let mut total = 0;
    loop {
        let n = pool
            .execute(sql, &[Arg::int(cutoff_ms), Arg::int(batch)])
            .await?;
        total += n;
        if n < batch as u64 {
            return Ok(total);
        }
        match pool.dialect() {
            Dialect::Sqlite => tokio::time::sleep(SQLITE_PAUSE).await,
            Dialect::Postgres => tokio::task::yield_now().await,
        }
    }
}

/// On SQLite, copies the WAL into the database file and truncates it, so that old page versions
/// holding erased data are gone from the WAL too. Skipped (and retried by the next sweep) while
/// readers hold old snapshots.
async fn checkpoint(pool: &Pool) -> Result<(), StoreError> {
    if pool.dialect() != Dialect::Sqlite {
        return Ok(());
    }
    if let Some(row) = pool.fetch_optional(CHECKPOINT, &[]).await? {
        let busy: i64 = row.get("busy")?;
        if busy != 0 {
            tracing::debug!("WAL checkpoint incomplete: readers active");
        }
    }
    Ok(())
}
