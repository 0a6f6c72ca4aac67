//! Adapter to the ФНС distributed registry of machine-readable powers of attorney (МЧД).
//!
//! Built as `libmchd_registry_adapter.so` and loaded by the gateway's adapter host; the `mchd` plugin calls
//! it. Each operation is one `POST <base_url>/mchd-registry/v1/<operation>` with a JSON body, made with a
//! blocking `ureq` agent on the adapter's own pool thread (the registry simulator serves the same API).
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}` (see [`Config`]).
//!
//! **Operations** (inputs are checked before any request: numbers are GUIDs, СНИЛС pass their check number):
//!
//! | operation | input | output |
//! |---|---|---|
//! | `status` | `{"number": "<GUID>"}` | `{"found": true, "number", "status"}` (`CREATED`, `ACTIVE`, `EXPIRED`, `REVOKED`, `PROCESSING`, `REJECTED`) or `{"found": false}` |
//! | `fetch` | `{"number": "<GUID>"}` | `{"found": true, "number", "xml": "<base64>", "signature": "<base64>" or null}` or `{"found": false}` |
//! | `by-representative` | `{"snils": "..."}` | `{"powers": [{"number", "status", "principalOgrn", "principalName", "issuedOn", "validUntil", "powers": ["<code>", ...]}]}` |
//!
//! | situation | error kind |
//! |---|---|
//! | malformed input, a number that is not a GUID, a bad СНИЛС, unknown operation | `invalid` |
//! | connection refused, host unknown, HTTP 5xx / 429 / 408 | `unavailable` |
//! | no complete answer within `timeout_ms` | `timeout` |
//! | malformed answer, other HTTP status, answer over 4 MiB | `failed` |
//!
//! # Layout
//! - `config`: [`Config`] and its validation.
//! - `ops`: the operations, their inputs and the registry's answers, as pure functions.
//! - this file: [`MchdRegistry`], the [`Adapter`] implementation that wires them to HTTP.

mod config;
mod ops;

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use ureq::Agent;

pub use config::{Config, MAX_TIMEOUT_MS};
pub use ops::{MAX_ANSWER_BYTES, Operation};

/// The adapter: its configuration and a connection-pooling HTTP agent.
pub struct MchdRegistry {
    config: Config,
    agent: Agent,
}

impl MchdRegistry {
    /// Sends one operation's request and reads the answer.
    fn request(
        &self,
        operation: Operation,
        body: serde_json::Value,
    ) -> Result<Vec<u8>, AdapterError> {
        let mut response = self
            .agent
            .post(&self.config.url(operation.path()))
            .header("Accept", "application/json")
            .send_json(body)
            .map_err(ops::transport_error)?;
        let status = response.status().as_u16();
        let answer = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(ops::transport_error)?;
        ops::interpret(operation, status, &answer)
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl Adapter for MchdRegistry {
    const NAME: &'static str = "mchd-registry";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let config = Config::from_json(config)?;
        let agent = Agent::config_builder()
            .timeout_global(Some(config.timeout()))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Ok(MchdRegistry { config, agent })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        let op = Operation::from_name(operation).ok_or_else(|| {
            AdapterError::invalid(format!(
                "mchd-registry adapter has no operation `{operation}`"
            ))
        })?;
        let body = ops::request_body(op, input)?;
        self.request(op, body)
    }
}

gateway_adapter_abi::export_adapter!(MchdRegistry);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;
    use serde_json::json;

    #[test]
    fn init_validates_and_unknown_operations_are_invalid() {
        assert_eq!(
            MchdRegistry::init(json!({"base_url": "nope"}))
                .err()
                .map(|e| e.kind),
            Some(ErrorKind::Invalid)
        );
        let adapter = MchdRegistry::init(json!({"base_url": "http://127.0.0.1:9"})).expect("valid");
        assert_eq!(adapter.config().timeout_ms, 800);
        assert_eq!(
            adapter.call("delete", b"{}").expect_err("unknown").kind,
            ErrorKind::Invalid
        );
    }

    #[test]
    fn bad_inputs_never_reach_the_network_and_a_closed_port_is_unavailable() {
        // Port 9 (discard) on localhost is closed here.
        let adapter =
            MchdRegistry::init(json!({"base_url": "http://127.0.0.1:9", "timeout_ms": 500}))
                .expect("valid");
        assert_eq!(
            adapter
                .call("status", br#"{"number": "x"}"#)
                .expect_err("refused")
                .kind,
            ErrorKind::Invalid
        );
        let err = adapter
            .call(
                "status",
                br#"{"number": "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60"}"#,
            )
            .expect_err("closed port");
        assert!(err.kind.is_retryable(), "{err}");
    }
}
