//! Test support (feature `testing`): the workspace's adapter libraries, built once per test process.
//!
//! Tests need real `cdylib` files to load. [`adapter_dir`] runs
//! `cargo build -p test-adapter` and every bundled adapter with its own target directory
//! (`<workspace>/target/adapters`, so it neither waits for nor disturbs the target directory of the
//! running tests), once per process; set `GATEWAY_ADAPTER_DIR` to a directory of prebuilt libraries to skip
//! the build. [`panic_abort_dir`] does the same for a second build of the test adapter with
//! `panic = "abort"` (in `<workspace>/target/adapters-panic-abort`), unless
//! `$GATEWAY_ADAPTER_DIR/panic-abort/` already holds one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The environment variable naming a directory of prebuilt adapter libraries.
pub const PREBUILT_DIR_ENV: &str = "GATEWAY_ADAPTER_DIR";

/// Library stem of the test adapter (`libtest_adapter.so` on Linux).
pub const TEST_ADAPTER: &str = "test_adapter";

/// Library stem of the MoD showcase adapter (`libmod_showcase_adapter.so` on Linux).
pub const MOD_SHOWCASE_ADAPTER: &str = "mod_showcase_adapter";

/// Why the adapter libraries are not available.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BuildError {
    /// `cargo` could not be started.
    #[error("cannot run `{command}`: {message}")]
    Spawn {
        /// The command line.
        command: String,
        /// The OS error.
        message: String,
    },
    /// `cargo build` failed.
    #[error("`{command}` failed ({status}):\n{stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// The end of its standard error.
        stderr: String,
    },
    /// The build succeeded but the library is not where expected.
    #[error("adapter library {} does not exist", .0.display())]
    Missing(PathBuf),
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The platform's file name for a library stem: `lib<stem>.so`, `lib<stem>.dylib` or `<stem>.dll`.
pub fn library_file_name(stem: &str) -> String {
    format!(
        "{}{stem}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// The directory holding the normally built adapter libraries (built on first use).
pub fn adapter_dir() -> Result<&'static Path, BuildError> {
    static DIR: OnceLock<Result<PathBuf, BuildError>> = OnceLock::new();
    let dir = DIR.get_or_init(|| match std::env::var_os(PREBUILT_DIR_ENV) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => {
            let target = workspace_root().join("target/adapters");
            cargo_build(
                &target,
                &[
                    "-p",
                    "test-adapter",
                    "-p",
                    "mod-showcase-adapter",
                    "-p",
                    "mchd-registry-adapter",
                    "-p",
                    "org-profile-adapter",
                    "-p",
                    "large-family-bank-adapter",
                    "-p",
                    "digital-id-issuer-adapter",
                    "-p",
                    "records-adapter",
                    "-p",
                    "sms-adapter",
                    "-p",
                    "diagnosis-register-adapter",
                ],
            )?;
            Ok(target.join("debug"))
        }
    });
    dir.as_deref().map_err(Clone::clone)
}

/// The directory holding the test adapter built with `panic = "abort"` (built on first use unless
/// `$GATEWAY_ADAPTER_DIR/panic-abort/` has it).
pub fn panic_abort_dir() -> Result<&'static Path, BuildError> {
    static DIR: OnceLock<Result<PathBuf, BuildError>> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let prebuilt =
            std::env::var_os(PREBUILT_DIR_ENV).map(|dir| PathBuf::from(dir).join("panic-abort"));
        if let Some(dir) =
            prebuilt.filter(|dir| dir.join(library_file_name(TEST_ADAPTER)).is_file())
        {
            return Ok(dir);
        }
        let target = workspace_root().join("target/adapters-panic-abort");
        cargo_build(
            &target,
            &[
                "-p",
                "test-adapter",
                "--config",
                "profile.dev.panic=\"abort\"",
            ],
        )?;
        Ok(target.join("debug"))
    });
    dir.as_deref().map_err(Clone::clone)
}

/// The path of a normally built adapter library, checked to exist.
pub fn library(stem: &str) -> Result<PathBuf, BuildError> {
    existing(adapter_dir()?.join(library_file_name(stem)))
}

/// The path of the test adapter built with `panic = "abort"`, checked to exist.
pub fn panic_abort_test_adapter() -> Result<PathBuf, BuildError> {
    existing(panic_abort_dir()?.join(library_file_name(TEST_ADAPTER)))
}

fn existing(path: PathBuf) -> Result<PathBuf, BuildError> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(BuildError::Missing(path))
    }
}

/// Runs `cargo build <args>` in the workspace with `target` as the target directory.
fn cargo_build(target: &Path, args: &[&str]) -> Result<(), BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = workspace_root().join("Cargo.toml");
    let mut command = Command::new(&cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .args(args)
        .env("CARGO_TARGET_DIR", target);
    let line = format!(
        "{} build {} (CARGO_TARGET_DIR={})",
        Path::new(&cargo).display(),
        args.join(" "),
        target.display()
    );
    let output = command.output().map_err(|e| BuildError::Spawn {
        command: line.clone(),
        message: e.to_string(),
    })?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
    Err(BuildError::Failed {
        command: line,
        status: output.status.to_string(),
        stderr: tail.into_iter().rev().collect::<Vec<_>>().join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_names_follow_the_platform() {
        let name = library_file_name("x");
        assert!(name.contains('x'));
        #[cfg(target_os = "linux")]
        assert_eq!(name, "libx.so");
    }

    #[test]
    fn workspace_root_holds_the_workspace_manifest() {
        let manifest =
            std::fs::read_to_string(workspace_root().join("Cargo.toml")).expect("root manifest");
        assert!(manifest.contains("[workspace]"));
    }
}
