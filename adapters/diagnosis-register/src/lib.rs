//! Adapter to the register of confirmed diagnoses (the regional admission system, seed 003): may this person be
//! admitted? The answer is admit or refuse, never the diagnosis. It speaks the simulator's protocol
//! (`adapters/sim`, service `diagnosis-register`).
//!
//! **Configuration:** `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}` ([`gateway_adapter_http`]).
//!
//! **Operation `check`:** input `{"snils": "..."}` (its check number verified first); output `{"admit": bool}`.
//! Errors never quote the СНИЛС.

use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
use gateway_adapter_http::{Endpoint, JsonClient, where_wrong};
use serde::Deserialize;
use serde_json::json;

/// Budget of one call unless configured.
pub const DEFAULT_TIMEOUT_MS: u64 = 800;

/// The adapter.
pub struct DiagnosisRegister {
    url: String,
    client: JsonClient,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckInput {
    snils: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    admit: bool,
}

impl Adapter for DiagnosisRegister {
    const NAME: &'static str = "diagnosis-register";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let endpoint = Endpoint::from_json(Self::NAME, config, DEFAULT_TIMEOUT_MS)?;
        Ok(DiagnosisRegister {
            url: endpoint.url("diagnosis-register/v1/check"),
            client: JsonClient::new("the register of diagnoses", &endpoint, 4 * 1024),
        })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        if operation != "check" {
            return Err(AdapterError::invalid(format!(
                "diagnosis-register adapter has no operation `{operation}`"
            )));
        }
        let CheckInput { snils } = serde_json::from_slice(input).map_err(|e| {
            AdapterError::invalid(format!(
                "check input must be {{\"snils\": \"...\"}} ({})",
                where_wrong(&e)
            ))
        })?;
        let snils = ru_identifiers::format_snils(&snils)
            .map_err(|e| AdapterError::invalid(format!("snils: {e}")))?;
        let body = self.client.post(&self.url, &json!({ "snils": snils }))?;
        // Only admit or refuse passes: anything more the register said stays here.
        let Answer { admit } = serde_json::from_slice(&body).map_err(|e| {
            AdapterError::failed(format!(
                "the register sent a malformed answer ({})",
                where_wrong(&e)
            ))
        })?;
        Ok(json!({ "admit": admit }).to_string().into_bytes())
    }
}

gateway_adapter_abi::export_adapter!(DiagnosisRegister);

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;

    #[test]
    fn a_bad_snils_never_reaches_the_network() {
        let adapter =
            DiagnosisRegister::init(json!({"base_url": "http://127.0.0.1:9"})).expect("valid");
        assert_eq!(
            adapter.url,
            "http://127.0.0.1:9/diagnosis-register/v1/check"
        );
        let err = adapter
            .call("check", br#"{"snils": "112-233-445 96"}"#)
            .expect_err("check number");
        assert_eq!(err.kind, ErrorKind::Invalid);
        assert!(!err.message.contains("445"), "{}", err.message);
    }
}
