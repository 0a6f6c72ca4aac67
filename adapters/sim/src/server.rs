//! HTTP/1 over TCP or TLS: the accept loop, one task per connection (TLS handshake included), the required
//! header, graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::RequiredHeader;
use crate::simulator::Simulator;
use crate::tls::Acceptor;

/// How connections are received: over TLS or not, and the header service requests must carry.
pub(crate) struct Front {
    pub(crate) tls: Option<Acceptor>,
    pub(crate) required_header: Option<RequiredHeader>,
    /// The mail sink's messages, when it runs (`GET /__mail…`).
    pub(crate) mailbox: Option<Arc<crate::mail::Mailbox>>,
}

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long shutdown waits for open connections to finish their current request.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts connections until `shutdown` completes, then lets open connections finish (bounded).
pub(crate) async fn serve(
    sim: Arc<Simulator>,
    front: Front,
    listener: TcpListener,
    shutdown: impl Future,
) {
    let front = Arc::new(front);
    let tracker = TaskTracker::new();
    let stop = CancellationToken::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    tracker.spawn(accept(stream, Arc::clone(&sim), Arc::clone(&front), stop.clone()));
                }
                Err(e) => {
                    // Usually out of file descriptors: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    stop.cancel();
    tracker.close();
    if tokio::time::timeout(DRAIN_TIMEOUT, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN_TIMEOUT:?}; leaving them");
    }
}

/// Runs the TLS handshake if there is one, then serves the connection.
async fn accept(
    stream: TcpStream,
    sim: Arc<Simulator>,
    front: Arc<Front>,
    stop: CancellationToken,
) {
    match &front.tls {
        None => connection(stream, sim, front, stop).await,
        Some(acceptor) => match acceptor.accept(stream).await {
            Ok(stream) => connection(stream, sim, front, stop).await,
            Err(e) => tracing::debug!(error = %e, "TLS handshake failed"),
        },
    }
}

async fn connection<S>(stream: S, sim: Arc<Simulator>, front: Arc<Front>, stop: CancellationToken)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| {
        let sim = Arc::clone(&sim);
        let front = Arc::clone(&front);
        async move { Ok::<_, std::convert::Infallible>(answer(&sim, &front, request).await) }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

async fn answer(
    sim: &Simulator,
    front: &Front,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    if let Some(required) = &front.required_header
        && !parts.uri.path().starts_with("/__")
        && !required.admits(&parts.headers)
    {
        tracing::debug!(method = %parts.method, path = parts.uri.path(), "request without the required header");
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({ "error": format!("missing or wrong {} header", required.name()) }),
        );
    }
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let status = if e.is::<http_body_util::LengthLimitError>() {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            return json_response(
                status,
                &json!({ "error": format!("cannot read the body: {e}") }),
            );
        }
    };
    let path = parts.uri.path();
    if let Some(rest) = path.strip_prefix("/__mail")
        && parts.method == hyper::Method::GET
    {
        let (status, kind, body) = match &front.mailbox {
            Some(mailbox) => mailbox.http(rest),
            None => (
                404,
                "application/json",
                br#"{"error": "the mail sink is off (--smtp-listen)"}"#.to_vec(),
            ),
        };
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND);
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static(kind));
        return response;
    }
    // `/__...` is the control API; everything else goes to a simulated registry.
    let (status, value) = match path.strip_prefix("/__") {
        Some(command) => crate::admin::handle(sim, &parts.method, command, &body),
        None => sim.dispatch(&parts.method, path, &body).await,
    };
    tracing::debug!(method = %parts.method, path = parts.uri.path(), status = status.as_u16(), "request");
    json_response(status, &value)
}

fn json_response(status: StatusCode, value: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}
