//! The console's HTML: escaping, the page every section shares (a skip link, the sections' navigation, the
//! operator and the logout form), tables, and the responses (no script may run: the Content-Security-Policy
//! allows none).

use std::fmt::Write as _;

use hyper::Response;
use hyper::header::{HeaderValue, LOCATION, SET_COOKIE};

use crate::respond::{self, Body};

/// The console's sections, in the navigation's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Routes,
    Plugins,
    Adapters,
    Journal,
    Queues,
    Scans,
    Reports,
}

impl Section {
    /// Every section, in order.
    pub const ALL: [Section; 8] = [
        Section::Overview,
        Section::Routes,
        Section::Plugins,
        Section::Adapters,
        Section::Journal,
        Section::Queues,
        Section::Scans,
        Section::Reports,
    ];

    /// Its path.
    pub fn path(self) -> &'static str {
        match self {
            Section::Overview => "/console",
            Section::Routes => "/console/routes",
            Section::Plugins => "/console/plugins",
            Section::Adapters => "/console/adapters",
            Section::Journal => "/console/journal",
            Section::Queues => "/console/queues",
            Section::Scans => "/console/scans",
            Section::Reports => "/console/reports",
        }
    }

    /// Its name in the navigation and the title.
    pub fn name(self) -> &'static str {
        match self {
            Section::Overview => "Обзор",
            Section::Routes => "Маршруты",
            Section::Plugins => "Плагины",
            Section::Adapters => "Адаптеры",
            Section::Journal => "Журнал",
            Section::Queues => "Очереди",
            Section::Scans => "Сканирования",
            Section::Reports => "Отчёты",
        }
    }
}

/// Who is looking: the operator's mnemonic and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub sender: String,
    pub csrf: String,
    /// Known by a client certificate (no session, no logout).
    pub by_certificate: bool,
}

