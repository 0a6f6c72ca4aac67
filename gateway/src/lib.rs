//! The SMEV-style integration gateway.
//!
//! Government systems send XML (SOAP, SMEV 3 form) and JSON envelopes; the gateway authenticates the sender,
//! checks the envelope, routes it by message type to a chain of sandboxed WebAssembly plugins, which reach
//! external registries through native adapters, and returns or queues the answer.
//!
//! [`run`] is the whole server: tests start it on `127.0.0.1:0` exactly as `gateway serve` does.
//!
//! # Layout
//!
//! The way of an envelope, top down: `server` (listener) → `routes` (which handler) → a codec (`soap`,
//! `json_api`) that authenticates the `call` and decodes → `intake` (every check, then queue or run) →
//! `chain` (the plugins) → `pipeline` (queued chains and their commit) → `answers` (what a queued answer says,
//! for either codec). Failures are `error::Failure`, whose SMEV fault and HTTP status one table decides.
//!
//! - `config`: the one config file (serde structs, env overrides, validation, masked secrets).
//! - `app`: the node's state assembled from the config, grouped as `Edge` (before acceptance), `Engine` (what
//!   runs envelopes) and `Queue` (where requests and answers are kept), so a function names the part it uses.
//! - `server`, `routes`, `respond`: listener (plain or mutual TLS), the route table, responses and bodies.
//! - `auth`, `call`, `caller_signature`: senders, their credentials, the connection; the per-request context;
//!   the XMLDSig signature a sender registered to sign must put on each SOAP request.
//! - `console`: the operator console (`/console`), HTML pages in Russian.
//! - `soap`, `json_api`, `wsdl`, `health`: the endpoints; `openapi`: the JSON API's OpenAPI document; `plugin_pages`, `page_guard`: the pages plugins serve, and their limits.
//! - `intake`, `edge`, `router`, `chain`: accepting an envelope, checks before any plugin, routes, chains.
//! - `pipeline`, `queued`, `answers`: chains of queued requests, how queued data is stored and read back.
//! - `convert`: conversions between the envelope's, the host's and the store's types.
//! - `tokens`, `scopes`, `services`, `crypto`: host capabilities backed by the gateway (scopes: whose tokens a
//!   plugin may read or write).
//! - `journal`, `jobs`, `logging`, `error`; `metrics`: `/metrics` in the Prometheus text format.
//! - `reports`: the report scheduler job, `gateway report run`, the report history endpoint.
//!
//! The codecs are in `smev-envelope`, the plugin host in `gateway-host`, the store in `gateway-store`, adapters
//! in `gateway-adapter-host`, schema checks in `gateway-schema`.

pub mod answers;
pub mod app;
pub mod auth;
pub mod call;
pub mod caller_signature;
pub mod chain;
pub mod check;
pub mod config;
pub mod console;
pub mod convert;
pub mod crypto;
pub mod edge;
pub mod error;
pub mod health;
pub mod host_error;
pub mod intake;
pub mod jobs;
pub mod journal;
pub mod json_api;
pub mod live;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod operator;
pub mod page_guard;
pub mod pipeline;
pub mod plugin_call;
pub mod plugin_mail;
pub mod plugin_pages;
pub mod plugin_store;
pub mod queued;
pub mod reload;
pub mod reports;
pub mod respond;
pub mod router;
pub mod routes;
pub mod scan;
pub mod scopes;
pub mod send;
pub mod server;
pub mod services;
pub mod smtp;
pub mod soap;
pub mod tokens;
pub mod trace;
pub mod wsdl;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::{App, Shared};
use crate::config::Config;
use crate::live::Live;
use crate::server::TlsAcceptor;

/// Runs the gateway on `listener` until `shutdown` is cancelled, then drains: the listener closes, requests
/// in flight and chains already started finish (within the grace period), the journal is flushed.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let local = listener.local_addr().context("listener address")?;
    let public_url = config
        .server
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| {
            let scheme = if config.server.tls.is_some() {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{}", display_addr(local))
        });
    let tls = match &config.server.tls {
        Some(t) => Some(Arc::new(
            TlsAcceptor::new(&config, t).context("setting up TLS")?,
        )),
        None => None,
    };
    // Caught from the start: a SIGHUP while the plugins compile must not end the process.
    let hangups = reload::hangups();
    let metrics_listener = crate::metrics::bind(&config).await?;
    let shared = Shared::open(&config, public_url, shutdown.clone()).await?;
    // What this process keeps for its life besides the shared parts: the sections a reload cannot change. No
    // version of the gateway (its plugins, adapters) is held here, so each is dropped when the last request on it
    // ends.
    let statics = Arc::new(config.clone());
    let app = App::assemble(config, &shared).await?;
    let live = Arc::new(Live::new(app.clone(), shared.clone()));
    tracing::info!(addr = %local, url = %app.public_url, node = %app.node, "gateway serving");
    drop(app);
    let tracker = &shared.tracker;
    tracker.spawn(pipeline::recovery_loop(live.clone()));
    tracker.spawn(reload::on_sighup(live.clone(), hangups));
    tracker.spawn(jobs::sweeper(shared.clone(), statics.clone()));
    tracker.spawn(jobs::facts_retention(shared.clone(), statics.clone()));
    if let Some(mail) = &shared.mail {
        tracker.spawn(mail.clone().run(shared.shutdown.clone()));
    }
    reports::start(&live)?;
    crate::metrics::start(&live, metrics_listener);
    server::serve(live.clone(), &statics.server, listener, tls).await;
    tracker.close();
    let grace = statics.server.shutdown_grace.get();
    if tokio::time::timeout(grace + grace, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("some tasks did not finish within the shutdown grace period");
    }
    shared.store.close().await;
    tracing::info!("gateway stopped");
    Ok(())
}

fn display_addr(a: SocketAddr) -> String {
    if a.ip().is_unspecified() {
        format!("127.0.0.1:{}", a.port())
    } else {
        a.to_string()
    }
}
