//! Scheduled report periods: recorded once, with their report runs, in one transaction.

use crate::db::Arg;
use crate::error::StoreError;
use crate::options::Dialect;
use crate::reports::ReportPeriod;
use crate::store::Store;

/// Serialises enqueuers of all nodes on PostgreSQL (an arbitrary constant key of this table's lock).
const PG_LOCK: &str = "SELECT pg_advisory_xact_lock(7242019170000001)";

const LAST: &str = "SELECT period_first, period_last FROM report_periods \
     ORDER BY period_last DESC LIMIT 1";

const COVERED: &str = "SELECT period_first FROM report_periods WHERE period_last >= $1 LIMIT 1";

/// One scheduled run per organisation with facts of the kind in the period. `GROUP BY` rather than
/// `DISTINCT`, and a `WHERE` before `ON CONFLICT` (SQLite needs it after a `SELECT`).
const INSERT_RUNS: &str = "INSERT INTO reports (kind, organisation, period_first, period_last, \
     from_ms, to_ms, fact_kind, status, attempts, next_attempt_at, created_at) \
     SELECT 'scheduled', organisation, $1, $2, $3, $4, $5, 'pending', 0, $6, $6 FROM facts \
     WHERE kind = $5 AND occurred_at >= $3 AND occurred_at < $4 GROUP BY organisation \
     ON CONFLICT DO NOTHING";

const INSERT_PERIOD: &str = "INSERT INTO report_periods (period_first, period_last, from_ms, to_ms, \
     fact_kind, reports, enqueued_at, enqueued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
     ON CONFLICT DO NOTHING";

impl Store {
    /// The latest recorded scheduled period as `(first, last)` days, if any.
    pub async fn last_report_period(&self) -> Result<Option<(String, String)>, StoreError> {
        let row = self.pool.fetch_optional(LAST, &[]).await?;
        row.map(|r| Ok((r.get("period_first")?, r.get("period_last")?)))
            .transpose()
    }

    /// Records the scheduled `period` and creates, in the same transaction, one pending report run
    /// (due at `now_ms`) for every organisation with facts of `fact_kind` in it. Returns how many
    /// runs were created, or `None` (nothing changed) when a recorded period ends on or after the
    /// first day of `period`: it is covered already, by this node or another.
    ///
    /// Enqueuers are serialised (`BEGIN IMMEDIATE` on SQLite, an advisory transaction lock on
    /// PostgreSQL), so nodes enqueuing the same period at once record it once.
    pub async fn record_report_period(
        &self,
        period: &ReportPeriod,
        fact_kind: &str,
        now_ms: i64,
    ) -> Result<Option<u32>, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        if self.dialect() == Dialect::Postgres {
            tx.fetch_optional(PG_LOCK, &[]).await?;
        }
        if tx
            .fetch_optional(COVERED, &[Arg::text(&period.first)])
            .await?
            .is_some()
        {
            tx.rollback().await?;
            return Ok(None);
        }
        let run_args = [
            Arg::text(&period.first),
            Arg::text(&period.last),
            Arg::int(period.from_ms),
            Arg::int(period.to_ms),
            Arg::text(fact_kind),
            Arg::int(now_ms),
        ];
        let created = tx.execute(INSERT_RUNS, &run_args).await?;
        let created = u32::try_from(created).unwrap_or(u32::MAX);
        let period_args = [
            Arg::text(&period.first),
            Arg::text(&period.last),
            Arg::int(period.from_ms),
            Arg::int(period.to_ms),
            Arg::text(fact_kind),
            Arg::int(i64::from(created)),
            Arg::int(now_ms),
            Arg::text(self.node()),
        ];
        tx.execute(INSERT_PERIOD, &period_args).await?;
        tx.commit().await?;
        Ok(Some(created))
    }
}
