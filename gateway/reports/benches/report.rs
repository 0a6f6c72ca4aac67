//! Benchmark of the report pipeline (not a test): wall time and peak memory of the scheduler's work for
//! 1,000,000 facts across 1,000 organisations, and for one organisation with 1,000,000 facts.
//!
//! `cargo bench -p gateway-reports --bench report` (a release build). Each scenario runs in child processes
//! of this binary: one fills a fresh SQLite store, another (measured) does one scheduler tick over it,
//! exactly as a gateway node would: record the period and its runs, then claim, build (stream the facts into
//! the workbook, sign with RSA-2048, zip) and hand each report to an outbox that builds and formats the
//! e-mail (no network). The measured child reports its peak resident set (`VmHWM`); the parent its wall time.
//!
//! `-- --scenario orgs=N,facts=M` runs one scenario of your choice.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use gateway_reports::layout::LayoutRequest;
use gateway_reports::mail::{self, Accepted, Mail, Outbox};
use gateway_reports::period::time_zone;
use gateway_reports::schedule::Schedule;
use gateway_reports::sign::Signer;
use gateway_reports::sources::{Layouts, Profile, Profiles, Silent};
use gateway_reports::{Plan, ReportError, Runner, Scheduler, Settings};
use gateway_store::{Fact, Store, StoreOptions};
use tokio_util::sync::CancellationToken;

const DAY_MS: i64 = 86_400_000;
const MSK_MS: i64 = 3 * 3_600_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--child-fill") => child_fill(&args[1], parse(&args[2]), parse(&args[3])),
        Some("--child-run") => child_run(&args[1]),
        _ => {
            let chosen = args
                .iter()
                .position(|a| a == "--scenario")
                .and_then(|i| args.get(i + 1));
            let scenarios: Vec<(u64, u64)> = match chosen {
                Some(s) => vec![scenario(s)],
                None => vec![(1000, 1000), (1, 1_000_000)],
            };
            println!(
                "| scenario | facts | reports | fill (s) | report tick (s) | peak RSS (MiB) | e-mail bytes |"
            );
            println!("|---|---|---|---|---|---|---|");
            for (orgs, per_org) in scenarios {
                run_scenario(orgs, per_org);
            }
        }
    }
}

fn parse(s: &str) -> u64 {
    s.parse()
        .unwrap_or_else(|_| panic!("`{s}` is not a number"))
}

fn scenario(s: &str) -> (u64, u64) {
    let mut orgs = 1;
    let mut facts = 1000;
    for part in s.split(',') {
        match part.split_once('=') {
            Some(("orgs", n)) => orgs = parse(n),
            Some(("facts", n)) => facts = parse(n),
            _ => panic!("--scenario orgs=N,facts=M"),
        }
    }
    (orgs, facts / orgs.max(1))
}

fn run_scenario(orgs: u64, per_org: u64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db").display().to_string();
    let exe = std::env::current_exe().expect("this binary");
    let started = Instant::now();
    let fill = Command::new(&exe)
        .args(["--child-fill", &db, &orgs.to_string(), &per_org.to_string()])
        .status()
        .expect("fill child");
    assert!(fill.success(), "filling the store failed");
    let fill_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let out = Command::new(&exe)
        .args(["--child-run", &db])
        .output()
        .expect("run child");
    let run_s = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "the report run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        said.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    println!(
        "| {orgs} × {per_org} | {} | {} | {fill_s:.1} | {run_s:.2} | {:.0} | {} |",
        orgs * per_org,
        field("sent"),
        field("peak_kib") as f64 / 1024.0,
        field("bytes"),
    );
}

