//! Who is calling: client systems (senders) identified by their TLS client certificate or, where the operator
//! allows it, a bearer token; each maps to a sender mnemonic and the message types it may send.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use smev_envelope::FaultKind;

use crate::config::Config;
use crate::error::Failure;

/// An authenticated client system.
#[derive(Debug)]
pub struct Sender {
    /// The mnemonic: its identity in queues and journals.
    pub mnemonic: String,
    /// Human-readable name.
    pub name: String,
    /// Every routed type allowed.
    pub may_send_all: bool,
    /// Types allowed (Clark notation).
    pub may_send: HashSet<String>,
    /// SHA-256 (lower-case hex) of the certificate its SOAP requests must be signed with, if it must sign.
    pub signature_cert_sha256: Option<String>,
}

impl Sender {
    /// Whether this sender may send messages of `message_type` (Clark notation).
    pub fn may_send(&self, message_type: &str) -> bool {
        self.may_send_all || self.may_send.contains(message_type)
    }
}

/// What the connection told about the client.
#[derive(Debug, Clone, Default)]
pub struct PeerIdentity {
    /// SHA-256 (lower-case hex) of the verified client certificate (DER), if the client presented one.
    pub client_cert_sha256: Option<String>,
    /// The certificate's subject, for logs.
    pub client_cert_subject: Option<String>,
}

/// What a handler knows about the connection a request came on.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    /// The client's address.
    pub peer: std::net::SocketAddr,
    /// What the TLS handshake proved.
    pub identity: PeerIdentity,
}

/// Maps credentials to senders.
pub struct Authenticator {
    allow_bearer: bool,
    by_token: HashMap<String, Arc<Sender>>,
    by_cert: HashMap<String, Arc<Sender>>,
    by_mnemonic: HashMap<String, Arc<Sender>>,
}

/// SHA-256 of `data`, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

impl Authenticator {
    /// Builds the credential tables from the config.
    pub fn new(config: &Config) -> Authenticator {
        let mut a = Authenticator {
            allow_bearer: config.auth.allow_bearer,
            by_token: HashMap::new(),
            by_cert: HashMap::new(),
            by_mnemonic: HashMap::new(),
        };
        for s in &config.senders {
            let sender = Arc::new(Sender {
                mnemonic: s.mnemonic.clone(),
                name: s.name.clone().unwrap_or_else(|| s.mnemonic.clone()),
                may_send_all: s.may_send.iter().any(|t| t == "*"),
                may_send: s.may_send.iter().filter(|t| *t != "*").cloned().collect(),
                signature_cert_sha256: s
                    .signature_cert_sha256
                    .as_ref()
                    .map(|h| h.replace(':', "").to_ascii_lowercase()),
            });
            if let Some(h) = &s.bearer_token_sha256 {
                a.by_token.insert(h.to_ascii_lowercase(), sender.clone());
            }
            if let Some(h) = &s.client_cert_sha256 {
                a.by_cert
                    .insert(h.replace(':', "").to_ascii_lowercase(), sender.clone());
            }
            a.by_mnemonic.insert(s.mnemonic.clone(), sender);
        }
        a
    }

    /// The sender named `mnemonic`.
    pub fn sender(&self, mnemonic: &str) -> Option<Arc<Sender>> {
        self.by_mnemonic.get(mnemonic).cloned()
    }

    /// Identifies the caller from its connection and `Authorization` header. A client certificate, when
    /// present, decides; otherwise a bearer token if allowed. Anything else is `SenderIsNotRegistered`.
    pub fn authenticate(
        &self,
        peer: &PeerIdentity,
        authorization: Option<&str>,
    ) -> Result<Arc<Sender>, Failure> {
        if let Some(fp) = &peer.client_cert_sha256 {
            return self.by_cert.get(fp).cloned().ok_or_else(|| {
                tracing::warn!(subject = ?peer.client_cert_subject, "client certificate of no registered sender");
                not_registered()
            });
        }
        if self.allow_bearer
            && let Some(token) = authorization.and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
        {
            return self
                .by_token
                .get(&sha256_hex(token.trim().as_bytes()))
                .cloned()
                .ok_or_else(not_registered);
        }
        Err(not_registered())
    }
}

fn not_registered() -> Failure {
    Failure::of(
        FaultKind::SenderIsNotRegistered,
        "Отправитель не зарегистрирован в шлюзе",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(allow_bearer: bool) -> Config {
        let token_hash = sha256_hex(b"secret-token");
        let text = format!(
            r#"
            [auth]
            allow_bearer = {allow_bearer}
            [[senders]]
            mnemonic = "DEMO01"
            bearer_token_sha256 = "{token_hash}"
            may_send = ["*"]
            "#
        );
        let mut c: Config = toml::from_str(&text).unwrap();
        c.base_dir = ".".into();
        c
    }

    #[test]
    fn bearer_tokens_only_when_allowed() {
        let peer = PeerIdentity::default();
        let a = Authenticator::new(&config(true));
        assert_eq!(
            a.authenticate(&peer, Some("Bearer secret-token"))
                .unwrap()
                .mnemonic,
            "DEMO01"
        );
        let err = a.authenticate(&peer, Some("Bearer wrong")).unwrap_err();
        assert_eq!(err.fault.kind, FaultKind::SenderIsNotRegistered);
        assert!(a.authenticate(&peer, None).is_err());
        let b = Authenticator::new(&config(false));
        assert!(b.authenticate(&peer, Some("Bearer secret-token")).is_err());
    }

    #[test]
    fn unknown_certificate_is_refused_even_with_a_token() {
        let a = Authenticator::new(&config(true));
        let peer = PeerIdentity {
            client_cert_sha256: Some("00".repeat(32)),
            client_cert_subject: None,
        };
        assert!(a.authenticate(&peer, Some("Bearer secret-token")).is_err());
    }
}
