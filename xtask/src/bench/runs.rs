//! One load run against a gateway: starting it (release build) on a configuration, driving it with the workspace's
//! `loadgen`, and the runs of (b), (c) and `find` taken together, with their medians.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use super::fixtures::TOKEN;
use super::procs::{Proc, free_addr, json_output, post_json};
use super::timeline::{SLICE_MS, Timeline};
use super::{Plan, release_bin};
use crate::Result;
use serde_json::Value;

/// One loadgen result.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub errors: f64,
    /// When units finished, slice by slice, when the run was asked for it (`--slice-ms`).
    pub timeline: Option<Timeline>,
}

/// (b), (c) and `find`.
#[derive(Debug, Clone)]
pub struct Trio {
    pub verify: LoadReport,
    pub cycle: LoadReport,
    pub find: LoadReport,
}

pub(super) fn loadgen(addr: SocketAddr, plan: Plan, args: &[&str]) -> Result<LoadReport> {
    let v = json_output(
        Command::new(release_bin("loadgen"))
            .arg("--addr")
            .arg(addr.to_string())
            .args([
                "--concurrency",
                &plan.concurrency.to_string(),
                "--duration",
                &plan.seconds.to_string(),
                "--warmup",
                &plan.warmup.to_string(),
            ])
            .args(args),
        "loadgen",
    )?;
    let f = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let r = LoadReport {
        rate: f("rate"),
        p50_ms: f("p50_ms"),
        p99_ms: f("p99_ms"),
        p999_ms: f("p999_ms"),
        max_ms: f("max_ms"),
        errors: f("errors"),
        timeline: match v.get("timeline") {
            Some(t) => Some(
                serde_json::from_value(t.clone())
                    .map_err(|e| format!("loadgen's timeline: {e}"))?,
            ),
            None => None,
        },
    };
    eprintln!(
        "xtask: loadgen {args:?}: {:.0}/s p50 {:.2} ms p99 {:.2} ms ({} errors)",
        r.rate, r.p50_ms, r.p99_ms, r.errors
    );
    Ok(r)
}

pub(super) fn start_gateway(config: &Path) -> Result<Proc> {
    start(Command::new(release_bin("gateway")), config)
}

/// [`start_gateway`] with the gateway's log written to `log`.
pub(super) fn start_gateway_logging(config: &Path, log: &Path) -> Result<Proc> {
    let mut cmd = Command::new(release_bin("gateway"));
    cmd.stderr(std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?);
    start(cmd, config)
}

