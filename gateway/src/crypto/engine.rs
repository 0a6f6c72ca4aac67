//! The gost engine (Debian `libengine-gost-openssl`): an OpenSSL config that loads it from this system's
//! engines directory, for `[crypto] openssl_conf`, tests and benchmarks.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// Writes `gost.cnf` into `dir`: an OpenSSL config that loads the gost engine (for every algorithm it offers)
/// from the directory `openssl version -e` names. Returns its path.
///
/// # Errors
///
/// No `openssl` command, no engines directory, no `gost.so` in it, or the file cannot be written.
pub fn write_gost_config(dir: &Path) -> anyhow::Result<PathBuf> {
    let out = Command::new("openssl")
        .args(["version", "-e"])
        .output()
        .context("running `openssl version -e`")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(engines) = text.split('"').nth(1) else {
        bail!("`openssl version -e` names no engines directory: {text}");
    };
    let engine = Path::new(engines).join("gost.so");
    if !engine.exists() {
        bail!(
            "the gost engine is missing ({}): apt-get install libengine-gost-openssl",
            engine.display()
        );
    }
    let conf = dir.join("gost.cnf");
    std::fs::write(
        &conf,
        format!(
            "openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n[engine_section]\n\
             gost = gost_section\n[gost_section]\nengine_id = gost\ndynamic_path = {}\ndefault_algorithms = ALL\n",
            engine.display()
        ),
    )
    .with_context(|| format!("writing {}", conf.display()))?;
    Ok(conf)
}
