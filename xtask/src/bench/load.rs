//! The load runs: the bare hyper server, then the gateway (release build) with the registry simulator, on
//! SQLite and on PostgreSQL, all loaded by the workspace's `loadgen` with the same settings.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use super::procs::{Proc, copy_fixtures, free_addr, post_json};
use super::{Plan, release_bin};
use crate::build::Built;
use crate::pg::TestDatabase;
use crate::{Result, root};
use serde_json::Value;

const TOKEN: &str = "bench-client-token";

/// One loadgen result.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
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
        errors: f("errors"),
    };
    eprintln!(
        "xtask: loadgen {args:?}: {:.0}/s p50 {:.2} ms p99 {:.2} ms ({} errors)",
        r.rate, r.p50_ms, r.p99_ms, r.errors
    );
    Ok(r)
}

/// A valid, fictitious СНИЛС from nine digits (the check number computed as the law describes).
fn snils(n: u32) -> String {
    let nine = format!("{:09}", 100_000_000 + n);
    let d: Vec<u32> = nine.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = d.iter().enumerate().map(|(i, x)| x * (9 - i as u32)).sum();
    let check = match sum {
        s if s < 100 => s,
        100 | 101 => 0,
        s => s % 101 % 100,
    };
    format!("{}-{}-{} {check:02}", &nine[0..3], &nine[3..6], &nine[6..9])
}

/// Fixtures with `n` invented participants for the showcase, the other services' fixtures copied.
fn fixtures(dir: &Path, n: u32) -> Result<Vec<String>> {
    copy_fixtures(&root().join("adapters/sim/fixtures"), dir)?;
    let mut people = String::from("[");
    let mut list = Vec::with_capacity(n as usize);
    for i in 0..n {
        let s = snils(i);
        if i > 0 {
            people.push(',');
        }
        people.push_str(&format!(
            r#"{{"snils":"{s}","lastName":"Нагрузочный","firstName":"Участник","middleName":"Тестович","birthDate":"1980-01-01","militaryUnit":"в/ч 00000 (вымышленная)","participationFrom":"2022-01-01","participationTo":null,"status":"participant","department":"Министерство обороны Российской Федерации"}}"#
        ));
        list.push(s);
    }
    people.push(']');
    std::fs::write(dir.join("mod-showcase.json"), people).map_err(|e| e.to_string())?;
    Ok(list)
}

fn gateway_config(
    dir: &Path,
    built: &Built,
    store_url: &str,
    sim: SocketAddr,
) -> Result<std::path::PathBuf> {
    let repo = root();
    let plugin = |n: &str| {
        built
            .plugin_dir
            .join(format!("{n}.wasm"))
            .display()
            .to_string()
    };
    let text = format!(
        r#"
[auth]
allow_bearer = true

[[senders]]
mnemonic = "BENCH"
bearer_token_sha256 = "{token}"
may_send = ["*"]

[store]
url = "{store_url}"
max_connections = 16

[queue]
workers = 64
redelivery_after = "10m"

[tokens]
subject_key = "bench-subject-key"

[host]
max_instances = 512

[schemas]
dirs = ["{schemas}", "{test_schemas}"]

[log]
level = "warn"

[plugins.svo-status]
path = "{svo}"
adapters = ["mod-showcase"]
[plugins.svo-status.config]
qr_ttl = "1h"

[plugins.test-doc]
path = "{doc}"

[adapters.mod-showcase]
path = "{lib}"
timeout = "1s"
threads = 16
queue = 1024
[adapters.mod-showcase.config]
base_url = "http://{sim}"
timeout_ms = 900

[[routes]]
type = "{{urn://gateway/svo-status/1.0}}IssueQrRequest"
chain = ["svo-status"]
deadline = "2s"
identifiers = {{ Snils = "snils" }}

[[routes]]
type = "{{urn://gateway/svo-status/1.0}}VerifyQrRequest"
chain = ["svo-status"]

[[routes]]
type = "{{urn://gateway/test/1.0}}TestRequest"
chain = ["test-doc"]
"#,
        token = crate::dist::sha256_hex(TOKEN)?,
        schemas = repo.join("schemas").display(),
        test_schemas = repo.join("tests/fixtures/schemas").display(),
        svo = plugin("svo_status"),
        doc = plugin("test_doc"),
        lib = release_bin("libmod_showcase_adapter.so").display(),
    );
    let file = dir.join("gateway.toml");
    std::fs::write(&file, text).map_err(|e| e.to_string())?;
    Ok(file)
}

