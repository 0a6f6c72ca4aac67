//! Reports e-mailed to organisations: the scheduled periods, one run per organisation, period and
//! kind, and the reads of the facts a report holds.
//!
//! A report run is `pending` when created, leased to one node while it is built and sent
//! ([`Store::claim_reports`], [`Store::claim_report`]), and then either `sent`
//! ([`Store::mark_report_sent`], in the same statement that records the SMTP server's acceptance)
//! or `failed` with its error and the time of the next attempt ([`Store::mark_report_failed`]), which an
//! operator may move to now ([`Store::retry_report_now`]).
//! Claiming is one atomic `UPDATE ... RETURNING` (with `FOR UPDATE SKIP LOCKED` on PostgreSQL), so
//! two nodes never work on one report; a node that dies leaves its lease to run out.
//!
//! Scheduled periods are recorded in `report_periods` together with their runs, in one transaction
//! ([`Store::record_report_period`]); a period overlapping one already recorded is refused, so a
//! repeated tick, a restart or a second node enqueues nothing new and periods never overlap.
//!
//! Layout: `periods` (scheduled periods), `runs` (report runs and their leases), `facts` (the
//! streaming read of a report's facts, their count and the organisations of a period).

mod facts;
mod periods;
mod runs;

pub use runs::{Delivery, MAX_REPORT_ROWS, NewReport, ReportQuery, ReportRun};

use crate::store::text_code;

text_code! {
    /// Why a report exists.
    pub enum ReportKind {
        /// Made by the scheduler for a scheduled period.
        Scheduled => "scheduled",
        /// Made by an operator (`gateway report run`); never marks a scheduled period as done.
        Adhoc => "adhoc",
    }
}

text_code! {
    /// Where a report is in its life.
    pub enum ReportStatus {
        /// Not attempted yet, or being built and sent now (see the lease).
        Pending => "pending",
        /// The last attempt failed (see `last_error`); it is tried again at `next_attempt_at`.
        Failed => "failed",
        /// The SMTP server accepted the message.
        Sent => "sent",
    }
}

/// A period of whole days in the report time zone, and the instants that bound it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportPeriod {
    /// The first day, `YYYY-MM-DD`, inclusive.
    pub first: String,
    /// The last day, `YYYY-MM-DD`, inclusive.
    pub last: String,
    /// The start of the first day (unix ms), inclusive.
    pub from_ms: i64,
    /// The start of the day after the last (unix ms), exclusive.
    pub to_ms: i64,
}
