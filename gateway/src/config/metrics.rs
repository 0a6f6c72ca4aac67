//! `[metrics]`: the Prometheus metrics (`GET /metrics`).

use std::net::SocketAddr;

use serde::Deserialize;

/// `[metrics]`: the metrics in the Prometheus text format. Without `listen`, `GET /metrics` is served on the
/// main listener to operators only (`[operator] senders`, authenticated as any sender is); with it, on a plain
/// HTTP listener of its own, without authentication, and not on the main listener.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Record and serve metrics at all. Default true.
    pub enabled: bool,
    /// An address of its own for `GET /metrics`: plain HTTP, no credential (e.g. `127.0.0.1:9090` for a
    /// Prometheus on the same host; keep it on loopback or a monitoring network). Default none: `/metrics` is on
    /// the main listener, for operators.
    pub listen: Option<SocketAddr>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            enabled: true,
            listen: None,
        }
    }
}
