//! Adapter to the ФНС distributed registry of machine-readable powers of attorney (МЧД).
//!
//! Built as `libmchd_registry_adapter.so` and loaded by the gateway's adapter host; the `mchd` plugin calls
//! it. Each operation is one `POST <base_url>/mchd-registry/v1/<operation>` with a JSON body, made through
//! [`gateway_adapter_http`] on the adapter's own pool thread (the registry simulator serves the same API).
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}`: where the registry is
//! (`http(s)://host[:port][/prefix]`) and the budget of one call in milliseconds (default 800); for an
//! `https://` registry also `ca_file`, `client_cert` + `client_key`, and a credential header (`auth_header`
//! with `auth_value_env`); see [`gateway_adapter_http`]. It speaks the simulator's protocol
//! (`adapters/sim`), not the real ФНС registry's.
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
//! | TLS handshake failed, HTTP 401 / 403 (credential or client certificate refused) | `failed` |
//! | malformed answer, other HTTP status, answer over 4 MiB | `failed` |
//!
//! # Layout
//! - `ops`: the operations, their inputs and the registry's answers, as pure functions.
//! - this file: [`MchdRegistry`], the [`Adapter`] implementation that wires them to HTTP.

mod ops;

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use gateway_adapter_http::{Endpoint, JsonClient};

pub use ops::{MAX_ANSWER_BYTES, Operation};

/// The registry as messages name it.
const REGISTRY: &str = "the МЧД registry";
/// Budget of one call unless configured.
pub const DEFAULT_TIMEOUT_MS: u64 = 800;

/// The adapter: the registry's endpoint and a connection-pooling HTTP client.
pub struct MchdRegistry {
    endpoint: Endpoint,
    client: JsonClient,
}

impl MchdRegistry {
    /// The URL of `operation`.
    fn url(&self, operation: Operation) -> String {
        self.endpoint
            .url(&format!("mchd-registry/v1/{}", operation.path()))
    }

    /// The validated endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Adapter for MchdRegistry {
    const NAME: &'static str = "mchd-registry";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let endpoint = Endpoint::from_json(Self::NAME, config, DEFAULT_TIMEOUT_MS)?;
        Ok(MchdRegistry {
            client: JsonClient::new(REGISTRY, &endpoint, MAX_ANSWER_BYTES),
            endpoint,
        })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        let op = Operation::from_name(operation).ok_or_else(|| {
            AdapterError::invalid(format!(
                "mchd-registry adapter has no operation `{operation}`"
            ))
        })?;
        let body = ops::request_body(op, input)?;
        let answer = self.client.post(&self.url(op), &body)?;
        ops::interpret(op, &answer)
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
        assert_eq!(
            adapter.endpoint().timeout(),
            std::time::Duration::from_millis(DEFAULT_TIMEOUT_MS)
        );
        assert_eq!(
            adapter.url(Operation::ByRepresentative),
            "http://127.0.0.1:9/mchd-registry/v1/by-representative"
        );
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
