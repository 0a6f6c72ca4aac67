//! Short-lived tokens shared across nodes (e.g. the 5-minute SVO QR GUID and the showcase data).
//!
//! A token is live until `expires_at`; after that it is a tombstone: its data and subject are gone
//! (erased by [`Store::sweep`] or [`Store::token_expire`], and never returned even before that), its
//! id still answers "expired" rather than "unknown" until `tombstone_until`, then the row is deleted.
//! One live token per subject and scope: a second issue for the same subject returns the first.

use std::sync::Arc;

use crate::db::{Arg, DbRow, Tx};
use crate::error::StoreError;
use crate::store::{Store, now_ms};

/// A live token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What the token is for (e.g. `svo-qr`).
    pub scope: String,
    /// The token id (e.g. the QR GUID), unique within the scope.
    pub id: String,
    /// The data the token stands for.
    pub data: Option<Vec<u8>>,
    /// When it was issued (unix ms).
    pub issued_at: i64,
    /// When it expires (unix ms, exclusive: at this time it is expired).
    pub expires_at: i64,
}

/// A token to issue with [`Store::token_issue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// What the token is for.
    pub scope: String,
    /// The token id, unique within the scope.
    pub id: String,
    /// A hash of the subject (hex), so a repeated request finds the live token; `None` for tokens
    /// that are not tied to a subject.
    pub subject_hash: Option<String>,
    /// The data the token stands for (personal data: erased at expiry).
    pub data: Option<Vec<u8>>,
    /// When it is issued (unix ms).
    pub issued_at: i64,
    /// When it expires (unix ms).
    pub expires_at: i64,
    /// Until when the expired id is remembered as a tombstone (unix ms); then it is deleted.
    pub tombstone_until: i64,
}

/// What [`Store::token_get`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenLookup {
    /// The token is live.
    Live(Token),
    /// The token existed and expired at `expires_at`; its data is gone.
    Expired {
        /// When it expired (unix ms).
        expires_at: i64,
    },
    /// No such token (never issued, or its tombstone is gone).
    Unknown,
}

const GET: &str = "SELECT scope, id, data, issued_at, expires_at FROM tokens \
     WHERE scope = $1 AND id = $2";
const BY_SUBJECT: &str = "SELECT scope, id, data, issued_at, expires_at FROM tokens \
     WHERE scope = $1 AND subject_hash = $2 AND expires_at > $3";
const BURY_SUBJECT: &str = "UPDATE tokens SET data = NULL, subject_hash = NULL \
     WHERE scope = $1 AND subject_hash = $2 AND expires_at <= $3";
const ISSUE: &str = "INSERT INTO tokens (scope, id, subject_hash, data, issued_at, expires_at, \
     tombstone_until) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (scope, subject_hash) WHERE subject_hash IS NOT NULL DO NOTHING \
     RETURNING scope, id, data, issued_at, expires_at";
const EXPIRE: &str = "UPDATE tokens SET data = NULL, subject_hash = NULL, \
     expires_at = CASE WHEN expires_at > $3 THEN $3 ELSE expires_at END \
     WHERE scope = $1 AND id = $2";

/// How many times [`Store::token_issue`] retries when the token it lost a race to vanished before
/// it could be read (it expired or was revoked in between).
const ISSUE_ATTEMPTS: usize = 3;

impl Store {
    /// Looks up token `id` of `scope` as of `now_ms`. A token whose `expires_at <= now_ms` is
    /// [`TokenLookup::Expired`] even if the sweep has not erased it yet.
    pub async fn token_get(
        &self,
        scope: &str,
        id: &str,
        now_ms: i64,
    ) -> Result<TokenLookup, StoreError> {
        let row = self
            .pool
            .fetch_optional(GET, &[Arg::text(scope), Arg::text(id)])
            .await?;
        let Some(row) = row else {
            return Ok(TokenLookup::Unknown);
        };
        let token = token_from_row(&row)?;
        Ok(if token.expires_at <= now_ms {
            TokenLookup::Expired {
                expires_at: token.expires_at,
            }
        } else {
            TokenLookup::Live(token)
        })
    }

    /// The live token of `scope` issued for `subject_hash`, as of `now_ms`.
    pub async fn token_by_subject(
        &self,
        scope: &str,
        subject_hash: &str,
        now_ms: i64,
    ) -> Result<Option<Token>, StoreError> {
        let args = [Arg::text(scope), Arg::text(subject_hash), Arg::int(now_ms)];
        let row = self.pool.fetch_optional(BY_SUBJECT, &args).await?;
        row.as_ref().map(token_from_row).transpose()
    }

