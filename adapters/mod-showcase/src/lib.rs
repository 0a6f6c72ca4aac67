//! Adapter to the MoD showcase (витрина Минобороны) of SVO participants.
//!
//! Built as `libmod_showcase_adapter.so` and loaded by the gateway's adapter host. It answers whether a
//! citizen, identified by СНИЛС, is an SVO participant, by asking the showcase over HTTP
//! ([`gateway_adapter_http`], on the adapter's own pool thread).
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}`: where the showcase is
//! (`http(s)://host[:port][/prefix]`) and the budget of one lookup in milliseconds (default 800); for an
//! `https://` registry also `ca_file`, `client_cert` + `client_key`, and a credential header (`auth_header`
//! with `auth_value_env`); see [`gateway_adapter_http`]. It speaks the simulator's protocol
//! (`adapters/sim`), not the real showcase's.
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
//! | TLS handshake failed, HTTP 401 / 403 (credential or client certificate refused) | `failed` |
//! | malformed answer, other HTTP status, answer over 256 KiB | `failed` |
//!
//! # Layout
//! - `lookup`: input parsing and the showcase's answer, as pure functions.
//! - this file: [`ModShowcase`], the [`Adapter`] implementation that wires them to HTTP.

mod lookup;

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use gateway_adapter_http::{Endpoint, JsonClient};

pub use lookup::MAX_ANSWER_BYTES;

/// The showcase as messages name it.
const REGISTRY: &str = "the MoD showcase";
/// Budget of one lookup unless configured.
pub const DEFAULT_TIMEOUT_MS: u64 = 800;

/// The adapter: the lookup URL and a connection-pooling HTTP client.
pub struct ModShowcase {
    endpoint: Endpoint,
    url: String,
    client: JsonClient,
}

impl ModShowcase {
    /// Asks the showcase about one СНИЛС (already formatted).
    fn lookup(&self, snils: &str) -> Result<Vec<u8>, AdapterError> {
        let answer = self.client.post(&self.url, &lookup::request_body(snils))?;
        lookup::interpret(&answer)
    }

    /// The validated endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Adapter for ModShowcase {
    const NAME: &'static str = "mod-showcase";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let endpoint = Endpoint::from_json(Self::NAME, config, DEFAULT_TIMEOUT_MS)?;
        Ok(ModShowcase {
            url: endpoint.url("mod-showcase/v1/lookup"),
            client: JsonClient::new(REGISTRY, &endpoint, MAX_ANSWER_BYTES),
            endpoint,
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
        assert_eq!(
            adapter.endpoint().timeout(),
            std::time::Duration::from_millis(DEFAULT_TIMEOUT_MS)
        );
        assert_eq!(adapter.url, "http://127.0.0.1:9/mod-showcase/v1/lookup");
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
