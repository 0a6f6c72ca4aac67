//! `cargo xtask`: the project's commands.
//!
//! - `cargo xtask demo`: install what is missing, build, start the registry simulator and the gateway on the
//!   embedded default config (SQLite under `./data`), print how to call it, stop on Ctrl-C.
//! - `cargo xtask test`: the whole suite (unit, integration, end-to-end) on SQLite and PostgreSQL.
//! - `cargo xtask dist`: a release bundle in `dist/`.
//! - `cargo xtask bench [--quick]`: micro-benchmarks and load runs; rewrites `docs/performance.md`.
//! - `cargo xtask setup`: only install what the machine lacks (Rust targets, Debian packages, Python tools).
//! - `cargo xtask plugins`: build the plugin components and print their directory (tests call it when
//!   `GATEWAY_PLUGIN_DIR` is not set).
//! - `cargo xtask new-plugin NAME`: a new document type that builds and passes its tests as generated.
//!
//! Layout: `setup` (machine prerequisites), `build` (plugins, adapters, binaries), `component` (a plugin's core
//! module made a component), `pg` (a fresh PostgreSQL database per run), `dist`, `demo`, `test`.

mod bench;
mod build;
mod component;
mod demo;
mod dist;
mod new_plugin;
mod pg;
mod setup;
mod test;
mod workspace;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo::run(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("dist") => dist::run().map(|_| ()),
        Some("bench") => bench::run(&args[1..]),
        Some("setup") => setup::ensure(),
        Some("new-plugin") => new_plugin::run(&args[1..]),
        Some("build") => build::all(build::Profile::Debug).map(|_| ()),
        Some("plugins") => build::plugins().map(|dir| println!("{}", dir.display())),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 demo    build and run the gateway with the registry simulator on the default config\n  \
                 test    run the whole test suite (SQLite and PostgreSQL)\n  \
                 dist    build a release bundle in dist/\n  \
                 bench   benchmarks and load runs against bare hyper; rewrites docs/performance.md (--quick: smoke run)\n  \
                 setup   install missing prerequisites (WebAssembly targets, Debian packages, Python tools)\n  \
                 new-plugin NAME   a new document type: plugin, schemas, config snippet, fixture, e2e test\n  \
                 build   build plugins, adapters and binaries (debug)\n  \
                 plugins build the plugin components; prints their directory"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// An error message.
pub type Result<T> = std::result::Result<T, String>;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository")
        .to_path_buf()
}

/// Runs `cmd`, failing with its description when it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: {shown}");
    let status = cmd.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// The `cargo` that runs us.
pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}
