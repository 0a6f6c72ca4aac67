//! The error an adapter reports, and its JSON form on the wire.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What kind of failure an adapter reports; decides whether the gateway retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// The registry is down, refused the connection, answered 5xx or is overloaded. Retryable.
    Unavailable,
    /// The registry did not answer in time. Retryable.
    Timeout,
    /// The input (or the configuration, in `init`) is wrong; repeating the call cannot help.
    Invalid,
    /// Anything else: a malformed answer from the registry, a bug. Not retryable.
    Failed,
}

impl ErrorKind {
    /// The wire name: `unavailable`, `timeout`, `invalid` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Failed => "failed",
        }
    }

    /// Parses a wire name.
    pub fn from_wire(name: &str) -> Option<ErrorKind> {
        match name {
            "unavailable" => Some(ErrorKind::Unavailable),
            "timeout" => Some(ErrorKind::Timeout),
            "invalid" => Some(ErrorKind::Invalid),
            "failed" => Some(ErrorKind::Failed),
            _ => None,
        }
    }

    /// Whether another attempt may succeed (`unavailable` and `timeout`).
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Unavailable | ErrorKind::Timeout)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error reported by an adapter: a kind and a human message. Crosses the ABI as
/// `{"kind": "<kind>", "message": "<message>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct AdapterError {
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// What happened, for the operator's log (no personal data, please).
    pub message: String,
}

impl AdapterError {
    /// An error of the given kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> AdapterError {
        AdapterError {
            kind,
            message: message.into(),
        }
    }

    /// The registry is unavailable (retryable).
    pub fn unavailable(message: impl Into<String>) -> AdapterError {
        AdapterError::new(ErrorKind::Unavailable, message)
    }

    /// The registry did not answer in time (retryable).
    pub fn timeout(message: impl Into<String>) -> AdapterError {
        AdapterError::new(ErrorKind::Timeout, message)
    }

    /// The input or configuration is invalid.
    pub fn invalid(message: impl Into<String>) -> AdapterError {
        AdapterError::new(ErrorKind::Invalid, message)
    }

    /// Any other failure.
    pub fn failed(message: impl Into<String>) -> AdapterError {
        AdapterError::new(ErrorKind::Failed, message)
    }

    /// The JSON wire form.
    pub fn to_json(&self) -> Vec<u8> {
        // Serialising a struct of an enum and a string cannot fail; the fallback keeps this infallible
        // without a panic path.
        serde_json::to_vec(self).unwrap_or_else(|_| {
            format!(
                r#"{{"kind":"{}","message":"unserialisable message"}}"#,
                self.kind
            )
            .into_bytes()
        })
    }

    /// Parses the JSON wire form. Unknown kinds are refused (the caller decides how to report them).
    pub fn from_json(bytes: &[u8]) -> Result<AdapterError, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_is_kind_and_message() {
        let json = AdapterError::unavailable("registry down").to_json();
        let value: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
        assert_eq!(
            value,
            serde_json::json!({"kind": "unavailable", "message": "registry down"})
        );
        assert_eq!(
            AdapterError::from_json(&json).expect("parses"),
            AdapterError::unavailable("registry down")
        );
    }

    #[test]
    fn every_kind_round_trips_through_its_wire_name() {
        for kind in [
            ErrorKind::Unavailable,
            ErrorKind::Timeout,
            ErrorKind::Invalid,
            ErrorKind::Failed,
        ] {
            assert_eq!(ErrorKind::from_wire(kind.as_str()), Some(kind));
            let error = AdapterError::new(kind, "m");
            assert_eq!(
                AdapterError::from_json(&error.to_json())
                    .expect("parses")
                    .kind,
                kind
            );
        }
        assert_eq!(ErrorKind::from_wire("exploded"), None);
        assert!(AdapterError::from_json(br#"{"kind":"exploded","message":"m"}"#).is_err());
    }

    #[test]
    fn only_unavailable_and_timeout_are_retryable() {
        assert!(ErrorKind::Unavailable.is_retryable());
        assert!(ErrorKind::Timeout.is_retryable());
        assert!(!ErrorKind::Invalid.is_retryable());
        assert!(!ErrorKind::Failed.is_retryable());
    }
}
