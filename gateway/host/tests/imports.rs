//! The bundled plugins are components without WASI: they import the gateway's interfaces and nothing else,
//! so no file, socket, environment or clock reaches them even by mistake, and an instance costs less to
//! make. The test plugin built for `wasm32-wasip2` (a plugin from elsewhere may be) imports WASI.

use std::path::Path;

use gateway_host::testing::{TEST_DOC_WASI, plugin_dir, plugin_path};

/// The names a component imports (its top-level import section).
fn imports(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).expect("the component is readable");
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ComponentImportSection(section) =
            payload.expect("a valid component")
        {
            for import in section {
                names.push(import.expect("a valid import").name.name.to_owned());
            }
        }
    }
    names
}

#[test]
fn the_bundled_plugins_import_only_the_gateway_interfaces() {
    let mut checked = 0;
    for entry in std::fs::read_dir(plugin_dir()).expect("the plugin directory") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if path.extension().is_none_or(|e| e != "wasm") || name.ends_with("_wasi") {
            continue;
        }
        let names = imports(&path);
        assert!(!names.is_empty(), "{name} imports nothing at all");
        // Interfaces are named `package:name/interface`; the rest are the types of their functions.
        for import in names.iter().filter(|n| n.contains(':')) {
            assert!(
                import.starts_with("smev-gateway:plugin/"),
                "{name} imports {import}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} plugins found");
}

#[test]
fn the_wasi_build_of_the_test_plugin_imports_wasi() {
    let names = imports(&plugin_path(TEST_DOC_WASI));
    assert!(
        names.iter().any(|n| n.starts_with("wasi:cli/environment")),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n.starts_with("smev-gateway:plugin/")));
}
