//! Short-lived tokens (e.g. the 5-minute SVO QR): a moka cache with per-entry expiry in front of the store,
//! which is the shared truth for every node.
//!
//! A token is immutable once issued and dies at a fixed instant, so a node may serve a live token from its own
//! cache; the cache drops it at that instant and the store's sweeper deletes its data there too. Subjects (e.g.
//! a СНИЛС) are never stored: only an HMAC-SHA256 of `scope`, `subject` under the operator's key.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gateway_store::{NewToken, Store, Token, TokenLookup};
use hmac::{Hmac, Mac};
use moka::Expiry;
use moka::future::Cache;
use sha2::Sha256;

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The key of the gateway's keyed hashes of personal identifiers: the operator's `[tokens] subject_key`, or
/// else one the gateway made once and keeps in the store (shared by every node and every restart, so that a
/// plugin's tags and fingerprints written yesterday still match today). The operator's key is better: a key in
/// the same database as the hashes does not protect them from whoever reads the database.
pub async fn hash_key(configured: Option<&str>, store: &Store) -> anyhow::Result<Vec<u8>> {
    if let Some(k) = configured {
        return Ok(k.as_bytes().to_vec());
    }
    let mut fresh = vec![0u8; 32];
    openssl::rand::rand_bytes(&mut fresh)?;
    let key = store.shared_key("subject-key", &fresh).await?;
    tracing::warn!(
        "[tokens] subject_key is not set: the key of the hashes of personal identifiers is kept in the store; \
         set it through GATEWAY__TOKENS__SUBJECT_KEY to keep it apart from the data"
    );
    Ok(key)
}

/// Lives until the token's own expiry.
struct UntilExpiry;

impl Expiry<(String, String), Arc<Token>> for UntilExpiry {
    fn expire_after_create(
        &self,
        _k: &(String, String),
        v: &Arc<Token>,
        _now: Instant,
    ) -> Option<Duration> {
        Some(Duration::from_millis(
            u64::try_from(v.expires_at - now_ms()).unwrap_or(0),
        ))
    }
}

/// The token service shared by all plugin calls of this node.
pub struct TokenService {
    store: Store,
    key: Vec<u8>,
    tombstone_keep: Duration,
    by_id: Cache<(String, String), Arc<Token>>,
    by_subject: Cache<(String, String), Arc<Token>>,
}

impl TokenService {
    /// The operator's key (`[tokens] subject_key`, else random per process) that keys the gateway's hashes of
    /// personal identifiers: token subjects, plugins' record tags and fingerprints.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// A service over `store`; `key` keys the subject hash (see [`hash_key`]).
    pub fn new(
        store: Store,
        key: Vec<u8>,
        capacity: u64,
        tombstone_keep: Duration,
    ) -> TokenService {
        TokenService {
            store,
            key,
            tombstone_keep,
            by_id: Cache::builder()
                .max_capacity(capacity)
                .expire_after(UntilExpiry)
                .build(),
            by_subject: Cache::builder()
                .max_capacity(capacity)
                .expire_after(UntilExpiry)
                .build(),
        }
    }

    /// The keyed hash under which `subject` of `scope` is stored.
    pub fn subject_hash(&self, scope: &str, subject: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes keys of any size");
        mac.update(scope.as_bytes());
        mac.update(&[0]);
        mac.update(subject.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The token `id` of `scope`.
    pub async fn get(
        &self,
        scope: &str,
        id: &str,
    ) -> Result<TokenLookup, gateway_store::StoreError> {
        let now = now_ms();
        if let Some(t) = self.by_id.get(&(scope.to_owned(), id.to_owned())).await
            && t.expires_at > now
        {
            crate::metrics::record::token_lookup(scope, true);
            return Ok(TokenLookup::Live((*t).clone()));
        }
        crate::metrics::record::token_lookup(scope, false);
        let found = self.store.token_get(scope, id, now).await?;
        if let TokenLookup::Live(t) = &found {
            self.by_id
                .insert((scope.to_owned(), id.to_owned()), Arc::new(t.clone()))
                .await;
        }
        Ok(found)
    }

    /// The live token issued for `subject` in `scope`.
    pub async fn find(
        &self,
        scope: &str,
        subject: &str,
    ) -> Result<Option<Token>, gateway_store::StoreError> {
        let now = now_ms();
        let hash = self.subject_hash(scope, subject);
        if let Some(t) = self.by_subject.get(&(scope.to_owned(), hash.clone())).await
            && t.expires_at > now
        {
            crate::metrics::record::token_lookup(scope, true);
            return Ok(Some((*t).clone()));
        }
        crate::metrics::record::token_lookup(scope, false);
        let found = self.store.token_by_subject(scope, &hash, now).await?;
        if let Some(t) = &found {
            self.remember(scope, &hash, t).await;
        }
        Ok(found)
    }

    /// Issues a token for `subject` (or returns the live one another node issued first).
    pub async fn issue(
        &self,
        scope: &str,
        subject: &str,
        data: Vec<u8>,
        ttl: Duration,
    ) -> Result<Token, gateway_store::StoreError> {
        let now = now_ms();
        let hash = self.subject_hash(scope, subject);
        let expires_at = now + i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let new = NewToken {
            scope: scope.to_owned(),
            id: uuid::Uuid::new_v4().to_string(),
            subject_hash: Some(hash.clone()),
            data: Some(data),
            issued_at: now,
            expires_at,
            tombstone_until: expires_at
                + i64::try_from(self.tombstone_keep.as_millis()).unwrap_or(0),
        };
        let token = self.store.token_issue(&new, now).await?;
        self.remember(scope, &hash, &token).await;
        Ok(token)
    }

    /// Drops expired entries from memory now (the caches also do it lazily).
    pub async fn run_pending_tasks(&self) {
        self.by_id.run_pending_tasks().await;
        self.by_subject.run_pending_tasks().await;
    }

    async fn remember(&self, scope: &str, hash: &str, t: &Token) {
        let t = Arc::new(t.clone());
        self.by_id
            .insert((scope.to_owned(), t.id.clone()), t.clone())
            .await;
        self.by_subject
            .insert((scope.to_owned(), hash.to_owned()), t)
            .await;
    }
}
