//! Adapter to the data bank of large families (банк данных многодетных семей in the ГИС «Единая цифровая
//! платформа»): the large-family certificate (удостоверение многодетной семьи) with a given number.
//!
//! Built as `liblarge_family_bank_adapter.so` and loaded by the gateway's adapter host; it asks the bank over
//! HTTP ([`gateway_adapter_http`], on the adapter's own pool thread).
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}` (and for an `https://` bank
//! `ca_file`, `client_cert` + `client_key`, `auth_header` with `auth_value_env`; see [`gateway_adapter_http`]).
//! It speaks the simulator's protocol (`adapters/sim`, service `large-family-bank`).
//!
//! **Operation `certificate`:** input `{"number": "77-0012345"}` (two digits of the region, a dash, 4 to 12
//! digits; checked before any request). The bank is asked with `POST <base_url>/large-family-bank/v1/certificate`.
//! Output: `{"found": true, "certificate": {...the bank's fields...}}` or `{"found": false}`.
//!
//! | situation | error kind |
//! |---|---|
//! | malformed input or number, unknown operation | `invalid` |
//! | connection refused, host unknown, HTTP 5xx / 429 / 408 | `unavailable` |
//! | no complete answer within `timeout_ms` | `timeout` |
//! | TLS refused, HTTP 401 / 403, a malformed answer, another status, an answer over 256 KiB | `failed` |
//!
//! Error messages never contain the certificate's number or the family's data: they end up in logs.

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use gateway_adapter_http::{Endpoint, JsonClient, where_wrong};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The bank as messages name it.
const REGISTRY: &str = "the large-family data bank";
/// Budget of one lookup unless configured.
pub const DEFAULT_TIMEOUT_MS: u64 = 800;
/// Largest answer accepted.
pub const MAX_ANSWER_BYTES: u64 = 256 * 1024;

/// The adapter: the lookup URL and a connection-pooling HTTP client.
pub struct LargeFamilyBank {
    url: String,
    client: JsonClient,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificateInput {
    number: String,
}

#[derive(Debug, Deserialize)]
struct BankAnswer {
    found: bool,
    #[serde(default)]
    certificate: Option<Map<String, Value>>,
}

/// Whether `number` is a certificate number: two digits, a dash, 4 to 12 digits.
pub fn is_certificate_number(number: &str) -> bool {
    let Some((region, serial)) = number.split_once('-') else {
        return false;
    };
    region.len() == 2
        && (4..=12).contains(&serial.len())
        && region
            .bytes()
            .chain(serial.bytes())
            .all(|b| b.is_ascii_digit())
}

/// The number of the operation's input.
fn parse_input(input: &[u8]) -> Result<String, AdapterError> {
    let CertificateInput { number } = serde_json::from_slice(input).map_err(|e| {
        AdapterError::invalid(format!(
            "certificate input must be {{\"number\": \"...\"}} ({})",
            where_wrong(&e)
        ))
    })?;
    if !is_certificate_number(&number) {
        return Err(AdapterError::invalid(
            "number: a certificate number is two digits, a dash and 4 to 12 digits",
        ));
    }
    Ok(number)
}

/// The bank's `200` answer as the operation's output.
fn interpret(body: &[u8]) -> Result<Vec<u8>, AdapterError> {
    let answer: BankAnswer = serde_json::from_slice(body).map_err(|e| {
        AdapterError::failed(format!(
            "the large-family data bank sent a malformed answer ({})",
            where_wrong(&e)
        ))
    })?;
    let output = match answer {
        BankAnswer {
            found: true,
            certificate: Some(certificate),
        } => json!({ "found": true, "certificate": certificate }),
        BankAnswer { found: true, .. } => {
            return Err(AdapterError::failed(
                "the large-family data bank said found but sent no certificate",
            ));
        }
        BankAnswer { found: false, .. } => json!({ "found": false }),
    };
    Ok(output.to_string().into_bytes())
}

impl Adapter for LargeFamilyBank {
    const NAME: &'static str = "large-family-bank";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let endpoint = Endpoint::from_json(Self::NAME, config, DEFAULT_TIMEOUT_MS)?;
        Ok(LargeFamilyBank {
            url: endpoint.url("large-family-bank/v1/certificate"),
            client: JsonClient::new(REGISTRY, &endpoint, MAX_ANSWER_BYTES),
        })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        match operation {
            "certificate" => {
                let number = parse_input(input)?;
                let answer = self.client.post(&self.url, &json!({ "number": number }))?;
                interpret(&answer)
            }
            other => Err(AdapterError::invalid(format!(
                "large-family-bank adapter has no operation `{other}`"
            ))),
        }
    }
}

gateway_adapter_abi::export_adapter!(LargeFamilyBank);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;

    #[test]
    fn numbers_are_checked_before_the_network() {
        let adapter =
            LargeFamilyBank::init(json!({"base_url": "http://127.0.0.1:9"})).expect("valid");
        assert_eq!(
            adapter.url,
            "http://127.0.0.1:9/large-family-bank/v1/certificate"
        );
        for input in [
            &br#"{"number": "770012345"}"#[..],
            br#"{"number": "77-12"}"#,
            br#"{"number": 77}"#,
            br#"{"number": "77-0012345", "x": 1}"#,
            b"nope",
        ] {
            let err = adapter.call("certificate", input).expect_err("refused");
            assert_eq!(err.kind, ErrorKind::Invalid);
            assert!(!err.message.contains("0012345"), "{}", err.message);
        }
        assert_eq!(
            adapter.call("delete", b"{}").expect_err("unknown").kind,
            ErrorKind::Invalid
        );
    }

    #[test]
    fn answers_are_read_and_nonsense_is_failed() {
        let found = br#"{"found": true, "certificate": {"number": "77-0012345", "region": "x"}}"#;
        let out: Value = serde_json::from_slice(&interpret(found).expect("ok")).expect("json");
        assert_eq!(out["certificate"]["region"], "x");
        let out: Value =
            serde_json::from_slice(&interpret(br#"{"found": false}"#).expect("ok")).expect("json");
        assert_eq!(out, json!({"found": false}));
        for body in [
            &b"<html>"[..],
            br#"{"found": true}"#,
            br#"{"found": "yes"}"#,
        ] {
            assert_eq!(interpret(body).expect_err("bad").kind, ErrorKind::Failed);
        }
    }
}
