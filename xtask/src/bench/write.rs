//! `docs/performance.md`, rewritten from a run's results.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::Plan;
use super::grown::{During, Grown};
use super::load::Loads;
use super::micro::Micro;
use super::runs::LoadReport;
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
    targets(&mut out, path, micro, loads, reports.as_deref());
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
    for g in &loads.grown {
        grown(&mut out, g, plan.seconds);
    }
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

/// One row of the report benchmark's table: (tick seconds, peak MiB) of the scenario whose label starts with
/// `label` (`1000 × 1000`, `1 × 1000000`).
fn report_row(reports: Option<&str>, label: &str) -> Option<(f64, f64)> {
    let line = reports?
        .lines()
        .find(|l| l.trim_start_matches('|').trim_start().starts_with(label))?;
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    Some((cells.get(5)?.parse().ok()?, cells.get(6)?.parse().ok()?))
}

/// The "before / after" table of issue 14's targets: before from `performance-baseline.json` (the last full run
/// before the work), after from this run.
fn targets(out: &mut String, path: &Path, micro: &[Micro], loads: &Loads, reports: Option<&str>) {
    let baseline: serde_json::Value =
        std::fs::read_to_string(path.with_file_name("performance-baseline.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
    let before = |key: &str| baseline.get(key).and_then(serde_json::Value::as_f64);
    let path_of = |label: &str| {
        loads
            .paths
            .iter()
            .find(|p| p.label.starts_with(label))
            .map(|p| &p.report)
    };
    let mut rows: Vec<(String, String, String, Option<bool>)> = Vec::new();
    let rate_p99 = |r: Option<&LoadReport>, rate: f64, p99: f64| -> (String, Option<bool>) {
        match r {
            Some(r) => (
                format!("{:.0}/s, p99 {:.1} ms", r.rate, r.p99_ms),
                Some(r.rate >= rate && r.p99_ms <= p99),
            ),
            None => ("—".into(), None),
        }
    };
    let was = |rate: &str, p99: &str| match (before(rate), before(p99)) {
        (Some(r), Some(p)) => format!("{r:.0}/s, p99 {p:.1} ms"),
        _ => "—".into(),
    };
    let (now, met) = rate_p99(
        path_of("(c) SOAP SendRequest → GetResponse → Ack, SQLite"),
        4000.0,
        20.0,
    );
    rows.push((
        "1. SOAP cycle, SQLite: ≥ 4,000/s, p99 ≤ 20 ms".into(),
        was("cycle_sqlite_rate", "cycle_sqlite_p99_ms"),
        now,
        met,
    ));
    let (now, met) = rate_p99(
        path_of("(c) SOAP SendRequest → GetResponse → Ack, PostgreSQL"),
        4000.0,
        20.0,
    );
    rows.push((
        "1. SOAP cycle, PostgreSQL: ≥ 4,000/s, p99 ≤ 20 ms".into(),
        was("cycle_postgres_rate", "cycle_postgres_p99_ms"),
        now,
        met,
    ));
    let (now, met) = rate_p99(path_of("(d)"), 5000.0, 20.0);
    rows.push((
        "2. Issue path (d): ≥ 5,000/s, p99 ≤ 20 ms".into(),
        was("issue_rate", "issue_p99_ms"),
        now,
        met,
    ));
    let invoke = micro
        .iter()
        .find(|m| m.id == "invoke/echo_json")
        .map(|m| m.median_ns / 1e3);
    rows.push((
        "3. Plugin instantiate + call (trivial plugin): ≤ 10 µs median".into(),
        before("invoke_echo_json_us").map_or("—".into(), |v| format!("{v:.1} µs")),
        invoke.map_or("—".into(), |v| format!("{v:.1} µs")),
        invoke.map(|v| v <= 10.0),
    ));
    let share = path_of("(b)").map(|b| b.rate / loads.bare.rate.max(1.0) * 100.0);
    rows.push((
        "3. (b) of bare hyper: ≥ 30 %".into(),
        match (before("verify_rate"), before("bare_rate")) {
            (Some(v), Some(b)) => format!("{:.0} %", v / b * 100.0),
            _ => "—".into(),
        },
        share.map_or("—".into(), |s| format!("{s:.0} %")),
        share.map(|s| s >= 30.0),
    ));
    let half = loads.verify_half_rate.as_ref().map(|(_, r)| r.p99_ms);
    rows.push((
        "3. (b) at half its rate: p99 ≤ 2 ms".into(),
        before("verify_half_rate_p99_ms").map_or("—".into(), |v| format!("{v:.2} ms")),
        half.map_or("—".into(), |v| format!("{v:.2} ms")),
        half.map(|v| v <= 2.0),
    ));
    for g in &loads.grown {
        let worst = [
            ratio_rate(&g.empty.verify, &g.grown.verify),
            ratio_rate(&g.empty.cycle, &g.grown.cycle),
            ratio_rate(&g.empty.find, &g.grown.find),
        ]
        .into_iter()
        .fold(f64::INFINITY, f64::min);
        rows.push((
            format!(
                "4. {}: (b), (c), find on a grown store within 10 % of empty",
                g.dialect
            ),
            "not measured".into(),
            format!("worst {:.0} % of empty", worst * 100.0),
            Some(worst >= 0.9),
        ));
        // A writer held by the deletion takes longer than the slowest cycle of as long a stretch without one.
        let held = g.held_ms();
        rows.push((
            format!(
                "4. {}: a day of facts deleted, writers held ≤ 100 ms",
                g.dialect
            ),
            "not measured".into(),
            format!(
                "held {}: the cycles in flight while a day went took up to {} ms, the slowest of as long a \
                 stretch without a deletion {} ms (median; {} deletions); the runs' longest cycle {} ms, without \
                 deletion {:.0} ms (median)",
                held.map_or("— (not measured: no deletion under load)".into(), |h| format!("{:.0} ms", h.max(0.0))),
                during_list(g, |d| d.longest_ms),
                during_list(g, |d| d.typical_longest_ms),
                g.deletions.len(),
                longest_list(g),
                g.grown_longest_ms
            ),
            held.map(|h| h <= 100.0),
        ));
    }
    let many = report_row(reports, "1000 × 1000");
    rows.push((
        "5. Reports, 1,000 organisations × 1,000 facts: ≤ 10 s".into(),
        before("reports_1000x1000_s").map_or("—".into(), |v| format!("{v:.1} s")),
        many.map_or("—".into(), |(s, _)| format!("{s:.1} s")),
        many.map(|(s, _)| s <= 10.0),
    ));
    let one = report_row(reports, "1 × 1000000");
    rows.push((
        "5. Reports, one organisation × 1,000,000 facts: ≤ 5 s, ≤ 150 MiB".into(),
        match (
            before("reports_1x1000000_s"),
            before("reports_1x1000000_peak_mib"),
        ) {
            (Some(s), Some(m)) => format!("{s:.2} s, {m:.0} MiB"),
            _ => "—".into(),
        },
        one.map_or("—".into(), |(s, m)| format!("{s:.2} s, {m:.0} MiB")),
        one.map(|(s, m)| s <= 5.0 && m <= 150.0),
    ));
    let _ = writeln!(out, "## Targets (issue 14)\n");
    let _ = writeln!(
        out,
        "Before: {}. After: this run.\n",
        baseline
            .get("source")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("no baseline file")
    );
    let _ = writeln!(out, "| target | before | after | met |");
    let _ = writeln!(out, "|---|---|---|---|");
    for (target, before, after, met) in rows {
        let met = match met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "—",
        };
        let _ = writeln!(out, "| {target} | {before} | {after} | {met} |");
    }
    let _ = writeln!(out);
}

/// `grown.rate / empty.rate`.
fn ratio_rate(empty: &LoadReport, grown: &LoadReport) -> f64 {
    if empty.rate > 0.0 {
        grown.rate / empty.rate
    } else {
        0.0
    }
}

/// The longest (c) request of each deletion run, ms: "157, 60, 48".
fn longest_list(g: &Grown) -> String {
    g.deletions
        .iter()
        .map(|d| format!("{:.0}", d.load.max_ms))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A figure of each deletion run's cycles in flight during it, ms: "40, 38, —".
fn during_list(g: &Grown, figure: fn(&During) -> f64) -> String {
    g.deletions
        .iter()
        .map(|d| {
            d.during
                .as_ref()
                .map_or("—".into(), |x| format!("{:.0}", figure(x)))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What precedes each run of the grown phase (`grown_phase`).
fn run_start(dialect: &str) -> &'static str {
    if dialect == "PostgreSQL" {
        ", each run (the deletions' too) started right after a `CHECKPOINT` of the server, so that none meets \
         the start of a checkpoint its WAL triggers"
    } else {
        ""
    }
}

/// How the store deletes a day of facts (`fact_days.rs`, `batched.rs` in the store).
fn deletion_means(dialect: &str) -> String {
    if dialect == "PostgreSQL" {
        format!(
            "its partition detached concurrently and dropped; the gateway restarted with its retention set so \
             that the day ended {} s after the start, its job running every second",
            super::grown::DAY_ENDS_AFTER.as_secs()
        )
    } else {
        "in batches of 100 rows, each read before it outside the write lock; the gateway restarted with its \
         retention set to that day's age, its job running at start"
            .to_owned()
    }
}

/// How long the grown-store comparison's runs last: (c)'s and the other paths', or one length for all.
fn run_lengths(cycle_seconds: f64, plan_seconds: f64) -> String {
    if cycle_seconds == plan_seconds {
        format!("each run lasts {plan_seconds:.0} s")
    } else {
        format!("a run of (c) there lasts {cycle_seconds:.0} s, of the others {plan_seconds:.0} s")
    }
}

/// The grown-store section of one dialect.
fn grown(out: &mut String, g: &Grown, plan_seconds: f64) {
    let deleted = g
        .deletions
        .iter()
        .map(|d| format!("{} rows in {:.1} s", d.deleted, d.seconds))
        .collect::<Vec<_>>()
        .join("; ");
    let _ = writeln!(
        out,
        "## A grown store: {}\n\nThe store as the load runs left it (empty), copied, then filled with {} journal entries \
         and {} scan facts over 90 days ({:.0} s) (grown); the copy and the filled store measured alternately, each \
         by a gateway started for the run, so that both sides see the same moments of the VM{}; then (c) while the gateway's own facts retention deleted \
         the oldest day of facts, once per run ({}, the load from readiness, with half a second of warm-up, \
         until after the deletion: {deleted}). Empty and grown are each the median of three runs of each path (one in a quick \
         run); {}. A writer's hold is taken from the runs' timelines (loadgen's `--slice-ms {}`): the longest cycle \
         that finished from the deletion's start (its end, as the gateway logged it, less its duration) to {} ms \
         after its end, less the median, over every stretch as long in the grown runs of (c) without a deletion, \
         of its slowest cycle (a deletion longer than half such a run cut into equal parts that are not, each \
         judged so, the worst counting); the worst of the deletions counts. (The grown runs' longest cycle, for \
         comparison: {:.0} ms, the median.)\n",
        g.dialect,
        g.journal_rows,
        g.fact_rows,
        g.fill_seconds,
        run_start(g.dialect),
        deletion_means(g.dialect),
        run_lengths(g.cycle_seconds, plan_seconds),
        super::timeline::SLICE_MS,
        super::grown::IN_FLIGHT_AFTER.as_millis(),
        g.grown_longest_ms
    );
    let _ = writeln!(
        out,
        "| measurement | empty: per second, p99 ms | grown: per second, p99 ms | grown / empty |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for (label, e, gr) in [
        ("(b) JSON VerifyQrRequest", &g.empty.verify, &g.grown.verify),
        ("(c) SOAP cycle", &g.empty.cycle, &g.grown.cycle),
        ("find over one day", &g.empty.find, &g.grown.find),
    ] {
        let _ = writeln!(
            out,
            "| {label} | {:.0}, {:.2} | {:.0}, {:.2} | {:.0} % |",
            e.rate,
            e.p99_ms,
            gr.rate,
            gr.p99_ms,
            ratio_rate(e, gr) * 100.0
        );
    }
    for (i, d) in g.deletions.iter().enumerate() {
        let _ = writeln!(
            out,
            "| (c) while a day of facts is deleted ({}) | | {:.0}, {:.2} (longest {:.0} ms; in flight during the \
             deletion: longest {}) | {:.0} % |",
            i + 1,
            d.load.rate,
            d.load.p99_ms,
            d.load.max_ms,
            d.during.map_or("— (not measured)".into(), |x| format!(
                "{:.0} ms over {:.1} s{}, against {:.0} ms",
                x.longest_ms,
                x.slices as f64 * f64::from(super::timeline::SLICE_MS) / 1e3,
                if x.parts > 1 {
                    format!(" (the worst of {} parts)", x.parts)
                } else {
                    String::new()
                },
                x.typical_longest_ms
            )),
            ratio_rate(&g.grown.cycle, &d.load) * 100.0
        );
    }
    let _ = writeln!(out);
}
