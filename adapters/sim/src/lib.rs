//! Simulators of the external registries, for demos and tests.
//!
//! `registry-sim` is one small HTTP server that plays every external registry the gateway's adapters talk
//! to, from fixture files of invented people, with fault injection to rehearse outages. Today it simulates
//! the MoD showcase (`/mod-showcase/...`); further registries (the ФНС МЧД registry, organisation profiles)
//! are further modules of [`services`].
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let config = registry_sim::SimConfig::new("adapters/sim/fixtures");
//! registry_sim::run(config, listener, tokio::signal::ctrl_c()).await?;
//! # Ok(()) }
//! ```
//!
//! HTTP API: each service under `/<service>/...` (see its module), and the control API under `/__`
//! (`GET|POST /__config`, `GET /__stats`, `POST /__reset`; see `admin`). Every answer is JSON.
//!
//! # Layout
//! - [`config`] — [`SimConfig`], [`SimTls`], [`RequiredHeader`].
//! - [`faults`] — [`Faults`], latency and failure rate per service, and the random source.
//! - [`stats`] — [`ServiceStats`], per-service counters.
//! - [`services`] — the [`Service`](services::Service) trait and one module per simulated registry.
//! - `simulator`: dispatch with fault injection and counting.
//! - `admin`: the `/__` control API.
//! - `tls`: the OpenSSL acceptor (HTTPS, optionally mutual TLS).
//! - `server`: the hyper accept loop, the required header and graceful shutdown.
//! - `main.rs`: the thin `registry-sim` binary.

pub mod config;
pub mod faults;
pub mod mail;
pub mod services;
pub mod stats;

mod admin;
mod server;
mod simulator;
mod tls;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::{RequiredHeader, SimConfig, SimTls};
pub use faults::Faults;
pub use server::MAX_BODY_BYTES;
pub use stats::ServiceStats;

/// Loads the fixtures and serves on `listener` (HTTPS when `config.tls` is set) until `shutdown` completes;
/// then lets open connections finish their current request (for at most 5 seconds) and returns.
///
/// Fails before serving if the configuration, a TLS file or a fixture file is invalid.
pub async fn run(
    config: SimConfig,
    listener: TcpListener,
    shutdown: impl Future,
) -> anyhow::Result<()> {
    config
        .validate()
        .map_err(anyhow::Error::msg)
        .context("invalid simulator settings")?;
    let tls = match &config.tls {
        Some(tls) => Some(tls::Acceptor::new(tls).context("cannot set up TLS")?),
        None => None,
    };
    let services = services::load_all(&config.fixtures).context("cannot load the fixtures")?;
    let names: Vec<&str> = services.iter().map(|s| s.name()).collect();
    tracing::info!(
        address = ?listener.local_addr().ok(),
        services = ?names,
        tls = tls.is_some(),
        client_certificates = config.tls.as_ref().is_some_and(|t| t.client_ca.is_some()),
        required_header = config.required_header.as_ref().map(RequiredHeader::name),
        "registry simulator listening"
    );
    let sim = Arc::new(simulator::Simulator::new(services, config.faults));
    let mailbox = match config.smtp {
        Some(addr) => {
            let smtp = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen for SMTP on {addr}"))?;
            tracing::info!(address = %addr, "mail sink listening (SMTP); GET /__mail lists what it received");
            let mailbox = Arc::new(mail::Mailbox::default());
            Some((
                tokio::spawn(mail::serve_smtp(smtp, mailbox.clone())),
                mailbox,
            ))
        }
        None => None,
    };
    let front = server::Front {
        tls,
        required_header: config.required_header,
        mailbox: mailbox.as_ref().map(|(_, m)| m.clone()),
    };
    server::serve(sim, front, listener, shutdown).await;
    if let Some((task, _)) = mailbox {
        task.abort();
    }
    tracing::info!("registry simulator stopped");
    Ok(())
}
