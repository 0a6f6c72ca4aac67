//! The crate's error types: what a host service reports to a plugin ([`HostError`]), and what the host
//! reports to the gateway when it is set up ([`SetupError`]), loads a plugin ([`LoadError`]) or invokes one
//! ([`InvokeError`]).

use std::path::PathBuf;
use std::time::Duration;

/// A failure of a host capability, as the plugin sees it (the WIT `host-error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// A dependency is unavailable or slower than its timeout; retrying later may help.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The call itself is wrong (unknown adapter, bad arguments).
    #[error("invalid call: {0}")]
    Invalid(String),
    /// Anything else.
    #[error("failed: {0}")]
    Failed(String),
}

/// The host could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The [`HostConfig`](crate::HostConfig) is not usable.
    #[error("invalid plugin host config: {0}")]
    InvalidConfig(String),
    /// `wasmtime` refused the engine configuration or the linker.
    #[error("cannot create the WebAssembly engine: {0}")]
    Engine(String),
}

/// A plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The [`PluginSpec`](crate::PluginSpec) is not usable.
    #[error("plugin {plugin}: invalid spec: {reason}")]
    InvalidSpec {
        /// The plugin's name in the spec.
        plugin: String,
        /// What is wrong.
        reason: String,
    },
    /// The component file could not be read.
    #[error("plugin {plugin}: cannot read {}: {source}", path.display())]
    Io {
        /// The plugin's name in the spec.
        plugin: String,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid WebAssembly component, or it failed to compile.
    #[error("plugin {plugin}: not a loadable component: {reason}")]
    Compile {
        /// The plugin's name in the spec.
        plugin: String,
        /// The compiler's message.
        reason: String,
    },
    /// The component targets a major version of the contract this host does not implement.
    #[error(
        "plugin {plugin}: imports {interface}, but this host implements smev-gateway:plugin 1.x"
    )]
    IncompatibleVersion {
        /// The plugin's name in the spec.
        plugin: String,
        /// The imported or exported interface, with its version.
        interface: String,
    },
    /// The component imports something the host does not provide (or exports no `handler`).
    #[error("plugin {plugin}: {reason}")]
    Unlinkable {
        /// The plugin's name in the spec.
        plugin: String,
        /// The linker's message, naming the import.
        reason: String,
    },
    /// `describe` failed (trap, deadline, memory).
    #[error("plugin {plugin}: describe failed: {source}")]
    Describe {
        /// The plugin's name in the spec.
        plugin: String,
        /// Why.
        source: Box<InvokeError>,
    },
    /// The description is unusable (no name, nothing accepted, malformed message types).
    #[error("plugin {plugin}: invalid description: {reason}")]
    InvalidDescription {
        /// The plugin's name in the spec.
        plugin: String,
        /// What is wrong.
        reason: String,
    },
}

/// An invocation failed. Each variant names the cause; the host goes on serving after any of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// No plugin is loaded under this name.
    #[error("no plugin named {0:?} is loaded")]
    UnknownPlugin(String),
    /// The invocation (guest code and host calls together) ran past its deadline and was stopped.
    #[error("the plugin did not finish within {0:?}")]
    DeadlineExceeded(Duration),
    /// The plugin tried to grow its memory beyond its cap.
    #[error("the plugin exhausted its memory limit of {limit} bytes")]
    MemoryExhausted {
        /// The cap in bytes.
        limit: u64,
    },
    /// The plugin trapped (a panic, an `unreachable`, an out-of-bounds access, ...). `message` carries the
    /// panic message the plugin wrote to stderr, if any, and the trap.
    #[error("the plugin trapped: {message}")]
    Trap {
        /// The panic message and the trap description.
        message: String,
    },
    /// `handle` (or `render`) returned an error.
    #[error("the plugin failed: {0}")]
    PluginError(String),
    /// The plugin answered something its kind may not answer (a document plugin answering `proceed`, a reply
    /// of a type the plugin does not declare, ...).
    #[error("the plugin broke the contract: {0}")]
    InvalidOutcome(String),
    /// Every instance slot of the pool is in use; retrying shortly may help.
    #[error("all {limit} plugin instance slots are busy")]
    Busy {
        /// The configured number of concurrent instances.
        limit: u32,
    },
    /// A fresh instance could not be created.
    #[error("cannot instantiate the plugin: {0}")]
    Instantiate(String),
    /// A page was asked of a plugin that serves none (it does not export `smev-gateway:plugin/page`).
    #[error("the plugin {0:?} serves no pages")]
    NoPages(String),
    /// The page the plugin rendered breaks the host's rules (status, size, headers; see the crate docs).
    #[error("the plugin's page was refused: {0}")]
    InvalidPage(String),
}

impl InvokeError {
    /// Whether the same request may succeed if retried later (busy pool, deadline).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            InvokeError::Busy { .. } | InvokeError::DeadlineExceeded(_)
        )
    }

    /// The short name of the cause, as the `outcome` label of the gateway's plugin metrics has it: `trap`,
    /// `deadline`, `memory`, `busy`, `error` (the plugin's own error), `invalid` (a broken contract or page),
    /// `instantiate`, `unknown` (no such plugin, or no pages).
    pub fn outcome(&self) -> &'static str {
        match self {
            InvokeError::Trap { .. } => "trap",
            InvokeError::DeadlineExceeded(_) => "deadline",
            InvokeError::MemoryExhausted { .. } => "memory",
            InvokeError::Busy { .. } => "busy",
            InvokeError::PluginError(_) => "error",
            InvokeError::InvalidOutcome(_) | InvokeError::InvalidPage(_) => "invalid",
            InvokeError::Instantiate(_) => "instantiate",
            InvokeError::UnknownPlugin(_) | InvokeError::NoPages(_) => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_cause() {
        assert_eq!(
            InvokeError::MemoryExhausted { limit: 1024 }.to_string(),
            "the plugin exhausted its memory limit of 1024 bytes"
        );
        assert!(
            InvokeError::DeadlineExceeded(Duration::from_millis(50))
                .to_string()
                .contains("50ms")
        );
        assert!(InvokeError::Busy { limit: 4 }.is_retryable());
        assert!(
            !InvokeError::Trap {
                message: "x".into()
            }
            .is_retryable()
        );
    }

    #[test]
    fn each_cause_has_its_metric_outcome() {
        let cases = [
            (
                InvokeError::Trap {
                    message: "x".into(),
                },
                "trap",
            ),
            (
                InvokeError::DeadlineExceeded(Duration::from_millis(1)),
                "deadline",
            ),
            (InvokeError::MemoryExhausted { limit: 1 }, "memory"),
            (InvokeError::Busy { limit: 1 }, "busy"),
            (InvokeError::PluginError("x".into()), "error"),
            (InvokeError::InvalidOutcome("x".into()), "invalid"),
            (InvokeError::Instantiate("x".into()), "instantiate"),
        ];
        for (error, outcome) in cases {
            assert_eq!(error.outcome(), outcome, "{error}");
        }
    }
}
