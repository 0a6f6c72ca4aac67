//! External registries, reached through the gateway's native adapters.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::smev_gateway::plugin::registry as wit;
use crate::error::{CallError, HostError};

/// Calls `operation` of the adapter `adapter` with raw `input`; the host applies the adapter's timeout,
/// retries and circuit breaker.
pub fn call(adapter: &str, operation: &str, input: &[u8]) -> Result<Vec<u8>, HostError> {
    wit::call(adapter, operation, input)
}

/// Calls `operation` with `input` serialised as JSON and reads the output as JSON into `O`. Keys are not
/// case-converted: adapters speak their own JSON.
pub fn call_json<I: Serialize + ?Sized, O: DeserializeOwned>(
    adapter: &str,
    operation: &str,
    input: &I,
) -> Result<O, CallError> {
    let input = serde_json::to_vec(input).map_err(|error| CallError::Encode(error.to_string()))?;
    let output = call(adapter, operation, &input).map_err(CallError::Host)?;
    decode_output(&output)
}

fn decode_output<O: DeserializeOwned>(output: &[u8]) -> Result<O, CallError> {
    serde_json::from_slice(output).map_err(|error| CallError::Decode(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_decode_or_report_why_not() {
        #[derive(Debug, serde::Deserialize, PartialEq)]
        struct Found {
            found: bool,
        }
        assert_eq!(
            decode_output::<Found>(br#"{"found": true}"#),
            Ok(Found { found: true })
        );
        assert!(matches!(
            decode_output::<Found>(b"not json"),
            Err(CallError::Decode(_))
        ));
    }
}
