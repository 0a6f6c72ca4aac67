//! Building the parts: WebAssembly plugins (their own workspace, `wasm32-wasip2`), native adapters and the
//! binaries.

use std::path::PathBuf;

use crate::workspace::{self, Library};
use crate::{Result, cargo, root, run};

/// Debug or release.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
}

/// Where things were built, and what ships.
pub struct Built {
    /// Directory of the `.wasm` components.
    pub plugin_dir: PathBuf,
    /// Directory of the adapter libraries and binaries.
    pub bin_dir: PathBuf,
    /// The plugins shipped with the gateway (test plugins are built too, but not shipped).
    pub plugins: Vec<Library>,
    /// The adapters shipped with the gateway.
    pub adapters: Vec<Library>,
}

/// Builds plugins (always release: they are small and the host's limits are measured on them), then adapters and
/// binaries in `profile`.
pub fn all(profile: Profile) -> Result<Built> {
    let plugin_dir = plugins()?;
    let adapters = workspace::bundled_adapters()?;
    let mut c = cargo();
    c.args([
        "build",
        "--locked",
        "-p",
        "gateway",
        "-p",
        "registry-sim",
        "-p",
        "test-adapter",
    ]);
    for adapter in &adapters {
        c.args(["-p", &adapter.package]);
    }
    if profile == Profile::Release {
        c.arg("--release");
    }
    run(&mut c)?;
    let bin_dir = workspace::target_dir()?.join(if profile == Profile::Release {
        "release"
    } else {
        "debug"
    });
    Ok(Built {
        plugin_dir,
        bin_dir,
        plugins: workspace::bundled_plugins()?,
        adapters,
    })
}

/// Builds the plugins workspace for `wasm32-wasip2` into `plugins/` of the target directory.
pub fn plugins() -> Result<PathBuf> {
    let target_dir = workspace::target_dir()?.join("plugins");
    run(cargo()
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(root().join("plugins/Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target_dir))?;
    Ok(target_dir.join("wasm32-wasip2/release"))
}
