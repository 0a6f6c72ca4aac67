//! The route table: which handler serves which path. The top of the request path: it imports the handlers,
//! and no handler imports it.
//!
//! | method | path | handler |
//! |---|---|---|
//! | POST | `/smev/1.1`, `/smev/1.2`, `/smev/1.3` | SOAP ([`crate::soap`]) |
//! | GET | `/smev/{v}?wsdl`, `/smev/{v}?xsd=FILE` | service WSDL and its schemas ([`crate::wsdl`]) |
//! | POST | `/api/v1/messages`, `/api/v1/send`, `/api/v1/get`, `/api/v1/ack`, `/api/v1/find` | JSON ([`crate::json_api`]) |
//! | GET, POST | a `[[pages]]` prefix (e.g. `/somc2/{guid}`, the page an SVO QR link opens) | the plugin's pages ([`crate::plugin_pages`]) |
//! | GET | `/api/v1/reports` | the report history, for operators ([`crate::reports::history`]) |
//! | GET, POST | `/console`, `/console/...` | the operator console, HTML pages ([`crate::console`]) |
//! | GET | `/api/v1/openapi.json` | the JSON API's OpenAPI 3.1 document, without authentication ([`crate::openapi`]) |
//! | POST | `/api/v1/reload` | reloads the config, for operators ([`crate::reload`]) |
//! | GET | `/metrics` | metrics in the Prometheus text format, for operators unless `[metrics] listen` ([`crate::metrics`]) |
//! | GET | `/healthz`, `/readyz` | health ([`crate::health`]) |

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use smev_envelope::SmevVersion;

use crate::auth::ConnInfo;
use crate::live::Live;
use crate::respond::{Body, not_found};

/// Serves one request, on the version of the gateway current now.
pub async fn handle(
    live: Arc<Live>,
    conn: Arc<ConnInfo>,
    req: Request<Incoming>,
) -> Response<Body> {
    let app = live.current();
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    match (&method, path.as_str()) {
        (&Method::POST, p) if p.starts_with("/smev/") => match SmevVersion::parse(&p[6..]) {
            Some(v) => crate::soap::handle(&app, &conn, v, req).await,
            None => not_found(),
        },
        (&Method::GET, p) if p.starts_with("/smev/") => match SmevVersion::parse(&p[6..]) {
            Some(v) => crate::wsdl::handle(&app, v, req.uri().query()),
            None => not_found(),
        },
        (&Method::POST, "/api/v1/messages") => crate::json_api::messages(&app, &conn, req).await,
        (&Method::POST, "/api/v1/send") => crate::json_api::send(&app, &conn, req).await,
        (&Method::POST, "/api/v1/get") => crate::json_api::get(&app, &conn, req).await,
        (&Method::POST, "/api/v1/ack") => crate::json_api::ack(&app, &conn, req).await,
        (&Method::POST, "/api/v1/find") => crate::json_api::find(&app, &conn, req).await,
        (&Method::GET, "/api/v1/openapi.json") => crate::openapi::handle(&app),
        (&Method::GET, "/api/v1/reports") => {
            crate::reports::history::handle(&app, &conn, req).await
        }
        (_, p) if crate::console::serves(p) => crate::console::handle(&app, &conn, req).await,
        (&Method::GET | &Method::POST, p)
            if crate::plugin_pages::find(&app.config.pages, p).is_some() =>
        {
            match crate::plugin_pages::find(&app.config.pages, p) {
                Some(page) => crate::plugin_pages::serve(&app, &conn, page, req).await,
                None => not_found(),
            }
        }
        (&Method::POST, "/api/v1/reload") => crate::reload::handle(&app, &live, &conn, &req).await,
        (&Method::GET, "/metrics") => crate::metrics::endpoint(&app, &conn, &req).await,
        (&Method::GET, "/healthz") => crate::health::healthz(&app),
        (&Method::GET, "/readyz") => crate::health::readyz(&app, &conn, &req).await,
        // A path of the JSON API asked with another method: 405 and `Allow` (RFC 9110), not 404.
        (
            _,
            "/api/v1/messages" | "/api/v1/send" | "/api/v1/get" | "/api/v1/ack" | "/api/v1/find",
        ) => crate::respond::method_not_allowed("POST"),
        (_, "/api/v1/openapi.json" | "/api/v1/reports") => {
            crate::respond::method_not_allowed("GET")
        }
        _ => not_found(),
    }
}
