//! The built plugins and adapters.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the repository")
        .to_path_buf()
}

/// The tests' Python (`GATEWAY_TEST_PYTHON`, else `target/pyenv/bin/python`, which `cargo xtask setup` makes).
pub fn python() -> String {
    std::env::var("GATEWAY_TEST_PYTHON").unwrap_or_else(|_| {
        repo_root()
            .join("target/pyenv/bin/python")
            .display()
            .to_string()
    })
}

/// The directory of the plugin components (`<name>.wasm`), built on first use unless `GATEWAY_PLUGIN_DIR` names
/// prebuilt ones (the plugin host's test support decides).
pub fn plugin_dir() -> &'static Path {
    gateway_host::testing::plugin_dir()
}

/// The component file of plugin `crate_name` (e.g. `test-doc`).
pub fn plugin(crate_name: &str) -> PathBuf {
    let p = plugin_dir().join(format!("{}.wasm", crate_name.replace('-', "_")));
    assert!(p.exists(), "plugin {} is not built", p.display());
    p
}

/// The shared library of adapter `stem` (e.g. `test_adapter`).
pub fn adapter(stem: &str) -> PathBuf {
    let dir = gateway_adapter_host::testing::adapter_dir().expect("adapters build");
    let p = dir.join(gateway_adapter_host::testing::library_file_name(stem));
    assert!(p.exists(), "adapter {} is not built", p.display());
    p
}

/// The gateway binary, for tests that need separate processes (`GATEWAY_BIN`, or `target/debug/gateway`).
pub fn gateway_bin() -> PathBuf {
    let p = std::env::var_os("GATEWAY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/debug/gateway"));
    assert!(
        p.exists(),
        "gateway binary {} is missing: run `cargo build -p gateway` (cargo xtask test does)",
        p.display()
    );
    p
}

/// Cargo's target directory of this test binary: the nearest ancestor of the running executable that holds
/// `CACHEDIR.TAG` (cargo marks its target directories so), else `CARGO_TARGET_DIR`, else `<repo>/target`.
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| dir.join("CACHEDIR.TAG").is_file())
                .map(Path::to_path_buf)
        })
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(|dir| repo_root().join(dir)))
        .unwrap_or_else(|| repo_root().join("target"))
}

/// A directory for what test `test` leaves to be looked at afterwards (screenshots, say), emptied now:
/// `<target dir>/test-artefacts/<test>/`, or `$GATEWAY_TEST_ARTEFACTS/<test>/`. It outlives the test run; its path
/// is printed (nextest shows it for a failed test, or with `--no-capture`).
pub fn artefacts_dir(test: &str) -> PathBuf {
    let root = std::env::var_os("GATEWAY_TEST_ARTEFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("test-artefacts"));
    let dir = root.join(test);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("emptying {}: {e}", dir.display()),
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    println!("test artefacts of {test}: {}", dir.display());
    dir
}
