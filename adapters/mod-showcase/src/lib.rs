//! Adapter to the MoD showcase (витрина Минобороны) of SVO participants.
//!
//! Built as `libmod_showcase_adapter.so` and loaded by the gateway's adapter host. It answers whether a
//! citizen, identified by СНИЛС, is an SVO participant, by asking the showcase over HTTP with a blocking
//! `ureq` agent on the adapter's own pool thread.
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}` (see [`Config`]).
//!
//! **Operation `lookup`:** input `{"snils": "XXX-XXX-XXX YY"}` (or 11 bare digits; the check number is
//! verified before any request). The showcase is asked with `POST <base_url>/mod-showcase/v1/lookup`
//! `{"snils": "XXX-XXX-XXX YY"}`. Output: `{"found": true, "person": {...the showcase's fields...}}` or
//! `{"found": false}`.
//!
//! | situation | error kind |
//! |---|---|
//! | malformed input or СНИЛС, unknown operation | `invalid` |
//! | connection refused, host unknown, HTTP 5xx / 429 / 408 | `unavailable` |
//! | no complete answer within `timeout_ms` | `timeout` |
//! | malformed answer, other HTTP status, answer over 256 KiB | `failed` |
//!
//! # Layout
//! - `config`: [`Config`] and its validation.
//! - `lookup`: input parsing, the showcase's answer and transport errors, as pure functions.
//! - this file: [`ModShowcase`], the [`Adapter`] implementation that wires them to HTTP.

mod config;
mod lookup;

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use ureq::Agent;

pub use config::{Config, MAX_TIMEOUT_MS};
pub use lookup::MAX_ANSWER_BYTES;

/// The adapter: its configuration and a connection-pooling HTTP agent.
pub struct ModShowcase {
    config: Config,
    url: String,
    agent: Agent,
}

impl ModShowcase {
    /// Asks the showcase about one СНИЛС (already formatted).
    fn lookup(&self, snils: &str) -> Result<Vec<u8>, AdapterError> {
        let mut response = self
            .agent
            .post(&self.url)
            .header("Accept", "application/json")
            .send_json(lookup::request_body(snils))
            .map_err(lookup::transport_error)?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(lookup::transport_error)?;
        lookup::interpret(status, &body)
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl Adapter for ModShowcase {
    const NAME: &'static str = "mod-showcase";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let config = Config::from_json(config)?;
        let agent = Agent::config_builder()
            .timeout_global(Some(config.timeout()))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Ok(ModShowcase {
            url: config.lookup_url(),
            config,
            agent,
        })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        match operation {
            "lookup" => self.lookup(&lookup::parse_input(input)?),
            other => Err(AdapterError::invalid(format!(
                "mod-showcase adapter has no operation `{other}`"
            ))),
        }
    }
}

gateway_adapter_abi::export_adapter!(ModShowcase);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;
    use serde_json::json;

    #[test]
    fn init_validates_and_unknown_operations_are_invalid() {
        assert_eq!(
            ModShowcase::init(json!({"base_url": "nope"}))
                .err()
                .map(|e| e.kind),
            Some(ErrorKind::Invalid)
        );
        let adapter = ModShowcase::init(json!({"base_url": "http://127.0.0.1:9"})).expect("valid");
        assert_eq!(adapter.config().timeout_ms, 800);
        assert_eq!(
            adapter.call("delete", b"{}").expect_err("unknown").kind,
            ErrorKind::Invalid
        );
    }

    #[test]
    fn a_bad_snils_never_reaches_the_network() {
        // Port 9 (discard) on localhost is closed here; an invalid СНИЛС must fail before trying it.
        let adapter = ModShowcase::init(json!({"base_url": "http://127.0.0.1:9"})).expect("valid");
        let err = adapter
            .call("lookup", br#"{"snils": "112-233-445 96"}"#)
            .expect_err("refused");
        assert_eq!(err.kind, ErrorKind::Invalid);
    }
}
