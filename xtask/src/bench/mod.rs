//! `cargo xtask bench [--quick]`: the micro-benchmarks (criterion), load runs of every path against a bare
//! hyper server measured in the same run with the same settings, the report benchmark, and
//! `docs/performance.md` rewritten from the results.
//!
//! Paths under load (the workspace's `loadgen`, keep-alive connections, fixed concurrency and duration):
//! (a) the bare hyper server answering a fixed SOAP reply; (b) JSON `VerifyQrRequest` of a live token (no
//! external call, nothing written); (c) the SOAP cycle SendRequest → GetResponse → Ack, on SQLite and on
//! PostgreSQL; (d) JSON `IssueQrRequest` for ever new citizens, the simulator at zero latency.
//! `--quick` shortens every run (a smoke test of the harness; its numbers are not for the docs);
//! `--load-only` skips the micro-benchmarks.

mod fixtures;
mod grown;
mod load;
mod micro;
mod procs;
mod runs;
mod timeline;
mod write;

use std::path::PathBuf;

use crate::build::{self, Profile};
use crate::{Result, cargo, root, run as exec, setup};

/// Durations and counts of a run.
#[derive(Clone, Copy)]
pub struct Plan {
    pub seconds: f64,
    pub warmup: f64,
    pub concurrency: usize,
    /// Cycles before the first and the second memory reading of the long SOAP run.
    pub rss_cycles: (u64, u64),
    pub quick: bool,
}

/// Runs everything and rewrites `docs/performance.md`.
pub fn run(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let plan = if quick {
        Plan {
            seconds: 3.0,
            warmup: 1.0,
            concurrency: 32,
            rss_cycles: (2_000, 20_000),
            quick,
        }
    } else {
        Plan {
            seconds: 15.0,
            warmup: 3.0,
            concurrency: 32,
            rss_cycles: (100_000, 1_000_000),
            quick,
        }
    };
    setup::ensure()?;
    let built = build::all(Profile::Release)?;
    exec(cargo().args(["build", "--release", "--locked", "-p", "gateway-bench"]))?;
    // `--load-only` skips the micro-benchmarks (when iterating on the load runs).
    let micro = if args.iter().any(|a| a == "--load-only") {
        Vec::new()
    } else {
        micro::run(&built, quick)?
    };
    let loads = load::run(&built, plan)?;
    let reports = micro::report_benchmark(quick);
    let out = root().join("docs/performance.md");
    write::performance_md(&out, &micro, &loads, &reports, plan)?;
    eprintln!("xtask: wrote {}", out.display());
    Ok(())
}

/// A release binary of the target directory (`CARGO_TARGET_DIR` honoured).
pub fn release_bin(name: &str) -> PathBuf {
    crate::workspace::target_dir()
        .unwrap_or_else(|_| root().join("target"))
        .join("release")
        .join(name)
}