fn start_gateway(config: &Path) -> Result<Proc> {
    let addr = free_addr()?;
    let mut cmd = Command::new(release_bin("gateway"));
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
    let sqlite_url = format!("sqlite://{}", tmp.join("bench.db").display());
    let config = gateway_config(&tmp, built, &sqlite_url, sim_addr)?;
    let gw = start_gateway(&config)?;

    // (b) verification of a live token.
    let (status, body) = post_json(
        gw.addr,
        "/api/v1/messages",
        TOKEN,
        &format!(
            r#"{{"type": "{{urn://gateway/svo-status/1.0}}IssueQrRequest", "payload": {{"snils": "{}"}}}}"#,
            people[0]
        ),
    )?;
    let guid = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.get("payload")?.get("guid")?.as_str().map(str::to_owned))
        .ok_or_else(|| format!("issuing a QR failed: {status} {body}"))?;
    let verify = format!(
        r#"{{"type": "{{urn://gateway/svo-status/1.0}}VerifyQrRequest", "payload": {{"qr": "{guid}"}}}}"#
    );
    let b = loadgen(
        gw.addr,
        plan,
        &[
            "--scenario",
            "json",
            "--path",
            "/api/v1/messages",
            "--token",
            TOKEN,
            "--body",
            &verify,
        ],
    )?;
    let half = b.rate / 2.0;
    let b_half = loadgen(
        gw.addr,
        plan,
        &[
            "--scenario",
            "json",
            "--path",
            "/api/v1/messages",
            "--token",
            TOKEN,
            "--body",
            &verify,
            "--rate",
            &format!("{half:.0}"),
        ],
    )?;
    paths.push(PathResult {
        label: "(b) JSON VerifyQrRequest, live token".into(),
        report: b,
        rss_mib: Some(gw.rss_mib()),
    });

    // (d) issuing QR codes for new citizens: a showcase call and a token write each.
    let snils_file = tmp.join("snils.txt");
    std::fs::write(&snils_file, people[1..].join("\n")).map_err(|e| e.to_string())?;
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

    // (c) the SOAP cycle on SQLite, then the memory over a long run.
    let c = loadgen(
        gw.addr,
        plan,
        &["--scenario", "soap-cycle", "--token", TOKEN],
    )?;
    paths.push(PathResult {
        label: "(c) SOAP SendRequest → GetResponse → Ack, SQLite".into(),
        report: c,
        rss_mib: Some(gw.rss_mib()),
    });
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

    // (c) on PostgreSQL.
    let db = TestDatabase::create()?;
    let config = gateway_config(&tmp, built, &db.url, sim_addr)?;
    let gw = start_gateway(&config)?;
    let c_pg = loadgen(
        gw.addr,
        plan,
        &["--scenario", "soap-cycle", "--token", TOKEN],
    )?;
    paths.push(PathResult {
        label: "(c) SOAP SendRequest → GetResponse → Ack, PostgreSQL".into(),
        report: c_pg,
        rss_mib: Some(gw.rss_mib()),
    });
    drop(gw);
    drop(db);
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(Loads {
        bare: bare_report,
        paths,
        verify_half_rate: Some((half, b_half)),
        rss_cycles: Some((first, rss_first, second, rss_second)),
    })
}

#[cfg(test)]
mod tests {
    use super::snils;

    #[test]
    fn generated_snils_have_valid_check_numbers() {
        // 112-233-445 95 is the textbook example; ours start at 100-000-000.
        assert_eq!(snils(0), "100-000-000 09");
        for n in [1u32, 12_345, 199_999] {
            assert_eq!(snils(n).len(), 14);
        }
    }
}
