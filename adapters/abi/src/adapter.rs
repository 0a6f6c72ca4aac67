//! The safe trait adapter authors implement.

use crate::AdapterError;

/// A native adapter: created once from its configuration, then called from the gateway's pool threads.
///
/// Implement it and export it with [`export_adapter!`](crate::export_adapter). The gateway may run several
/// `call`s at once on different threads (hence `Sync`); a call may block (it runs on the adapter's own pool
/// thread, never on the gateway's async workers), but should respect its own timeout: the gateway stops
/// waiting at the configured timeout, yet cannot stop the thread.
pub trait Adapter: Send + Sync + Sized + 'static {
    /// The adapter's name, reported to the gateway (no NUL characters; checked at compile time).
    const NAME: &'static str;
    /// The adapter's version, reported to the gateway (no NUL characters; checked at compile time).
    const VERSION: &'static str;

    /// Builds the adapter from the configuration table the operator gave it (as JSON; `null` when none).
    /// Validate it here: an error stops the gateway from starting, with this message.
    fn init(config: serde_json::Value) -> Result<Self, AdapterError>;

    /// Runs `operation` on `input` (JSON by convention) and returns the output bytes.
    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError>;
}
