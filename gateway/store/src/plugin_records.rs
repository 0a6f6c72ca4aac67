//! Plugins' own durable records (contract 1.3.0 `store`): a plugin's applications, participants, visits,
//! one-time codes and notices, each under (plugin, collection, key), with a version for conditional writes, an
//! instant `at` that queries range over, optional tags and an optional expiry.
//!
//! Every condition is checked by the statement that writes (`INSERT … ON CONFLICT … DO UPDATE … WHERE`,
//! `UPDATE … WHERE version = …`), so two nodes writing the same record at once cannot both win. A record past
//! `expires_at` reads as absent at once and is deleted by [`Store::sweep_plugin_records`]. Tags arrive here
//! already hashed: the store never sees their text.

use crate::db::{Arg, DbRow, Tx};
use crate::error::StoreError;
use crate::store::Store;

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRecord {
    /// The collection.
    pub collection: String,
    /// The key within the collection.
    pub key: String,
    /// The plugin's bytes.
    pub value: Vec<u8>,
    /// 1 after the first write, one more with every write.
    pub version: i64,
    /// The instant the record is about (unix ms).
    pub at: i64,
    /// When it ceases to exist (unix ms), if ever.
    pub expires_at: Option<i64>,
}

/// When [`Store::put_plugin_record`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteCondition {
    /// Whatever is stored.
    Always,
    /// Only if the record does not exist (or has expired).
    Absent,
    /// Only if the stored, live record has this version.
    Version(i64),
}

/// A write of [`Store::put_plugin_record`].
#[derive(Debug, Clone)]
pub struct PluginRecordWrite<'a> {
    /// The plugin that owns the record.
    pub plugin: &'a str,
    /// The collection.
    pub collection: &'a str,
    /// The key.
    pub key: &'a str,
    /// The value.
    pub value: &'a [u8],
    /// The record's instant (unix ms).
    pub at: i64,
    /// Its expiry (unix ms), if any.
    pub expires_at: Option<i64>,
    /// Its tags, hashed; they replace the record's earlier tags.
    pub tags: &'a [String],
    /// The condition.
    pub condition: WriteCondition,
}

/// What [`Store::put_plugin_record`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// Written, with this new version.
    Written(i64),
    /// The condition did not hold; the live record as stored now, if any.
    Conflict(Option<PluginRecord>),
}

const GET: &str = "SELECT collection, key, value, version, at, expires_at FROM plugin_records \
     WHERE plugin = $1 AND collection = $2 AND key = $3 AND (expires_at IS NULL OR expires_at > $4)";
/// Writes unconditionally. A record replacing an expired one not yet swept goes on counting its versions, so a
/// version read before never matches a later record of the key.
const PUT_ALWAYS: &str = "INSERT INTO plugin_records (plugin, collection, key, value, version, at, expires_at) \
     VALUES ($1, $2, $3, $4, 1, $5, $6) \
     ON CONFLICT (plugin, collection, key) DO UPDATE SET value = excluded.value, at = excluded.at, \
     expires_at = excluded.expires_at, version = plugin_records.version + 1 \
     RETURNING version";
/// Writes only where no live record is: an expired one is replaced (its versions go on).
const PUT_ABSENT: &str = "INSERT INTO plugin_records (plugin, collection, key, value, version, at, expires_at) \
     VALUES ($1, $2, $3, $4, 1, $5, $6) \
     ON CONFLICT (plugin, collection, key) DO UPDATE SET value = excluded.value, at = excluded.at, \
     expires_at = excluded.expires_at, version = plugin_records.version + 1 \
     WHERE plugin_records.expires_at IS NOT NULL AND plugin_records.expires_at <= $7 \
     RETURNING version";
const PUT_VERSION: &str = "UPDATE plugin_records SET value = $4, at = $5, expires_at = $6, \
     version = version + 1 \
     WHERE plugin = $1 AND collection = $2 AND key = $3 AND version = $8 \
     AND (expires_at IS NULL OR expires_at > $7) \
     RETURNING version";
const DELETE: &str = "DELETE FROM plugin_records WHERE plugin = $1 AND collection = $2 AND key = $3 \
     RETURNING expires_at";
const DELETE_TAGS: &str =
    "DELETE FROM plugin_record_tags WHERE plugin = $1 AND collection = $2 AND key = $3";
const INSERT_TAG: &str = "INSERT INTO plugin_record_tags (plugin, collection, tag, at, key) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
const QUERY: &str = "SELECT r.collection, r.key, r.value, r.version, r.at, r.expires_at \
     FROM plugin_record_tags t JOIN plugin_records r \
     ON r.plugin = t.plugin AND r.collection = t.collection AND r.key = t.key \
     WHERE t.plugin = $1 AND t.collection = $2 AND t.tag = $3 AND t.at >= $4 AND t.at < $5 \
     AND (r.expires_at IS NULL OR r.expires_at > $6) \
     ORDER BY t.at, t.key LIMIT $7";
