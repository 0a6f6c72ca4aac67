//! What the runner needs from outside this crate: organisation profiles (an adapter in the gateway),
//! the layout (the reporting plugin), and someone to tell about progress (the CLI's progress bar).

use async_trait::async_trait;

use crate::error::ReportError;
use crate::layout::LayoutRequest;

/// An organisation's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The organisation's name.
    pub name: String,
    /// The address reports are sent to.
    pub email: String,
}

/// Where profiles come from (in the gateway: the `org-profile` adapter, i.e. the organisation's account
/// in ЕСИА).
#[async_trait]
pub trait Profiles: Send + Sync {
    /// The profile of `organisation` (ОГРН or ОГРНИП); `Ok(None)` when the registry has none.
    async fn profile(&self, organisation: &str) -> Result<Option<Profile>, ReportError>;
}

/// Where layouts come from (in the gateway: the reporting plugin).
#[async_trait]
pub trait Layouts: Send + Sync {
    /// The plugin's answer (JSON, a `ReportLayoutResponse`) to `request`.
    async fn layout(&self, request: &LayoutRequest) -> Result<Vec<u8>, ReportError>;
}

/// Told how a report advances. Every method does nothing by default.
pub trait Progress: Send + Sync {
    /// Work on the report of `organisation` with `total` facts begins.
    fn started(&self, organisation: &str, total: u64) {
        let _ = (organisation, total);
    }

    /// `done` facts of the report are in the workbook.
    fn rows(&self, done: u64) {
        let _ = done;
    }

    /// The report is finished (`outcome` says how, for people).
    fn finished(&self, outcome: &str) {
        let _ = outcome;
    }
}

/// Tells no one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}
