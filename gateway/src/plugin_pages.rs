//! Pages served by plugins: `[[pages]]` maps a path prefix to a plugin that exports pages (contract 1.1); a
//! GET or a form POST below it is handed to the plugin, which answers status, headers and HTML from its own
//! templates. The core knows no plugin's domain: it reads the request (path, query, form, language), keeps the
//! page within [`crate::page_guard`] (rate per client, capacity of its own, unknown or gone pages answered
//! from memory) and turns a failure into a plain error page.
//!
//! Every response under a page's prefix, the plugin's and the gateway's own, is sandboxed
//! ([`SANDBOX_POLICY`]): pages share the gateway's origin with the operator console, and a page runs no
//! script and is an opaque origin of its own, so whatever HTML a plugin returns cannot read the console with
//! an operator's cookie. Forms and links the visitor follows still work (plugins are written without
//! JavaScript). A plugin's own `content-security-policy` is replaced by this one.

use std::time::Instant;

use bytes::Bytes;
use gateway_host::{InvokeError, PageRequest, PageResponse};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{
    ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderName, HeaderValue,
    RETRY_AFTER,
};
use hyper::{Method, Request, Response};

use crate::app::App;
use crate::auth::ConnInfo;
use crate::call::Call;
use crate::config::PageConfig;
use crate::page_guard::Admission;
use crate::respond::{self, Body};

/// The `Content-Security-Policy` of every page response: a sandbox without `allow-scripts` and without
/// `allow-same-origin`; forms may be sent and the visitor may follow a link out of the page.
pub const SANDBOX_POLICY: &str = "sandbox allow-forms allow-top-navigation-by-user-activation";

/// The configured page whose prefix `path` starts with, if any.
pub fn find<'a>(pages: &'a [PageConfig], path: &str) -> Option<&'a PageConfig> {
    pages.iter().find(|p| path.starts_with(p.prefix.as_str()))
}

/// Serves `req` (GET or POST) for `page`, sandboxed ([`SANDBOX_POLICY`]).
pub async fn serve(
    app: &App,
    conn: &ConnInfo,
    page: &PageConfig,
    req: Request<Incoming>,
) -> Response<Body> {
    sandboxed(respond_to(app, conn, page, req).await)
}

/// `r` with [`SANDBOX_POLICY`] as its only `Content-Security-Policy` (any the plugin set is dropped).
fn sandboxed(mut r: Response<Body>) -> Response<Body> {
    r.headers_mut().insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SANDBOX_POLICY),
    );
    r
}

async fn respond_to(
    app: &App,
    conn: &ConnInfo,
    page: &PageConfig,
    req: Request<Incoming>,
) -> Response<Body> {
    if !page.public && Call::authenticate(&app.edge.auth, conn, &req, &app.node).is_err() {
        return plain(
            401,
            "Требуется вход",
            "<p>Страница доступна только зарегистрированным системам.</p>",
        );
    }
    let _slot = match app.edge.pages.admit(conn.peer.ip(), Instant::now()) {
        Admission::Run(slot) => slot,
        Admission::TooMany(wait) => {
            return with_retry_after(
                plain(
                    429,
                    "Слишком много запросов",
                    "<p>Слишком много запросов с вашего адреса.</p><p>Повторите попытку через несколько секунд.</p>",
                ),
                wait.as_secs().max(1),
            );
        }
        Admission::Busy => return busy(),
    };
    let path = req.uri().path()[page.prefix.len()..].to_owned();
    let Some(path) = percent_decode(&path) else {
        return plain(
            400,
            "Неверный адрес",
            "<p>Адрес страницы записан неверно.</p>",
        );
    };
    let query = req.uri().query().map(form_pairs).unwrap_or_default();
    let language = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let cache_key =
        (req.method() == Method::GET && query.is_empty()).then(|| format!("{}{path}", page.prefix));
    if let Some(key) = &cache_key
        && let Some(remembered) = app.edge.pages.remembered(key)
    {
        return render(&remembered);
    }
    let mut request = if req.method() == Method::POST {
        let form = match read_form(req, page.max_form.as_usize()).await {
            Ok(form) => form,
            Err(status) => {
                return plain(
                    status,
                    "Форма не принята",
                    "<p>Форма не принята: она слишком велика или повреждена.</p>",
                );
            }
        };
        PageRequest::post(page.prefix.clone(), path, form)
    } else {
        PageRequest::get(page.prefix.clone(), path)
    }
    .with_query(query);
    if let Some(accept) = language {
        request = request.with_accept_language(&accept);
    }
    match app
        .engine
        .host
        .page(&page.plugin, request, page.deadline.get())
        .await
    {
        Ok(response) => {
            // A page that is not there, or no longer, stays so: remembered, it costs no plugin call again.
            if matches!(response.status, 404 | 410)
                && let Some(key) = cache_key
            {
                app.edge.pages.remember(key, response.clone());
            }
            render(&response)
        }
        Err(InvokeError::Busy { .. } | InvokeError::DeadlineExceeded(_)) => busy(),
        Err(e) => {
            tracing::warn!(plugin = %page.plugin, error = %e, "a page could not be rendered");
            plain(
                500,
                "Ошибка",
                "<p>Страницу не удалось показать. Повторите попытку позже.</p>",
            )
        }
    }
}

