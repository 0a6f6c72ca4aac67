//! HTTP dispatch: which handler serves which path, reading bodies within the size and time limits, and the
//! response builders shared by the handlers.
//!
//! | method | path | handler |
//! |---|---|---|
//! | POST | `/smev/1.1`, `/smev/1.2`, `/smev/1.3` | SOAP ([`crate::soap`]) |
//! | GET | `/smev/{v}?wsdl`, `/smev/{v}?xsd=FILE` | service WSDL and its schemas ([`crate::wsdl`]) |
//! | POST | `/api/v1/messages`, `/api/v1/send`, `/api/v1/get`, `/api/v1/ack`, `/api/v1/find` | JSON ([`crate::api`]) |
//! | GET | `/somc2/{guid}` | the page an SVO QR link opens ([`crate::pages`]) |
//! | GET | `/healthz`, `/readyz` | health ([`crate::health`]) |

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use smev_envelope::SmevVersion;

use crate::app::App;
use crate::server::ConnInfo;

/// The response body type of every handler.
pub type Body = Full<Bytes>;

/// Serves one request.
pub async fn handle(app: Arc<App>, conn: Arc<ConnInfo>, req: Request<Incoming>) -> Response<Body> {
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
        (&Method::POST, "/api/v1/messages") => crate::api::messages(&app, &conn, req).await,
        (&Method::POST, "/api/v1/send") => crate::api::send(&app, &conn, req).await,
        (&Method::POST, "/api/v1/get") => crate::api::get(&app, &conn, req).await,
        (&Method::POST, "/api/v1/ack") => crate::api::ack(&app, &conn, req).await,
        (&Method::POST, "/api/v1/find") => crate::api::find(&app, &conn, req).await,
        (&Method::GET, p) if p.starts_with("/somc2/") => crate::pages::somc2(&app, &p["/somc2/".len()..]).await,
        (&Method::GET, "/healthz") => crate::health::healthz(&app),
        (&Method::GET, "/readyz") => crate::health::readyz(&app).await,
        _ => not_found(),
    }
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Larger than `[limits] max_body`.
    TooLarge { limit: usize },
    /// Not received within `[server] read_timeout`.
    Timeout,
    /// The connection failed.
    Io(String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => write!(f, "Размер запроса превышает допустимый ({limit} байт)"),
            BodyError::Timeout => f.write_str("Тело запроса не получено за отведённое время"),
            BodyError::Io(e) => write!(f, "Ошибка чтения запроса: {e}"),
        }
    }
}

/// Reads the whole body within the limits. A declared `Content-Length` over the limit is refused before reading.
pub async fn read_body(app: &App, req: Request<Incoming>) -> Result<Bytes, BodyError> {
    let limit = app.config.limits.max_body.as_usize();
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let body = Limited::new(req.into_body(), limit);
    match tokio::time::timeout(app.config.server.read_timeout.get(), body.collect()).await {
        Err(_) => Err(BodyError::Timeout),
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                Err(BodyError::TooLarge { limit })
            } else {
                Err(BodyError::Io(e.to_string()))
            }
        }
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// A response with `status`, `content_type` and `body`.
pub fn respond(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A JSON response.
pub fn json(status: u16, value: &impl serde::Serialize) -> Response<Body> {
    respond(status, "application/json", serde_json::to_vec(value).unwrap_or_default())
}

/// 404 as problem+json.
pub fn not_found() -> Response<Body> {
    respond(
        404,
        "application/problem+json",
        r#"{"type":"about:blank","title":"Not Found","status":404,"detail":"Нет такого ресурса"}"#,
    )
}

/// The `Authorization` header, if any.
pub fn authorization<B>(req: &Request<B>) -> Option<String> {
    req.headers().get(hyper::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
}
