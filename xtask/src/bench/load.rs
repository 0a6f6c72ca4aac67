//! The load runs: the bare hyper server, then the gateway (release build) with the registry simulator, on
//! SQLite and on PostgreSQL, all loaded by the workspace's `loadgen` with the same settings; then each store
//! grown ([`super::grown`]).

use std::process::Command;

use super::fixtures::{TOKEN, fixtures, gateway_config};
use super::grown::{Grown, copy_sqlite, grown_phase};
use super::procs::{Proc, free_addr};
use super::runs::{LoadReport, json_args, loadgen, start_gateway, verify_body};
use super::{Plan, release_bin};
use crate::Result;
use crate::build::Built;
use crate::pg::TestDatabase;

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
