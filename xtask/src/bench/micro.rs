//! The criterion micro-benchmarks and the report benchmark.

use std::path::Path;

use crate::build::Built;
use crate::{Result, cargo, root, run as exec};

/// One criterion result.
#[derive(Debug, Clone)]
pub struct Micro {
    /// `group/function/parameter`.
    pub id: String,
    /// Median time per iteration, nanoseconds.
    pub median_ns: f64,
}

/// (package, bench target) pairs.
const BENCHES: &[(&str, &str)] = &[
    ("smev-envelope", "codec"),
    ("gateway-schema", "validate"),
    ("gateway-host", "invoke"),
    ("gateway", "tokens"),
    ("gateway", "xmldsig"),
    ("gateway-e2e", "mchd"),
];

/// Runs every micro-benchmark (with the plugins and adapters of `built`) and reads the medians back from
/// criterion's files.
pub fn run(built: &Built, quick: bool) -> Result<Vec<Micro>> {
    let dir = crate::workspace::target_dir()?.join("criterion");
    let _ = std::fs::remove_dir_all(&dir);
    let timing: &[&str] = if quick {
        &["--warm-up-time", "1", "--measurement-time", "1"]
    } else {
        &["--warm-up-time", "2", "--measurement-time", "5"]
    };
    for (pkg, bench) in BENCHES {
        exec(
            cargo()
                .args(["bench", "--locked", "-p", pkg, "--bench", bench, "--"])
                .args(timing)
                .env("GATEWAY_PLUGIN_DIR", &built.plugin_dir)
                .env("GATEWAY_ADAPTER_DIR", &built.bin_dir),
        )?;
    }
    let mut out = Vec::new();
    collect(&dir, &mut out);
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<Micro>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "new") {
                if let Some(m) = read(&p) {
                    out.push(m);
                }
            } else if p.file_name().is_none_or(|n| n != "base" && n != "report") {
                collect(&p, out);
            }
        }
    }
}

fn read(new: &Path) -> Option<Micro> {
    let json = |file: &str| -> Option<serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(new.join(file)).ok()?).ok()
    };
    let (bench, est) = (json("benchmark.json")?, json("estimates.json")?);
    Some(Micro {
        id: bench.get("full_id")?.as_str()?.to_owned(),
        median_ns: est.get("median")?.get("point_estimate")?.as_f64()?,
    })
}

/// The report benchmark's output, if the reports crate has one.
pub fn report_benchmark(quick: bool) -> Option<String> {
    let bench = root().join("gateway/reports/benches/report.rs");
    if !bench.exists() || quick {
        return None;
    }
    let out = cargo()
        .args([
            "bench",
            "--locked",
            "-p",
            "gateway-reports",
            "--bench",
            "report",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    out.status.success().then_some(text)
}
