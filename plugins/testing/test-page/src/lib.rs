//! `test-page`: a plugin of contract 1.1.0 that serves pages, for the host's tests.
//!
//! As a document plugin it accepts `{urn://gateway/test-page/1.0}PingRequest` and answers `PingResponse`. Its
//! pages are chosen by the first segment of the path below the prefix (see [`render`]): an echo of the request,
//! the host's capabilities, the answers the host must refuse, and the misbehaviours it must survive (an endless
//! loop, endless allocation, a panic).
//!
//! # Layout
//!
//! - this file: the plugin and its pages.

use gateway_plugin_sdk::prelude::*;
use serde::Serialize;

/// The namespace of the ping messages.
const NS: &str = "urn://gateway/test-page/1.0";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PingResponse {
    pong: bool,
}

/// The page request as the `echo` page answers it (JSON).
#[derive(Serialize)]
struct Echo<'a> {
    method: &'a str,
    prefix: &'a str,
    path: &'a str,
    query: &'a [(String, String)],
    form: &'a [(String, String)],
    language: Option<&'a str>,
}

struct TestPage;

impl Plugin for TestPage {
    fn describe() -> Description {
        Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .accepts(QName::new(NS, "PingRequest"))
            .produces(QName::new(NS, "PingResponse"))
    }

    fn handle(req: Request) -> Result<Outcome, PluginError> {
        Ok(req.reply(QName::new(NS, "PingResponse"), &PingResponse { pong: true })?)
    }
}

impl Pages for TestPage {
    fn render(req: PageRequest) -> Result<PageResponse, PluginError> {
        render(&req)
    }
}

/// The page for the first path segment:
///
/// - `echo`: 200 with the request as JSON (`content-type: application/json`);
/// - `token`: the token `?id=` of the scope `?scope=`: `live:<data>`, `expired` or `unknown`;
/// - `status`: an empty page with the status `?code=`;
/// - `header`: a page with the header `?name=`: `?value=`;
/// - `big`: a body of `?bytes=` bytes;
/// - `redirect`: `303 See Other` to `?to=`;
/// - `fail`: a plugin error; `panic`: a panic; `loop`: spins forever; `alloc`: allocates forever;
/// - anything else: 404.
fn render(req: &PageRequest) -> Result<PageResponse, PluginError> {
    let query = |name: &str| req.query_value(name).unwrap_or_default();
    let number = |name: &str| {
        query(name)
            .parse::<u64>()
            .map_err(|_| PluginError::new(format!("?{name}= is not a number")))
    };
    Ok(match req.segments().next().unwrap_or_default() {
        "echo" => {
            let echo = Echo {
                method: if req.is_post() { "POST" } else { "GET" },
                prefix: &req.prefix,
                path: &req.path,
                query: &req.query,
                form: &req.form,
                language: req.language.as_deref(),
            };
            let body = serde_json::to_string(&echo)?;
            PageResponse::text(200, body).header("x-test-page", "echo")
        }
        "token" => {
            let body = match host::tokens::get(query("scope"), query("id"))? {
                host::tokens::Lookup::Live(token) => {
                    format!("live:{}", String::from_utf8_lossy(&token.data))
                }
                host::tokens::Lookup::Expired(_) => "expired".to_owned(),
                host::tokens::Lookup::Unknown => "unknown".to_owned(),
            };
            PageResponse::text(200, body)
        }
        "status" => PageResponse::html(
            u16::try_from(number("code")?).map_err(PluginError::from)?,
            "",
        ),
        "header" => PageResponse::html(200, "").header(query("name"), query("value")),
        "big" => PageResponse::text(
            200,
            "x".repeat(usize::try_from(number("bytes")?).map_err(PluginError::from)?),
        ),
        "redirect" => PageResponse::see_other(query("to")),
        "fail" => return Err(PluginError::new("test-page failure")),
        "panic" => panic!("test-page panic"),
        "loop" => spin(),
        "alloc" => allocate_forever(),
        _ => PageResponse::html(404, "<p>no such page</p>"),
    })
}

/// Never returns; only the host's deadline stops it.
fn spin() -> ! {
    let mut counter = 0_u64;
    loop {
        counter = std::hint::black_box(counter.wrapping_add(1));
    }
}

/// Never returns; only the host's memory cap stops it.
fn allocate_forever() -> ! {
    const CHUNK: usize = 1 << 20;
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = vec![0_u8; CHUNK];
        for page in chunk.iter_mut().step_by(4096) {
            *page = 1;
        }
        chunks.push(std::hint::black_box(chunk));
    }
}

gateway_plugin_sdk::export_plugin!(TestPage, pages);
