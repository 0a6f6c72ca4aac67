//! Metrics in the Prometheus text format: `GET /metrics`, on the main listener for operators
//! (`[operator] senders`), or on a plain listener of its own (`[metrics] listen`).
//!
//! Instrumentation points use the `metrics` facade (`metrics::counter!`, `histogram!`), so they need no handle:
//! [`install`] puts one Prometheus recorder into the process, and the library crates (`gateway-host`,
//! `gateway-adapter-host`, `gateway-reports`) emit into it as the gateway does. The recorder belongs to the
//! process, not to a gateway: the first gateway to start installs it, later ones (several gateways run in one
//! test process) share it, and their counters add up. A test therefore reads the change between two scrapes
//! around a known mix of calls. What belongs to one running gateway rather than to the process (queue depth,
//! circuit breakers) is read from it at scrape time ([`collect`]).
//!
//! # Families
//!
//! | name | type | labels | recorded in |
//! |---|---|---|---|
//! | `gateway_requests_total` | counter | `endpoint`, `message_type`, `sender`, `outcome` | [`requests`], around each request to a SOAP or JSON envelope endpoint |
//! | `gateway_request_duration_seconds` | histogram | `endpoint` | [`requests`] |
//! | `gateway_plugin_invocations_total` | counter | `plugin`, `export`, `outcome` | `gateway-host`, each `handle` or `page` call |
//! | `gateway_plugin_duration_seconds` | histogram | `plugin`, `export` | `gateway-host` |
//! | `gateway_adapter_calls_total` | counter | `adapter`, `outcome` | `gateway-adapter-host`, each call (its retries included) |
//! | `gateway_adapter_call_duration_seconds` | histogram | `adapter` | `gateway-adapter-host` |
//! | `gateway_adapter_retries_total` | counter | `adapter` | `gateway-adapter-host` |
//! | `gateway_adapter_circuit_state` | gauge | `adapter` | [`collect`], at scrape time: 0 closed, 1 half-open, 2 open |
//! | `gateway_queue_depth` | gauge | `sender` | [`collect`], at scrape time: answers neither acknowledged nor purged |
//! | `gateway_queue_oldest_age_seconds` | gauge | `sender` | [`collect`], at scrape time: the oldest of them |
//! | `gateway_token_cache_lookups_total` | counter | `plugin` (the scope's owner), `result` (`hit`, `miss`) | `tokens` |
//! | `gateway_facts_recorded_total` | counter | `kind` (`scan`, ...), `document_type` | [`record::facts_recorded`], after the facts are committed |
//! | `gateway_report_runs_total` | counter | `kind` (`scheduled`, `adhoc`), `status` (`sent`, `failed`, `lease_lost`, `cancelled`) | `gateway-reports`, each delivery |
//!
//! Labels stay few-valued: no message ids, no personal data; a sender is its mnemonic, a message type is a
//! routed type in Clark notation (an unrouted one is left empty). `docs/metrics.md` explains each family and the
//! Grafana dashboard `docs/grafana-dashboard.json`.
//!
//! # Layout
//!
//! - this file: the recorder, the endpoint, the jobs.
//! - [`record`]: the names the gateway's own code records under, and what the store and tokens record (a leaf:
//!   the code it instruments imports it, it imports nothing of the gateway).
//! - [`requests`]: the labels of one request, noted where each becomes known.
//! - [`collect`]: the series read from the running gateway at scrape time.
//! - [`read`]: the process's own counters read back (the operator console shows them).
//! - [`listener`]: `[metrics] listen`.

pub mod collect;
pub mod listener;
pub mod read;
pub mod record;
pub mod requests;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use hyper::{Request, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::auth::ConnInfo;
use crate::config::Config;
use crate::live::Live;
use crate::respond::{self, Body};

pub use record::{FACTS, REQUEST_SECONDS, REQUESTS, TOKEN_CACHE};

/// Every family `/metrics` shows (the table above): each has a panel in `docs/grafana-dashboard.json` and a line
/// in `docs/metrics.md`.
pub const FAMILIES: [&str; 13] = [
    REQUESTS,
    REQUEST_SECONDS,
    "gateway_plugin_invocations_total",
    "gateway_plugin_duration_seconds",
    "gateway_adapter_calls_total",
    "gateway_adapter_call_duration_seconds",
    "gateway_adapter_retries_total",
    "gateway_adapter_circuit_state",
    "gateway_queue_depth",
    "gateway_queue_oldest_age_seconds",
    TOKEN_CACHE,
    FACTS,
    "gateway_report_runs_total",
];

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Bucket bounds (seconds) of every `_seconds` histogram: from a fast plugin call to a slow registry.
const SECONDS_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// How often histogram samples are folded into their buckets when no one scrapes (a scrape does it too).
const UPKEEP_EVERY: Duration = Duration::from_secs(30);

/// The process's recorder: `None` when another recorder was installed first (then `/metrics` shows only what
/// [`collect`] reads).
static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder as the process's `metrics` recorder, once: later calls (another gateway in
/// the same process) return the same handle.
pub fn install() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets(&SECONDS_BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the metrics recorder could not be installed: /metrics shows only the gauges read at scrape time");
                    None
                }
            }
        })
        .as_ref()
}

