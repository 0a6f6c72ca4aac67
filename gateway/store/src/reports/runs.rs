//! Report runs: creating ad hoc ones, leasing them to a node, recording the outcome, the history.

use std::time::Duration;

use crate::db::{Arg, DbRow};
use crate::error::StoreError;
use crate::options::Dialect;
use crate::reports::{ReportKind, ReportPeriod, ReportStatus};
use crate::store::{Store, duration_ms, now_ms};

/// A report to create with [`Store::ensure_report`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    /// Scheduled or ad hoc.
    pub kind: ReportKind,
    /// The organisation's ОГРН or ОГРНИП.
    pub organisation: String,
    /// The period it covers.
    pub period: ReportPeriod,
    /// The kind of facts it lists (e.g. `scan`).
    pub fact_kind: String,
}

/// One report run as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRun {
    /// The run's id, unique across the store.
    pub id: i64,
    /// Scheduled or ad hoc.
    pub kind: ReportKind,
    /// The organisation's ОГРН or ОГРНИП.
    pub organisation: String,
    /// The period it covers.
    pub period: ReportPeriod,
    /// The kind of facts it lists.
    pub fact_kind: String,
    /// Pending, failed or sent.
    pub status: ReportStatus,
    /// How many times it has been leased to a node to be built and sent.
    pub attempts: u32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the next attempt is due (unix ms).
    pub next_attempt_at: i64,
    /// The node holding the lease while one does; once sent, the node that sent it.
    pub lease_owner: Option<String>,
    /// When the lease runs out (unix ms).
    pub lease_until: Option<i64>,
    /// When the run was created (unix ms).
    pub created_at: i64,
    /// The e-mail's Message-ID, once sent.
    pub message_id: Option<String>,
    /// The address it was sent to, once sent.
    pub recipient: Option<String>,
    /// How many facts it listed, once sent.
    pub facts: Option<u64>,
    /// The SMTP server's answer accepting it.
    pub smtp_response: Option<String>,
    /// When the SMTP server accepted it (unix ms).
    pub sent_at: Option<i64>,
}

/// What the SMTP server accepted, recorded by [`Store::mark_report_sent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The e-mail's Message-ID.
    pub message_id: String,
    /// The address it was sent to.
    pub recipient: String,
    /// How many facts the report listed.
    pub facts: u64,
    /// The SMTP server's answer (e.g. `250 2.0.0 Ok: queued as 4F2A`).
    pub smtp_response: String,
    /// When the server accepted it (unix ms).
    pub sent_at: i64,
}

/// A filter of [`Store::find_reports`]: every field narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportQuery {
    /// Reports whose period ends on or after this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Reports whose period starts on or before this day (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// One organisation's reports.
    pub organisation: Option<String>,
    /// Reports in this status.
    pub status: Option<ReportStatus>,
    /// At most this many (newest first); capped at [`MAX_REPORT_ROWS`], default 100.
    pub limit: Option<u32>,
}

/// The most runs one [`Store::find_reports`] or [`Store::claim_reports`] call returns.
pub const MAX_REPORT_ROWS: u32 = 1000;

const COLUMNS: &str = "id, kind, organisation, period_first, period_last, from_ms, to_ms, fact_kind, \
     status, attempts, last_error, next_attempt_at, lease_owner, lease_until, created_at, \
     message_id, recipient, facts, smtp_response, sent_at";

const INSERT: &str = "INSERT INTO reports (kind, organisation, period_first, period_last, from_ms, \
     to_ms, fact_kind, status, attempts, next_attempt_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8) ON CONFLICT DO NOTHING";

/// A run may be leased when it is not sent and no live lease holds it (`$3` is now).
const FREE: &str = "status <> 'sent' AND (lease_until IS NULL OR lease_until <= $3)";

macro_rules! claim_due_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE reports SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM reports WHERE status <> 'sent' AND next_attempt_at <= $5 \
             AND (lease_until IS NULL OR lease_until <= $3) ORDER BY next_attempt_at, id LIMIT $4",
            $lock,
            ") AND status <> 'sent' AND (lease_until IS NULL OR lease_until <= $3) RETURNING "
        )
    };
}
const CLAIM_DUE_SQLITE: &str = claim_due_sql!("");
const CLAIM_DUE_POSTGRES: &str = claim_due_sql!(" FOR UPDATE SKIP LOCKED");

