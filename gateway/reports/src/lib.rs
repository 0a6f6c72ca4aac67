//! Scan reports e-mailed to each organisation (seeds 000, 001).
//!
//! Once per period each organisation receives a zip holding an Excel summary of its scans and the
//! operator's detached signature of that file. The reporting plugin decides the layout and the texts
//! ([`layout`]); this crate does the heavy and privileged part: it streams the facts from the store into
//! rust_xlsxwriter in constant-memory mode ([`workbook`]), signs the workbook with OpenSSL ([`sign`]),
//! zips ([`archive`]) and sends it with lettre over SMTP ([`mail`]). Keys, SMTP and the file system stay
//! here, never in the plugin.
//!
//! Delivery is once per organisation and period: a run is claimed with a lease in the store, so two
//! nodes never work on one report; the lease is checked again just before sending; the SMTP server's
//! acceptance is recorded as the run's `sent` state at once; a failure is recorded with its error and
//! retried with backoff. The one window left, a crash between the SMTP acceptance and that record, sends
//! the message again with the same deterministic Message-ID ([`mail::message_id`]), which mail systems
//! deduplicating by Message-ID drop.
//!
//! # Layout
//!
//! - [`period`]: periods of whole days in the report time zone; the time zone database.
//! - [`schedule`]: `daily`, `every N days`, cron: which periods are due.
//! - [`layout`]: the exchange with the reporting plugin and the checks on its answer.
//! - [`workbook`], [`sign`], [`archive`], [`mail`]: the four steps of a report.
//! - [`sources`]: what the gateway provides (profiles, layouts, progress), as traits.
//! - [`runner`]: one report end to end ([`Runner::build`], [`Runner::deliver`]).
//! - [`scheduler`]: a node's tick (enqueue due periods, deliver due reports).
//! - [`adhoc`]: the operator's ad hoc runs.
//! - [`error`](mod@error): [`ReportError`].

#![warn(missing_docs)]

pub mod adhoc;
pub mod archive;
pub mod error;
pub mod layout;
pub mod mail;
pub mod period;
pub mod runner;
pub mod schedule;
pub mod scheduler;
pub mod sign;
pub mod sources;
pub mod workbook;

pub use error::ReportError;
pub use runner::{Delivered, Runner, Settings, Target};
pub use scheduler::{Plan, Scheduler, Tick};
