//! The listener: accepts connections (plain or mutual TLS), serves HTTP/1.1 on each in its own task, and shuts
//! down gracefully: stop accepting, let requests in flight finish within the grace period.

mod tls;

use std::net::SocketAddr;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use tracing::Instrument;

use crate::auth::{ConnInfo, PeerIdentity};
use crate::config::ServerConfig;
use crate::live::Live;
use crate::routes;

pub use tls::TlsAcceptor;

/// Accepts connections until shutdown, then waits for the connections' tasks. Each request is served by the
/// version of the gateway current when it arrives ([`Live::current`]); the listener's own settings (`[server]`)
/// are those the process started with.
pub async fn serve(
    live: Arc<Live>,
    server: &ServerConfig,
    listener: TcpListener,
    tls: Option<Arc<TlsAcceptor>>,
) {
    let server = Arc::new(server.clone());
    let (shutdown, tracker) = (
        live.shared().shutdown.clone(),
        live.shared().tracker.clone(),
    );
    let slots = Arc::new(Semaphore::new(server.max_connections));
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
        };
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let (server, live) = (server.clone(), live.clone());
        let tls = tls.clone();
        tracker.spawn(async move {
            connection(server, live, stream, peer, tls).await;
            drop(permit);
        });
    }
    tracing::info!("listener closed");
}

async fn connection(
    server: Arc<ServerConfig>,
    live: Arc<Live>,
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<Arc<TlsAcceptor>>,
) {
    match tls {
        None => {
            let info = Arc::new(ConnInfo {
                peer,
                identity: PeerIdentity::default(),
            });
            serve_http(server, live, TokioIo::new(stream), info).await;
        }
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(server.handshake_timeout.get(), acceptor.accept(stream));
            match handshake.await {
                Ok(Ok((stream, identity))) => {
                    let info = Arc::new(ConnInfo { peer, identity });
                    serve_http(server, live, TokioIo::new(stream), info).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

async fn serve_http<I>(server: Arc<ServerConfig>, live: Arc<Live>, io: I, info: Arc<ConnInfo>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let shutdown = live.shared().shutdown.clone();
    let service = service_fn(move |req| {
        let live = live.clone();
        let info = info.clone();
        let trace_id = crate::trace::trace_id(&req);
        let span = crate::trace::span(&trace_id);
        async move {
            let mut response =
                crate::metrics::requests::observe(req, |req| routes::handle(live, info, req)).await;
            if let Ok(value) = hyper::header::HeaderValue::from_str(&trace_id) {
                response.headers_mut().insert(crate::trace::HEADER, value);
            }
            Ok::<_, std::convert::Infallible>(response)
        }
        .instrument(span)
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(server.read_timeout.get())
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let grace = server.shutdown_grace.get();
            let _ = tokio::time::timeout(grace, conn.as_mut()).await;
        }
    }
}
