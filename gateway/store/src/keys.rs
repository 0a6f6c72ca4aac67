//! Keys the gateway makes for itself once, shared by every node through the store (e.g. the key of the keyed
//! hashes of personal identifiers when the operator configured none): the first node to start inserts a fresh
//! one, every later start and every other node reads that one.

use crate::db::Arg;
use crate::error::StoreError;
use crate::store::{Store, now_ms};

const INSERT: &str = "INSERT INTO gateway_keys (name, value, created_at) VALUES ($1, $2, $3) \
     ON CONFLICT (name) DO NOTHING";
const READ: &str = "SELECT value FROM gateway_keys WHERE name = $1";

impl Store {
    /// The key `name`: the stored one, or `fresh` stored now if there is none yet (of two nodes starting at once,
    /// both get the one that was stored first).
    pub async fn shared_key(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        let args = [Arg::text(name), Arg::Blob(Some(fresh)), Arg::int(now_ms())];
        self.pool.execute(INSERT, &args).await?;
        let row = self
            .pool
            .fetch_optional(READ, &[Arg::text(name)])
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("gateway key {name} vanished")))?;
        row.get("value")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_key_stays() {
        let s = Store::connect("sqlite::memory:", Default::default())
            .await
            .unwrap();
        assert_eq!(s.shared_key("k", b"one").await.unwrap(), b"one");
        assert_eq!(s.shared_key("k", b"two").await.unwrap(), b"one");
        assert_eq!(s.shared_key("other", b"two").await.unwrap(), b"two");
    }
}
