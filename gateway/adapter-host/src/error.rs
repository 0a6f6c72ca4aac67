//! The errors of this crate: loading adapters (at start-up, for the operator) and calling them (on the
//! request path, for the router, which decides the fault).

use std::error::Error as _;
use std::path::PathBuf;
use std::time::Duration;

/// Why an adapter could not be loaded. The messages are meant for the operator reading the start-up log.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The spec's limits are wrong.
    #[error("adapter `{name}`: invalid settings: {reason}")]
    InvalidSpec {
        /// The configured adapter name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// Two specs use the same name.
    #[error("adapter `{0}` is configured twice; adapter names must be unique")]
    Duplicate(String),
    /// The file could not be opened as a shared library (missing, not a library, wrong architecture,
    /// missing dependencies).
    #[error("cannot open adapter library {}: {}; is it a shared library built for this platform?", path.display(), chain(source))]
    Open {
        /// The file.
        path: PathBuf,
        /// What the dynamic loader said.
        source: libloading::Error,
    },
    /// The library does not export a symbol every adapter exports.
    #[error("{} is not a gateway adapter: it does not export `{symbol}`", path.display())]
    MissingSymbol {
        /// The file.
        path: PathBuf,
        /// The missing symbol.
        symbol: String,
    },
    /// The library implements another version of the adapter ABI.
    #[error("adapter library {} implements adapter ABI version {found}, but this gateway speaks version {expected}; rebuild the adapter against gateway-adapter-abi with ABI version {expected}", path.display())]
    AbiVersion {
        /// The file.
        path: PathBuf,
        /// The version the library reports.
        found: u32,
        /// The version this gateway speaks.
        expected: u32,
    },
    /// The library's descriptor is unusable (null, inconsistent, names not UTF-8).
    #[error("adapter library {} has a broken descriptor: {reason}", path.display())]
    Descriptor {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The library was built with `panic = "abort"`: a panic in it would kill the gateway.
    #[error("adapter `{name}` ({}) was built with panic = \"abort\", so a panic in it would kill the gateway; rebuild it with panic = \"unwind\" (Cargo's default)", path.display())]
    PanicAbort {
        /// The configured adapter name.
        name: String,
        /// The file.
        path: PathBuf,
    },
    /// The adapter's `init` refused its configuration (or panicked).
    #[error("adapter `{name}` failed to initialise: {message}")]
    Init {
        /// The configured adapter name.
        name: String,
        /// The adapter's message.
        message: String,
    },
    /// The adapter's thread pool could not be started.
    #[error("adapter `{name}`: cannot start its threads: {source}")]
    Spawn {
        /// The configured adapter name.
        name: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Why a call to an adapter failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No adapter with this name is loaded (a configuration error).
    #[error("no adapter named `{0}` is loaded")]
    UnknownAdapter(String),
    /// The last attempt took longer than this: the host's timeout, or the time until the adapter itself
    /// reported a timeout from its registry.
    #[error("the adapter did not answer within {0:?}")]
    Timeout(Duration),
    /// The registry is unavailable, or the adapter is busy (its threads and queue are full).
    #[error("the registry is unavailable: {0}")]
    Unavailable(String),
    /// The adapter refused the input.
    #[error("the adapter refused the input: {0}")]
    Invalid(String),
    /// The adapter failed otherwise (a malformed answer from the registry, a broken adapter).
    #[error("the adapter failed: {0}")]
    Failed(String),
    /// The adapter panicked; the panic was caught and the adapter stays usable.
    #[error("the adapter panicked: {0}")]
    Panicked(String),
    /// The circuit breaker is open after repeated failures: the call was not attempted.
    #[error("the adapter's circuit breaker is open after repeated failures")]
    CircuitOpen,
}

impl CallError {
    /// Whether trying again later may succeed: timeouts, unavailability and an open circuit. The host
    /// itself retries only timeouts and unavailability (retrying into an open circuit is pointless).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            CallError::Timeout(_) | CallError::Unavailable(_) | CallError::CircuitOpen
        )
    }

    /// The short name of the cause, as the `outcome` label of the gateway's adapter metrics has it:
    /// `unknown`, `timeout`, `unavailable`, `invalid`, `failed`, `panicked`, `circuit_open`.
    pub fn outcome(&self) -> &'static str {
        match self {
            CallError::UnknownAdapter(_) => "unknown",
            CallError::Timeout(_) => "timeout",
            CallError::Unavailable(_) => "unavailable",
            CallError::Invalid(_) => "invalid",
            CallError::Failed(_) => "failed",
            CallError::Panicked(_) => "panicked",
            CallError::CircuitOpen => "circuit_open",
        }
    }
}

/// An error and its sources, joined by ": " (libloading's own message is only "dlopen failed").
fn chain(error: &libloading::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_errors_are_the_transient_ones() {
        assert!(CallError::Timeout(Duration::from_secs(1)).is_retryable());
        assert!(CallError::Unavailable("down".into()).is_retryable());
        assert!(CallError::CircuitOpen.is_retryable());
        for permanent in [
            CallError::UnknownAdapter("x".into()),
            CallError::Invalid("x".into()),
            CallError::Failed("x".into()),
            CallError::Panicked("x".into()),
        ] {
            assert!(!permanent.is_retryable(), "{permanent:?}");
        }
    }

    #[test]
    fn each_cause_has_its_metric_outcome() {
        let cases = [
            (CallError::Timeout(Duration::from_secs(1)), "timeout"),
            (CallError::Unavailable("x".into()), "unavailable"),
            (CallError::Invalid("x".into()), "invalid"),
            (CallError::Failed("x".into()), "failed"),
            (CallError::Panicked("x".into()), "panicked"),
            (CallError::CircuitOpen, "circuit_open"),
            (CallError::UnknownAdapter("x".into()), "unknown"),
        ];
        for (error, outcome) in cases {
            assert_eq!(error.outcome(), outcome, "{error:?}");
        }
    }

    #[test]
    fn load_messages_tell_the_operator_what_to_do() {
        let err = LoadError::AbiVersion {
            path: "/a/lib.so".into(),
            found: 7,
            expected: 1,
        };
        let text = err.to_string();
        assert!(
            text.contains("/a/lib.so") && text.contains("version 7") && text.contains("rebuild"),
            "{text}"
        );
        let err = LoadError::PanicAbort {
            name: "mod".into(),
            path: "/a/lib.so".into(),
        };
        assert!(err.to_string().contains("panic = \"unwind\""));
    }
}
