//! Adapter to a registry of records by key: the simulator's `records` service (`adapters/sim`), where a new
//! document type starts before it has a registry adapter of its own (`cargo xtask new-plugin` configures one).
//!
//! Built as `librecords_adapter.so`.
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "registry": "pet-licence", "timeout_ms": 800}`: the
//! registry's name (latin letters, digits, `-`) and the endpoint ([`gateway_adapter_http`]: TLS, credentials).
//!
//! **Operation `lookup`:** input `{"key": "..."}` (1 to 256 characters); the registry is asked with
//! `POST <base_url>/records/<registry>/v1/lookup`. Output: `{"found": true, "record": {...}}` or
//! `{"found": false}`. Errors are classified as every HTTP adapter's (`invalid`, `unavailable`, `timeout`,
//! `failed`); messages never contain the key or the record.

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use gateway_adapter_http::{Endpoint, JsonClient, where_wrong};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Budget of one call unless configured.
pub const DEFAULT_TIMEOUT_MS: u64 = 800;
/// Largest answer accepted.
pub const MAX_ANSWER_BYTES: u64 = 256 * 1024;

/// The adapter: the lookup URL and a connection-pooling HTTP client.
pub struct Records {
    url: String,
    client: JsonClient,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupInput {
    key: String,
}

#[derive(Debug, Deserialize)]
struct Answer {
    found: bool,
    #[serde(default)]
    record: Option<Map<String, Value>>,
}

fn interpret(body: &[u8]) -> Result<Vec<u8>, AdapterError> {
    let answer: Answer = serde_json::from_slice(body).map_err(|e| {
        AdapterError::failed(format!(
            "the registry sent a malformed answer ({})",
            where_wrong(&e)
        ))
    })?;
    let output = match answer {
        Answer {
            found: true,
            record: Some(record),
        } => json!({ "found": true, "record": record }),
        Answer { found: true, .. } => {
            return Err(AdapterError::failed(
                "the registry said found but sent no record",
            ));
        }
        Answer { found: false, .. } => json!({ "found": false }),
    };
    Ok(output.to_string().into_bytes())
}

impl Adapter for Records {
    const NAME: &'static str = "records";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let invalid = |what: &str| AdapterError::invalid(format!("records adapter: {what}"));
        let serde_json::Value::Object(mut table) = config else {
            return Err(invalid("configuration is required (base_url, registry)"));
        };
        let registry = match table.remove("registry") {
            Some(serde_json::Value::String(r))
                if !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
            {
                r
            }
            _ => {
                return Err(invalid(
                    "registry must be a name of latin letters, digits and -",
                ));
            }
        };
        let endpoint = Endpoint::from_json(
            Self::NAME,
            serde_json::Value::Object(table),
            DEFAULT_TIMEOUT_MS,
        )?;
        Ok(Records {
            url: endpoint.url(&format!("records/{registry}/v1/lookup")),
            client: JsonClient::new("the registry", &endpoint, MAX_ANSWER_BYTES),
        })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        match operation {
            "lookup" => {
                let LookupInput { key } = serde_json::from_slice(input).map_err(|e| {
                    AdapterError::invalid(format!(
                        "lookup input must be {{\"key\": \"...\"}} ({})",
                        where_wrong(&e)
                    ))
                })?;
                if key.is_empty() || key.len() > 256 {
                    return Err(AdapterError::invalid("key: 1 to 256 characters"));
                }
                interpret(&self.client.post(&self.url, &json!({ "key": key }))?)
            }
            other => Err(AdapterError::invalid(format!(
                "records adapter has no operation `{other}`"
            ))),
        }
    }
}

gateway_adapter_abi::export_adapter!(Records);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;

    #[test]
    fn the_registry_is_part_of_the_url_and_checked() {
        let adapter =
            Records::init(json!({"base_url": "http://127.0.0.1:9", "registry": "pet-licence"}))
                .expect("valid");
        assert_eq!(
            adapter.url,
            "http://127.0.0.1:9/records/pet-licence/v1/lookup"
        );
        for bad in [
            json!({"base_url": "http://127.0.0.1:9"}),
            json!({"base_url": "http://127.0.0.1:9", "registry": "../x"}),
            json!({"base_url": "http://127.0.0.1:9", "registry": "a", "extra": 1}),
        ] {
            assert_eq!(
                Records::init(bad).err().map(|e| e.kind),
                Some(ErrorKind::Invalid)
            );
        }
        assert_eq!(
            adapter
                .call("lookup", br#"{"key": ""}"#)
                .expect_err("empty")
                .kind,
            ErrorKind::Invalid
        );
    }

    #[test]
    fn answers_are_read() {
        let out: Value = serde_json::from_slice(
            &interpret(br#"{"found": true, "record": {"a": 1}}"#).expect("ok"),
        )
        .expect("json");
        assert_eq!(out["record"]["a"], 1);
        assert_eq!(
            interpret(br#"{"found": true}"#).expect_err("bad").kind,
            ErrorKind::Failed
        );
    }
}
