//! Building the parts: WebAssembly plugins (their own workspace), native adapters and the binaries.

use std::path::PathBuf;

use crate::component::componentize;
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

/// Plugins also built with WASI, as `<crate_name>_wasi.wasm`: the test plugin whose sandbox tests try files,
/// sockets and environment variables through WASI, as a plugin built by someone else may.
const WASI_BUILDS: [&str; 1] = ["test-doc"];

/// Builds the plugins workspace into `<target dir>/plugins` and returns the directory of the components,
/// `<target dir>/plugins/components`.
///
/// Every plugin is built for `wasm32-unknown-unknown` and made a component that imports only the gateway's
/// interfaces: measured on the trivial plugin, an instance of a component without WASI is made and called in
/// three fifths of the time of a `wasm32-wasip2` one, whose ~30 WASI interfaces are wired on every
/// instantiation (docs/performance-analysis.md). The host runs both kinds; [`WASI_BUILDS`] are built with
/// WASI too.
pub fn plugins() -> Result<PathBuf> {
    let target_dir = workspace::target_dir()?.join("plugins");
    let build = |target: &str, packages: &[&str]| {
        let mut c = cargo();
        c.args(["build", "--release", "--target", target, "--manifest-path"])
            .arg(root().join("plugins/Cargo.toml"))
            .env("CARGO_TARGET_DIR", &target_dir);
        for package in packages {
            c.args(["-p", package]);
        }
        run(&mut c)
    };
    build("wasm32-unknown-unknown", &[])?;
    build("wasm32-wasip2", &WASI_BUILDS)?;

    let components = target_dir.join("components");
    std::fs::create_dir_all(&components).map_err(|e| format!("{}: {e}", components.display()))?;
    let modules = target_dir.join("wasm32-unknown-unknown/release");
    for entry in std::fs::read_dir(&modules).map_err(|e| format!("{}: {e}", modules.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "wasm")
            && let Some(name) = path.file_name()
        {
            componentize(&path, &components.join(name))?;
        }
    }
    for package in WASI_BUILDS {
        let name = package.replace('-', "_");
        let from = target_dir.join(format!("wasm32-wasip2/release/{name}.wasm"));
        let to = components.join(format!("{name}_wasi.wasm"));
        std::fs::copy(&from, &to)
            .map_err(|e| format!("{} → {}: {e}", from.display(), to.display()))?;
    }
    Ok(components)
}
