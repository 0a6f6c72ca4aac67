//! Adapter to organisation profiles: in real life the organisation's account in ЕСИА, where the
//! organisation keeps the e-mail address its scan reports go to (seed 000).
//!
//! Built as `liborg_profile_adapter.so` and loaded by the gateway's adapter host; the report scheduler calls
//! it for each organisation it reports to.
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 2000}`: where the profile registry
//! is (`http(s)://host[:port][/prefix]`) and the budget of one lookup in milliseconds (default 2000); for an
//! `https://` registry also `ca_file`, `client_cert` + `client_key`, and a credential header (`auth_header`
//! with `auth_value_env`); see [`Endpoint`]. HTTP goes through [`gateway_adapter_http`]. It speaks the
//! simulator's protocol (`adapters/sim`), not a real profile service's.
//!
//! **Operation `profile`:** input `{"ogrn": "<ОГРН or ОГРНИП>"}` (the check number is verified before any
//! request). The registry is asked with `POST <base_url>/org-profile/v1/profile` `{"ogrn": "..."}`. Output:
//! `{"found": true, "profile": {"ogrn": "...", "name": "...", "email": "..."}}` or `{"found": false}`.
//!
//! | situation | error kind |
//! |---|---|
//! | malformed input or identifier, unknown operation | `invalid` |
//! | connection refused, host unknown, HTTP 5xx / 429 / 408 | `unavailable` |
//! | no complete answer within `timeout_ms` | `timeout` |
//! | TLS handshake failed, HTTP 401 / 403 (credential or client certificate refused) | `failed` |
//! | malformed answer, a profile without name or e-mail, other HTTP status | `failed` |
//!
//! # Layout
//! - `profile`: the input and the registry's answer, as pure functions.
//! - this file: [`OrgProfile`], the [`Adapter`] wiring them to HTTP.

mod profile;

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use gateway_adapter_http::{Endpoint, JsonClient};

pub use profile::{MAX_ANSWER_BYTES, Profile};

/// The registry as messages name it.
const REGISTRY: &str = "the profile registry";
/// Budget of one lookup unless configured.
pub const DEFAULT_TIMEOUT_MS: u64 = 2000;

/// The adapter: the profile URL and a connection-pooling HTTP client.
pub struct OrgProfile {
    url: String,
    client: JsonClient,
}

impl OrgProfile {
    fn profile(&self, ogrn: &str) -> Result<Vec<u8>, AdapterError> {
        let answer = self.client.post(&self.url, &profile::request_body(ogrn))?;
        profile::interpret(&answer)
    }
}

impl Adapter for OrgProfile {
    const NAME: &'static str = "org-profile";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let endpoint = Endpoint::from_json(Self::NAME, config, DEFAULT_TIMEOUT_MS)?;
        Ok(OrgProfile {
            url: endpoint.url("org-profile/v1/profile"),
            client: JsonClient::new(REGISTRY, &endpoint, MAX_ANSWER_BYTES),
        })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        match operation {
            "profile" => self.profile(&profile::parse_input(input)?),
            other => Err(AdapterError::invalid(format!(
                "org-profile adapter has no operation `{other}`"
            ))),
        }
    }
}

gateway_adapter_abi::export_adapter!(OrgProfile);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;
    use serde_json::json;

    #[test]
    fn unknown_operations_and_bad_identifiers_never_reach_the_network() {
        let adapter = OrgProfile::init(json!({"base_url": "http://127.0.0.1:9"})).expect("valid");
        assert_eq!(adapter.url, "http://127.0.0.1:9/org-profile/v1/profile");
        assert_eq!(
            adapter.call("delete", b"{}").unwrap_err().kind,
            ErrorKind::Invalid
        );
        assert_eq!(
            adapter
                .call("profile", br#"{"ogrn": "1027700132196"}"#)
                .unwrap_err()
                .kind,
            ErrorKind::Invalid
        );
        // A valid ОГРН goes to the (closed) port: unavailable.
        assert_eq!(
            adapter
                .call("profile", br#"{"ogrn": "1027700132195"}"#)
                .unwrap_err()
                .kind,
            ErrorKind::Unavailable
        );
    }
}
