//! Building the parts: WebAssembly plugins (their own workspace, `wasm32-wasip2`), native adapters and the
//! binaries.

use std::path::PathBuf;

use crate::{Result, cargo, root, run};

/// Debug or release.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
}

/// The plugins shipped with the gateway (test plugins are built too, but not shipped).
pub const BUNDLED_PLUGINS: &[&str] = &["svo-status", "mchd", "scan-report"];

/// The adapters shipped with the gateway: (package, library file).
pub const BUNDLED_ADAPTERS: &[(&str, &str)] = &[
    ("mod-showcase-adapter", "libmod_showcase_adapter.so"),
    ("mchd-registry-adapter", "libmchd_registry_adapter.so"),
    ("org-profile-adapter", "liborg_profile_adapter.so"),
];

/// Where things were built.
pub struct Built {
    /// Directory of the `.wasm` components.
    pub plugin_dir: PathBuf,
    /// Directory of the adapter libraries and binaries.
    pub bin_dir: PathBuf,
}

/// Builds plugins (always release: they are small and the host's limits are measured on them), then adapters and
/// binaries in `profile`.
pub fn all(profile: Profile) -> Result<Built> {
    let plugin_dir = plugins()?;
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
    for (pkg, _) in BUNDLED_ADAPTERS {
        c.args(["-p", pkg]);
    }
    if profile == Profile::Release {
        c.arg("--release");
    }
    run(&mut c)?;
    let bin_dir = root().join("target").join(if profile == Profile::Release {
        "release"
    } else {
        "debug"
    });
    Ok(Built {
        plugin_dir,
        bin_dir,
    })
}

/// Builds the plugins workspace for `wasm32-wasip2` into `target/plugins`.
pub fn plugins() -> Result<PathBuf> {
    let target_dir = root().join("target/plugins");
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
