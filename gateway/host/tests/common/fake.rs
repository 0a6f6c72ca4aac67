//! Fake gateway services with observable behaviour.
//!
//! - tokens: in memory, ids `tok-<n>`, expiry by the wall clock;
//! - registry: adapter `echo` returns its input, `slow` sleeps 10 s first, `down` is unavailable, others are
//!   invalid; every call's context is recorded;
//! - crypto: signature `good` verifies (subject `CN=Test Signer`), `untrusted` is untrusted, others are bad;
//! - xml-schema: namespace `urn:valid` validates, others answer a message.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gateway_host::{CallContext, HostError, HostServices, Signer, Token, TokenLookup, VerifyError};

#[derive(Default)]
pub struct FakeServices {
    tokens: Mutex<HashMap<(String, String), (String, Token)>>,
    next_token: Mutex<u64>,
    calls: Mutex<Vec<(CallContext, String, String)>>,
}

impl FakeServices {
    /// Registry calls made so far: context, adapter, operation.
    pub fn calls(&self) -> Vec<(CallContext, String, String)> {
        self.calls.lock().expect("lock").clone()
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

#[async_trait::async_trait]
impl HostServices for FakeServices {
    async fn token_get(
        &self,
        _cx: &CallContext,
        scope: &str,
        id: &str,
    ) -> Result<TokenLookup, HostError> {
        let tokens = self.tokens.lock().expect("lock");
        Ok(match tokens.get(&(scope.to_owned(), id.to_owned())) {
            Some((_, token)) if token.expires_at > now_ms() => TokenLookup::Live(token.clone()),
            Some((_, token)) => TokenLookup::Expired(token.expires_at),
            None => TokenLookup::Unknown,
        })
    }

    async fn token_find(
        &self,
        _cx: &CallContext,
        scope: &str,
        subject: &str,
    ) -> Result<Option<Token>, HostError> {
        let tokens = self.tokens.lock().expect("lock");
        Ok(tokens
            .iter()
            .find(|((token_scope, _), (owner, token))| {
                token_scope == scope && owner == subject && token.expires_at > now_ms()
            })
            .map(|(_, (_, token))| token.clone()))
    }

    async fn token_issue(
        &self,
        cx: &CallContext,
        scope: &str,
        subject: &str,
        data: Vec<u8>,
        ttl: Duration,
    ) -> Result<Token, HostError> {
        if let Some(live) = self.token_find(cx, scope, subject).await? {
            return Ok(live);
        }
        let id = {
            let mut next = self.next_token.lock().expect("lock");
            *next += 1;
            format!("tok-{next}")
        };
        let issued_at = now_ms();
        let token = Token {
            id: id.clone(),
            data,
            issued_at,
            expires_at: issued_at + ttl.as_millis() as u64,
        };
        self.tokens
            .lock()
            .expect("lock")
            .insert((scope.to_owned(), id), (subject.to_owned(), token.clone()));
        Ok(token)
    }

    async fn registry_call(
        &self,
        cx: &CallContext,
        adapter: &str,
        operation: &str,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, HostError> {
        self.calls.lock().expect("lock").push((
            cx.clone(),
            adapter.to_owned(),
            operation.to_owned(),
        ));
        match adapter {
            "echo" => Ok([operation.as_bytes(), b":", &input].concat()),
            "slow" => {
                tokio::time::sleep(Duration::from_secs(10)).await;
                Ok(input)
            }
            "down" => Err(HostError::Unavailable("the registry is down".into())),
            other => Err(HostError::Invalid(format!("unknown adapter {other:?}"))),
        }
    }

    async fn verify_detached(
        &self,
        _cx: &CallContext,
        content: Vec<u8>,
        signature: Vec<u8>,
    ) -> Result<Result<Signer, VerifyError>, HostError> {
        Ok(match signature.as_slice() {
            b"good" => Ok(Signer {
                subject: format!(
                    "CN=Test Signer, content={}",
                    String::from_utf8_lossy(&content)
                ),
                issuer: "CN=Test CA".into(),
                serial: "01".into(),
                snils: Some("11223344595".into()),
                inn: None,
                ogrn: None,
                not_before: 0,
                not_after: u64::MAX,
            }),
            b"untrusted" => Err(VerifyError::Untrusted("unknown CA".into())),
            _ => Err(VerifyError::BadSignature("digest mismatch".into())),
        })
    }

    async fn validate_xml(
        &self,
        _cx: &CallContext,
        namespace: &str,
        document: Vec<u8>,
    ) -> Result<Option<String>, HostError> {
        Ok(match namespace {
            "urn:valid" => None,
            other => Some(format!("no schema for {other} ({} bytes)", document.len())),
        })
    }
}
