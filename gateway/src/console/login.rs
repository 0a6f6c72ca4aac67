//! Logging in and out. The login form asks for the operator's access token: the bearer token of a sender
//! listed in `[operator] senders`, checked exactly as the endpoints check an `Authorization: Bearer` header.
//! A good one opens a session (its cookie is `HttpOnly`, `SameSite=Strict`, `Path=/console`, `Secure` over
//! TLS or behind an `https://` public URL) and closes the one the browser presented, if any; a wrong one
//! shows the form again (401), a sender that is not an operator too (403); when [`session::MAX_SESSIONS`]
//! are open the login is refused (503). The token is never logged nor shown: the session keeps its SHA-256.

use std::time::Instant;

use hyper::Response;

use super::form::{self, Fields};
use super::html;
use super::session::{self, Sessions};
use crate::app::App;
use crate::auth::ConnInfo;
use crate::respond::Body;

/// The login form, with `error` above it and `status`.
pub fn form(status: u16, error: Option<&str>) -> Response<Body> {
    let body = format!(
        "{}<form id=\"login\" method=\"post\" action=\"/console/login\">\
         <p><label for=\"token\">Токен доступа оператора</label><br>\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"off\" required size=\"48\" \
         aria-describedby=\"token-hint\"{}></p>\
         <p id=\"token-hint\">Токен отправителя из списка операторов (<code>[operator] senders</code>). \
         Оператор с клиентским сертификатом входит без токена.</p>\
         <p><button type=\"submit\">Войти</button></p></form>",
        html::message(None, error),
        if error.is_some() {
            " aria-invalid=\"true\" autofocus"
        } else {
            " autofocus"
        },
    );
    html::respond(status, html::bare_page("Вход в консоль", &body))
}

/// Whether the console's cookies get `Secure` on this gateway.
pub fn secure(app: &App) -> bool {
    session::secure(app.config.server.tls.is_some(), &app.public_url)
}

/// `POST /console/login` with `fields` (`token`); `presented` is the session id of the browser's cookie.
pub fn submit(
    app: &App,
    conn: &ConnInfo,
    presented: Option<&str>,
    fields: &Fields,
) -> Response<Body> {
    let Some(token) = form::value(fields, "token") else {
        return form(401, Some("Введите токен доступа."));
    };
    let header = format!("Bearer {token}");
    let sender = match app.edge.auth.authenticate(&conn.identity, Some(&header)) {
        Ok(s) => s,
        Err(_) => {
            tracing::warn!(peer = %conn.peer, "console login refused: unknown credential");
            return form(401, Some("Неверный токен доступа."));
        }
    };
    if !crate::operator::is_operator(app, &sender.mnemonic) {
        tracing::warn!(peer = %conn.peer, sender = %sender.mnemonic, "console login refused: not an operator");
        return form(403, Some("Отправитель не является оператором шлюза."));
    }
    let token_sha256 = crate::auth::sha256_hex(token.as_bytes());
    let Some((id, _)) =
        Sessions::global().open(&sender.mnemonic, &token_sha256, presented, Instant::now())
    else {
        tracing::warn!(peer = %conn.peer, sender = %sender.mnemonic, "console login refused: too many sessions");
        return form(
            503,
            Some("Слишком много открытых сеансов консоли: повторите вход позже."),
        );
    };
    tracing::info!(peer = %conn.peer, sender = %sender.mnemonic, "console login");
    html::with_cookie(
        html::redirect("/console"),
        &session::set_cookie(&id, secure(app)),
    )
}

/// `POST /console/logout`: ends session `id` and removes the cookie.
pub fn logout(app: &App, id: Option<&str>) -> Response<Body> {
    if let Some(id) = id {
        Sessions::global().close(id);
    }
    html::with_cookie(
        html::redirect("/console/login"),
        &session::clear_cookie(secure(app)),
    )
}
