//! HTTPS with OpenSSL: the server certificate, and with a client CA, mutual TLS that refuses clients without a
//! certificate of that CA. The handshake runs in the connection's own task, never in the accept loop.

use std::pin::Pin;
use std::time::Duration;

use anyhow::Context;
use openssl::ssl::{Ssl, SslAcceptor, SslFiletype, SslMethod, SslVerifyMode, SslVersion};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use crate::config::SimTls;

/// Longest TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts TLS connections.
pub(crate) struct Acceptor {
    acceptor: SslAcceptor,
}

impl Acceptor {
    /// Reads the certificate, the key and the client CA; fails naming the file at fault.
    pub(crate) fn new(tls: &SimTls) -> anyhow::Result<Acceptor> {
        let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
        b.set_min_proto_version(Some(SslVersion::TLS1_2))?;
        b.set_certificate_chain_file(&tls.cert)
            .with_context(|| format!("server certificate {}", tls.cert.display()))?;
        b.set_private_key_file(&tls.key, SslFiletype::PEM)
            .with_context(|| format!("server key {}", tls.key.display()))?;
        b.check_private_key()
            .context("the server key does not match its certificate")?;
        if let Some(ca) = &tls.client_ca {
            b.set_ca_file(ca)
                .with_context(|| format!("client CA {}", ca.display()))?;
            b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
        }
        Ok(Acceptor {
            acceptor: b.build(),
        })
    }

    /// Runs the handshake on `stream`, for at most [`HANDSHAKE_TIMEOUT`].
    pub(crate) async fn accept(&self, stream: TcpStream) -> anyhow::Result<SslStream<TcpStream>> {
        let ssl = Ssl::new(self.acceptor.context())?;
        let mut stream = SslStream::new(ssl, stream)?;
        tokio::time::timeout(HANDSHAKE_TIMEOUT, Pin::new(&mut stream).accept())
            .await
            .context("TLS handshake timed out")??;
        Ok(stream)
    }
}
