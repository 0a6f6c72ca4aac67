//! HTTP dispatch: which handler serves which path, reading bodies within the size and time limits, and the
//! response builders shared by the handlers.
//!
//! | method | path | handler |
//! |---|---|---|
//! | POST | `/smev/1.1`, `/smev/1.2`, `/smev/1.3` | SOAP ([`crate::soap`]) |
//! | GET | `/smev/{v}?wsdl`, `/smev/{v}?xsd=FILE` | service WSDL and its schemas ([`crate::wsdl`]) |
//! | POST | `/api/v1/messages`, `/api/v1/send`, `/api/v1/get`, `/api/v1/ack`, `/api/v1/find` | JSON ([`crate::api`]) |
//! | GET | `/somc2/{guid}` | the page an SVO QR link opens ([`crate::pages`]) |
//! | GET | `/api/v1/reports` | the report history, for operators ([`crate::reports::history`]) |
//! | GET | `/healthz`, `/readyz` | health ([`crate::health`]) |

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
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
        (&Method::GET, "/api/v1/reports") => {
            crate::reports::history::handle(&app, &conn, req).await
        }
        (&Method::GET, p) if p.starts_with("/somc2/") => {
            crate::pages::somc2(&app, &conn, &p["/somc2/".len()..]).await
        }
        (&Method::GET, "/healthz") => crate::health::healthz(&app),
        (&Method::GET, "/readyz") => crate::health::readyz(&app, &conn, &req).await,
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
            BodyError::TooLarge { limit } => {
                write!(f, "Размер запроса превышает допустимый ({limit} байт)")
            }
            BodyError::Timeout => f.write_str("Тело запроса не получено за отведённое время"),
            BodyError::Io(e) => write!(f, "Ошибка чтения запроса: {e}"),
        }
    }
}

/// A refused body is still read and thrown away up to this much, so that the client, which may still be
/// sending, reads the fault instead of a reset connection ("lingering close"); beyond it the connection closes.
const DRAIN_LIMIT: usize = 128 << 20;
/// ... and for at most this long.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads the whole body within the limits. A declared `Content-Length` over the limit is refused before reading
/// anything; the refused rest of a body is drained in the background while the fault is sent.
pub async fn read_body(app: &App, req: Request<Incoming>) -> Result<Bytes, BodyError> {
    let limit = app.config.limits.max_body.as_usize();
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = req.into_body();
    if declared.is_some_and(|n| n > limit as u64) {
        drain(body);
        return Err(BodyError::TooLarge { limit });
    }
    let read = async {
        let mut buf = bytes::BytesMut::with_capacity(declared.map_or(8192, |n| n as usize));
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| BodyError::Io(e.to_string()))?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > limit {
                    return Err(BodyError::TooLarge { limit });
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(buf.freeze())
    };
    let result = match tokio::time::timeout(app.config.server.read_timeout.get(), read).await {
        Err(_) => Err(BodyError::Timeout),
        Ok(r) => r,
    };
    if matches!(result, Err(BodyError::TooLarge { .. })) {
        drain(body);
    }
    result
}

/// Reads and discards what is left of `body`, within [`DRAIN_LIMIT`] and [`DRAIN_TIME`].
fn drain(mut body: Incoming) {
    tokio::spawn(async move {
        let mut seen = 0usize;
        let _ = tokio::time::timeout(DRAIN_TIME, async {
            while let Some(Ok(frame)) = body.frame().await {
                seen += frame.data_ref().map_or(0, Bytes::len);
                if seen > DRAIN_LIMIT {
                    break;
                }
            }
        })
        .await;
    });
}

/// A response with `status`, `content_type` and `body`.
pub fn respond(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A JSON response.
pub fn json(status: u16, value: &impl serde::Serialize) -> Response<Body> {
    respond(
        status,
        "application/json",
        serde_json::to_vec(value).unwrap_or_default(),
    )
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
    req.headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
