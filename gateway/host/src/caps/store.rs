//! `store` (contract 1.3.0): the plugin's own durable records, kept by the gateway's
//! [`HostServices`](crate::HostServices) under the plugin's name. The host checks every argument and replaces
//! each tag with a keyed hash before the gateway sees it, so a tag's text (a phone, a СНИЛС) is never stored.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::bindings::smev_gateway::plugin::store::{Host, Item, PutRequest, PutResult};
use crate::bindings::smev_gateway::plugin::types::HostError;
use crate::state::StoreState;
use crate::types::{StorePut, StorePutResult, StoredItem};

/// The largest value.
pub(crate) const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The most tags of one record.
pub(crate) const MAX_TAGS: usize = 8;
/// The longest key or tag, in bytes.
pub(crate) const MAX_KEY_BYTES: usize = 200;
/// The most records one query returns.
pub(crate) const MAX_QUERY: u32 = 1000;

/// `a-z`, `0-9`, `-`, `_`, 1 to 64 of them.
fn check_collection(name: &str) -> Result<(), HostError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(HostError::Invalid(format!(
            "collection {name:?}: use 1 to 64 characters a-z, 0-9, - and _"
        )))
    }
}

/// Printable ASCII, 1 to 200 bytes (shared with `mail` keys).
pub(crate) fn check_key(what: &str, key: &str) -> Result<(), HostError> {
    if (1..=MAX_KEY_BYTES).contains(&key.len()) && key.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Ok(())
    } else {
        Err(HostError::Invalid(format!(
            "a {what} is 1 to {MAX_KEY_BYTES} printable ASCII characters"
        )))
    }
}

fn check_tag(tag: &str) -> Result<(), HostError> {
    if tag.is_empty() || tag.len() > MAX_KEY_BYTES || tag.chars().any(char::is_control) {
        // The tag may be personal data: never quote it.
        return Err(HostError::Invalid(format!(
            "a tag is 1 to {MAX_KEY_BYTES} bytes without control characters"
        )));
    }
    Ok(())
}

/// HMAC-SHA256 of the NUL-separated `parts` under `key`, in hex.
pub(crate) fn keyed_hash(key: &[u8], parts: &[&str]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            mac.update(&[0]);
        }
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

impl StoreState {
    fn tag_hash(&self, collection: &str, tag: &str) -> String {
        let key = self.services.hash_key();
        keyed_hash(key, &["tag", &self.plugin.name, collection, tag])
    }
}

fn item(i: StoredItem) -> Item {
    Item {
        collection: i.collection,
        key: i.key,
        value: i.value,
        version: i.version,
        at: i.at,
        expires_at: i.expires_at,
    }
}

impl Host for StoreState {
    async fn get(&mut self, collection: String, key: String) -> Result<Option<Item>, HostError> {
        check_collection(&collection)?;
        check_key("key", &key)?;
        let found = self.services.store_get(&self.cx, &collection, &key).await?;
        Ok(found.map(item))
    }

    async fn put(&mut self, request: PutRequest) -> Result<PutResult, HostError> {
        check_collection(&request.collection)?;
        check_key("key", &request.key)?;
        if request.value.len() > MAX_VALUE_BYTES {
            return Err(HostError::Invalid(format!(
                "a record's value holds at most {MAX_VALUE_BYTES} bytes"
            )));
        }
        if request.tags.len() > MAX_TAGS {
            return Err(HostError::Invalid(format!(
                "a record has at most {MAX_TAGS} tags"
            )));
        }
        if request.expires_at.is_some_and(|at| at > i64::MAX as u64) || request.at > i64::MAX as u64
        {
            return Err(HostError::Invalid(
                "an instant beyond the year 292 million".into(),
            ));
        }
        let mut tag_hashes = Vec::with_capacity(request.tags.len());
        for tag in &request.tags {
            check_tag(tag)?;
            tag_hashes.push(self.tag_hash(&request.collection, tag));
        }
        tag_hashes.sort();
        tag_hashes.dedup();
        let put = StorePut {
            collection: request.collection,
            key: request.key,
            value: request.value,
            at: request.at,
            expires_at: request.expires_at,
            tag_hashes,
            if_version: request.if_version,
        };
        Ok(match self.services.store_put(&self.cx, put).await? {
            StorePutResult::Written(v) => PutResult::Written(v),
            StorePutResult::Conflict(now) => PutResult::Conflict(now.map(item)),
        })
    }

    async fn delete(&mut self, collection: String, key: String) -> Result<bool, HostError> {
        check_collection(&collection)?;
        check_key("key", &key)?;
        Ok(self
            .services
            .store_delete(&self.cx, &collection, &key)
            .await?)
    }

    async fn query(
        &mut self,
        collection: String,
        tag: String,
        from: u64,
        until: u64,
        limit: u32,
    ) -> Result<Vec<Item>, HostError> {
        check_collection(&collection)?;
        check_tag(&tag)?;
        let until = until.min(i64::MAX as u64);
        if from >= until || limit == 0 {
            return Ok(Vec::new());
        }
        let hash = self.tag_hash(&collection, &tag);
        let found = self
            .services
            .store_query(
                &self.cx,
                &collection,
                &hash,
                from,
                until,
                limit.min(MAX_QUERY),
            )
            .await?;
        Ok(found.into_iter().map(item).collect())
    }

    async fn fingerprint(&mut self, text: String) -> String {
        keyed_hash(
            self.services.hash_key(),
            &["fingerprint", &self.plugin.name, &text],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keys_and_tags_are_checked() {
        assert!(check_collection("visits").is_ok());
        assert!(check_collection("wrong-codes_2").is_ok());
        for bad in ["", "Visits", "a/b", &"x".repeat(65)] {
            assert!(check_collection(bad).is_err(), "{bad:?}");
        }
        assert!(check_key("key", "code/P7K2/123456").is_ok());
        assert!(check_key("key", "ключ").is_err());
        assert!(check_key("key", "a\nb").is_err());
        assert!(check_tag("phone:+79990000000").is_ok());
        assert!(check_tag("").is_err());
    }

    #[test]
    fn keyed_hashes_separate_their_parts_and_depend_on_the_key() {
        let a = keyed_hash(b"k", &["tag", "p", "ab", "c"]);
        assert_eq!(a.len(), 64);
        assert_ne!(a, keyed_hash(b"k", &["tag", "p", "a", "bc"]));
        assert_ne!(a, keyed_hash(b"other", &["tag", "p", "ab", "c"]));
        assert_eq!(a, keyed_hash(b"k", &["tag", "p", "ab", "c"]));
    }
}
