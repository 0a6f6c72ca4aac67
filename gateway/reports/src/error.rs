//! The crate's error type: what failed while scheduling, building or delivering a report.

use gateway_store::StoreError;

/// Why a report could not be scheduled, built or delivered.
///
/// Every variant is worth another attempt later except [`ReportError::Config`]: the runner records
/// the message as the run's `last_error` and tries again with backoff, so a failure stays visible
/// until it is fixed (a missing profile is added, the SMTP server comes back).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A setting is wrong (schedule, time zone, key, SMTP address); found at start, not per report.
    #[error("report settings: {0}")]
    Config(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The organisation's profile could not be read, or has no usable e-mail address.
    #[error("organisation profile: {0}")]
    Profile(String),
    /// The reporting plugin failed or answered a layout that cannot be used.
    #[error("report layout: {0}")]
    Layout(String),
    /// Writing the workbook failed.
    #[error("workbook: {0}")]
    Workbook(String),
    /// Signing the workbook failed.
    #[error("signature: {0}")]
    Sign(String),
    /// Writing the zip archive failed.
    #[error("archive: {0}")]
    Archive(String),
    /// The e-mail could not be built or the SMTP server did not accept it.
    #[error("e-mail: {0}")]
    Mail(String),
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The work was stopped (shutdown) before anything was sent.
    #[error("cancelled before sending")]
    Cancelled,
}

impl ReportError {
    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> ReportError {
        ReportError::Io {
            what: what.into(),
            source,
        }
    }
}
