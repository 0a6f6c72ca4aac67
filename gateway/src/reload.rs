//! `POST /api/v1/reload` (operators) and `SIGHUP`: reload the config ([`crate::live`]).
//!
//! The endpoint takes `Content-Type: application/json` (an empty body) and no cross-site request, so that a
//! page of another site cannot have an operator's browser post it. It answers `200` with what the reload did (`version`, `restartNeeded`, `plugins`, `routes`), or
//! `422` `application/problem+json` with the config's problems (`problems`) while the old version keeps serving.

use std::sync::Arc;

use hyper::{Request, Response};
use serde_json::json;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::app::App;
use crate::auth::ConnInfo;
use crate::live::Live;
use crate::respond::{self, Body};

/// Serves the endpoint.
pub async fn handle<B>(
    app: &App,
    live: &Live,
    conn: &ConnInfo,
    req: &Request<B>,
) -> Response<Body> {
    let operator = match crate::operator::authorize(app, conn, req) {
        Ok(o) => o,
        Err(refused) => return refused,
    };
    if let Some(why) = cross_site(req) {
        tracing::warn!(operator = %operator.mnemonic, why, "reload refused: not asked by the operator's own client");
        return respond::json(
            403,
            &json!({"type": "urn:smev-gateway:reload-refused", "title": why, "status": 403}),
        );
    }
    tracing::info!(operator = %operator.mnemonic, "reload asked");
    match live.reload_from_file().await {
        Ok(done) => respond::json(200, &done),
        Err(refused) => {
            tracing::warn!(problems = ?refused.problems, "reload refused: the running config stays");
            let mut r = respond::json(
                422,
                &json!({
                    "type": "urn:smev-gateway:reload-refused",
                    "title": "Конфигурация не принята: работает прежняя",
                    "status": 422,
                    "problems": refused.problems,
                }),
            );
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("application/problem+json"),
            );
            r
        }
    }
}

/// Why `req` may come from another site's page rather than the operator's own client, if it may: a browser
/// that holds an operator's client certificate would send a cross-site form post with it. A form cannot send
/// `Content-Type: application/json` without the browser asking first (CORS), and a browser names a cross-site
/// request in `Sec-Fetch-Site`.
fn cross_site<B>(req: &Request<B>) -> Option<&'static str> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
    };
    if header("sec-fetch-site").is_some_and(|s| s != "same-origin" && s != "none") {
        return Some("a reload is not taken from another site's page");
    }
    let json = header("content-type")
        .is_some_and(|t| t.split(';').next().map(str::trim) == Some("application/json"));
    (!json).then_some("a reload is asked with Content-Type: application/json")
}

/// `SIGHUP`s caught from now on (`None` where they cannot be: then only the endpoint reloads). Made at the
/// start of `run`, so that one arriving while the plugins compile does not end the process.
pub fn hangups() -> Option<Signal> {
    match signal(SignalKind::hangup()) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "SIGHUP cannot be caught: reload through POST /api/v1/reload only");
            None
        }
    }
}

/// Reloads on every `SIGHUP` until shutdown.
pub async fn on_sighup(live: Arc<Live>, hangups: Option<Signal>) {
    let Some(mut hangups) = hangups else {
        return;
    };
    let shutdown = live.shared().shutdown.clone();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            got = hangups.recv() => if got.is_none() { break },
        }
        tracing::info!("SIGHUP: reloading the config");
        if let Err(refused) = live.reload_from_file().await {
            tracing::warn!(problems = ?refused.problems, "reload refused: the running config stays");
        }
    }
}
