//! The [`Plugin`] trait, the glue that exports it as the WIT `handler` (world `plugin`), the
//! [`export_plugin!`](crate::export_plugin) macro of both worlds, and the panic hook.

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
use std::io::Write as _;
use std::sync::Once;

use crate::bindings::exports::smev_gateway::plugin::handler::Guest;
use crate::bindings::smev_gateway::plugin::types::{Description, Outcome, Request};
use crate::error::PluginError;

/// What a plugin implements. Export it with [`export_plugin!`](crate::export_plugin).
pub trait Plugin {
    /// Describes the plugin: name, version, the message types it accepts and produces, whether it is a
    /// policy step. Called once when the host loads the plugin.
    fn describe() -> Description;

    /// Handles one envelope in a fresh instance. An `Err` is a plugin failure: the sender sees a rejection
    /// carrying its message.
    fn handle(request: Request) -> Result<Outcome, PluginError>;
}

impl<P: Plugin> Guest for P {
    fn describe() -> Description {
        install_panic_hook();
        P::describe()
    }

    fn handle(request: Request) -> Result<Outcome, String> {
        install_panic_hook();
        P::handle(request).map_err(PluginError::into_message)
    }
}

/// Exports a type implementing [`Plugin`] as the component's `handler`.
///
/// Use it once per plugin crate, at item level:
///
/// - `gateway_plugin_sdk::export_plugin!(MyPlugin);` exports `handler` (world `plugin`);
/// - `gateway_plugin_sdk::export_plugin!(MyPlugin, pages);` exports `handler` and `page` (world
///   `plugin-with-pages`, contract 1.1.0); `MyPlugin` implements [`Pages`](crate::Pages) too.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ident) => {
        $crate::__private::export!($plugin with_types_in $crate::bindings);
    };
    ($plugin:ident, pages) => {
        $crate::__private::export!($plugin with_types_in $crate::bindings);
        $crate::__private::export_page!($plugin with_types_in $crate::page_bindings);
    };
}

/// Installs (once per instance) a panic hook that reports `panicked at <location>: <message>` where the host
/// captures it for the trap report: on stderr in a WASI build, as an error-level `log` line in a build without
/// WASI (which has no stderr; the host keeps error lines with stderr).
pub(crate) fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let message = panic_message(info.payload());
            let line = match info.location() {
                Some(at) => format!(
                    "panicked at {}:{}:{}: {message}",
                    at.file(),
                    at.line(),
                    at.column()
                ),
                None => format!("panicked: {message}"),
            };
            report(&line);
        }));
    });
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn report(line: &str) {
    crate::host::log::error(line);
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn report(line: &str) {
    // Nothing else can be done if stderr is closed: the instance is about to trap anyway.
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The text of a panic payload (`&str` or `String` for `panic!` with a message).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "(no message)"
    }
}

#[cfg(test)]
mod tests {
    use super::panic_message;

    #[test]
    fn panic_message_reads_both_payload_kinds() {
        let static_payload: Box<dyn std::any::Any + Send> = Box::new("static text");
        assert_eq!(panic_message(static_payload.as_ref()), "static text");
        let owned_payload: Box<dyn std::any::Any + Send> = Box::new(format!("owned {}", 42));
        assert_eq!(panic_message(owned_payload.as_ref()), "owned 42");
        let other: Box<dyn std::any::Any + Send> = Box::new(7_u32);
        assert_eq!(panic_message(other.as_ref()), "(no message)");
    }
}