/// One batch of expired records: their tags first, then the records (each its own short statement).
const EXPIRED_BATCH: &str = "SELECT plugin, collection, key FROM plugin_records \
     WHERE expires_at IS NOT NULL AND expires_at <= $1 LIMIT $2";

const DELETE_EXPIRED: &str = "DELETE FROM plugin_records WHERE plugin = $1 AND collection = $2 \
     AND key = $3 AND expires_at <= $4";

/// How many expired records one retention statement deletes: short writes, so writers are not held up.
const SWEEP_BATCH: i64 = 500;

impl Store {
    /// The live record `key` of `plugin`'s `collection` as of `now_ms`.
    pub async fn get_plugin_record(
        &self,
        plugin: &str,
        collection: &str,
        key: &str,
        now_ms: i64,
    ) -> Result<Option<PluginRecord>, StoreError> {
        let args = [
            Arg::text(plugin),
            Arg::text(collection),
            Arg::text(key),
            Arg::int(now_ms),
        ];
        let row = self.pool.fetch_optional(GET, &args).await?;
        row.as_ref().map(record_from_row).transpose()
    }

    /// Writes `w` as of `now_ms` if its condition holds, with its tags, in one transaction.
    pub async fn put_plugin_record(
        &self,
        w: &PluginRecordWrite<'_>,
        now_ms: i64,
    ) -> Result<PutOutcome, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let mut args = vec![
            Arg::text(w.plugin),
            Arg::text(w.collection),
            Arg::text(w.key),
            Arg::Blob(Some(w.value)),
            Arg::int(w.at),
            Arg::Int(w.expires_at),
            Arg::int(now_ms),
        ];
        let sql = match w.condition {
            WriteCondition::Always => PUT_ALWAYS,
            WriteCondition::Absent => PUT_ABSENT,
            WriteCondition::Version(v) => {
                args.push(Arg::int(v));
                PUT_VERSION
            }
        };
        let Some(row) = tx.fetch_optional(sql, &args).await? else {
            let current = current(&mut tx, w, now_ms).await?;
            tx.rollback().await?;
            return Ok(PutOutcome::Conflict(current));
        };
        let version: i64 = row.get("version")?;
        let key = [
            Arg::text(w.plugin),
            Arg::text(w.collection),
            Arg::text(w.key),
        ];
        tx.execute(DELETE_TAGS, &key).await?;
        for tag in w.tags {
            let args = [
                Arg::text(w.plugin),
                Arg::text(w.collection),
                Arg::text(tag),
                Arg::int(w.at),
                Arg::text(w.key),
            ];
            tx.execute(INSERT_TAG, &args).await?;
        }
        tx.commit().await?;
        Ok(PutOutcome::Written(version))
    }

    /// Deletes the record and its tags; true if it was live at `now_ms`. Of two concurrent deleters of a live
    /// record exactly one gets true.
    pub async fn delete_plugin_record(
        &self,
        plugin: &str,
        collection: &str,
        key: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_write().await?;
        let args = [Arg::text(plugin), Arg::text(collection), Arg::text(key)];
        let deleted = tx.fetch_optional(DELETE, &args).await?;
        tx.execute(DELETE_TAGS, &args).await?;
        tx.commit().await?;
        let Some(row) = deleted else {
            return Ok(false);
        };
        let expires_at: Option<i64> = row.get("expires_at")?;
        Ok(expires_at.is_none_or(|at| at > now_ms))
    }

    /// The live records of `plugin`'s `collection` with the hashed tag `tag` and `at` in [`from`, `until`),
    /// oldest first, at most `limit`.
    #[allow(clippy::too_many_arguments)]
    pub async fn query_plugin_records(
        &self,
        plugin: &str,
        collection: &str,
        tag: &str,
        from: i64,
        until: i64,
        limit: i64,
        now_ms: i64,
    ) -> Result<Vec<PluginRecord>, StoreError> {
        let args = [
            Arg::text(plugin),
            Arg::text(collection),
            Arg::text(tag),
            Arg::int(from),
            Arg::int(until),
            Arg::int(now_ms),
            Arg::int(limit),
        ];
        let rows = self.pool.fetch_all(QUERY, &args).await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Deletes records expired at `now_ms` with their tags, in short batches; returns how many.
    pub async fn sweep_plugin_records(&self, now_ms: i64) -> Result<u64, StoreError> {
        let mut deleted = 0;
        loop {
            let batch = self
                .pool
                .fetch_all(EXPIRED_BATCH, &[Arg::int(now_ms), Arg::int(SWEEP_BATCH)])
                .await?;
            if batch.is_empty() {
                return Ok(deleted);
            }
            let mut tx = self.pool.begin_write().await?;
            for row in &batch {
                let plugin: String = row.get("plugin")?;
                let collection: String = row.get("collection")?;
                let key: String = row.get("key")?;
                let args = [Arg::text(&plugin), Arg::text(&collection), Arg::text(&key)];
                let mut expired = args.to_vec();
                expired.push(Arg::int(now_ms));
                // The record first (as a write locks it first): written again since it was read, it is not
                // expired any more, and neither it nor its new tags are deleted.
                let gone = tx.execute(DELETE_EXPIRED, &expired).await?;
                if gone > 0 {
                    tx.execute(DELETE_TAGS, &args).await?;
                    deleted += gone;
                }
            }
            tx.commit().await?;
            if (batch.len() as i64) < SWEEP_BATCH {
                return Ok(deleted);
            }
        }
    }
}

