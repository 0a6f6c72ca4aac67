//! `GET /somc2/{guid}`: the page an SVO participant's QR link opens — valid, expired or not found, in Russian,
//! as the seed's screens describe. The page asks the same plugin chain as a `VerifyQrRequest` (scanned as a
//! private person, so nothing is recorded), so the token's data format stays the plugin's business.
//!
//! The page is public: [`crate::page_guard`] limits it per client address, answers ids known to be unknown or
//! expired from memory, and runs it on page slots of its own.

use std::time::Instant;

use gateway_host::{Outcome, PayloadFormat, Request};
use serde_json::{Value, json};

use crate::app::App;
use crate::auth::ConnInfo;
use crate::chain;
use crate::convert::host_qname;
use crate::page_guard::{Admission, Remembered};
use crate::respond::{self, Body};

/// The message type the page verifies with.
pub const VERIFY_TYPE: &str = "{urn://gateway/svo-status/1.0}VerifyQrRequest";

/// Serves the page for `guid` (404 if no route serves SVO QR codes).
pub async fn somc2(app: &App, conn: &ConnInfo, guid: &str) -> hyper::Response<Body> {
    let Some(route) = app.router.route(VERIFY_TYPE).cloned() else {
        return respond::not_found();
    };
    let _slot = match app.pages.admit(conn.peer.ip(), Instant::now()) {
        Admission::Run(slot) => slot,
        Admission::TooMany(wait) => return too_many(wait),
        Admission::Busy => return busy(),
    };
    if uuid::Uuid::parse_str(guid).is_err() {
        return not_found();
    }
    match app.pages.remembered(guid) {
        Some(Remembered::Unknown) => return not_found(),
        Some(Remembered::Expired) => return expired(),
        None => {}
    }
    let request = Request {
        message_id: smev_envelope::new_message_id(),
        message_type: host_qname(&route.message_type),
        format: PayloadFormat::Json,
        payload: serde_json::to_vec(&json!({ "qr": guid })).unwrap_or_default(),
        namespaces: Vec::new(),
        attachments: Vec::new(),
        sender: "somc2-page".into(),
        test_message: false,
        annotations: Vec::new(),
        denial: None,
    };
    let result = chain::run(&app.host, &route, request).await;
    let answer: Option<Value> = match &result.outcome {
        Outcome::Reply(r) => serde_json::from_slice(&r.payload).ok(),
        _ => None,
    };
    let Some(answer) = answer else {
        return page(
            503,
            "Сервис временно недоступен",
            "<p>Не удалось проверить QR-код. Повторите попытку позже.</p>",
        );
    };
    let text = |k: &str| answer[k].as_str().unwrap_or_default().to_owned();
    match answer["result"].as_str() {
        Some("VALID") => {
            let p = &answer["participant"];
            let field = |k: &str| p[k].as_str().map(escape).unwrap_or_default();
            let name = [field("lastName"), field("firstName"), field("middleName")].join(" ");
            let body = format!(
                "<p class=\"ok\">Статус участника СВО подтверждён</p>\
                 <dl><dt>ФИО</dt><dd>{}</dd><dt>Дата рождения</dt><dd>{}</dd></dl>\
                 <p class=\"note\">QR-код действителен до {} (UTC)</p>",
                name.trim(),
                field("birthDate"),
                escape(text("expiresAt").replace('T', " ").trim_end_matches('Z')),
            );
            page(200, "QR-код действителен", &body)
        }
        Some("EXPIRED") => {
            app.pages.remember(guid, Remembered::Expired);
            expired()
        }
        _ => {
            app.pages.remember(guid, Remembered::Unknown);
            not_found()
        }
    }
}

fn expired() -> hyper::Response<Body> {
    page(
        410,
        "Срок действия QR-кода истёк",
        "<p class=\"warn\">Срок действия QR-кода истёк.</p><p>Попросите предъявителя получить новый QR-код в приложении Госуслуги.</p>",
    )
}

fn not_found() -> hyper::Response<Body> {
    page(
        404,
        "QR-код не найден",
        "<p class=\"warn\">QR-код не найден.</p><p>Проверьте, что QR-код получен в сервисе подтверждения статуса участника СВО.</p>",
    )
}

fn too_many(wait: std::time::Duration) -> hyper::Response<Body> {
    let mut r = page(
        429,
        "Слишком много запросов",
        "<p class=\"warn\">Слишком много запросов с вашего адреса.</p><p>Повторите попытку через несколько секунд.</p>",
    );
    retry_after(&mut r, wait.as_secs().max(1));
    r
}

fn busy() -> hyper::Response<Body> {
    let mut r = page(
        503,
        "Сервис временно перегружен",
        "<p>Не удалось проверить QR-код. Повторите попытку через несколько секунд.</p>",
    );
    retry_after(&mut r, 1);
    r
}

fn retry_after(r: &mut hyper::Response<Body>, seconds: u64) {
    if let Ok(v) = hyper::header::HeaderValue::from_str(&seconds.to_string()) {
        r.headers_mut().insert(hyper::header::RETRY_AFTER, v);
    }
}

fn page(status: u16, title: &str, body: &str) -> hyper::Response<Body> {
    let html = format!(
        "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em}}.ok{{color:#1a7f37;font-weight:bold}}\
         .warn{{color:#b35900;font-weight:bold}}dt{{color:#666}}dd{{margin:0 0 .5em}}.note{{color:#666}}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>",
        title = escape(title),
    );
    let mut r = respond::respond(status, "text/html; charset=utf-8", html);
    // The page shows personal data: nothing may keep it.
    r.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        hyper::header::HeaderValue::from_static("no-store"),
    );
    r
}

/// HTML-escapes `s`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
