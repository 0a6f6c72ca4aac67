//! The plugin's own durable records (contract 1.3.0): state that outlives one envelope and is not a short-lived
//! token, such as applications and their history, participants, visits, one-time codes and notices.
//!
//! Records live in the gateway's store, shared by every node, under the plugin's name: a plugin sees only its
//! own. A write is on disk before the call returns and is kept whatever the envelope's outcome. The host keeps
//! only keyed hashes of tags; keys are stored as given, so build a key of a personal identifier with
//! [`fingerprint`]. A record past its expiry is never returned: give every record holding personal data one.
//!
//! A write is a [`Put`] (the WIT `put-request`) built step by step; [`put_json`] and [`get_json`] serialise the
//! value as JSON:
//!
//! ```no_run
//! use gateway_plugin_sdk::host::{self, store::{self, Put, PutResult}};
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Visit { participant: String }
//!
//! let now = host::ids::now_ms();
//! let visit = Visit { participant: "7KX2M9QD".into() };
//! let put = Put::new("visits", host::ids::uuid())
//!     .at(now)
//!     .expires_at(now + 21 * 86_400_000)
//!     .tag("p:7KX2M9QD")
//!     .if_absent();
//! match store::put_json(put, &visit)? {
//!     PutResult::Written(version) => assert_eq!(version, 1),
//!     PutResult::Conflict(_) => unreachable!("a new key"),
//! }
//! let recent = store::query("visits", "p:7KX2M9QD", now - 3_600_000..now + 1, store::MAX_QUERY)?;
//! for item in &recent {
//!     let visit: Visit = item.json()?;
//! }
//! # Ok::<(), store::StoreError>(())
//! ```

use std::ops::Range;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::smev_gateway::plugin::store as wit;
pub use crate::bindings::smev_gateway::plugin::store::{Item, PutResult};
use crate::error::HostError;

/// A write (the WIT `put-request`): build it with [`Put::new`] and the methods after it.
pub type Put = wit::PutRequest;

/// The most records one [`query`] returns (the host caps `limit` at it).
pub const MAX_QUERY: u32 = 1000;

/// A JSON read or write of the store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The host refused or failed the call.
    #[error("store call failed: {0}")]
    Host(HostError),
    /// The value could not be serialised to JSON.
    #[error("cannot serialise the stored value: {0}")]
    Encode(String),
    /// The stored bytes are not the expected JSON.
    #[error("unexpected stored value: {0}")]
    Decode(String),
}

impl StoreError {
    /// Whether retrying later may help (the host reported the store unavailable).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Host(HostError::Unavailable(_)))
    }
}

impl From<HostError> for StoreError {
    fn from(error: HostError) -> Self {
        StoreError::Host(error)
    }
}

/// A record read as JSON: its value and what the store keeps beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored<T> {
    /// The value.
    pub value: T,
    /// The record's version: the `if_version` of a write that must not overwrite a change made meanwhile.
    pub version: u64,
    /// The instant the record is about (unix ms).
    pub at: u64,
    /// When the record ceases to exist (unix ms); `None`: until deleted.
    pub expires_at: Option<u64>,
}

impl Put {
    /// A write of `key` in `collection` with an empty value, `at` 0, no expiry, no tags, unconditional.
    pub fn new(collection: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            collection: collection.into(),
            key: key.into(),
            value: Vec::new(),
            at: 0,
            expires_at: None,
            tags: Vec::new(),
            if_version: None,
        }
    }

    /// The value's bytes (at most 64 KiB).
    pub fn value(mut self, value: impl Into<Vec<u8>>) -> Self {
        self.value = value.into();
        self
    }

    /// The value, serialised as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Result<Self, StoreError> {
        self.value = serde_json::to_vec(value).map_err(|e| StoreError::Encode(e.to_string()))?;
        Ok(self)
    }

    /// The instant the record is about (unix ms), which [`query`] ranges over.
    pub fn at(mut self, unix_ms: u64) -> Self {
        self.at = unix_ms;
        self
    }

    /// When the record ceases to exist (unix ms).
    pub fn expires_at(mut self, unix_ms: u64) -> Self {
        self.expires_at = Some(unix_ms);
        self
    }

    /// Adds a term [`query`] finds the record under (at most 8 a record, each 1–200 characters). The tags of a
    /// write replace the record's earlier ones.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Writes only if the stored record's version is `version` (0: only if there is none).
    pub fn if_version(mut self, version: u64) -> Self {
        self.if_version = Some(version);
        self
    }

    /// Writes only if the record does not exist (or has expired): `if_version(0)`.
    pub fn if_absent(self) -> Self {
        self.if_version(0)
    }
}

