//! The load runs: the bare hyper server, then the gateway (release build) with the registry simulator, on
//! SQLite and on PostgreSQL, all loaded by the workspace's `loadgen` with the same settings.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::fixtures::{TOKEN, deletion_config, fixtures, gateway_config};
use super::procs::{Proc, free_addr, post_json};
use super::{Plan, release_bin};
use crate::Result;
use crate::build::Built;
use crate::pg::TestDatabase;
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
}

/// One measured path.
#[derive(Debug, Clone)]
pub struct PathResult {
    pub label: String,
    pub report: LoadReport,
    /// The gateway's resident memory after the run and its peak, MiB.
    pub rss_mib: Option<(f64, f64)>,
}

/// Everything the load phase measured.
#[derive(Debug, Clone)]
pub struct Loads {
    pub bare: LoadReport,
    pub paths: Vec<PathResult>,
    /// Path (b) paced at half its maximum rate.
    pub verify_half_rate: Option<(f64, LoadReport)>,
    /// Resident memory after the first and the second count of SOAP cycles (SQLite), MiB.
    pub rss_cycles: Option<(u64, f64, u64, f64)>,
    /// The same measurements on an empty and on a grown store, per dialect.
    pub grown: Vec<Grown>,
}

/// (b), (c) and a one-day `find` on a store as the load runs left it and after it was filled with the
/// journal and facts of months; then (c) while the retention deletes the oldest day of facts.
#[derive(Debug, Clone)]
pub struct Grown {
    pub dialect: &'static str,
    pub journal_rows: u64,
    pub fact_rows: u64,
    pub fill_seconds: f64,
    pub empty: Trio,
    pub grown: Trio,
    /// The median of the grown store's runs of (c): their longest request, ms.
    pub grown_longest_ms: f64,
    /// (c) while the oldest day of facts is deleted, as many times as the grown store's paths were run (each
    /// run deletes the then oldest day).
    pub deletions: Vec<Deletion>,
}

/// A day, in milliseconds.
const DAY_MS: i64 = 86_400_000;

/// One run of (c) while the oldest day of facts is deleted.
#[derive(Debug, Clone)]
pub struct Deletion {
    /// The load's report.
    pub load: LoadReport,
    /// The facts deleted.
    pub deleted: u64,
    /// How long the deletion took.
    pub seconds: f64,
}

impl Grown {
    /// How much longer the deletion held a writer: the longest request of the worst deletion run less the median
    /// of the grown store's runs' longest request. The worst, not a median: the first day deleted is the one
    /// whose pages are least likely in memory, as the day a retention deletes in production (90 days old) is.
    pub fn held_ms(&self) -> f64 {
        self.deletions_longest_ms() - self.grown_longest_ms
    }

    /// The longest request of all the deletion runs, ms.
    pub fn deletions_longest_ms(&self) -> f64 {
        self.deletions
            .iter()
            .map(|d| d.load.max_ms)
            .fold(0.0, f64::max)
    }
}

/// (b), (c) and `find`.
#[derive(Debug, Clone)]
pub struct Trio {
    pub verify: LoadReport,
    pub cycle: LoadReport,
    pub find: LoadReport,
}