    /// Issues `t`, or, when a live token of the same scope and subject exists (another node won the
    /// race), returns that one instead. Expired tokens of the subject become tombstones first.
    ///
    /// Errors: [`StoreError::Duplicate`] if the scope already has a token with this id.
    pub async fn token_issue(&self, t: &NewToken, now_ms: i64) -> Result<Token, StoreError> {
        for _ in 0..ISSUE_ATTEMPTS {
            if let Some(token) = self.try_issue(t, now_ms).await? {
                return Ok(token);
            }
        }
        Err(StoreError::Unavailable(sqlx::Error::Protocol(format!(
            "token issue for scope {} kept conflicting with tokens that vanished",
            t.scope
        ))))
    }

    /// One attempt of [`Store::token_issue`]; `None` if the conflicting token could not be read.
    async fn try_issue(&self, t: &NewToken, now_ms: i64) -> Result<Option<Token>, StoreError> {
        let t = Arc::new(t.clone());
        self.group
            .write(move |tx| {
                let t = Arc::clone(&t);
                Box::pin(async move { issue(tx, &t, now_ms).await })
            })
            .await
    }

    /// Makes token `id` of `scope` a tombstone now: its data and subject are erased and it reads as
    /// expired. Unknown ids are ignored.
    pub async fn token_expire(&self, scope: &str, id: &str) -> Result<(), StoreError> {
        let args = [Arg::text(scope), Arg::text(id), Arg::int(now_ms())];
        self.pool.execute(EXPIRE, &args).await?;
        Ok(())
    }
}

/// One attempt of [`Store::token_issue`] inside a group transaction.
async fn issue(tx: &mut Tx, t: &NewToken, now_ms: i64) -> Result<Option<Token>, StoreError> {
    if let Some(subject) = &t.subject_hash {
        let args = [Arg::text(&t.scope), Arg::text(subject), Arg::int(now_ms)];
        tx.execute(BURY_SUBJECT, &args).await?;
    }
    let args = [
        Arg::text(&t.scope),
        Arg::text(&t.id),
        Arg::opt_text(t.subject_hash.as_ref()),
        Arg::Blob(t.data.as_deref()),
        Arg::int(t.issued_at),
        Arg::int(t.expires_at),
        Arg::int(t.tombstone_until),
    ];
    Ok(
        match (tx.fetch_optional(ISSUE, &args).await?, &t.subject_hash) {
            (Some(row), _) => Some(token_from_row(&row)?),
            (None, Some(subject)) => {
                let args = [Arg::text(&t.scope), Arg::text(subject), Arg::int(now_ms)];
                let row = tx.fetch_optional(BY_SUBJECT, &args).await?;
                row.as_ref().map(token_from_row).transpose()?
            }
            // Without a subject the insert cannot skip a conflict: it inserted or failed.
            (None, None) => None,
        },
    )
}

fn token_from_row(row: &DbRow) -> Result<Token, StoreError> {
    Ok(Token {
        scope: row.get("scope")?,
        id: row.get("id")?,
        data: row.get("data")?,
        issued_at: row.get("issued_at")?,
        expires_at: row.get("expires_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(id: &str, subject: &str) -> NewToken {
        NewToken {
            scope: "qr".into(),
            id: id.into(),
            subject_hash: Some(subject.into()),
            data: Some(b"secret".to_vec()),
            issued_at: 1_000,
            expires_at: 2_000,
            tombstone_until: 5_000,
        }
    }

    #[tokio::test]
    async fn a_live_subject_gets_its_token_back_and_an_expired_one_a_new_token() {
        let store = Store::connect("sqlite::memory:", Default::default())
            .await
            .unwrap();
        let first = store.token_issue(&token("a", "s1"), 1_000).await.unwrap();
        assert_eq!(first.id, "a");
        let again = store.token_issue(&token("b", "s1"), 1_500).await.unwrap();
        assert_eq!(again, first, "the live token is returned");
        assert_eq!(
            store.token_get("qr", "b", 1_500).await.unwrap(),
            TokenLookup::Unknown
        );
        let later = NewToken {
            expires_at: 3_000,
            ..token("c", "s1")
        };
        let renewed = store.token_issue(&later, 2_000).await.unwrap();
        assert_eq!(renewed.id, "c", "at expires_at the old token is expired");
        assert_eq!(
            store.token_get("qr", "a", 2_000).await.unwrap(),
            TokenLookup::Expired { expires_at: 2_000 }
        );
    }

    #[tokio::test]
    async fn a_reused_id_is_a_duplicate() {
        let store = Store::connect("sqlite::memory:", Default::default())
            .await
            .unwrap();
        store.token_issue(&token("a", "s1"), 1_000).await.unwrap();
        let err = store
            .token_issue(&token("a", "s2"), 1_000)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Duplicate), "{err:?}");
    }
}