impl Store {
    /// The run of `new` (kind, organisation and period), created pending and due now if there is
    /// none yet; an existing run is returned as it is (whatever its status).
    pub async fn ensure_report(&self, new: &NewReport) -> Result<ReportRun, StoreError> {
        let args = [
            Arg::text(new.kind.as_str()),
            Arg::text(&new.organisation),
            Arg::text(&new.period.first),
            Arg::text(&new.period.last),
            Arg::int(new.period.from_ms),
            Arg::int(new.period.to_ms),
            Arg::text(&new.fact_kind),
            Arg::int(now_ms()),
        ];
        self.pool.execute(INSERT, &args).await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM reports WHERE kind = $1 AND organisation = $2 \
             AND period_first = $3 AND period_last = $4"
        );
        let row = self.pool.fetch_optional(&sql, &args[..4]).await?;
        row.as_ref()
            .map(run_from_row)
            .transpose()?
            .ok_or_else(|| StoreError::Corrupt("a report run vanished after its insert".into()))
    }

    /// Leases to this node, until now + `lease`, up to `limit` (at most [`MAX_REPORT_ROWS`])
    /// unsent runs that are due and not leased, oldest due first, counting an attempt for each.
    ///
    /// Atomic: two nodes (or tasks) claiming at once never get the same run.
    pub async fn claim_reports(
        &self,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<ReportRun>, StoreError> {
        self.claim_reports_due_by(lease, limit, now_ms()).await
    }

    /// [`Store::claim_reports`] of the runs due at or before `due_by_ms`: a scheduler tick passes its
    /// start, so a run that failed during the tick waits for the next one.
    pub async fn claim_reports_due_by(
        &self,
        lease: Duration,
        limit: u32,
        due_by_ms: i64,
    ) -> Result<Vec<ReportRun>, StoreError> {
        let limit = limit.min(MAX_REPORT_ROWS);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let now = now_ms();
        let head = match self.dialect() {
            Dialect::Sqlite => CLAIM_DUE_SQLITE,
            Dialect::Postgres => CLAIM_DUE_POSTGRES,
        };
        let sql = format!("{head}{COLUMNS}");
        let args = [
            Arg::text(self.node()),
            Arg::int(now.saturating_add(duration_ms(lease))),
            Arg::int(now),
            Arg::int(i64::from(limit)),
            Arg::int(due_by_ms),
        ];
        let rows = self.pool.fetch_all(&sql, &args).await?;
        let mut runs = rows
            .iter()
            .map(run_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        runs.sort_by_key(|r| (r.next_attempt_at, r.id));
        Ok(runs)
    }

    /// Leases run `id` to this node until now + `lease`, due or not (an operator's run), counting
    /// an attempt. `None` when it is sent, leased by a live lease, or unknown.
    pub async fn claim_report(
        &self,
        id: i64,
        lease: Duration,
    ) -> Result<Option<ReportRun>, StoreError> {
        let now = now_ms();
        let sql = format!(
            "UPDATE reports SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id = $4 AND {FREE} RETURNING {COLUMNS}"
        );
        let args = [
            Arg::text(self.node()),
            Arg::int(now.saturating_add(duration_ms(lease))),
            Arg::int(now),
            Arg::int(id),
        ];
        let row = self.pool.fetch_optional(&sql, &args).await?;
        row.as_ref().map(run_from_row).transpose()
    }

    /// Extends this node's lease on run `id` to now + `lease`. False when this node no longer holds
    /// it (the lease ran out and another node took the run, or it is sent): the caller must stop.
    pub async fn renew_report_lease(&self, id: i64, lease: Duration) -> Result<bool, StoreError> {
        let until = now_ms().saturating_add(duration_ms(lease));
        let sql = "UPDATE reports SET lease_until = $3 \
             WHERE id = $1 AND lease_owner = $2 AND status <> 'sent'";
        let args = [Arg::int(id), Arg::text(self.node()), Arg::int(until)];
        Ok(self.pool.execute(sql, &args).await? == 1)
    }

    /// Records that the SMTP server accepted run `id`: in one statement it becomes `sent` with the
    /// delivery's details; its lease ends (`lease_owner` stays, naming the node that sent it). False (nothing changed) when this node does not hold
    /// the run's lease or the run is sent already.
    pub async fn mark_report_sent(&self, id: i64, d: &Delivery) -> Result<bool, StoreError> {
        let sql = "UPDATE reports SET status = 'sent', lease_until = NULL, \
             last_error = NULL, message_id = $3, recipient = $4, facts = $5, smtp_response = $6, \
             sent_at = $7 WHERE id = $1 AND lease_owner = $2 AND status <> 'sent'";
        let args = [
            Arg::int(id),
            Arg::text(self.node()),
            Arg::text(&d.message_id),
            Arg::text(&d.recipient),
            Arg::int(i64::try_from(d.facts).unwrap_or(i64::MAX)),
            Arg::text(&d.smtp_response),
            Arg::int(d.sent_at),
        ];
        Ok(self.pool.execute(sql, &args).await? == 1)
    }

    /// Records that the attempt on run `id` failed with `error`: it becomes `failed`, loses its
    /// lease and is due again at `next_attempt_at`. False when this node does not hold the lease.
    pub async fn mark_report_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: i64,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE reports SET status = 'failed', lease_owner = NULL, lease_until = NULL, \
             last_error = $3, next_attempt_at = $4 \
             WHERE id = $1 AND lease_owner = $2 AND status <> 'sent'";
        let args = [
            Arg::int(id),
            Arg::text(self.node()),
            Arg::text(error),
            Arg::int(next_attempt_at),
        ];
        Ok(self.pool.execute(sql, &args).await? == 1)
    }

    /// Gives run `id` back without an outcome (e.g. at shutdown, before anything was sent): the
    /// lease goes and the attempt is not counted. False when this node does not hold the lease.
    pub async fn release_report(&self, id: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE reports SET lease_owner = NULL, lease_until = NULL, \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END \
             WHERE id = $1 AND lease_owner = $2 AND status <> 'sent'";
        let args = [Arg::int(id), Arg::text(self.node())];
        Ok(self.pool.execute(sql, &args).await? == 1)
    }

    /// Makes run `id` due now (an operator's «send again»): its next attempt is moved to now, its
    /// attempts and last error stay, and whichever node's scheduler claims due runs next takes it. False
    /// when it is sent or unknown.
    pub async fn retry_report_now(&self, id: i64) -> Result<bool, StoreError> {
        let sql = "UPDATE reports SET next_attempt_at = $2 WHERE id = $1 AND status <> 'sent'";
        let args = [Arg::int(id), Arg::int(now_ms())];
        Ok(self.pool.execute(sql, &args).await? == 1)
    }

    /// Deletes the sent runs the SMTP server accepted before `cutoff_ms` (the history is kept for a
    /// while, not for ever: a sole trader's address is personal data); returns how many. Their periods
    /// stay recorded, so the scheduler never makes them again.
    pub async fn delete_sent_reports_before(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let sql = "DELETE FROM reports WHERE status = 'sent' AND sent_at < $1";
        self.pool.execute(sql, &[Arg::int(cutoff_ms)]).await
    }

    /// Run `id`, if it exists.
    pub async fn report(&self, id: i64) -> Result<Option<ReportRun>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM reports WHERE id = $1");
        let row = self.pool.fetch_optional(&sql, &[Arg::int(id)]).await?;
        row.as_ref().map(run_from_row).transpose()
    }

    /// The runs matching `q`, newest first.
    pub async fn find_reports(&self, q: &ReportQuery) -> Result<Vec<ReportRun>, StoreError> {
        let mut sql = format!("SELECT {COLUMNS} FROM reports WHERE 1 = 1");
        let mut args = Vec::new();
        let mut filter = |clause: &str, arg| {
            args.push(arg);
            sql.push_str(&format!(" AND {clause} ${}", args.len()));
        };
        if let Some(from) = &q.from {
            filter("period_last >=", Arg::text(from));
        }
        if let Some(to) = &q.to {
            filter("period_first <=", Arg::text(to));
        }
        if let Some(org) = &q.organisation {
            filter("organisation =", Arg::text(org));
        }
        if let Some(status) = q.status {
            filter("status =", Arg::text(status.as_str()));
        }
        let limit = q.limit.unwrap_or(100).min(MAX_REPORT_ROWS);
        args.push(Arg::int(i64::from(limit)));
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", args.len()));
        let rows = self.pool.fetch_all(&sql, &args).await?;
        rows.iter().map(run_from_row).collect()
    }
}