/// The live record a failed condition met.
async fn current(
    tx: &mut Tx,
    w: &PluginRecordWrite<'_>,
    now_ms: i64,
) -> Result<Option<PluginRecord>, StoreError> {
    let args = [
        Arg::text(w.plugin),
        Arg::text(w.collection),
        Arg::text(w.key),
        Arg::int(now_ms),
    ];
    let row = tx.fetch_optional(GET, &args).await?;
    row.as_ref().map(record_from_row).transpose()
}

fn record_from_row(row: &DbRow) -> Result<PluginRecord, StoreError> {
    Ok(PluginRecord {
        collection: row.get("collection")?,
        key: row.get("key")?,
        value: row.get("value")?,
        version: row.get("version")?,
        at: row.get("at")?,
        expires_at: row.get("expires_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> Store {
        Store::connect("sqlite::memory:", Default::default())
            .await
            .unwrap()
    }

    fn write<'a>(key: &'a str, value: &'a [u8], tags: &'a [String]) -> PluginRecordWrite<'a> {
        PluginRecordWrite {
            plugin: "p",
            collection: "c",
            key,
            value,
            at: 1_000,
            expires_at: Some(10_000),
            tags,
            condition: WriteCondition::Always,
        }
    }

    #[tokio::test]
    async fn conditions_decide_and_expired_records_count_as_absent() {
        let s = store().await;
        let absent = PluginRecordWrite {
            condition: WriteCondition::Absent,
            ..write("k", b"one", &[])
        };
        assert_eq!(
            s.put_plugin_record(&absent, 500).await.unwrap(),
            PutOutcome::Written(1)
        );
        let PutOutcome::Conflict(Some(now)) = s.put_plugin_record(&absent, 600).await.unwrap()
        else {
            panic!("a second absent write conflicts");
        };
        assert_eq!((now.value.as_slice(), now.version), (&b"one"[..], 1));
        let stale = PluginRecordWrite {
            condition: WriteCondition::Version(7),
            ..write("k", b"two", &[])
        };
        assert!(matches!(
            s.put_plugin_record(&stale, 700).await.unwrap(),
            PutOutcome::Conflict(Some(_))
        ));
        let fresh = PluginRecordWrite {
            condition: WriteCondition::Version(1),
            ..write("k", b"two", &[])
        };
        assert_eq!(
            s.put_plugin_record(&fresh, 700).await.unwrap(),
            PutOutcome::Written(2)
        );
        // At 10_000 it has expired: absent to reads and to an absent-only write, whose versions go on.
        assert_eq!(
            s.get_plugin_record("p", "c", "k", 10_000).await.unwrap(),
            None
        );
        assert_eq!(
            s.put_plugin_record(&absent, 10_000).await.unwrap(),
            PutOutcome::Written(3)
        );
    }

    #[tokio::test]
    async fn queries_find_by_tag_and_range_and_delete_is_once() {
        let s = store().await;
        let tags = vec!["h1".to_owned(), "h2".to_owned()];
        for (key, at) in [("a", 100), ("b", 200), ("c", 300)] {
            let w = PluginRecordWrite {
                at,
                ..write(key, b"v", &tags)
            };
            s.put_plugin_record(&w, 0).await.unwrap();
        }
        let found = s
            .query_plugin_records("p", "c", "h2", 150, 301, 10, 0)
            .await
            .unwrap();
        let keys: Vec<_> = found.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["b", "c"]);
        assert!(
            s.query_plugin_records("q", "c", "h2", 0, 1_000, 10, 0)
                .await
                .unwrap()
                .is_empty(),
            "another plugin sees nothing"
        );
        assert!(s.delete_plugin_record("p", "c", "b", 0).await.unwrap());
        assert!(!s.delete_plugin_record("p", "c", "b", 0).await.unwrap());
        let after = s
            .query_plugin_records("p", "c", "h1", 0, 1_000, 10, 0)
            .await
            .unwrap();
        assert_eq!(after.len(), 2);
        // Retagging replaces the tags.
        let h3 = ["h3".to_owned()];
        let retag = PluginRecordWrite {
            at: 100,
            ..write("a", b"v", &h3)
        };
        s.put_plugin_record(&retag, 0).await.unwrap();
        assert_eq!(
            s.query_plugin_records("p", "c", "h1", 0, 1_000, 10, 0)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(s.sweep_plugin_records(20_000).await.unwrap(), 2);
        assert_eq!(
            s.query_plugin_records("p", "c", "h3", 0, 1_000, 10, 0)
                .await
                .unwrap(),
            vec![]
        );
    }
}
