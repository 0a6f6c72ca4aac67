//! Registries of records by key, one per fixture file: where a new document type starts before it has a
//! simulator of its own (`cargo xtask new-plugin` makes one).
//!
//! Route: `POST /records/<registry>/v1/lookup` with `{"key": "..."}` → `200 {"found": true, "record": {...}}` or
//! `200 {"found": false}`; an unknown registry → 404; a body that is not such an object → 400.
//!
//! Fixtures: `records/<registry>.json` in the fixtures directory, each a JSON object from key to record (any
//! JSON object). The directory may be absent or empty. A registry's name is its file's stem: latin letters,
//! digits and `-`.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Reply, Service};

/// The service name and first path segment.
pub const NAME: &str = "records";

/// The fixtures' directory.
pub const FIXTURE_DIR: &str = "records";

/// Every registry: its records by key.
#[derive(Debug, Default)]
pub struct Records {
    registries: HashMap<String, HashMap<String, Value>>,
}

#[derive(Deserialize)]
struct LookupRequest {
    key: String,
}

/// Whether `name` may name a registry.
fn is_registry_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Loads every `records/*.json` of `fixtures_dir`.
pub fn load(fixtures_dir: &Path) -> anyhow::Result<Box<dyn Service>> {
    let dir = fixtures_dir.join(FIXTURE_DIR);
    let mut records = Records::default();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Box::new(records));
    };
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if !is_registry_name(&name) {
            bail!(
                "{}: a registry's name is latin letters, digits and -",
                path.display()
            );
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let by_key: Map<String, Value> = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} must be a JSON object from key to record",
                path.display()
            )
        })?;
        if let Some((key, _)) = by_key.iter().find(|(_, v)| !v.is_object()) {
            bail!(
                "{}: the record of {key:?} is not a JSON object",
                path.display()
            );
        }
        records
            .registries
            .insert(name, by_key.into_iter().collect());
    }
    Ok(Box::new(records))
}

impl Service for Records {
    fn name(&self) -> &'static str {
        NAME
    }

    fn handle(&self, method: &Method, rest: &str, body: &[u8]) -> Reply {
        let Some((registry, "v1/lookup")) = rest.split_once('/') else {
            return Reply::error(
                StatusCode::NOT_FOUND,
                format!("{NAME} has no route /{rest}"),
            );
        };
        let Some(records) = self.registries.get(registry) else {
            return Reply::error(StatusCode::NOT_FOUND, format!("no registry {registry}"));
        };
        if method != Method::POST {
            return Reply::error(StatusCode::METHOD_NOT_ALLOWED, "use POST");
        }
        let Ok(LookupRequest { key }) = serde_json::from_slice(body) else {
            return Reply::error(StatusCode::BAD_REQUEST, "expected {\"key\": \"...\"}");
        };
        match records.get(key.trim()) {
            Some(record) => Reply::found(json!({ "found": true, "record": record })),
            None => Reply::not_found(json!({ "found": false })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ReplyKind;

    #[test]
    fn registries_come_from_their_files() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir(dir.path().join(FIXTURE_DIR)).expect("records");
        std::fs::write(
            dir.path().join("records/pets.json"),
            r#"{"A-1": {"name": "Барсик"}}"#,
        )
        .expect("write");
        let records = load(dir.path()).expect("loads");
        let found = records.handle(&Method::POST, "pets/v1/lookup", br#"{"key": "A-1"}"#);
        assert_eq!(found.kind, ReplyKind::Found);
        assert_eq!(found.body["record"]["name"], "Барсик");
        let missing = records.handle(&Method::POST, "pets/v1/lookup", br#"{"key": "B-2"}"#);
        assert_eq!(missing.body, json!({"found": false}));
        assert_eq!(
            records
                .handle(&Method::POST, "cars/v1/lookup", b"{}")
                .status,
            StatusCode::NOT_FOUND
        );
        std::fs::write(dir.path().join("records/bad.json"), r#"{"k": 1}"#).expect("write");
        assert!(load(dir.path()).is_err());
        assert!(
            load(&dir.path().join("nowhere")).is_ok(),
            "no directory, no registries"
        );
    }
}
