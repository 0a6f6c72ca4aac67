//! The simulator's start-up settings.

use std::path::PathBuf;
use std::time::Duration;

use crate::faults::Faults;

/// What [`run`](crate::run) needs to start.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Directory with one fixture file per simulated registry (e.g. `mod-showcase.json`).
    pub fixtures: PathBuf,
    /// Faults every service starts with; `POST /__config` changes them per service at run time.
    pub faults: Faults,
}

impl SimConfig {
    /// Fixtures from `fixtures`, no faults.
    pub fn new(fixtures: impl Into<PathBuf>) -> SimConfig {
        SimConfig {
            fixtures: fixtures.into(),
            faults: Faults::NONE,
        }
    }

    /// The same, with a latency for every service.
    pub fn with_latency(mut self, latency: Duration) -> SimConfig {
        self.faults.latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// The same, with a failure rate (0 to 1) for every service.
    pub fn with_failure_rate(mut self, rate: f64) -> SimConfig {
        self.faults.failure_rate = rate;
        self
    }

    /// Checks the fault ranges.
    pub fn validate(&self) -> Result<(), String> {
        self.faults.validate()
    }
}
