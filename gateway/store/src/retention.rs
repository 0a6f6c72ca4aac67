//! Retention: erasing personal data when it is due and deleting finished work after its period.
//!
//! [`Store::sweep`] runs each step as its own short statement (SQLite has one writer: no long write
//! transaction). On SQLite it then checkpoints and truncates the WAL, so erased data does not linger
//! in old WAL frames; `secure_delete` zeroes it in the database file itself.

use crate::batched::{BatchedDelete, delete_in_batches};
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
/// The journal's retention: a batch deletes the oldest entries through `journal_at` (`$1` the cutoff, `$2` the
/// batch size) by rowid; the warming reads go to each entry's row and to its entries in `journal_message` (ids of
/// messages, spread over the whole index) and `journal_sender_at`.
pub(crate) const DELETE_JOURNAL: BatchedDelete = BatchedDelete {
    delete: "DELETE FROM journal WHERE id IN \
     (SELECT id FROM journal WHERE at < $1 ORDER BY at LIMIT $2)",
    warm: &[
        "SELECT COUNT(*) AS n FROM journal WHERE id IN \
         (SELECT id FROM journal WHERE at < $1 ORDER BY at LIMIT $2)",
        "SELECT COUNT(*) AS n FROM journal INDEXED BY journal_message WHERE message_id IN \
         (SELECT message_id FROM journal WHERE at < $1 ORDER BY at LIMIT $2)",
        "SELECT COUNT(*) AS n FROM journal INDEXED BY journal_sender_at WHERE (sender, at) IN \
         (SELECT sender, at FROM journal WHERE at < $1 ORDER BY at LIMIT $2)",
    ],
};
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
            report.journal_deleted = delete_in_batches(pool, &DELETE_JOURNAL, cutoff).await?;
        }
        if !report.is_empty() {
            checkpoint(pool).await?;
        }
        tracing::debug!(?report, "store sweep");
        Ok(report)
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
