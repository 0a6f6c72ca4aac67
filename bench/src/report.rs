//! What a run measured.

use serde::{Deserialize, Serialize};

use crate::timeline::Timeline;

/// The result of one load run, printed as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The scenario's name.
    pub scenario: String,
    /// Connections (concurrency).
    pub concurrency: usize,
    /// The target rate (requests or cycles per second), if paced.
    pub target_rate: Option<f64>,
    /// Measured seconds (after warm-up).
    pub seconds: f64,
    /// Completed requests (or cycles).
    pub completed: u64,
    /// Failed requests (or cycles): transport errors or unexpected answers.
    pub errors: u64,
    /// Completed per second.
    pub rate: f64,
    /// Latency percentiles, milliseconds.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// When units finished and the longest of them, slice by slice (`--slice-ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Timeline>,
}