/// The HTTP response of a page the plugin rendered (its headers already checked by the host).
fn render(page: &PageResponse) -> Response<Body> {
    let content_type = page
        .header("content-type")
        .unwrap_or("text/html; charset=utf-8");
    let mut r = respond::respond(
        page.status,
        "text/html; charset=utf-8",
        Bytes::from(page.body.clone()),
    );
    let headers = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(CONTENT_TYPE, v);
    }
    for (name, value) in &page.headers {
        // The gateway sets the content type, and the policy (see [`sandboxed`]).
        if name == "content-type" || name == "content-security-policy" {
            continue;
        }
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    r
}

/// A plain page of the gateway's own (an error), in Russian.
fn plain(status: u16, title: &str, body: &str) -> Response<Body> {
    let html = format!(
        "<!DOCTYPE html><html lang=\"ru\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em}}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    );
    let mut r = respond::respond(status, "text/html; charset=utf-8", html);
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn busy() -> Response<Body> {
    with_retry_after(
        plain(
            503,
            "Сервис временно перегружен",
            "<p>Не удалось показать страницу. Повторите попытку через несколько секунд.</p>",
        ),
        1,
    )
}

fn with_retry_after(mut r: Response<Body>, seconds: u64) -> Response<Body> {
    r.headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(seconds));
    r
}

/// The fields of an `application/x-www-form-urlencoded` body of at most `limit` bytes; the status to answer
/// when it is not one.
async fn read_form(req: Request<Incoming>, limit: usize) -> Result<Vec<(String, String)>, u16> {
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(415);
    }
    let body = Limited::new(req.into_body(), limit)
        .collect()
        .await
        .map_err(|_| 413u16)?
        .to_bytes();
    let text = std::str::from_utf8(&body).map_err(|_| 400u16)?;
    Ok(form_pairs(text))
}

/// `a=1&b=x+y` → pairs, `+` as space, percent-decoded (bytes that are not UTF-8 read as U+FFFD, as browsers
/// do).
pub fn form_pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `%XX` sequences decoded; `None` when the bytes are not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_paths_decode() {
        assert_eq!(
            form_pairs(
                "phone=%2B7+912+345-67-89&send=%D0%9E%D1%82%D0%BF%D1%80%D0%B0%D0%B2%D0%B8%D1%82%D1%8C&&x"
            ),
            vec![
                ("phone".into(), "+7 912 345-67-89".into()),
                ("send".into(), "Отправить".into()),
                ("x".into(), String::new())
            ]
        );
        assert_eq!(percent_decode("a%2Fb"), Some("a/b".into()));
        assert_eq!(percent_decode("%D0%BF%D1%83"), Some("пу".into()));
        assert_eq!(percent_decode("%FF"), None, "not UTF-8");
    }

    #[test]
    fn every_page_is_sandboxed_and_a_plugins_own_policy_is_replaced() {
        let page = PageResponse {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/html; charset=utf-8".into()),
                (
                    "content-security-policy".into(),
                    "script-src 'unsafe-inline'".into(),
                ),
                ("x-frame-options".into(), "DENY".into()),
            ],
            body: "<script>fetch('/console')</script>".into(),
        };
        let r = sandboxed(render(&page));
        let policies: Vec<_> = r
            .headers()
            .get_all(CONTENT_SECURITY_POLICY)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert_eq!(policies, [SANDBOX_POLICY]);
        assert!(!SANDBOX_POLICY.contains("allow-scripts"));
        assert!(!SANDBOX_POLICY.contains("allow-same-origin"));
        assert!(SANDBOX_POLICY.contains("allow-forms"));
        assert_eq!(r.headers()["x-frame-options"], "DENY", "other headers stay");
        let error = sandboxed(busy());
        assert_eq!(error.headers()[CONTENT_SECURITY_POLICY], SANDBOX_POLICY);
        assert_eq!(error.status(), 503);
    }

    #[test]
    fn a_path_finds_its_page() {
        let page = |prefix: &str| PageConfig {
            prefix: prefix.into(),
            plugin: "p".into(),
            public: true,
            deadline: crate::config::units::Dur::secs(1),
            max_form: crate::config::units::ByteSize::kib(1),
        };
        let pages = [page("/somc2/"), page("/visit/")];
        assert_eq!(
            find(&pages, "/visit/abc").map(|p| p.prefix.as_str()),
            Some("/visit/")
        );
        assert!(find(&pages, "/somc2").is_none());
        assert!(find(&pages, "/other/").is_none());
    }
}