fn loadgen(addr: SocketAddr, plan: Plan, args: &[&str]) -> Result<LoadReport> {
    let out = Command::new(release_bin("loadgen"))
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
        .args(args)
        .output()
        .map_err(|e| format!("loadgen: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "loadgen failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str::<Value>(text.trim())
        .map_err(|e| format!("loadgen printed `{text}`: {e}"))?;
    let f = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let r = LoadReport {
        rate: f("rate"),
        p50_ms: f("p50_ms"),
        p99_ms: f("p99_ms"),
        p999_ms: f("p999_ms"),
        max_ms: f("max_ms"),
        errors: f("errors"),
    };
    eprintln!(
        "xtask: loadgen {args:?}: {:.0}/s p50 {:.2} ms p99 {:.2} ms ({} errors)",
        r.rate, r.p50_ms, r.p99_ms, r.errors
    );
    Ok(r)
}

fn start_gateway(config: &Path) -> Result<Proc> {
    start(Command::new(release_bin("gateway")), config)
}

/// [`start_gateway`] with the gateway's log written to `log`.
fn start_gateway_logging(config: &Path, log: &Path) -> Result<Proc> {
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
fn verify_body(addr: SocketAddr, snils: &str) -> Result<String> {
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

fn json_args(body: &str) -> [&str; 8] {
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

/// (b), (c) and `find` against `gw`.
fn trio(addr: SocketAddr, plan: Plan, verify: &str) -> Result<Trio> {
    Ok(Trio {
        verify: loadgen(addr, plan, &json_args(verify))?,
        cycle: loadgen(addr, plan, &["--scenario", "soap-cycle", "--token", TOKEN])?,
        find: trio_find(addr, plan)?,
    })
}

/// Runs of (b), (c) and `find` per store state in the grown-store comparison (one in a quick run): a single 15 s run
/// on this kind of VM spreads by more than the 10 % the comparison must resolve, so each side is the median run.
fn runs_per_store(plan: Plan) -> usize {
    if plan.quick { 1 } else { 3 }
}

/// The median run of each path (by rate), each with its own figures.
fn median_trio(runs: &[Trio]) -> Trio {
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
fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Rows of the grown store: 10 million journal entries and 10 million facts over 90 days (a tenth in a
/// quick run is still far more than the load runs leave).
fn grown_rows(plan: Plan) -> u64 {
    if plan.quick { 200_000 } else { 10_000_000 }
}

/// Fills the store at `url` (its gateway stopped) and returns how long it took.
fn fill(url: &str, rows: u64) -> Result<f64> {
    let out = Command::new(release_bin("store-fill"))
        .args(["--url", url, "fill", "--sender", "BENCH", "--days", "90"])
        .args(["--journal", &rows.to_string(), "--facts", &rows.to_string()])
        .output()
        .map_err(|e| format!("store-fill: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "store-fill failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| format!("store-fill: {e}"))?;
    let seconds = v.get("seconds").and_then(Value::as_f64).unwrap_or(0.0);
    eprintln!("xtask: filled {url} with {rows} journal entries and {rows} facts in {seconds:.0} s");
    Ok(seconds)
}

/// When the oldest fact in the store at `url` occurred (ms since the epoch), if there is one.
fn oldest_fact(url: &str) -> Result<Option<i64>> {
    let out = Command::new(release_bin("store-fill"))
        .args(["--url", url, "oldest"])
        .output()
        .map_err(|e| format!("store-fill: {e}"))?;
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "store-fill oldest: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    Ok(v.get("oldest_ms").and_then(Value::as_i64))
}

/// What the gateway's facts retention job logged (JSON lines in `log`): the facts it deleted and how long it
/// took, once it has.
fn retention_logged(log: &Path) -> Option<(u64, f64)> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find_map(|v| {
            let fields = v.get("fields")?;
            if fields.get("message")?.as_str()? != "facts past their retention deleted" {
                return None;
            }
            Some((
                fields.get("deleted")?.as_u64()?,
                fields.get("seconds")?.as_f64()?,
            ))
        })
}

/// (c) under load while the gateway's own facts retention deletes the oldest day of the store at `url`: the
/// gateway (`config`) is started with its retention set to that day's age, so its retention job, which runs at
/// start, deletes it, through the store's batched delete and, on SQLite, this process's write gate, as in
/// production. The load starts as soon as the gateway is ready and runs past the deletion (whose first second
/// or so, while the gateway starts, is under no load); its warm-up is half a second.
fn cycle_during_delete(config: &Path, url: &str, plan: Plan) -> Result<Deletion> {
    let oldest = oldest_fact(url)?.ok_or("no facts to delete")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_millis();
    let age = i64::try_from(now).map_err(|e| e.to_string())? - (oldest + DAY_MS);
    let config = deletion_config(config, age)?;
    let log = config.with_file_name("gateway-deletion.log");
    let gw = start_gateway_logging(&config, &log)?;
    let report = loadgen(
        gw.addr,
        Plan {
            seconds: plan.seconds + 10.0,
            warmup: 0.5,
            ..plan
        },
        &["--scenario", "soap-cycle", "--token", TOKEN],
    )?;
    let mut logged = retention_logged(&log);
    for _ in 0..1200 {
        if logged.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        logged = retention_logged(&log);
    }
    drop(gw);
    let (deleted, seconds) =
        logged.ok_or("the gateway's facts retention did not finish in time")?;
    eprintln!(
        "xtask: the gateway's retention deleted {deleted} facts in {seconds:.2} s under load; the load's longest \
         request {:.1} ms",
        report.max_ms
    );
    Ok(Deletion {
        load: report,
        deleted,
        seconds,
    })
}

/// The grown-store phase of `dialect`: the store at `url` (its gateway, `config`, stopped) filled, then measured
/// alternately with its copy from before the fill (served by `empty_config`), so that both sides see the same
/// moments of this VM, whose speed drifts by more than the 10 % the comparison must resolve; then the deletions.
fn grown_phase(
    dialect: &'static str,
    config: &Path,
    url: &str,
    empty_config: &Path,
    plan: Plan,
    snils: &str,
) -> Result<Grown> {
    let rows = grown_rows(plan);
    let fill_seconds = fill(url, rows)?;
    let mut empty = Vec::new();
    let mut grown = Vec::new();
    for _ in 0..runs_per_store(plan) {
        empty.push(trio_served(empty_config, plan, snils)?);
        grown.push(trio_served(config, plan, snils)?);
    }
    let deletions = (0..grown.len())
        .map(|_| cycle_during_delete(config, url, plan))
        .collect::<Result<Vec<_>>>()?;
    Ok(Grown {
        dialect,
        journal_rows: rows,
        fact_rows: rows,
        fill_seconds,
        empty: median_trio(&empty),
        grown: median_trio(&grown),
        grown_longest_ms: median(grown.iter().map(|t| t.cycle.max_ms)),
        deletions,
    })
}

/// (b), (c) and `find` against a gateway started with `config` for them.
fn trio_served(config: &Path, plan: Plan, snils: &str) -> Result<Trio> {
    let gw = start_gateway(config)?;
    let verify = verify_body(gw.addr, snils)?;
    trio(gw.addr, plan, &verify)
}

/// A copy of the SQLite store at `url` (its gateway stopped) in `dir`; returns its URL.
fn copy_sqlite(url: &str, dir: &Path) -> Result<String> {
    let from = Path::new(url.strip_prefix("sqlite://").ok_or("not a SQLite URL")?);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let to = dir.join(from.file_name().ok_or("no file name")?);
    for suffix in ["", "-wal"] {
        let source = PathBuf::from(format!("{}{suffix}", from.display()));
        if source.exists() {
            std::fs::copy(&source, format!("{}{suffix}", to.display()))
                .map_err(|e| format!("{}: {e}", source.display()))?;
        }
    }
    Ok(format!("sqlite://{}", to.display()))
}

/// Runs the load phase.
pub fn run(built: &Built, plan: Plan) -> Result<Loads> {
    let bare = Proc::start_printing_addr(
        {
            let mut c = Command::new(release_bin("bare-hyper"));
            c.args(["--listen", "127.0.0.1:0"]);
            c
        },
        "bare-hyper",
    )?;
    let bare_report = loadgen(
        bare.addr,
        plan,
        &["--scenario", "soap-send", "--path", "/smev/1.3"],
    )?;
    drop(bare);

    let tmp = std::env::temp_dir().join(format!("gateway-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let fixtures_dir = tmp.join("fixtures");
    std::fs::create_dir_all(&fixtures_dir).map_err(|e| e.to_string())?;
    let people = fixtures(&fixtures_dir, if plan.quick { 5_000 } else { 200_000 })?;
    let sim_addr = free_addr()?;
    let mut sim_cmd = Command::new(release_bin("registry-sim"));
    sim_cmd
        .args(["--listen", &sim_addr.to_string(), "--fixtures"])
        .arg(&fixtures_dir);
    let _sim = Proc::start(sim_cmd, sim_addr, "registry-sim")?;

    let mut paths = Vec::new();
    let mut grown = Vec::new();
    let sqlite_url = format!("sqlite://{}", tmp.join("bench.db").display());
    let config = gateway_config(&tmp, built, &sqlite_url, sim_addr)?;
    let gw = start_gateway(&config)?;

    // (b) verification of a live token.
    let verify = verify_body(gw.addr, &people[0])?;
    let b = loadgen(gw.addr, plan, &json_args(&verify))?;
    let half = b.rate / 2.0;
    let rate = format!("{half:.0}");
    let mut paced = json_args(&verify).to_vec();
    paced.extend(["--rate", &rate]);
    let b_half = loadgen(gw.addr, plan, &paced)?;
    paths.push(PathResult {
        label: "(b) JSON VerifyQrRequest, live token".into(),
        report: b.clone(),
        rss_mib: Some(gw.rss_mib()),
    });

    // (d) issuing QR codes for new citizens: a showcase call and a token write each.
    let snils_file = tmp.join("snils.txt");
    std::fs::write(&snils_file, people[3..].join("\n")).map_err(|e| e.to_string())?;
    let d = loadgen(
        gw.addr,
        plan,
        &[
            "--scenario",
            "json-issue",
            "--path",
            "/api/v1/messages",
            "--token",
            TOKEN,
            "--snils-file",
            &snils_file.display().to_string(),
        ],
    )?;
    paths.push(PathResult {
        label: "(d) JSON IssueQrRequest, simulator at zero latency".into(),
        report: d,
        rss_mib: Some(gw.rss_mib()),
    });

    // (c) the SOAP cycle on SQLite, and find.
    let c = loadgen(
        gw.addr,
        plan,
        &["--scenario", "soap-cycle", "--token", TOKEN],
    )?;
    paths.push(PathResult {
        label: "(c) SOAP SendRequest → GetResponse → Ack, SQLite".into(),
        report: c.clone(),
        rss_mib: Some(gw.rss_mib()),
    });

    // The memory over a long run.
    let (first, second) = plan.rss_cycles;
    let long = |n: u64| {
        loadgen(
            gw.addr,
            Plan {
                seconds: 7200.0,
                warmup: 0.0,
                ..plan
            },
            &[
                "--scenario",
                "soap-cycle",
                "--token",
                TOKEN,
                "--max-units",
                &n.to_string(),
            ],
        )
    };
    long(first)?;
    let rss_first = gw.rss_mib().0;
    long(second - first)?;
    let rss_second = gw.rss_mib().0;
    drop(gw);
    let empty_dir = tmp.join("empty-sqlite");
    let empty_url = copy_sqlite(&sqlite_url, &empty_dir)?;
    grown.push(grown_phase(
        "SQLite",
        &config,
        &sqlite_url,
        &gateway_config(&empty_dir, built, &empty_url, sim_addr)?,
        plan,
        &people[1],
    )?);

    // (c) on PostgreSQL, then its grown store.
    let db = TestDatabase::create()?;
    let config = gateway_config(&tmp, built, &db.url, sim_addr)?;
    let gw = start_gateway(&config)?;
    let c = loadgen(
        gw.addr,
        plan,
        &["--scenario", "soap-cycle", "--token", TOKEN],
    )?;
    paths.push(PathResult {
        label: "(c) SOAP SendRequest → GetResponse → Ack, PostgreSQL".into(),
        report: c,
        rss_mib: Some(gw.rss_mib()),
    });
    drop(gw);
    let empty_db = db.copy()?;
    let empty_dir = tmp.join("empty-postgres");
    std::fs::create_dir_all(&empty_dir).map_err(|e| e.to_string())?;
    grown.push(grown_phase(
        "PostgreSQL",
        &config,
        &db.url,
        &gateway_config(&empty_dir, built, &empty_db.url, sim_addr)?,
        plan,
        &people[2],
    )?);
    drop(empty_db);
    drop(db);
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(Loads {
        bare: bare_report,
        paths,
        verify_half_rate: Some((half, b_half)),
        rss_cycles: Some((first, rss_first, second, rss_second)),
        grown,
    })
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
mod tests {
    use super::{Deletion, Grown, LoadReport, Trio, median, median_trio};

    fn report(rate: f64, max_ms: f64) -> LoadReport {
        LoadReport {
            rate,
            p50_ms: 1.0,
            p99_ms: rate / 100.0,
            p999_ms: 0.0,
            max_ms,
            errors: 0.0,
        }
    }

    fn trio(b: f64, c: f64, f: f64) -> Trio {
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
    }

    #[test]
    fn the_hold_is_the_worst_deletion_against_the_median_run_without() {
        assert_eq!(median([30.0, 10.0, 20.0]), 20.0);
        assert_eq!(median([5.0]), 5.0);
        assert_eq!(median([]), 0.0);
        let deletion = |max_ms: f64| Deletion {
            load: report(1000.0, max_ms),
            deleted: 100,
            seconds: 1.0,
        };
        let g = Grown {
            dialect: "SQLite",
            journal_rows: 0,
            fact_rows: 0,
            fill_seconds: 0.0,
            empty: trio(1.0, 1.0, 1.0),
            grown: trio(1.0, 1.0, 1.0),
            grown_longest_ms: 25.0,
            deletions: vec![deletion(40.0), deletion(160.0), deletion(55.0)],
        };
        assert_eq!(g.held_ms(), 135.0, "the worst deletion decides");
    }
}