/// The `# HELP` texts of the families counted as things happen.
fn describe() {
    use ::metrics::{Unit, describe_counter, describe_histogram};
    describe_counter!(
        REQUESTS,
        "Requests to the SOAP and JSON envelope endpoints, by endpoint (a SOAP operation after #), routed message type, sender and outcome (ok or the SMEV fault)"
    );
    describe_histogram!(
        REQUEST_SECONDS,
        Unit::Seconds,
        "Time to answer a request to an envelope endpoint"
    );
    describe_counter!(
        "gateway_plugin_invocations_total",
        "Plugin calls by plugin, export (handle, page) and outcome (ok, trap, deadline, memory, busy, error, invalid, instantiate)"
    );
    describe_histogram!(
        "gateway_plugin_duration_seconds",
        Unit::Seconds,
        "Wall time of a plugin call, instantiation included"
    );
    describe_counter!(
        "gateway_adapter_calls_total",
        "Adapter calls by adapter and outcome (ok, timeout, unavailable, invalid, failed, panicked, circuit_open)"
    );
    describe_histogram!(
        "gateway_adapter_call_duration_seconds",
        Unit::Seconds,
        "Time of an adapter call, its retries included"
    );
    describe_counter!(
        "gateway_adapter_retries_total",
        "Adapter attempts after the first"
    );
    describe_counter!(
        TOKEN_CACHE,
        "Token lookups by the plugin owning the scope and result: hit (this node's cache) or miss (the store)"
    );
    describe_counter!(
        FACTS,
        "Facts recorded (kind scan: scans) by kind and document type"
    );
    describe_counter!(
        "gateway_report_runs_total",
        "Report deliveries by kind (scheduled, adhoc) and status (sent, failed, lease_lost, cancelled)"
    );
}

/// Binds `[metrics] listen`, when set and the metrics are enabled: before anything starts, so that an address in
/// use stops the start.
pub async fn bind(config: &Config) -> anyhow::Result<Option<TcpListener>> {
    let metrics = &config.metrics;
    let Some(addr) = metrics.listen.filter(|_| metrics.enabled) else {
        return Ok(None);
    };
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("[metrics] listen: cannot listen on {addr}"))?;
    Ok(Some(listener))
}

/// Installs the recorder when `[metrics] enabled`, and starts the metrics' jobs on the gateway's tracker: the
/// recorder's upkeep and, with `listener` (from [`bind`]), the listener of their own.
pub fn start(live: &Arc<Live>, listener: Option<TcpListener>) {
    let app = live.current();
    if !app.config.metrics.enabled {
        return;
    }
    if let Some(handle) = install() {
        app.tracker.spawn(upkeep(handle, app.shutdown.clone()));
    }
    if let Some(listener) = listener {
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, "metrics served on a listener of their own");
        }
        app.tracker.spawn(listener::serve(live.clone(), listener));
    }
}

async fn upkeep(handle: &'static PrometheusHandle, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(UPKEEP_EVERY) => handle.run_upkeep(),
        }
    }
}

/// `GET /metrics` on the main listener: for operators, unless the metrics are disabled or have a listener of
/// their own (then 404, as for any path not served).
pub async fn endpoint<B>(app: &App, conn: &ConnInfo, req: &Request<B>) -> Response<Body> {
    let metrics = &app.config.metrics;
    if !metrics.enabled || metrics.listen.is_some() {
        return respond::not_found();
    }
    if let Err(refused) = crate::operator::authorize(app, conn, req) {
        return refused;
    }
    scrape(app).await
}

/// The scrape: what the recorder holds, then what [`collect`] reads from `app`.
pub async fn scrape(app: &App) -> Response<Body> {
    let mut text = RECORDER
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    collect::append(app, &mut text).await;
    respond::respond(200, CONTENT_TYPE, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../docs")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn every_family_has_a_dashboard_panel_and_a_documented_line() {
        let dashboard: serde_json::Value =
            serde_json::from_str(&doc("grafana-dashboard.json")).expect("the dashboard is JSON");
        assert_eq!(dashboard["__inputs"][0]["name"], "DS_PROMETHEUS");
        let panels = dashboard["panels"].as_array().expect("panels");
        let exprs: Vec<&str> = panels
            .iter()
            .flat_map(|p| p["targets"].as_array().into_iter().flatten())
            .filter_map(|t| t["expr"].as_str())
            .collect();
        for p in panels.iter().filter(|p| p["type"] != "row") {
            assert_eq!(p["datasource"]["uid"], "${DS_PROMETHEUS}", "{}", p["title"]);
        }
        let documented = doc("metrics.md");
        for family in FAMILIES {
            assert!(
                exprs.iter().any(|e| e.contains(family)),
                "no panel shows {family}"
            );
            assert!(
                documented.contains(&format!("| `{family}` |")),
                "docs/metrics.md does not list {family}"
            );
        }
    }

    #[test]
    fn token_lookups_are_counted_under_the_scope_owner() {
        let handle = install().expect("the recorder installs");
        let count = |result: &str| {
            let needle = format!("plugin=\"unit-test-owner\",result=\"{result}\"");
            handle
                .render()
                .lines()
                .find(|l| l.starts_with(TOKEN_CACHE) && l.contains(&needle))
                .and_then(|l| l.rsplit(' ').next())
                .map_or(0, |v| v.parse::<u64>().expect("a count"))
        };
        let (hits, misses) = (count("hit"), count("miss"));
        record::token_lookup("unit-test-owner/qr", true);
        record::token_lookup("unit-test-owner/qr", false);
        record::token_lookup("unit-test-owner/other", true);
        assert_eq!((count("hit") - hits, count("miss") - misses), (2, 1));
    }
}
