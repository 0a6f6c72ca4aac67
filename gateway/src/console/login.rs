//! Logging in and out. The login form asks for the operator's access token: the bearer token of a sender
//! listed in `[operator] senders`, checked exactly as the endpoints check an `Authorization: Bearer` header.
//! A good one opens a session (its cookie is `HttpOnly`, `SameSite=Strict`, `Path=/console`, `Secure` over
//! TLS); a wrong one shows the form again (401), a sender that is not an operator too (403). The token is
//! never logged nor shown.

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

/// `POST /console/login` with `fields` (`token`).
pub fn submit(app: &App, conn: &ConnInfo, fields: &Fields) -> Response<Body> {
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
    let (id, _) = Sessions::global().open(&sender.mnemonic, Instant::now());
    tracing::info!(peer = %conn.peer, sender = %sender.mnemonic, "console login");
    let secure = app.config.server.tls.is_some();
    html::with_cookie(
        html::redirect("/console"),
        &session::set_cookie(&id, secure),
    )
}

/// `POST /console/logout`: ends session `id` and removes the cookie.
pub fn logout(app: &App, id: Option<&str>) -> Response<Body> {
    if let Some(id) = id {
        Sessions::global().close(id);
    }
    let secure = app.config.server.tls.is_some();
    html::with_cookie(
        html::redirect("/console/login"),
        &session::clear_cookie(secure),
    )
}
