//! `docs/performance.md`, rewritten from a run's results.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::Plan;
use super::load::{LoadReport, Loads};
use super::micro::Micro;
use crate::Result;

fn sh(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!(
        "{} cores ({cpu}), {mem}, Linux {}",
        sh("nproc", &[]),
        sh("uname", &["-r"])
    )
}

fn row(out: &mut String, label: &str, r: &LoadReport, bare: f64, rss: Option<(f64, f64)>) {
    let ratio = if bare > 0.0 {
        r.rate / bare * 100.0
    } else {
        0.0
    };
    let rss = rss
        .map(|(now, peak)| format!("{now:.0} / {peak:.0}"))
        .unwrap_or_else(|| "—".into());
    let _ = writeln!(
        out,
        "| {label} | {:.0} | {:.2} | {:.2} | {:.2} | {rss} | {ratio:.0} % | {:.0} |",
        r.rate, r.p50_ms, r.p99_ms, r.p999_ms, r.errors
    );
}

/// Writes the document.
pub fn performance_md(
    path: &Path,
    micro: &[Micro],
    loads: &Loads,
    reports: &Option<String>,
    plan: Plan,
) -> Result<()> {
    let mut out = String::new();
    let date = sh("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let commit = sh("git", &["rev-parse", "--short", "HEAD"]);
    let _ = writeln!(out, "# Performance\n");
    let _ = writeln!(
        out,
        "Written by `cargo xtask bench{}` on {date}, commit `{commit}`, on {}. Release builds. \
         Every load path runs with the same load generator (the workspace's `loadgen`: keep-alive HTTP/1.1, \
         {} connections, {} s measured after {} s of warm-up) on the same machine as the server, and is quoted as \
         a ratio to a bare hyper server answering a fixed SOAP reply, measured in the same run.\n",
        if plan.quick { " --quick" } else { "" },
        machine(),
        plan.concurrency,
        plan.seconds,
        plan.warmup
    );
    if plan.quick {
        let _ = writeln!(
            out,
            "> **Quick run**: short durations, for checking the harness; not numbers to quote.\n"
        );
    }
    let _ = writeln!(out, "## Load\n");
    let _ = writeln!(
        out,
        "| path | per second | p50 ms | p99 ms | p99.9 ms | RSS MiB (now / peak) | of bare hyper | errors |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    row(
        &mut out,
        "(a) bare hyper, fixed SOAP reply",
        &loads.bare,
        loads.bare.rate,
        None,
    );
    for p in &loads.paths {
        row(&mut out, &p.label, &p.report, loads.bare.rate, p.rss_mib);
    }
    let _ = writeln!(
        out,
        "\nPath (c) counts full cycles (three requests each: SendRequest, GetResponse until the answer, Ack).\n"
    );
    if let Some((rate, r)) = &loads.verify_half_rate {
        let _ = writeln!(
            out,
            "Path (b) paced at half its maximum rate ({rate:.0}/s, each request timed from when it was due): \
             p50 {:.2} ms, p99 **{:.2} ms**, p99.9 {:.2} ms (target: p99 ≤ 2 ms).\n",
            r.p50_ms, r.p99_ms, r.p999_ms
        );
    }
    if let Some((n1, r1, n2, r2)) = loads.rss_cycles {
        let growth = if r1 > 0.0 {
            (r2 - r1) / r1 * 100.0
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "Memory over a long SOAP run (SQLite): {r1:.0} MiB after {n1} cycles, {r2:.0} MiB after {n2} cycles \
             ({growth:+.1} %; target: within 10 %).\n"
        );
    }
    let _ = writeln!(out, "## Micro-benchmarks (criterion, median)\n");
    let _ = writeln!(out, "| benchmark | median |");
    let _ = writeln!(out, "|---|---:|");
    for m in micro {
        let t = if m.median_ns >= 1e6 {
            format!("{:.2} ms", m.median_ns / 1e6)
        } else if m.median_ns >= 1e3 {
            format!("{:.2} µs", m.median_ns / 1e3)
        } else {
            format!("{:.0} ns", m.median_ns)
        };
        let _ = writeln!(out, "| `{}` | {t} |", m.id);
    }
    let _ = writeln!(out);
    if let Some(r) = reports {
        let _ = writeln!(out, "## Reports\n\n```text\n{}\n```\n", r.trim());
    }
    let analysis = path.with_file_name("performance-analysis.md");
    if analysis.exists() {
        let _ = writeln!(
            out,
            "## Analysis\n\nProfiles, the limiting factors and what stands in the way of each target: [performance-analysis.md](performance-analysis.md)."
        );
    }
    std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))
}