/// Yesterday in Moscow: `[start, start + 1 day)`.
fn yesterday_start() -> i64 {
    let now = jiff::Timestamp::now().as_millisecond();
    (now + MSK_MS).div_euclid(DAY_MS) * DAY_MS - MSK_MS - DAY_MS
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn child_fill(db: &str, orgs: u64, per_org: u64) {
    runtime().block_on(async {
        let store = Store::connect(&format!("sqlite://{db}"), StoreOptions::default())
            .await
            .expect("store");
        let start = yesterday_start();
        let total = orgs * per_org;
        let step = (DAY_MS - 1) / total.max(1) as i64;
        let mut batch = Vec::with_capacity(20_000);
        for i in 0..total {
            let org = 1_000_000_000_000 + i % orgs;
            batch.push(Fact {
                id: format!("00000000-0000-4000-8000-{i:012}"),
                kind: "scan".into(),
                organisation: org.to_string(),
                document_type: "svo-status".into(),
                occurred_at: start + i as i64 * step,
                attributes: "{}".into(),
                recorded_at: start,
            });
            if batch.len() == 20_000 {
                store.record_facts(&batch).await.expect("facts");
                batch.clear();
            }
        }
        store.record_facts(&batch).await.expect("facts");
        store.close().await;
    });
}

fn child_run(db: &str) {
    let sent = runtime().block_on(async {
        let store = Store::connect(&format!("sqlite://{db}"), StoreOptions::default())
            .await
            .expect("store");
        let outbox = Arc::new(Counting::default());
        let runner = Runner::new(
            store.clone(),
            Settings {
                fact_kind: "scan".into(),
                time_zone_name: "Europe/Moscow".into(),
                time_zone: time_zone("Europe/Moscow").expect("tz"),
                lease: Duration::from_secs(3600),
                retry_initial: Duration::from_secs(60),
                retry_max: Duration::from_secs(3600),
                work_dir: None,
                message_id_domain: "bench.example".into(),
                compression: 3,
            },
            Arc::new(signer()),
            Arc::new(SeedLayout),
            Arc::new(AnyProfile),
            outbox.clone(),
        );
        let plan = Plan {
            schedule: "daily".parse::<Schedule>().expect("schedule"),
            delay: Duration::ZERO,
            catch_up: 1,
            keep_sent: Duration::from_secs(400 * 86_400),
            parallel: std::env::var("REPORT_BENCH_PARALLEL")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(4),
        };
        let scheduler = Scheduler::new(Arc::new(runner), plan);
        let tick = scheduler
            .tick(Arc::new(Silent), &CancellationToken::new())
            .await;
        assert_eq!(tick.failed, 0, "no report may fail");
        store.close().await;
        (tick.sent, outbox.bytes.load(Ordering::Relaxed))
    });
    println!("sent={} bytes={} peak_kib={}", sent.0, sent.1, peak_kib());
}

/// `VmHWM` (peak resident set) of this process, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")
                    .map(|v| v.trim().trim_end_matches(" kB").to_owned())
            })
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A self-signed RSA-2048 signer.
fn signer() -> Signer {
    use openssl::{asn1::Asn1Time, hash::MessageDigest, nid::Nid, pkey::PKey, rsa::Rsa, x509};
    let key = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("key");
    let mut name = x509::X509NameBuilder::new().expect("name");
    name.append_entry_by_nid(Nid::COMMONNAME, "bench")
        .expect("cn");
    let name = name.build();
    let mut b = x509::X509::builder().expect("builder");
    b.set_version(2).expect("v3");
    b.set_subject_name(&name).expect("subject");
    b.set_issuer_name(&name).expect("issuer");
    b.set_pubkey(&key).expect("pubkey");
    b.set_not_before(&Asn1Time::days_from_now(0).expect("t"))
        .expect("nb");
    b.set_not_after(&Asn1Time::days_from_now(1).expect("t"))
        .expect("na");
    b.sign(&key, MessageDigest::sha256()).expect("sign");
    let cert = b.build();
    Signer::from_pem(
        &cert.to_pem().expect("pem"),
        &key.private_key_to_pem_pkcs8().expect("pem"),
        b"",
    )
    .expect("signer")
}

/// The layout the `scan-report` plugin answers (the seed's five columns), without the plugin host.
struct SeedLayout;

#[async_trait]
impl Layouts for SeedLayout {
    async fn layout(&self, r: &LayoutRequest) -> Result<Vec<u8>, ReportError> {
        let stem = format!(
            "scan-report_{}_{}_{}",
            r.organisation.ogrn, r.period.from, r.period.to
        );
        let json = serde_json::json!({
            "workbookFileName": format!("{stem}.xlsx"),
            "signatureFileName": format!("{stem}.xlsx.sig"),
            "archiveFileName": format!("{stem}.zip"),
            "sheetName": "Сканирования",
            "title": ["Отчёт о результатах сканирования QR-кодов", format!("ОГРН: {}", r.organisation.ogrn)],
            "columns": [
                {"header": "№", "field": "number", "format": "0", "width": 8},
                {"header": "Идентификатор факта сканирования", "field": "id", "format": "@", "width": 40},
                {"header": "ОГРН организации", "field": "organisation", "format": "@", "width": 18},
                {"header": "Дата сканирования", "field": "date", "format": "dd.mm.yyyy", "width": 14},
                {"header": "Время сканирования", "field": "time", "format": "hh:mm:ss", "width": 14}
            ],
            "email": {"subject": "Отчёт о сканировании QR-кодов", "body": "Отчёт во вложении."}
        });
        Ok(json.to_string().into_bytes())
    }
}

struct AnyProfile;

#[async_trait]
impl Profiles for AnyProfile {
    async fn profile(&self, organisation: &str) -> Result<Option<Profile>, ReportError> {
        Ok(Some(Profile {
            name: format!("Организация {organisation}"),
            email: format!("org{organisation}@bench.example"),
        }))
    }
}

/// Builds and formats each message as SMTP would send it, and counts the bytes.
#[derive(Default)]
struct Counting {
    bytes: AtomicU64,
}

#[async_trait]
impl Outbox for Counting {
    async fn send(&self, m: Mail) -> Result<Accepted, ReportError> {
        let from = mail::parse_mailbox("Шлюз <reports@bench.example>")?;
        let formatted = mail::build(&from, m)?.formatted();
        self.bytes
            .fetch_add(formatted.len() as u64, Ordering::Relaxed);
        Ok(Accepted {
            response: "250 counted".into(),
        })
    }
}
