//! The operator console: `/console`, server-rendered pages in Russian for the operators of `[operator]
//! senders`, without JavaScript. Its sections: routes and their chains; the loaded plugins (version, contract,
//! limits, calls and failures); adapters (breaker, calls, latency); the journal, searched by message id, type,
//! sender and period (metadata only, never payloads); queue depth per sender; scans per organisation and
//! document type; report runs, with a button that sends a failed one again.
//!
//! Who may look: an operator known by its client certificate (mutual TLS) at once; anyone else logs in with
//! the operator's access token (`GET`/`POST /console/login`), which opens a session of this node (a cookie,
//! eight hours, and only while the running config still accepts that token for that operator). Without
//! either, every page redirects (303) to the login form. Every `POST` (the login too) is refused (403) when
//! the browser says it comes from another site (`Sec-Fetch-Site`, `Origin`); every form that changes
//! something carries the session's CSRF token, checked before anything is done (403 otherwise).
//!
//! Nothing else in the gateway imports this module.
//!
//! # Layout
//!
//! - this file: the routing of `/console/...` and who is looking.
//! - `session`: sessions in memory, their cookie, the CSRF tokens.
//! - `login`: the login form, login and logout.
//! - `html`: escaping, the page every section shares, tables, responses.
//! - `form`: query strings and form bodies; `clock`: times shown and read in the console's time zone.
//! - `pages`: one module per section.

pub mod clock;
pub mod form;
pub mod html;
pub mod login;
pub mod pages;
pub mod session;

use std::sync::Arc;
use std::time::Instant;

use hyper::body::Incoming;
use hyper::header::{ALLOW, HeaderValue};
use hyper::{Method, Request, Response};

use self::html::Viewer;
use self::session::Sessions;
use crate::app::App;
use crate::auth::ConnInfo;
use crate::config::Config;
use crate::respond::Body;

/// Whether `path` is the console's.
pub fn serves(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/")
}

/// Serves one request under `/console`.
pub async fn handle(app: &Arc<App>, conn: &ConnInfo, req: Request<Incoming>) -> Response<Body> {
    let path = match req.uri().path().trim_end_matches('/') {
        "" => "/console".to_owned(),
        p => p.to_owned(),
    };
    let method = req.method().clone();
    if method != Method::GET && method != Method::POST {
        let mut r = html::problem(
            405,
            None,
            "Метод не поддерживается",
            "Консоль понимает GET и POST.",
        );
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, POST"));
        return r;
    }
    let cookie = session::cookie(req.headers());
    if method == Method::POST && !session::same_origin(req.headers(), host(&req)) {
        let header = |name| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        tracing::warn!(
            peer = %conn.peer,
            %path,
            origin = header("origin"),
            sec_fetch_site = header("sec-fetch-site"),
            host = host(&req).unwrap_or(""),
            "console form refused: sent from another site"
        );
        return html::problem(
            403,
            None,
            "Форма отклонена",
            "Форма отправлена не из консоли: откройте консоль заново и повторите.",
        );
    }
    let viewer = identify(app, conn, cookie.as_deref());
    let read_timeout = app.edge.body_limits.read_timeout;
    if path == "/console/login" {
        return match (method, viewer) {
            (Method::GET, Some(_)) => html::redirect("/console"),
            (Method::GET, None) => login::form(200, None),
            _ => match form::body(req, read_timeout).await {
                Some(fields) => login::submit(app, conn, cookie.as_deref(), &fields),
                None => login::form(
                    400,
                    Some("Форма не прочитана: слишком велика или повреждена."),
                ),
            },
        };
    }
    let Some(viewer) = viewer else {
        return html::redirect("/console/login");
    };
    if method == Method::POST {
        let Some(fields) = form::body(req, read_timeout).await else {
            return html::problem(
                400,
                Some(&viewer),
                "Форма не прочитана",
                "Форма слишком велика или повреждена.",
            );
        };
        if !session::csrf_matches(&viewer.csrf, fields.get("csrf").map(String::as_str)) {
            tracing::warn!(sender = %viewer.sender, %path, "console form refused: no valid CSRF token");
            return html::problem(
                403,
                Some(&viewer),
                "Форма отклонена",
                "Форма устарела или отправлена не из консоли: откройте страницу заново и повторите.",
            );
        }
        return match path.as_str() {
            "/console/logout" => login::logout(app, cookie.as_deref()),
            "/console/reports/resend" => pages::reports::resend(app, &viewer, &fields).await,
            _ => not_found(&viewer),
        };
    }
    let query = form::query(&req);
    match path.as_str() {
        "/console" => pages::overview::page(app, &viewer).await,
        "/console/routes" => pages::routes::page(app, &viewer),
        "/console/plugins" => pages::plugins::page(app, &viewer),
        "/console/adapters" => pages::adapters::page(app, &viewer),
        "/console/journal" => pages::journal::page(app, &viewer, &query).await,
        "/console/queues" => pages::queues::page(app, &viewer).await,
        "/console/scans" => pages::scans::page(app, &viewer, &query).await,
        "/console/reports" => pages::reports::page(app, &viewer, &query).await,
        _ => not_found(&viewer),
    }
}

