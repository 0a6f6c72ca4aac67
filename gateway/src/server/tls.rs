//! TLS on the listener with OpenSSL, optionally requiring client certificates (mutual TLS). The handshake runs
//! in the connection's own task, never in the accept loop.

use std::pin::Pin;

use anyhow::Context;
use openssl::ssl::{Ssl, SslAcceptor, SslFiletype, SslMethod, SslVerifyMode, SslVersion};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use crate::auth::{PeerIdentity, sha256_hex};
use crate::config::{Config, TlsConfig};

/// Accepts TLS connections and reports the client's certificate.
pub struct TlsAcceptor {
    acceptor: SslAcceptor,
}

impl TlsAcceptor {
    /// Builds the acceptor from `[server.tls]`.
    pub fn new(config: &Config, tls: &TlsConfig) -> anyhow::Result<TlsAcceptor> {
        let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
        b.set_min_proto_version(Some(SslVersion::TLS1_2))?;
        let cert = config.resolve(&tls.cert);
        let key = config.resolve(&tls.key);
        b.set_certificate_chain_file(&cert)
            .with_context(|| format!("server certificate {}", cert.display()))?;
        b.set_private_key_file(&key, SslFiletype::PEM)
            .with_context(|| format!("server key {}", key.display()))?;
        b.check_private_key()
            .context("the server key does not match its certificate")?;
        if let Some(ca) = &tls.client_ca {
            let ca = config.resolve(ca);
            b.set_ca_file(&ca)
                .with_context(|| format!("client CA {}", ca.display()))?;
            let mut mode = SslVerifyMode::PEER;
            if tls.require_client_cert.unwrap_or(true) {
                mode |= SslVerifyMode::FAIL_IF_NO_PEER_CERT;
            }
            b.set_verify(mode);
        }
        Ok(TlsAcceptor {
            acceptor: b.build(),
        })
    }

    /// Runs the handshake on `stream`.
    pub async fn accept(
        &self,
        stream: TcpStream,
    ) -> anyhow::Result<(SslStream<TcpStream>, PeerIdentity)> {
        let ssl = Ssl::new(self.acceptor.context())?;
        let mut stream = SslStream::new(ssl, stream)?;
        Pin::new(&mut stream).accept().await?;
        let identity = match stream.ssl().peer_certificate() {
            Some(cert) => PeerIdentity {
                client_cert_sha256: Some(sha256_hex(&cert.to_der()?)),
                client_cert_subject: Some(format!("{:?}", cert.subject_name())),
            },
            None => PeerIdentity::default(),
        };
        Ok((stream, identity))
    }
}
