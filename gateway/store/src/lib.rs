//! The gateway's store: sqlx on SQLite or PostgreSQL; queue, journal, tokens, facts.
//!
//! One [`Store`] handle (cheap to clone) serves both dialects: SQLite, embedded in a file, for a
//! single node; PostgreSQL when several gateway nodes share state. Each operation's SQL is written
//! once with `$1, $2` placeholders (sqlx-sqlite binds them by number) and per dialect only where
//! the dialects differ (`FOR UPDATE SKIP LOCKED` on PostgreSQL). Times are `i64` unix milliseconds,
//! ids are text, payloads and bodies are opaque bytes.
//!
//! ```no_run
//! # async fn demo() -> Result<(), gateway_store::StoreError> {
//! use gateway_store::{Store, StoreOptions};
//! let store = Store::connect("sqlite://var/gateway/store.db", StoreOptions::default()).await?;
//! if let Some(response) = store.take_response("SENDER", None, std::time::Duration::from_secs(60)).await? {
//!     // ... hand it out, and when the sender acknowledges it:
//!     store.ack_response("SENDER", &response.id).await?;
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//!
//! - [`store`](Store): connecting, dialect, ping, close; the clock.
//! - `options`: [`StoreOptions`], [`Retention`], [`SqliteSync`], [`Dialect`].
//! - `requests`: accepted envelopes, leases ([`Store::accept_request`], [`Store::claim_requests`])
//!   and [`Store::finish_request`], which records a chain's outcome in one transaction.
//! - `queue`: the per-sender response queue ([`Store::take_response`], [`Store::ack_response`], its depth for
//!   the metrics [`Store::queue_depths`]) and status events ([`Store::take_status_event`]).
//! - `journal`: the audit trail without personal data ([`Store::append_journal`],
//!   [`Store::find_journal`], and across senders for operators [`Store::search_journal`]).
//! - `tokens`: short-lived tokens shared across nodes, with tombstones ([`Store::token_issue`], ...).
//! - `facts`: recorded facts for reports ([`Store::record_facts`], [`Store::facts_between`]) and their
//!   counts per organisation and document type ([`Store::fact_counts`]).
//! - `fact_days` (internal): on PostgreSQL, facts are kept in a partition per UTC day, made before the day's
//!   first fact is written and detached and dropped whole by the facts retention ([`Store::delete_facts_before`]).
//! - `keys`: keys the gateway makes once and every node shares ([`Store::shared_key`]).
//! - `retention`: [`Store::sweep`], erasing due personal data and deleting old rows.
//! - `plugin_records`: plugins' own durable records (contract 1.3.0 `store`), with conditional writes, hashed
//!   tags and expiry ([`Store::put_plugin_record`], [`Store::query_plugin_records`]).
//! - `mail_outbox`: e-mail queued by plugins (contract 1.3.0 `mail`), once per key, leased to one node to send
//!   ([`Store::queue_mail`], [`Store::take_mail`]).
//! - `reports`: reports e-mailed to organisations: scheduled periods ([`Store::record_report_period`]),
//!   runs leased to one node ([`Store::claim_reports`], [`Store::mark_report_sent`]) and the
//!   streaming read of a report's facts ([`Store::report_facts`]).
//! - `empty` (internal): queues just found empty, answered from memory for 5 ms (cleared when this node queues
//!   an answer for the sender), so that clients polling GetResponse in a tight loop do not each cost a query.
//! - `group` (internal): group commit. The hot paths' writes (accept, finish, hand-out, acknowledgement, token
//!   issue, journal) queue as operations; a committer runs all that queued while the previous commit was in
//!   flight in one transaction, one fsync for all, and answers each caller after the commit.
//! - `raw` (internal): the group committer's own connection to a SQLite file, called through SQLite's C API
//!   (sqlx hands each statement to a thread of its own; the committer's thousands a second paid for the
//!   hand-overs).
//! - `readers` (internal): long reads of a SQLite file (a report's facts) through the same C API on a blocking
//!   thread, decoded straight from SQLite's buffers and handed over in batches rather than row by row.
//! - `db` (internal): the dialect dispatch (`Pool`, `Tx`, `Arg`, `DbRow`); `connect` (internal):
//!   pool setup and the migrations embedded from `migrations/sqlite` and `migrations/postgres`.
//! - `error`: [`StoreError`] and the classification of driver errors (retryable or not).
//!
//! # Concurrency
//!
//! Every hand-out (claiming requests, taking a response or a status event) is a single atomic
//! `UPDATE ... RETURNING`; on PostgreSQL its inner select locks with `FOR UPDATE SKIP LOCKED`, so
//! concurrent nodes never wait on each other's rows nor get the same row. Multi-statement writes
//! run in transactions that begin with `BEGIN IMMEDIATE` on SQLite (the single writer lock is taken
//! up front, so they never fail half-way on a lock upgrade) and are kept short.

#![warn(missing_docs)]

mod arg;
mod batched;
mod connect;
mod db;
mod empty;
mod error;
mod fact_days;
mod facts;
mod format;
mod group;
mod journal;
mod keys;
mod mail_outbox;
mod options;
mod plugin_records;
mod queue;
mod raw;
mod readers;
mod reports;
mod requests;
mod retention;
mod store;
mod tokens;

pub use error::StoreError;
pub use facts::{Fact, FactCount};
pub use format::Format;
pub use journal::{Direction, JournalEntry, JournalQuery, MAX_JOURNAL_ROWS};
pub use mail_outbox::{NewMail, QueuedMail};
pub use options::{Dialect, Retention, SqliteSync, StoreOptions};
pub use plugin_records::{PluginRecord, PluginRecordWrite, PutOutcome, WriteCondition};
pub use queue::{
    AckOutcome, NewResponse, NewStatusEvent, QueueDepth, QueuedResponse, ResponseKind, StatusEvent,
};
pub use reports::{
    Delivery, MAX_REPORT_ROWS, NewReport, ReportKind, ReportPeriod, ReportQuery, ReportRun,
    ReportStatus,
};
pub use requests::{
    FinishOutcome, Finished, MAX_CLAIM, NewRequest, PendingRequest, RequestState, RequestStatus,
};
pub use retention::SweepReport;
pub use store::Store;
pub use tokens::{NewToken, Token, TokenLookup};
