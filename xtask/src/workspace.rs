//! What the workspaces hold and where cargo builds, asked of cargo itself (`cargo metadata`), so that nothing
//! here lists plugins or adapters by hand:
//!
//! - the bundled plugins are the `cdylib` crates of the plugins workspace (`plugins/`) outside `plugins/testing/`;
//! - the bundled adapters are the `cdylib` crates of the root workspace under `adapters/`, outside
//!   `adapters/testing/`;
//! - the target directory is cargo's, so `CARGO_TARGET_DIR` is honoured.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::{Result, root};

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<MetaPackage>,
    target_directory: PathBuf,
}

#[derive(Deserialize)]
struct MetaPackage {
    name: String,
    manifest_path: PathBuf,
    targets: Vec<MetaTarget>,
}

#[derive(Deserialize)]
struct MetaTarget {
    name: String,
    kind: Vec<String>,
}

/// A crate built as a dynamic library (a plugin component or an adapter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    /// The package name (`-p`).
    pub package: String,
    /// The library target's name (`svo_status`): the file is `svo_status.wasm` or `lib<name>.so`.
    pub lib: String,
}

impl Library {
    /// The plugin component's file name.
    pub fn wasm_file(&self) -> String {
        format!("{}.wasm", self.lib)
    }

    /// The adapter library's file name on this platform.
    pub fn adapter_file(&self) -> String {
        format!(
            "{}{}{}",
            std::env::consts::DLL_PREFIX,
            self.lib,
            std::env::consts::DLL_SUFFIX
        )
    }
}

fn metadata(manifest: &Path) -> Result<Metadata> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(manifest)
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata {}: {}",
            manifest.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata's answer: {e}"))
}

/// The `cdylib` crates of the workspace at `manifest` whose directory lies under `under` but not under `except`.
fn libraries(manifest: &Path, under: &Path, except: &Path) -> Result<Vec<Library>> {
    let mut found: Vec<Library> = metadata(manifest)?
        .packages
        .into_iter()
        .filter(|p| {
            let dir = p.manifest_path.parent().unwrap_or(Path::new(""));
            dir.starts_with(under) && !dir.starts_with(except)
        })
        .filter_map(|p| {
            let lib = p
                .targets
                .into_iter()
                .find(|t| t.kind.iter().any(|k| k == "cdylib"))?;
            Some(Library {
                package: p.name,
                lib: lib.name,
            })
        })
        .collect();
    found.sort_by(|a, b| a.package.cmp(&b.package));
    Ok(found)
}

/// The plugins shipped with the gateway: every plugin crate but the test plugins.
pub fn bundled_plugins() -> Result<Vec<Library>> {
    let plugins = root().join("plugins");
    libraries(
        &plugins.join("Cargo.toml"),
        &plugins,
        &plugins.join("testing"),
    )
}

/// The adapters shipped with the gateway: every adapter crate but the test adapter.
pub fn bundled_adapters() -> Result<Vec<Library>> {
    let adapters = root().join("adapters");
    libraries(
        &root().join("Cargo.toml"),
        &adapters,
        &adapters.join("testing"),
    )
}

/// Where cargo builds the root workspace (`CARGO_TARGET_DIR`, else `target/`).
pub fn target_dir() -> Result<PathBuf> {
    Ok(metadata(&root().join("Cargo.toml"))?.target_directory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_plugins_and_adapters_are_found_without_a_list() {
        let plugins: Vec<String> = bundled_plugins()
            .expect("metadata")
            .into_iter()
            .map(|l| l.wasm_file())
            .collect();
        for expected in ["svo_status.wasm", "mchd.wasm", "scan_report.wasm"] {
            assert!(plugins.contains(&expected.to_owned()), "{plugins:?}");
        }
        assert!(
            plugins.iter().all(|p| !p.starts_with("test_")),
            "test plugins are not shipped: {plugins:?}"
        );
        let adapters: Vec<String> = bundled_adapters()
            .expect("metadata")
            .into_iter()
            .map(|l| l.package)
            .collect();
        for expected in [
            "mod-showcase-adapter",
            "mchd-registry-adapter",
            "org-profile-adapter",
        ] {
            assert!(adapters.contains(&expected.to_owned()), "{adapters:?}");
        }
        assert!(
            !adapters.contains(&"test-adapter".to_owned()),
            "{adapters:?}"
        );
    }
}
