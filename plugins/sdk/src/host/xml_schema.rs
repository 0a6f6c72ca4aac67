//! XML Schema validation by the host, against the schemas shipped with the gateway.

use crate::bindings::smev_gateway::plugin::xml_schema as wit;
use crate::error::HostError;

/// Validates `document` against the schema for `namespace`: `Ok(None)` when valid, `Ok(Some(message))` with
/// the validator's message when not.
pub fn validate(namespace: &str, document: &[u8]) -> Result<Option<String>, HostError> {
    wit::validate(namespace, document)
}
