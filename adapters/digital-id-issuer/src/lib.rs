//! Adapter to the issuer of the MAX messenger's Digital ID (Цифровой ID): what a scanned QR code of a holder's
//! passport or age confirmation says.
//!
//! Built as `libdigital_id_issuer_adapter.so`; it asks the issuer over HTTP ([`gateway_adapter_http`]).
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}` (and for an `https://` issuer
//! `ca_file`, `client_cert` + `client_key`, `auth_header` with `auth_value_env`; see [`gateway_adapter_http`]).
//! It speaks the simulator's protocol (`adapters/sim`, service `digital-id`).
//!
//! **Operation `resolve`:** input `{"code": "..."}` (8 to 128 characters of `A-Z a-z 0-9 - _`; checked before any
//! request); the issuer is asked with `POST <base_url>/digital-id/v1/resolve`. Output: `{"status": "VALID",
//! "kind": "passport" | "age", "singleUse": bool, "expiresAtMs": u64, "holder": {...}}`, or `{"status":
//! "EXPIRED" | "USED" | "UNKNOWN"}`. Resolving a single-use code uses it up at the issuer.
//!
//! | situation | error kind |
//! |---|---|
//! | malformed input or code, unknown operation | `invalid` |
//! | connection refused, host unknown, HTTP 5xx / 429 / 408 | `unavailable` |
//! | no complete answer within `timeout_ms` | `timeout` |
//! | TLS refused, HTTP 401 / 403, a malformed answer, another status, an answer over 256 KiB | `failed` |
//!
//! Error messages never contain the code or the holder's data.

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use gateway_adapter_http::{Endpoint, JsonClient, where_wrong};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The issuer as messages name it.
const REGISTRY: &str = "the Digital ID issuer";
/// Budget of one call unless configured.
pub const DEFAULT_TIMEOUT_MS: u64 = 800;
/// Largest answer accepted.
pub const MAX_ANSWER_BYTES: u64 = 256 * 1024;

/// The adapter: the resolve URL and a connection-pooling HTTP client.
pub struct DigitalIdIssuer {
    url: String,
    client: JsonClient,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveInput {
    code: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IssuerAnswer {
    status: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    single_use: bool,
    #[serde(default)]
    expires_at_ms: Option<u64>,
    #[serde(default)]
    holder: Option<Map<String, Value>>,
}

/// Whether `code` looks like an issuer's code.
pub fn is_code(code: &str) -> bool {
    (8..=128).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

fn parse_input(input: &[u8]) -> Result<String, AdapterError> {
    let ResolveInput { code } = serde_json::from_slice(input).map_err(|e| {
        AdapterError::invalid(format!(
            "resolve input must be {{\"code\": \"...\"}} ({})",
            where_wrong(&e)
        ))
    })?;
    if !is_code(&code) {
        return Err(AdapterError::invalid(
            "code: 8 to 128 characters of letters, digits, '-' and '_'",
        ));
    }
    Ok(code)
}

fn interpret(body: &[u8]) -> Result<Vec<u8>, AdapterError> {
    let malformed = |why: &str| {
        AdapterError::failed(format!(
            "the Digital ID issuer sent a malformed answer ({why})"
        ))
    };
    let answer: IssuerAnswer =
        serde_json::from_slice(body).map_err(|e| malformed(&where_wrong(&e)))?;
    let output = match answer.status.as_str() {
        "VALID" => {
            let kind = answer.kind.filter(|k| k == "passport" || k == "age");
            let (Some(kind), Some(expires), Some(holder)) =
                (kind, answer.expires_at_ms, answer.holder)
            else {
                return Err(malformed("a valid code without its kind, expiry or holder"));
            };
            json!({"status": "VALID", "kind": kind, "singleUse": answer.single_use,
                   "expiresAtMs": expires, "holder": holder})
        }
        status @ ("EXPIRED" | "USED" | "UNKNOWN") => json!({ "status": status }),
        _ => return Err(malformed("an unknown status")),
    };
    Ok(output.to_string().into_bytes())
}

impl Adapter for DigitalIdIssuer {
    const NAME: &'static str = "digital-id-issuer";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let endpoint = Endpoint::from_json(Self::NAME, config, DEFAULT_TIMEOUT_MS)?;
        Ok(DigitalIdIssuer {
            url: endpoint.url("digital-id/v1/resolve"),
            client: JsonClient::new(REGISTRY, &endpoint, MAX_ANSWER_BYTES),
        })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        match operation {
            "resolve" => {
                let code = parse_input(input)?;
                let answer = self.client.post(&self.url, &json!({ "code": code }))?;
                interpret(&answer)
            }
            other => Err(AdapterError::invalid(format!(
                "digital-id-issuer adapter has no operation `{other}`"
            ))),
        }
    }
}

gateway_adapter_abi::export_adapter!(DigitalIdIssuer);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;

    #[test]
    fn codes_are_checked_before_the_network() {
        let adapter =
            DigitalIdIssuer::init(json!({"base_url": "http://127.0.0.1:9"})).expect("valid");
        assert_eq!(adapter.url, "http://127.0.0.1:9/digital-id/v1/resolve");
        for input in [
            &br#"{"code": "short"}"#[..],
            br#"{"code": "has spaces in it"}"#,
            br#"{"code": 12345678}"#,
            b"{}",
        ] {
            assert_eq!(
                adapter.call("resolve", input).expect_err("refused").kind,
                ErrorKind::Invalid
            );
        }
    }

    #[test]
    fn answers_are_read_and_nonsense_is_failed() {
        let valid = br#"{"status": "VALID", "kind": "age", "singleUse": true, "expiresAtMs": 5, "holder": {"lastName": "x"}}"#;
        let out: Value = serde_json::from_slice(&interpret(valid).expect("ok")).expect("json");
        assert_eq!(
            (out["kind"].as_str(), out["singleUse"].as_bool()),
            (Some("age"), Some(true))
        );
        for status in ["EXPIRED", "USED", "UNKNOWN"] {
            let body = json!({ "status": status }).to_string();
            let out: Value =
                serde_json::from_slice(&interpret(body.as_bytes()).expect("ok")).expect("json");
            assert_eq!(out, json!({ "status": status }));
        }
        for body in [
            &br#"{"status": "VALID", "kind": "age"}"#[..],
            br#"{"status": "VALID", "kind": "visa", "expiresAtMs": 5, "holder": {}}"#,
            br#"{"status": "MAYBE"}"#,
            b"<html>",
        ] {
            assert_eq!(interpret(body).expect_err("bad").kind, ErrorKind::Failed);
        }
    }
}
