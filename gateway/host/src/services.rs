//! What the gateway provides to the host: the services behind the tokens, registry, crypto and xml-schema
//! capabilities ([`HostServices`]), and the per-call context they receive ([`CallContext`]).

use std::time::Duration;

use crate::error::HostError;
use crate::types::{Signer, Token, TokenLookup, VerifyError};

/// Who is calling a host service: the plugin and the envelope it is handling (or the page it is rendering).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContext {
    /// The plugin's name (from its [`PluginSpec`](crate::PluginSpec)).
    pub plugin: String,
    /// The envelope's message id; for a page, a fresh UUID naming the call; empty for `describe`.
    pub message_id: String,
    /// The envelope's sender mnemonic; empty for a page (its client is anonymous) and for `describe`.
    pub sender: String,
}

/// The gateway's side of the capabilities a plugin can reach. The host holds it as `Arc<dyn HostServices>`
/// and calls it from inside plugin invocations; every call counts against the invocation's deadline (a call
/// still running at the deadline is dropped).
#[async_trait::async_trait]
pub trait HostServices: Send + Sync + 'static {
    /// The token `id` of `scope`.
    async fn token_get(
        &self,
        cx: &CallContext,
        scope: &str,
        id: &str,
    ) -> Result<TokenLookup, HostError>;

    /// The live token issued for `subject` in `scope`, if any.
    async fn token_find(
        &self,
        cx: &CallContext,
        scope: &str,
        subject: &str,
    ) -> Result<Option<Token>, HostError>;

    /// Issues a token for `subject` holding `data` for `ttl`; returns the existing live token of the subject
    /// instead if there is one.
    async fn token_issue(
        &self,
        cx: &CallContext,
        scope: &str,
        subject: &str,
        data: Vec<u8>,
        ttl: Duration,
    ) -> Result<Token, HostError>;

    /// Calls `operation` of the adapter `adapter` with `input`.
    async fn registry_call(
        &self,
        cx: &CallContext,
        adapter: &str,
        operation: &str,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, HostError>;

    /// Verifies a detached CMS signature (DER) over `content`.
    async fn verify_detached(
        &self,
        cx: &CallContext,
        content: Vec<u8>,
        signature: Vec<u8>,
    ) -> Result<Result<Signer, VerifyError>, HostError>;

    /// Validates the XML `document` against the schema for `namespace`: `None` when valid, the validator's
    /// message when not.
    async fn validate_xml(
        &self,
        cx: &CallContext,
        namespace: &str,
        document: Vec<u8>,
    ) -> Result<Option<String>, HostError>;
}

/// Services for a host without a gateway behind it (tools, benchmarks): every call answers
/// [`HostError::Unavailable`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoServices;

fn not_configured(what: &str) -> HostError {
    HostError::Unavailable(format!("{what} is not configured in this host"))
}

#[async_trait::async_trait]
impl HostServices for NoServices {
    async fn token_get(
        &self,
        _cx: &CallContext,
        _scope: &str,
        _id: &str,
    ) -> Result<TokenLookup, HostError> {
        Err(not_configured("the token store"))
    }

    async fn token_find(
        &self,
        _cx: &CallContext,
        _scope: &str,
        _subject: &str,
    ) -> Result<Option<Token>, HostError> {
        Err(not_configured("the token store"))
    }

    async fn token_issue(
        &self,
        _cx: &CallContext,
        _scope: &str,
        _subject: &str,
        _data: Vec<u8>,
        _ttl: Duration,
    ) -> Result<Token, HostError> {
        Err(not_configured("the token store"))
    }

    async fn registry_call(
        &self,
        _cx: &CallContext,
        adapter: &str,
        _operation: &str,
        _input: Vec<u8>,
    ) -> Result<Vec<u8>, HostError> {
        Err(not_configured(&format!("adapter {adapter:?}")))
    }

    async fn verify_detached(
        &self,
        _cx: &CallContext,
        _content: Vec<u8>,
        _signature: Vec<u8>,
    ) -> Result<Result<Signer, VerifyError>, HostError> {
        Err(not_configured("signature verification"))
    }

    async fn validate_xml(
        &self,
        _cx: &CallContext,
        _namespace: &str,
        _document: Vec<u8>,
    ) -> Result<Option<String>, HostError> {
        Err(not_configured("XML Schema validation"))
    }
}
