//! `cargo xtask test`: everything, on SQLite and PostgreSQL.
//!
//! 1. prerequisites; 2. plugins (wasm), adapters, binaries; 3. a fresh PostgreSQL database for the run;
//! 4. the workspace's tests (with `cargo nextest` when installed, else `cargo test`), then doc tests;
//! 5. the plugins workspace natively: the SDK's unit, integration and doc tests, the other plugins' unit tests
//!    (`--lib`: a plugin's cdylib does not link natively); 6. the database is dropped.
//!
//! Extra arguments are passed to the test runner (a filter, say).

use std::process::Command;

use crate::build::{self, Profile};
use crate::pg::TestDatabase;
use crate::{Result, cargo, root, run as exec, setup};

/// The plugin SDK's package name.
const SDK: &str = "gateway-plugin-sdk";

/// Runs the whole suite; `extra` goes to the test runner.
pub fn run(extra: &[String]) -> Result<()> {
    setup::ensure()?;
    let built = build::all(Profile::Debug)?;
    let db = TestDatabase::create()?;
    let env = |c: &mut Command| {
        c.env("GATEWAY_PLUGIN_DIR", &built.plugin_dir)
            .env("GATEWAY_ADAPTER_DIR", &built.bin_dir)
            .env("GATEWAY_BIN", built.bin_dir.join("gateway"))
            .env("REGISTRY_SIM_BIN", built.bin_dir.join("registry-sim"))
            .env("GATEWAY_TEST_PG_URL", &db.url)
            .env("GATEWAY_TEST_PYTHON", setup::python());
    };
    let nextest = Command::new("cargo")
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut c = cargo();
    if nextest {
        c.args([
            "nextest",
            "run",
            "--workspace",
            "--locked",
            "--no-fail-fast",
        ]);
    } else {
        c.args(["test", "--workspace", "--locked", "--no-fail-fast"]);
    }
    c.args(extra);
    env(&mut c);
    exec(&mut c)?;
    if extra.is_empty() {
        let mut doc = cargo();
        doc.args(["test", "--workspace", "--locked", "--doc"]);
        env(&mut doc);
        exec(&mut doc)?;
        // The plugins workspace, natively: the SDK's unit and integration tests, then its doc tests (the
        // crate docs' example must keep compiling); the plugins' unit tests only (`--lib`).
        let plugins_native = crate::workspace::target_dir()?.join("plugins-native");
        let plugins = |args: &[&str]| -> Result<()> {
            exec(
                cargo()
                    .args(["test", "--locked", "--manifest-path"])
                    .arg(root().join("plugins/Cargo.toml"))
                    .args(args)
                    .env("CARGO_TARGET_DIR", &plugins_native),
            )
        };
        plugins(&["-p", SDK, "--tests"])?;
        plugins(&["-p", SDK, "--doc"])?;
        plugins(&["--workspace", "--exclude", SDK, "--lib"])?;
    }
    drop(db);
    Ok(())
}
