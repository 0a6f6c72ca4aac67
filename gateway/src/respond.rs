//! Building responses and reading request bodies: what every handler shares. Imports no handler.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use smev_envelope::json::Problem;

use crate::error::{BodyError, Failure};

/// How much of a body is read, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// `[limits] max_body`, in bytes.
    pub max_body: usize,
    /// `[server] read_timeout`.
    pub read_timeout: Duration,
}

/// The response body type of every handler.
pub type Body = Full<Bytes>;

/// A refused body is still read and thrown away up to this much, so that the client, which may still be
/// sending, reads the fault instead of a reset connection ("lingering close"); beyond it the connection closes.
const DRAIN_LIMIT: usize = 128 << 20;
/// ... and for at most this long.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads the whole body within the limits. A declared `Content-Length` over the limit is refused before reading
/// anything; the refused rest of a body is drained in the background while the fault is sent.
pub async fn read_body(req: Request<Incoming>, limits: &BodyLimits) -> Result<Bytes, BodyError> {
    let limit = limits.max_body;
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
    let result = match tokio::time::timeout(limits.read_timeout, read).await {
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

/// A response whose content type is made at run time (an MTOM answer's carries its boundary).
pub fn respond_typed(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut r = respond(status, "application/octet-stream", body);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(CONTENT_TYPE, value);
    }
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

/// 405 as problem+json, with the `Allow` header: a known path asked with another method.
pub fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut r = respond(
        405,
        "application/problem+json",
        r#"{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"Метод не поддерживается для этого ресурса"}"#,
    );
    r.headers_mut()
        .insert(hyper::header::ALLOW, HeaderValue::from_static(allow));
    r
}

/// The `Authorization` header, if any.
pub fn authorization<B>(req: &Request<B>) -> Option<String> {
    req.headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A problem response (`application/problem+json`) for `f`, its status and `Retry-After` from the error
/// table ([`crate::error`]).
pub fn problem(f: &Failure, message_id: Option<&str>) -> Response<Body> {
    crate::metrics::requests::fault(f.fault.kind);
    let mut p = Problem::from_fault(&f.fault, f.http_status());
    p.message_id = message_id.map(str::to_owned);
    problem_response(&p, f.retry_after)
}

/// `p` as `application/problem+json`, with `Retry-After` (whole seconds, at least 1) when given.
pub fn problem_response(p: &Problem, retry_after: Option<Duration>) -> Response<Body> {
    let mut r = respond(
        p.status,
        "application/problem+json",
        serde_json::to_vec(p).unwrap_or_default(),
    );
    if let Some(after) = retry_after {
        r.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(after.as_secs().max(1)));
    }
    r
}
