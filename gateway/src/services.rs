//! The host capabilities that need the gateway's I/O: tokens (cache + store; each plugin in its own scopes,
//! see [`crate::scopes`]), registry calls through adapters (only those the plugin's config lists), signature
//! checks and XML Schema validation (both on blocking threads, off the async workers).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use gateway_adapter_host::{Adapters, CallError};
use gateway_host::{
    CallContext, HostError, HostServices, MailMessage, Signer, StorePut, StorePutResult,
    StoredItem, Token, TokenLookup, VerifyError,
};
use gateway_schema::SchemaCatalog;
use gateway_store::Store;

use crate::crypto::TrustStore;
use crate::host_error::store_err;
use crate::plugin_mail::PluginMail;
use crate::scopes::{Access, ScopePolicy};
use crate::tokens::TokenService;

/// The gateway's implementation of [`HostServices`].
pub struct Services {
    pub tokens: Arc<TokenService>,
    pub adapters: Arc<Adapters>,
    pub schemas: Arc<SchemaCatalog>,
    pub trust: Arc<TrustStore>,
    /// Adapters each plugin may call.
    pub allowed_adapters: HashMap<String, Vec<String>>,
    /// Whose token scopes each plugin may read.
    pub scopes: ScopePolicy,
    /// Where plugins' own records are kept.
    pub store: Store,
    /// E-mail for plugins; none without `[smtp]`.
    pub mail: Option<Arc<PluginMail>>,
}

fn token(t: gateway_store::Token) -> Token {
    Token {
        id: t.id,
        data: t.data.unwrap_or_default(),
        issued_at: t.issued_at as u64,
        expires_at: t.expires_at as u64,
    }
}

#[async_trait::async_trait]
impl HostServices for Services {
    async fn token_get(
        &self,
        cx: &CallContext,
        scope: &str,
        id: &str,
    ) -> Result<TokenLookup, HostError> {
        let scope = self.scopes.resolve(&cx.plugin, scope, Access::Read)?;
        Ok(
            match self.tokens.get(&scope, id).await.map_err(store_err)? {
                gateway_store::TokenLookup::Live(t) => TokenLookup::Live(token(t)),
                gateway_store::TokenLookup::Expired { expires_at } => {
                    TokenLookup::Expired(expires_at as u64)
                }
                gateway_store::TokenLookup::Unknown => TokenLookup::Unknown,
            },
        )
    }

    async fn token_find(
        &self,
        cx: &CallContext,
        scope: &str,
        subject: &str,
    ) -> Result<Option<Token>, HostError> {
        let scope = self.scopes.resolve(&cx.plugin, scope, Access::Read)?;
        Ok(self
            .tokens
            .find(&scope, subject)
            .await
            .map_err(store_err)?
            .map(token))
    }

    async fn token_issue(
        &self,
        cx: &CallContext,
        scope: &str,
        subject: &str,
        data: Vec<u8>,
        ttl: Duration,
    ) -> Result<Token, HostError> {
        if ttl.is_zero() {
            return Err(HostError::Invalid(
                "a token needs a positive lifetime".into(),
            ));
        }
        let scope = self.scopes.resolve(&cx.plugin, scope, Access::Write)?;
        Ok(token(
            self.tokens
                .issue(&scope, subject, data, ttl)
                .await
                .map_err(store_err)?,
        ))
    }

    async fn registry_call(
        &self,
        cx: &CallContext,
        adapter: &str,
        operation: &str,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, HostError> {
        let allowed = self
            .allowed_adapters
            .get(&cx.plugin)
            .is_some_and(|a| a.iter().any(|n| n == adapter));
        if !allowed {
            return Err(HostError::Invalid(format!(
                "plugin `{}` may not call adapter `{adapter}` (list it in [plugins.{}] adapters)",
                cx.plugin, cx.plugin
            )));
        }
        self.adapters
            .call(adapter, operation, input)
            .await
            .map_err(|e| match e {
                CallError::UnknownAdapter(a) => {
                    HostError::Invalid(format!("unknown adapter `{a}`"))
                }
                CallError::Invalid(m) => HostError::Invalid(m),
                e if e.is_retryable() => HostError::Unavailable(e.to_string()),
                e => HostError::Failed(e.to_string()),
            })
    }

    async fn verify_detached(
        &self,
        cx: &CallContext,
        content: Vec<u8>,
        signature: Vec<u8>,
    ) -> Result<Result<Signer, VerifyError>, HostError> {
        let trust = self.trust.clone();
        tokio::task::spawn_blocking(move || trust.verify_detached_online(&content, &signature))
            .await
            .map_err(|e| HostError::Failed(format!("signature check failed to run: {e}")))?
            .map_err(|why| {
                tracing::warn!(plugin = %cx.plugin, %why, "revocation check unavailable");
                HostError::Unavailable(why)
            })
    }

    async fn validate_xml(
        &self,
        _cx: &CallContext,
        namespace: &str,
        document: Vec<u8>,
    ) -> Result<Option<String>, HostError> {
        if !self.schemas.has_xsd(namespace) {
            return Err(HostError::Invalid(format!(
                "no schema for namespace `{namespace}`"
            )));
        }
        let (verdict, _) = crate::edge::validate_xml(&self.schemas, namespace, document)
            .await
            .map_err(|e| HostError::Failed(format!("schema check failed to run: {e}")))?;
        Ok(verdict.err().map(|v| v.messages.join("; ")))
    }

    async fn store_get(
        &self,
        cx: &CallContext,
        collection: &str,
        key: &str,
    ) -> Result<Option<StoredItem>, HostError> {
        crate::plugin_store::get(&self.store, cx, collection, key).await
    }

    async fn store_put(
        &self,
        cx: &CallContext,
        put: StorePut,
    ) -> Result<StorePutResult, HostError> {
        crate::plugin_store::put(&self.store, cx, put).await
    }

    async fn store_delete(
        &self,
        cx: &CallContext,
        collection: &str,
        key: &str,
    ) -> Result<bool, HostError> {
        crate::plugin_store::delete(&self.store, cx, collection, key).await
    }

    async fn store_query(
        &self,
        cx: &CallContext,
        collection: &str,
        tag_hash: &str,
        from: u64,
        until: u64,
        limit: u32,
    ) -> Result<Vec<StoredItem>, HostError> {
        crate::plugin_store::query(&self.store, cx, collection, tag_hash, (from, until), limit)
            .await
    }

    async fn mail_send(&self, cx: &CallContext, message: MailMessage) -> Result<bool, HostError> {
        match &self.mail {
            Some(mail) => mail.queue(&cx.plugin, message).await,
            None => Err(HostError::Unavailable(
                "the gateway has no [smtp]: it cannot send e-mail".into(),
            )),
        }
    }

    fn hash_key(&self) -> &[u8] {
        self.tokens.key()
    }
}
