//! `POST /api/v1/reload` (operators) and `SIGHUP`: reload the config ([`crate::live`]).
//!
//! The endpoint answers `200` with what the reload did (`version`, `restartNeeded`, `plugins`, `routes`), or
//! `422` `application/problem+json` with the config's problems (`problems`) while the old version keeps serving.

use std::sync::Arc;

use hyper::{Request, Response};
use serde_json::json;

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

/// Reloads on every `SIGHUP` until shutdown.
pub async fn on_sighup(live: Arc<Live>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("SIGHUP cannot be caught: reload through POST /api/v1/reload only");
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
