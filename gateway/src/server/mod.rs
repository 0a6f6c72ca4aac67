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

use crate::app::App;
use crate::auth::{ConnInfo, PeerIdentity};
use crate::routes;

pub use tls::TlsAcceptor;

/// Accepts connections until shutdown, then waits for the connections' tasks.
pub async fn serve(app: Arc<App>, listener: TcpListener, tls: Option<Arc<TlsAcceptor>>) {
    let slots = Arc::new(Semaphore::new(app.config.server.max_connections));
    loop {
        let permit = tokio::select! {
            () = app.shutdown.cancelled() => break,
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
        };
        let (stream, peer) = tokio::select! {
            () = app.shutdown.cancelled() => break,
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
        let app = app.clone();
        let tls = tls.clone();
        app.tracker.clone().spawn(async move {
            connection(app, stream, peer, tls).await;
            drop(permit);
        });
    }
    tracing::info!("listener closed");
}

async fn connection(
    app: Arc<App>,
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
            serve_http(app, TokioIo::new(stream), info).await;
        }
        Some(acceptor) => {
            let handshake = tokio::time::timeout(
                app.config.server.handshake_timeout.get(),
                acceptor.accept(stream),
            );
            match handshake.await {
                Ok(Ok((stream, identity))) => {
                    let info = Arc::new(ConnInfo { peer, identity });
                    serve_http(app, TokioIo::new(stream), info).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

async fn serve_http<I>(app: Arc<App>, io: I, info: Arc<ConnInfo>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let svc_app = app.clone();
    let service = service_fn(move |req| {
        let app = svc_app.clone();
        let info = info.clone();
        async move { Ok::<_, std::convert::Infallible>(routes::handle(app, info, req).await) }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(app.config.server.read_timeout.get())
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = app.shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let grace = app.config.server.shutdown_grace.get();
            let _ = tokio::time::timeout(grace, conn.as_mut()).await;
        }
    }
}
