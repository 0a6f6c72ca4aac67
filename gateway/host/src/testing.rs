//! Guest components for tests: builds the plugins workspace once per test process.
//!
//! `plugin_path("test_doc")` returns `<dir>/test_doc.wasm`, where `<dir>` is `GATEWAY_PLUGIN_DIR` when that
//! variable is set (prebuilt components), or else the directory `cargo xtask plugins` builds them into and
//! prints (`<target dir>/plugins/components`; once per process, cargo makes it quick when nothing changed).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The test document plugin (`plugins/testing/test-doc`).
pub const TEST_DOC: &str = "test_doc";
/// The test document plugin built with WASI (`wasm32-wasip2`), as a plugin built by someone else may be:
/// the same code as [`TEST_DOC`], whose sandbox actions go through WASI here.
pub const TEST_DOC_WASI: &str = "test_doc_wasi";
/// The test policy plugin (`plugins/testing/test-policy`).
pub const TEST_POLICY: &str = "test_policy";
/// The test plugin that serves pages (`plugins/testing/test-page`, contract 1.1.0).
pub const TEST_PAGE: &str = "test_page";
/// The test plugin built against contract 1.0.0 (`plugins/testing/test-legacy`).
pub const TEST_LEGACY: &str = "test_legacy";
/// The variable naming a directory of prebuilt components.
pub const PLUGIN_DIR_VAR: &str = "GATEWAY_PLUGIN_DIR";

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The directory holding the built components; builds them on first use. Panics with cargo's output if the
/// build fails (this is test support).
pub fn plugin_dir() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DIR.get_or_init(locate_or_build) {
        Ok(dir) => dir,
        Err(message) => panic!("{message}"),
    }
}

/// The component file of the plugin crate `crate_name` (underscores, e.g. [`TEST_DOC`]).
pub fn plugin_path(crate_name: &str) -> PathBuf {
    plugin_dir().join(format!("{crate_name}.wasm"))
}

fn locate_or_build() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os(PLUGIN_DIR_VAR) {
        return Ok(PathBuf::from(dir));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--package", "xtask", "--", "plugins"])
        .current_dir(repo_root())
        .output()
        .map_err(|error| format!("cannot run cargo to build the plugins: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the plugins failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    // `cargo xtask plugins` prints the directory of the components last.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo xtask plugins printed no directory".to_owned())
}
