//! `GET /healthz` (the process answers) and `GET /readyz` (the store is reachable, plugins and adapters are
//! loaded): for load balancers and orchestrators.
//!
//! `/readyz` answers anyone with its status code and `{"status": "ready"}` or `{"status": "not ready"}`;
//! what is loaded and what is wrong (the store, plugins, adapters, CRLs past their next update) only to a
//! caller that authenticates as a sender.

use hyper::Request;
use serde_json::json;

use crate::app::App;
use crate::auth::ConnInfo;
use crate::call::Call;
use crate::respond::{self, Body};

/// Always 200 while the process serves HTTP.
pub fn healthz(app: &App) -> hyper::Response<Body> {
    respond::json(
        200,
        &json!({"status": "ok", "uptimeSeconds": app.started.elapsed().as_secs()}),
    )
}

/// 200 when the gateway can serve envelopes, 503 otherwise; the particulars for an authenticated caller.
pub async fn readyz<B>(app: &App, conn: &ConnInfo, req: &Request<B>) -> hyper::Response<Body> {
    let store =
        tokio::time::timeout(std::time::Duration::from_secs(2), app.queue.store.ping()).await;
    let store_ok = matches!(store, Ok(Ok(())));
    let plugins = app.engine.host.plugins();
    let adapters = app.engine.adapters.names();
    let expected_plugins = app.config.plugins.len();
    let expected_adapters = app.config.adapters.len();
    let ready = store_ok
        && plugins.len() == expected_plugins
        && adapters.len() == expected_adapters
        && !app.shutdown.is_cancelled();
    let status = if ready { 200 } else { 503 };
    let summary = if ready { "ready" } else { "not ready" };
    let authenticated = Call::authenticate(&app.edge.auth, conn, req, &app.node).is_ok();
    if !authenticated {
        return respond::json(status, &json!({ "status": summary }));
    }
    let now = crate::tokens::now_ms().max(0) as u64;
    let warnings: Vec<String> = app
        .engine
        .trust
        .crls()
        .iter()
        .filter(|crl| crl.is_stale(now))
        .map(crate::crypto::CrlInfo::stale_problem)
        .collect();
    let body = json!({
        "status": summary,
        "store": if store_ok { "ok" } else { "unreachable" },
        "plugins": plugins,
        "adapters": adapters,
        "node": app.node,
        "warnings": warnings,
    });
    respond::json(status, &body)
}
