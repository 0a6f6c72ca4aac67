//! `GET /healthz` (the process answers) and `GET /readyz` (the store is reachable, plugins and adapters are
//! loaded): for load balancers and orchestrators.

use serde_json::json;

use crate::app::App;
use crate::http::{self, Body};

/// Always 200 while the process serves HTTP.
pub fn healthz(app: &App) -> hyper::Response<Body> {
    http::json(
        200,
        &json!({"status": "ok", "uptimeSeconds": app.started.elapsed().as_secs()}),
    )
}

/// 200 when the gateway can serve envelopes, 503 otherwise, with what is wrong.
pub async fn readyz(app: &App) -> hyper::Response<Body> {
    let store = tokio::time::timeout(std::time::Duration::from_secs(2), app.store.ping()).await;
    let store_ok = matches!(store, Ok(Ok(())));
    let plugins = app.host.plugins();
    let adapters = app.adapters.names();
    let expected_plugins = app.config.plugins.len();
    let expected_adapters = app.config.adapters.len();
    let ready = store_ok
        && plugins.len() == expected_plugins
        && adapters.len() == expected_adapters
        && !app.shutdown.is_cancelled();
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "store": if store_ok { "ok" } else { "unreachable" },
        "plugins": plugins,
        "adapters": adapters,
        "node": app.node,
    });
    http::json(if ready { 200 } else { 503 }, &body)
}
