//! Identifiers and time from the host.

use crate::bindings::smev_gateway::plugin::ids as wit;

/// A new random (version 4) UUID, lower case.
pub fn uuid() -> String {
    wit::uuid()
}

/// Now, unix milliseconds.
pub fn now_ms() -> u64 {
    wit::now_ms()
}
