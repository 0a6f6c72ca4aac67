//! The plugins' own durable records (contract 1.3.0 `store`) in the gateway's store: each plugin under its own
//! name, so a plugin reads and writes only its records. The host has checked the arguments and hashed the tags.

use gateway_host::{CallContext, HostError, StorePut, StorePutResult, StoredItem};
use gateway_store::{PluginRecord, PluginRecordWrite, PutOutcome, Store, WriteCondition};

use crate::host_error::store_err;
use crate::tokens::now_ms;

fn instant(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn item(r: PluginRecord) -> StoredItem {
    StoredItem {
        collection: r.collection,
        key: r.key,
        value: r.value,
        version: u64::try_from(r.version).unwrap_or(0),
        at: u64::try_from(r.at).unwrap_or(0),
        expires_at: r.expires_at.map(|e| u64::try_from(e).unwrap_or(0)),
    }
}

/// `store.get`.
pub async fn get(
    store: &Store,
    cx: &CallContext,
    collection: &str,
    key: &str,
) -> Result<Option<StoredItem>, HostError> {
    let found = store
        .get_plugin_record(&cx.plugin, collection, key, now_ms())
        .await
        .map_err(store_err)?;
    Ok(found.map(item))
}

/// `store.put`.
pub async fn put(
    store: &Store,
    cx: &CallContext,
    put: StorePut,
) -> Result<StorePutResult, HostError> {
    let condition = match put.if_version {
        None => WriteCondition::Always,
        Some(0) => WriteCondition::Absent,
        Some(v) => WriteCondition::Version(instant(v)),
    };
    let write = PluginRecordWrite {
        plugin: &cx.plugin,
        collection: &put.collection,
        key: &put.key,
        value: &put.value,
        at: instant(put.at),
        expires_at: put.expires_at.map(instant),
        tags: &put.tag_hashes,
        condition,
    };
    let outcome = store
        .put_plugin_record(&write, now_ms())
        .await
        .map_err(store_err)?;
    Ok(match outcome {
        PutOutcome::Written(v) => StorePutResult::Written(u64::try_from(v).unwrap_or(0)),
        PutOutcome::Conflict(now) => StorePutResult::Conflict(now.map(item)),
    })
}

/// `store.delete`.
pub async fn delete(
    store: &Store,
    cx: &CallContext,
    collection: &str,
    key: &str,
) -> Result<bool, HostError> {
    store
        .delete_plugin_record(&cx.plugin, collection, key, now_ms())
        .await
        .map_err(store_err)
}

/// `store.query`.
pub async fn query(
    store: &Store,
    cx: &CallContext,
    collection: &str,
    tag_hash: &str,
    range: (u64, u64),
    limit: u32,
) -> Result<Vec<StoredItem>, HostError> {
    let found = store
        .query_plugin_records(
            &cx.plugin,
            collection,
            tag_hash,
            instant(range.0),
            instant(range.1),
            i64::from(limit),
            now_ms(),
        )
        .await
        .map_err(store_err)?;
    Ok(found.into_iter().map(item).collect())
}