fn run_from_row(row: &DbRow) -> Result<ReportRun, StoreError> {
    let facts: Option<i64> = row.get("facts")?;
    Ok(ReportRun {
        id: row.get("id")?,
        kind: ReportKind::from_code(&row.get::<String>("kind")?)?,
        organisation: row.get("organisation")?,
        period: ReportPeriod {
            first: row.get("period_first")?,
            last: row.get("period_last")?,
            from_ms: row.get("from_ms")?,
            to_ms: row.get("to_ms")?,
        },
        fact_kind: row.get("fact_kind")?,
        status: ReportStatus::from_code(&row.get::<String>("status")?)?,
        attempts: row.count("attempts")?,
        last_error: row.get("last_error")?,
        next_attempt_at: row.get("next_attempt_at")?,
        lease_owner: row.get("lease_owner")?,
        lease_until: row.get("lease_until")?,
        created_at: row.get("created_at")?,
        message_id: row.get("message_id")?,
        recipient: row.get("recipient")?,
        facts: facts
            .map(|n| u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("facts: {n}"))))
            .transpose()?,
        smtp_response: row.get("smtp_response")?,
        sent_at: row.get("sent_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_statements_differ_only_in_the_lock_clause() {
        assert!(CLAIM_DUE_POSTGRES.contains("LIMIT $4 FOR UPDATE SKIP LOCKED)"));
        assert_eq!(
            CLAIM_DUE_SQLITE,
            CLAIM_DUE_POSTGRES.replace(" FOR UPDATE SKIP LOCKED", "")
        );
    }

    #[test]
    fn codes_round_trip() {
        for k in [ReportKind::Scheduled, ReportKind::Adhoc] {
            assert_eq!(ReportKind::from_code(k.as_str()).unwrap(), k);
        }
        for s in [
            ReportStatus::Pending,
            ReportStatus::Failed,
            ReportStatus::Sent,
        ] {
            assert_eq!(ReportStatus::from_code(s.as_str()).unwrap(), s);
        }
        assert!(matches!(
            ReportStatus::from_code("lost"),
            Err(StoreError::Corrupt(_))
        ));
    }
}
