//! `[metrics] listen`: `GET /metrics` on a plain HTTP listener of its own, without a credential (a Prometheus on
//! loopback or a monitoring network scrapes it); every other request is 404. It serves the gateway version
//! current at each scrape, stops accepting at shutdown and lets a scrape in flight finish.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::live::Live;
use crate::respond::{self, Body};

/// Connections served at once: scrapers are few.
const MAX_CONNECTIONS: usize = 16;
/// Time to receive a request's headers.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Time given to a scrape in flight at shutdown.
const GRACE: Duration = Duration::from_secs(2);

/// Accepts connections on `listener` until the gateway shuts down.
pub async fn serve(live: Arc<Live>, listener: TcpListener) {
    let (shutdown, tracker) = {
        let app = live.current();
        (app.shutdown.clone(), app.tracker.clone())
    };
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
        };
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics listener: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let live = live.clone();
        let shutdown = shutdown.clone();
        tracker.spawn(async move {
            let service = service_fn(move |req| {
                let live = live.clone();
                async move { Ok::<_, Infallible>(answer(&live, &req).await) }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "metrics connection ended with an error");
                    }
                }
                () = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(GRACE, conn.as_mut()).await;
                }
            }
            drop(permit);
        });
    }
}

async fn answer<B>(live: &Live, req: &Request<B>) -> Response<Body> {
    if req.method() == Method::GET && req.uri().path() == "/metrics" {
        super::scrape(&live.current()).await
    } else {
        respond::not_found()
    }
}
