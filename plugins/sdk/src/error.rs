//! The SDK's error types.
//!
//! [`HostError`] (a WIT variant) is what a host capability returns; the SDK adds [`CodecError`] for payloads,
//! [`CallError`] for JSON registry calls, [`ConfigError`] for the plugin config, and [`PluginError`], the error
//! of [`Plugin::handle`](crate::Plugin::handle), into which every other error converts with `?`.

use std::fmt;

pub use crate::bindings::smev_gateway::plugin::crypto::VerifyError;
pub use crate::bindings::smev_gateway::plugin::types::HostError;

/// A payload could not be decoded into, or encoded from, a Rust value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The payload is not well-formed XML or JSON (or not UTF-8).
    #[error("malformed {format} payload: {message}")]
    Malformed {
        /// `XML` or `JSON`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
    /// The payload uses a construct the SDK refuses (DOCTYPE, unknown entity).
    #[error("refused XML construct: {0}")]
    Refused(String),
    /// The XML payload nests deeper than the SDK accepts.
    #[error("XML payload nests deeper than {0} elements")]
    TooDeep(usize),
    /// The payload is well-formed but does not fit the Rust type.
    #[error("payload does not match the expected structure: {0}")]
    Shape(String),
    /// The value cannot be written in the requested format.
    #[error("cannot encode the answer: {0}")]
    Encode(String),
}

/// A JSON call to a registry adapter failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The host refused or failed the call.
    #[error("registry call failed: {0}")]
    Host(HostError),
    /// The input could not be serialised to JSON.
    #[error("cannot serialise the registry input: {0}")]
    Encode(String),
    /// The adapter's output is not the expected JSON.
    #[error("unexpected registry output: {0}")]
    Decode(String),
}

impl CallError {
    /// Whether retrying later may help (the host reported the dependency unavailable).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, CallError::Host(HostError::Unavailable(_)))
    }
}

/// The plugin's config table does not fit the expected type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid plugin config: {0}")]
pub struct ConfigError(pub String);

/// The error of [`Plugin::handle`](crate::Plugin::handle): a plugin failure, reported to the sender as a
/// rejection with this message.
///
/// Every `std::error::Error` converts into it, so `?` works on SDK and other errors alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    message: String,
}

impl PluginError {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The message, consuming the error.
    pub fn into_message(self) -> String {
        self.message
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error> From<E> for PluginError {
    fn from(error: E) -> Self {
        Self::new(error.to_string())
    }
}

impl VerifyError {
    /// The start of an [`VerifyError::Untrusted`] message that means a certificate of the signer's chain is
    /// revoked (by a CRL or an OCSP responder). Contract 1.x has no case of its own for it; the host writes
    /// this prefix and nothing else does.
    pub const REVOKED_PREFIX: &'static str = "revoked:";

    /// Whether the signer's certificate, or a CA certificate above it, is revoked.
    pub fn is_revoked(&self) -> bool {
        matches!(self, VerifyError::Untrusted(why) if why.starts_with(Self::REVOKED_PREFIX))
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::BadSignature(why) => write!(f, "bad signature: {why}"),
            VerifyError::Untrusted(why) => write!(f, "untrusted signer: {why}"),
        }
    }
}

impl std::error::Error for VerifyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_error_converts_into_a_plugin_error_with_its_message() {
        fn fails() -> Result<(), PluginError> {
            Err(CodecError::TooDeep(3))?;
            Ok(())
        }
        let error = fails().expect_err("must fail");
        assert_eq!(error.message(), "XML payload nests deeper than 3 elements");
        let host: PluginError = HostError::Unavailable("showcase down".into()).into();
        assert!(host.message().contains("showcase down"), "{host}");
    }

    #[test]
    fn unavailable_host_errors_are_retryable() {
        assert!(CallError::Host(HostError::Unavailable("x".into())).is_unavailable());
        assert!(!CallError::Host(HostError::Invalid("x".into())).is_unavailable());
        assert!(!CallError::Decode("x".into()).is_unavailable());
    }
}
