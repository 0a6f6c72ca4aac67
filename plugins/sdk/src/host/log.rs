//! Logging through the gateway's log (target `plugin`, with the plugin's name); the host masks identifiers.
//!
//! Functions take a message; the macros [`trace!`](crate::trace), [`debug!`](crate::debug),
//! [`info!`](crate::info), [`warn!`](crate::warn) and [`error!`](macro@crate::error) take `format!` arguments:
//! `gateway_plugin_sdk::info!("found {} records", n);`.

use crate::bindings::smev_gateway::plugin::log as wit;
pub use crate::bindings::smev_gateway::plugin::log::Level;

/// Logs `message` at `level`.
pub fn log(level: Level, message: &str) {
    wit::log(level, message);
}

/// Logs at trace level.
pub fn trace(message: &str) {
    log(Level::Trace, message);
}

/// Logs at debug level.
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Logs at info level.
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Logs at warn level.
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Logs at error level.
pub fn error(message: &str) {
    log(Level::Error, message);
}

/// Logs a `format!` message at trace level.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)*) => { $crate::host::log::trace(&::std::format!($($arg)*)) };
}

/// Logs a `format!` message at debug level.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::host::log::debug(&::std::format!($($arg)*)) };
}

/// Logs a `format!` message at info level.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::host::log::info(&::std::format!($($arg)*)) };
}

/// Logs a `format!` message at warn level.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::host::log::warn(&::std::format!($($arg)*)) };
}

/// Logs a `format!` message at error level.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::host::log::error(&::std::format!($($arg)*)) };
}