/// The request's host: its `Host` header, else (HTTP/2) the authority of its URI.
fn host<B>(req: &Request<B>) -> Option<&str> {
    req.headers()
        .get(hyper::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
}

/// The operator looking: by its client certificate, else by a live session; `None` for anyone else. A
/// session whose sender is no longer an operator, or whose token the running config no longer accepts for
/// it (after a reload), is closed and lets no one in.
fn identify(app: &App, conn: &ConnInfo, cookie: Option<&str>) -> Option<Viewer> {
    if let Some(fingerprint) = &conn.identity.client_cert_sha256
        && let Ok(sender) = app.edge.auth.authenticate(&conn.identity, None)
        && crate::operator::is_operator(app, &sender.mnemonic)
    {
        return Some(Viewer {
            sender: sender.mnemonic.clone(),
            csrf: session::certificate_csrf(app.engine.tokens.key(), fingerprint),
            by_certificate: true,
        });
    }
    let id = cookie?;
    let session = Sessions::global().get(id, Instant::now())?;
    let still = crate::operator::is_operator(app, &session.sender)
        && app.edge.auth.sender(&session.sender).is_some()
        && token_accepted(&app.config, &session.sender, &session.token_sha256);
    if !still {
        tracing::info!(sender = %session.sender, "console session closed: its credential is no longer accepted");
        Sessions::global().close(id);
        return None;
    }
    Some(Viewer {
        sender: session.sender,
        csrf: session.csrf,
        by_certificate: false,
    })
}

/// Whether `config` still lets `sender` in with the bearer token whose SHA-256 is `token_sha256`, as
/// [`crate::auth::Authenticator`] checks an `Authorization: Bearer` header: `[auth] allow_bearer` and the
/// sender's `bearer_token_sha256`.
fn token_accepted(config: &Config, sender: &str, token_sha256: &str) -> bool {
    config.auth.allow_bearer
        && !token_sha256.is_empty()
        && config.senders.iter().any(|s| {
            s.mnemonic == sender
                && s.bearer_token_sha256.as_deref().is_some_and(|h| {
                    let h = h.to_ascii_lowercase();
                    h.len() == token_sha256.len()
                        && openssl::memcmp::eq(h.as_bytes(), token_sha256.as_bytes())
                })
        })
}

fn not_found(viewer: &Viewer) -> Response<Body> {
    html::problem(
        404,
        Some(viewer),
        "Страница не найдена",
        "В консоли нет такой страницы.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::sha256_hex;

    fn config(allow_bearer: bool, token: &str) -> Config {
        let text = format!(
            r#"
            [auth]
            allow_bearer = {allow_bearer}
            [[senders]]
            mnemonic = "OPS"
            bearer_token_sha256 = "{}"
            may_send = ["*"]
            [[senders]]
            mnemonic = "OTHER"
            bearer_token_sha256 = "{}"
            may_send = ["*"]
            "#,
            sha256_hex(token.as_bytes()).to_ascii_uppercase(),
            sha256_hex(b"other-token"),
        );
        let mut c: Config = toml::from_str(&text).unwrap();
        c.base_dir = ".".into();
        c
    }

    #[test]
    fn a_session_lasts_only_while_its_token_is_accepted_for_its_sender() {
        let hash = sha256_hex(b"ops-token");
        assert!(token_accepted(&config(true, "ops-token"), "OPS", &hash));
        assert!(
            !token_accepted(&config(true, "new-token"), "OPS", &hash),
            "the token was changed"
        );
        assert!(
            !token_accepted(&config(false, "ops-token"), "OPS", &hash),
            "bearer tokens are no longer allowed"
        );
        assert!(
            !token_accepted(&config(true, "ops-token"), "OTHER", &hash),
            "another sender's session"
        );
        assert!(!token_accepted(&config(true, "ops-token"), "GONE", &hash));
        assert!(!token_accepted(&config(true, "ops-token"), "OPS", ""));
    }

    #[test]
    fn the_console_owns_its_paths_only() {
        assert!(serves("/console") && serves("/console/journal"));
        assert!(!serves("/consoles") && !serves("/somc2/x"));
    }
}