/// Starts the gateway `cmd` with `config` on a free port and waits until it is ready.
fn start(mut cmd: Command, config: &Path) -> Result<Proc> {
    let addr = free_addr()?;
    cmd.args(["serve", "--config"])
        .arg(config)
        .args(["--listen", &addr.to_string()]);
    let p = Proc::start(cmd, addr, "gateway")?;
    // Listening precedes readiness (plugins compile first): wait for /readyz.
    for _ in 0..600 {
        if post_json(addr, "/api/v1/find", TOKEN, "{}").is_ok_and(|(s, _)| s == 200) {
            return Ok(p);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err("the gateway did not become ready".into())
}

/// Issues a QR for `snils` and returns the body of a `VerifyQrRequest` of it.
pub(super) fn verify_body(addr: SocketAddr, snils: &str) -> Result<String> {
    let (status, body) = post_json(
        addr,
        "/api/v1/messages",
        TOKEN,
        &format!(
            r#"{{"type": "{{urn://gateway/svo-status/1.0}}IssueQrRequest", "payload": {{"snils": "{snils}"}}}}"#
        ),
    )?;
    let guid = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("payload")?.get("guid")?.as_str().map(str::to_owned))
        .ok_or_else(|| format!("issuing a QR failed: {status} {body}"))?;
    Ok(format!(
        r#"{{"type": "{{urn://gateway/svo-status/1.0}}VerifyQrRequest", "payload": {{"qr": "{guid}"}}}}"#
    ))
}

pub(super) fn json_args(body: &str) -> [&str; 8] {
    [
        "--scenario",
        "json",
        "--path",
        "/api/v1/messages",
        "--token",
        TOKEN,
        "--body",
        body,
    ]
}

/// The body of a `find` over one day: the last 24 hours, the newest 100 entries (the load runs have written
/// many more in that time, so an empty and a grown store answer with as many).
fn find_body() -> String {
    let at = |when: &str| {
        Command::new("date")
            .args(["-u", "-d", when, "+%Y-%m-%dT%H:%M:%SZ"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    format!(
        r#"{{"from": "{}", "to": "{}", "limit": 100}}"#,
        at("24 hours ago"),
        at("now")
    )
}

/// (b) and `find` for `plan`, (c) for `cycle`, against `gw`.
pub(super) fn trio(addr: SocketAddr, plan: Plan, cycle: Plan, verify: &str) -> Result<Trio> {
    Ok(Trio {
        verify: loadgen(addr, plan, &json_args(verify))?,
        cycle: cycle_with_timeline(addr, cycle)?,
        find: trio_find(addr, plan)?,
    })
}

/// (c) against `addr`, with its timeline (loadgen's `--slice-ms`).
pub(super) fn cycle_with_timeline(addr: SocketAddr, plan: Plan) -> Result<LoadReport> {
    loadgen(
        addr,
        plan,
        &[
            "--scenario",
            "soap-cycle",
            "--token",
            TOKEN,
            "--slice-ms",
            &SLICE_MS.to_string(),
        ],
    )
}

/// The median run of each path (by rate), each with its own figures.
pub(super) fn median_trio(runs: &[Trio]) -> Trio {
    let median = |pick: fn(&Trio) -> &LoadReport| {
        let mut reports: Vec<LoadReport> = runs.iter().map(|t| pick(t).clone()).collect();
        reports.sort_by(|a, b| a.rate.total_cmp(&b.rate));
        reports.swap_remove(reports.len() / 2)
    };
    Trio {
        verify: median(|t| &t.verify),
        cycle: median(|t| &t.cycle),
        find: median(|t| &t.find),
    }
}

/// The median of `values` (the upper one of an even count; 0 for none).
pub(super) fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// `find` over one day against `addr`.
fn trio_find(addr: SocketAddr, plan: Plan) -> Result<LoadReport> {
    let find = find_body();
    loadgen(
        addr,
        plan,
        &[
            "--scenario",
            "json",
            "--path",
            "/api/v1/find",
            "--token",
            TOKEN,
            "--body",
            &find,
        ],
    )
}

#[cfg(test)]
pub(super) mod tests {
    use super::{LoadReport, Trio, median, median_trio};

    pub(in crate::bench) fn report(rate: f64, max_ms: f64) -> LoadReport {
        LoadReport {
            rate,
            p50_ms: 1.0,
            p99_ms: rate / 100.0,
            p999_ms: 0.0,
            max_ms,
            errors: 0.0,
            timeline: None,
        }
    }

    pub(in crate::bench) fn trio(b: f64, c: f64, f: f64) -> Trio {
        Trio {
            verify: report(b, 0.0),
            cycle: report(c, 0.0),
            find: report(f, 0.0),
        }
    }

    #[test]
    fn the_median_run_of_each_path_is_taken() {
        let runs = [
            trio(100.0, 20.0, 8.0),
            trio(300.0, 10.0, 7.0),
            trio(200.0, 30.0, 9.0),
        ];
        let m = median_trio(&runs);
        assert_eq!(
            (m.verify.rate, m.cycle.rate, m.find.rate),
            (200.0, 20.0, 8.0)
        );
        assert_eq!(
            m.cycle.p99_ms, 0.2,
            "the median run's own figures, not a mix"
        );
        let one = median_trio(&[trio(1.0, 2.0, 3.0)]);
        assert_eq!(one.cycle.rate, 2.0);
        assert_eq!(median([30.0, 10.0, 20.0]), 20.0);
        assert_eq!(median([5.0]), 5.0);
        assert_eq!(median([]), 0.0);
    }
}