/// `text` safe in HTML text and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}\
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;\
padding:.5rem 1rem;background:#0d3b66;color:#fff}\
header a,header button{color:#fff}\
header form{margin:0}\
header button{background:transparent;border:1px solid #fff;border-radius:3px}\
dl{display:grid;grid-template-columns:max-content auto;gap:.25rem 1.5rem}\
dt{font-weight:bold}dd{margin:0}\
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:.5rem 1rem;\
background:#e8eef5}\
nav a[aria-current=page]{font-weight:bold;text-decoration:none}\
main{padding:1rem}\
table{border-collapse:collapse;margin:1rem 0;min-width:50%}\
caption{text-align:left;font-weight:bold;padding:.25rem 0}\
th,td{border:1px solid #9aa5b1;padding:.25rem .5rem;text-align:left;vertical-align:top}\
thead th{background:#e8eef5}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
form.search{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}\
form.search label{display:flex;flex-direction:column;font-size:.9rem}\
input,select,button{font:inherit;padding:.25rem .5rem}\
button{cursor:pointer}\
.notice{border-left:4px solid #2e7d32;background:#edf7ed;padding:.5rem 1rem}\
.error{border-left:4px solid #b00020;background:#fdecea;padding:.5rem 1rem}\
.skip{position:absolute;left:-10000px}\
.skip:focus{position:static;display:inline-block;padding:.5rem;background:#fff;color:#0d3b66}\
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,main:focus-visible\
{outline:3px solid #f5a623;outline-offset:2px}\
code{font-size:.9em}";

/// A whole page: `<head>`, the skip link, the header with the operator (and its logout form), the
/// navigation with `active` marked, and `body` (HTML) inside `<main>`.
pub fn page(active: Section, viewer: &Viewer, title: &str, body: &str) -> String {
    let mut nav = String::new();
    for s in Section::ALL {
        let current = if s == active {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            nav,
            "<li><a href=\"{}\"{current}>{}</a></li>",
            s.path(),
            s.name()
        );
    }
    let logout = if viewer.by_certificate {
        String::from("<span>вход по сертификату</span>")
    } else {
        format!(
            "<form method=\"post\" action=\"/console/logout\">{}<button type=\"submit\">Выйти</button></form>",
            csrf_field(&viewer.csrf)
        )
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — консоль оператора</title><style>{STYLE}</style></head><body>\
         <a class=\"skip\" href=\"#main\">Перейти к содержимому</a>\
         <header><span>Консоль оператора шлюза</span><span>Оператор: <strong id=\"operator\">{sender}</strong></span>{logout}</header>\
         <nav aria-label=\"Разделы консоли\"><ul>{nav}</ul></nav>\
         <main id=\"main\" tabindex=\"-1\"><h1>{title}</h1>{body}</main></body></html>\n",
        title = escape(title),
        sender = escape(&viewer.sender),
    )
}

/// A page outside the sections (the login form): no navigation.
pub fn bare_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} — консоль оператора</title><style>{STYLE}</style></head><body>\
         <a class=\"skip\" href=\"#main\">Перейти к содержимому</a>\
         <header><span>Консоль оператора шлюза</span></header>\
         <main id=\"main\" tabindex=\"-1\"><h1>{title}</h1>{body}</main></body></html>\n",
        title = escape(title),
    )
}

/// The hidden field with the CSRF token.
pub fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(csrf)
    )
}

/// The notice that the store did not answer (`what` names the read in the log line): appended to `body`;
/// returns the status to answer, 503.
pub fn store_unavailable(body: &mut String, what: &str, error: &dyn std::fmt::Display) -> u16 {
    tracing::warn!(error = %error, "console: {what} could not be read");
    body.push_str(&message(
        None,
        Some("Хранилище не ответило: повторите позже."),
    ));
    503
}

/// A notice (`role="status"`) or an error (`role="alert"`), when there is one.
pub fn message(notice: Option<&str>, error: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(n) = notice {
        let _ = write!(
            out,
            "<p id=\"notice\" class=\"notice\" role=\"status\">{}</p>",
            escape(n)
        );
    }
    if let Some(e) = error {
        let _ = write!(
            out,
            "<p id=\"error\" class=\"error\" role=\"alert\">{}</p>",
            escape(e)
        );
    }
    out
}

/// One cell of a [`table`]: its HTML and its class (`n` for numbers).
pub struct Cell {
    pub html: String,
    pub class: &'static str,
}

impl Cell {
    /// Text, escaped.
    pub fn text(text: &str) -> Cell {
        Cell {
            html: escape(text),
            class: "",
        }
    }

    /// HTML as it is (already escaped).
    pub fn html(html: String) -> Cell {
        Cell { html, class: "" }
    }

    /// A number with the class `class` (which names `n` to align it right).
    pub fn number(value: impl std::fmt::Display, class: &'static str) -> Cell {
        Cell {
            html: escape(&value.to_string()),
            class,
        }
    }

    /// The same cell with class `class`.
    pub fn class(mut self, class: &'static str) -> Cell {
        self.class = class;
        self
    }
}

/// One row: its attributes (e.g. `data-plugin="x"`, escaped by the caller) and cells; the first cell is the
/// row's header (`<th scope="row">`).
pub struct Row {
    pub attributes: String,
    pub cells: Vec<Cell>,
}

/// A table with `id`, a caption, column headers (`<th scope="col">`) and rows; `empty` is said in one row
/// when there is none.
pub fn table(id: &str, caption: &str, headers: &[&str], rows: &[Row], empty: &str) -> String {
    let mut out = format!(
        "<table id=\"{}\"><caption>{}</caption><thead><tr>",
        escape(id),
        escape(caption)
    );
    for h in headers {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    if rows.is_empty() {
        let _ = write!(
            out,
            "<tr><td colspan=\"{}\">{}</td></tr>",
            headers.len(),
            escape(empty)
        );
    }
    for row in rows {
        let _ = write!(out, "<tr{}>", row.attributes);
        for (i, cell) in row.cells.iter().enumerate() {
            let tag = if i == 0 { "th" } else { "td" };
            let scope = if i == 0 { " scope=\"row\"" } else { "" };
            let class = match (cell.class, tag) {
                ("", _) => String::new(),
                (c, _) => format!(" class=\"{c}\""),
            };
            let _ = write!(out, "<{tag}{scope}{class}>{}</{tag}>", cell.html);
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// An HTML response with the console's headers: no caching, no framing, no scripts. The referrer policy is
/// `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` with the console's own
/// forms, which the console refuses as coming from another site ([`super::session::same_origin`]).
pub fn respond(status: u16, html: String) -> Response<Body> {
    let mut r = respond::respond(status, "text/html; charset=utf-8", html);
    let h = r.headers_mut();
    for (name, value) in [
        ("cache-control", "no-store"),
        (
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    r
}

/// `303 See Other` to `location` (a path of the console).
pub fn redirect(location: &str) -> Response<Body> {
    let mut r = respond(303, String::new());
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// `r` with a `Set-Cookie` header.
pub fn with_cookie(mut r: Response<Body>, cookie: &str) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        r.headers_mut().append(SET_COOKIE, v);
    }
    r
}

/// A page that says what went wrong, with `status`.
pub fn problem(status: u16, viewer: Option<&Viewer>, title: &str, text: &str) -> Response<Body> {
    let body = format!(
        "{}<p><a href=\"/console\">В консоль</a></p>",
        message(None, Some(text))
    );
    let html = match viewer {
        Some(v) => page(Section::Overview, v, title, &body),
        None => bare_page(title, &body),
    };
    respond(status, html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer() -> Viewer {
        Viewer {
            sender: "OPS<1>".into(),
            csrf: "t\"ok".into(),
            by_certificate: false,
        }
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x&y's")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;y&#39;s&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("Журнал {urn:x}T"), "Журнал {urn:x}T");
    }

    #[test]
    fn a_page_has_the_skip_link_the_navigation_and_escaped_values() {
        let html = page(Section::Journal, &viewer(), "Журнал <x>", "<p>тело</p>");
        assert!(html.contains("<html lang=\"ru\">"));
        assert!(html.contains("<a class=\"skip\" href=\"#main\">"));
        assert!(html.contains("<a href=\"/console/journal\" aria-current=\"page\">Журнал</a>"));
        assert_eq!(html.matches("aria-current=\"page\"").count(), 1);
        assert!(html.contains("OPS&lt;1&gt;"));
        assert!(html.contains("<h1>Журнал &lt;x&gt;</h1>"));
        assert!(html.contains("name=\"csrf\" value=\"t&quot;ok\""));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn tables_have_a_caption_headers_with_scope_and_an_empty_row() {
        let rows = [Row {
            attributes: " data-x=\"1\"".into(),
            cells: vec![Cell::text("a<b"), Cell::number(3, "n calls")],
        }];
        let html = table("t", "Подпись", &["Имя", "Вызовы"], &rows, "нет");
        assert!(html.starts_with("<table id=\"t\"><caption>Подпись</caption>"));
        assert!(html.contains("<th scope=\"col\">Имя</th>"));
        assert!(html.contains(
            "<tr data-x=\"1\"><th scope=\"row\">a&lt;b</th><td class=\"n calls\">3</td></tr>"
        ));
        let empty = table("t", "П", &["A", "B"], &[], "Нет записей");
        assert!(empty.contains("<td colspan=\"2\">Нет записей</td>"));
    }

    #[test]
    fn responses_forbid_scripts_and_caching() {
        let r = respond(200, "<p>x</p>".into());
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'")
        );
        assert_eq!(
            r.headers()["referrer-policy"],
            "same-origin",
            "the console's own forms carry its origin"
        );
        let r = redirect("/console/login");
        assert_eq!(
            (r.status().as_u16(), &r.headers()[LOCATION]),
            (303, &HeaderValue::from_static("/console/login"))
        );
    }
}
