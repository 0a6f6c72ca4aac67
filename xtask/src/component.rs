//! Making a WebAssembly component of a plugin's core module (`wasm32-unknown-unknown`): the module carries its
//! WIT world (wit-bindgen embeds it); the component imports exactly the gateway interfaces the module uses,
//! and no WASI.

use std::path::Path;

use crate::Result;

/// Writes the component of the core module `module` to `component`, unless that file already holds it.
pub fn componentize(module: &Path, component: &Path) -> Result<()> {
    let bytes = std::fs::read(module).map_err(|e| format!("{}: {e}", module.display()))?;
    let encoded = wit_component::ComponentEncoder::default()
        .module(&bytes)
        .and_then(|encoder| encoder.validate(true).encode())
        .map_err(|e| {
            format!(
                "{} cannot be made a component (a plugin may import only the gateway's interfaces): {e:#}",
                module.display()
            )
        })?;
    if std::fs::read(component).is_ok_and(|existing| existing == encoded) {
        return Ok(());
    }
    std::fs::write(component, encoded).map_err(|e| format!("{}: {e}", component.display()))
}