impl Item {
    /// The value read as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, StoreError> {
        serde_json::from_slice(&self.value).map_err(|e| StoreError::Decode(e.to_string()))
    }

    /// The record with its value read as JSON.
    pub fn stored<T: DeserializeOwned>(&self) -> Result<Stored<T>, StoreError> {
        Ok(Stored {
            value: self.json()?,
            version: self.version,
            at: self.at,
            expires_at: self.expires_at,
        })
    }
}

impl PutResult {
    /// The new version if the record was written.
    pub fn written(&self) -> Option<u64> {
        match self {
            PutResult::Written(version) => Some(*version),
            PutResult::Conflict(_) => None,
        }
    }
}

/// The record `key` of `collection`, unless it does not exist or has expired.
pub fn get(collection: &str, key: &str) -> Result<Option<Item>, HostError> {
    wit::get(collection, key)
}

/// The record `key` of `collection` with its value read as JSON.
pub fn get_json<T: DeserializeOwned>(
    collection: &str,
    key: &str,
) -> Result<Option<Stored<T>>, StoreError> {
    get(collection, key)?.map(|item| item.stored()).transpose()
}

/// Writes a record: `Written(version)`, or `Conflict(stored now)` when its `if_version` did not hold. The
/// condition and the write are one atomic step on every node.
pub fn put(request: &Put) -> Result<PutResult, HostError> {
    wit::put(request)
}

/// Writes `request` with `value` serialised as JSON (in place of the request's own value).
pub fn put_json<T: Serialize + ?Sized>(request: Put, value: &T) -> Result<PutResult, StoreError> {
    Ok(put(&request.json(value)?)?)
}

/// Deletes a record; true if it existed (and had not expired). Of two callers deleting the same record at once,
/// exactly one gets true: a one-time code is used once.
pub fn delete(collection: &str, key: &str) -> Result<bool, HostError> {
    wit::delete(collection, key)
}

/// The live records of `collection` tagged `tag` whose `at` lies in `range` (`from..until`), oldest first, at
/// most `limit` (capped at [`MAX_QUERY`]).
pub fn query(
    collection: &str,
    tag: &str,
    range: Range<u64>,
    limit: u32,
) -> Result<Vec<Item>, HostError> {
    wit::query(
        collection,
        tag,
        range.start,
        range.end,
        limit.min(MAX_QUERY),
    )
}

/// A keyed hash of `text` (64 hexadecimal digits), the same on every node and for every call of this plugin and
/// different for another plugin: a key made of a personal identifier without storing it.
pub fn fingerprint(text: &str) -> String {
    wit::fingerprint(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Visit {
        participant: String,
    }

    #[test]
    fn writes_are_built_step_by_step() {
        let put = Put::new("visits", "k-1")
            .at(5)
            .expires_at(9)
            .tag("p:A")
            .tag("phone:+79990000000")
            .if_absent()
            .json(&Visit {
                participant: "A".into(),
            })
            .expect("json");
        assert_eq!(
            (put.collection.as_str(), put.key.as_str(), put.at),
            ("visits", "k-1", 5)
        );
        assert_eq!((put.expires_at, put.if_version), (Some(9), Some(0)));
        assert_eq!(put.tags, ["p:A", "phone:+79990000000"]);
        assert_eq!(put.value, br#"{"participant":"A"}"#);
        let plain = Put::new("codes", "A/123456")
            .value(b"x".to_vec())
            .if_version(3);
        assert_eq!(
            (plain.value.as_slice(), plain.if_version),
            (&b"x"[..], Some(3))
        );
        assert!(plain.tags.is_empty() && plain.expires_at.is_none());
    }

    #[test]
    fn items_read_as_json_or_say_why_not() {
        let item = Item {
            collection: "visits".into(),
            key: "k-1".into(),
            value: br#"{"participant":"A"}"#.to_vec(),
            version: 2,
            at: 5,
            expires_at: Some(9),
        };
        let stored: Stored<Visit> = item.stored().expect("json");
        assert_eq!(
            stored,
            Stored {
                value: Visit {
                    participant: "A".into()
                },
                version: 2,
                at: 5,
                expires_at: Some(9),
            }
        );
        let broken = Item {
            value: b"not json".to_vec(),
            ..item
        };
        assert!(matches!(broken.json::<Visit>(), Err(StoreError::Decode(_))));
    }

    #[test]
    fn put_results_and_errors() {
        assert_eq!(PutResult::Written(4).written(), Some(4));
        assert_eq!(PutResult::Conflict(None).written(), None);
        assert!(StoreError::Host(HostError::Unavailable("down".into())).is_unavailable());
        assert!(!StoreError::Host(HostError::Invalid("key".into())).is_unavailable());
        assert!(!StoreError::Decode("x".into()).is_unavailable());
    }
}
