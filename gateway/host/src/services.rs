//! What the gateway provides to the host: the services behind the tokens, registry, crypto and xml-schema
//! capabilities ([`HostServices`]), and the per-call context they receive ([`CallContext`]).

use std::time::Duration;

use crate::error::HostError;
use crate::types::{
    MailMessage, Signer, StorePut, StorePutResult, StoredItem, Token, TokenLookup, VerifyError,
};

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

    /// The plugin's live record `key` of `collection` (contract 1.3.0 `store`; arguments already checked).
    async fn store_get(
        &self,
        _cx: &CallContext,
        _collection: &str,
        _key: &str,
    ) -> Result<Option<StoredItem>, HostError> {
        Err(not_configured("the plugin store"))
    }

    /// Writes the plugin's record if the condition holds.
    async fn store_put(
        &self,
        _cx: &CallContext,
        _put: StorePut,
    ) -> Result<StorePutResult, HostError> {
        Err(not_configured("the plugin store"))
    }

    /// Deletes the plugin's record; true if it was live.
    async fn store_delete(
        &self,
        _cx: &CallContext,
        _collection: &str,
        _key: &str,
    ) -> Result<bool, HostError> {
        Err(not_configured("the plugin store"))
    }

    /// The plugin's live records of `collection` under the hashed tag `tag_hash` with `at` in
    /// [`from`, `until`), oldest first, at most `limit`.
    async fn store_query(
        &self,
        _cx: &CallContext,
        _collection: &str,
        _tag_hash: &str,
        _from: u64,
        _until: u64,
        _limit: u32,
    ) -> Result<Vec<StoredItem>, HostError> {
        Err(not_configured("the plugin store"))
    }

    /// Queues an e-mail; false when the plugin queued one with this key before (contract 1.3.0 `mail`).
    async fn mail_send(&self, _cx: &CallContext, _message: MailMessage) -> Result<bool, HostError> {
        Err(not_configured("e-mail ([smtp])"))
    }

    /// The key of the host's keyed hashes (store tags and `store.fingerprint`): the same on every node of one
    /// gateway. The default is random per process (a host without a gateway).
    fn hash_key(&self) -> &[u8] {
        process_key()
    }
}

/// A random key for this process.
fn process_key() -> &'static [u8] {
    static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key
    })
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
