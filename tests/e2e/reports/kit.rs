//! What the report tests share: a real SMTP server (aiosmtpd, optionally offering STARTTLS) storing messages
//! as files with the TLS state they arrived in, the signer's keys from the test CA, a config with `[reports]`
//! and `[smtp]`, facts of known days in Moscow time, and independent readers of what an organisation
//! receives (Python's email/zipfile, openpyxl, openssl).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use gateway_e2e::TestConfig;
use gateway_e2e::artifacts::{adapter, plugin, repo_root};
use gateway_e2e::pki::{Ca, Usage};
use gateway_store::{Fact, Store, StoreOptions};
use serde_json::Value;

/// Moscow has been UTC+3 all year since 2014: the tests compute its days on their own.
pub const MSK_OFFSET_MS: i64 = 3 * 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// Organisations of the simulator's fixtures (`adapters/sim/fixtures/org-profile.json`).
pub const THEATRE: &str = "1175000001010";
pub const SPORTS: &str = "1215000002029";
pub const MUSEUM: &str = "1237700003034";
pub const CINEMA: &str = "1246600004045";
pub const SOLE_TRADER: &str = "321770000000120";
/// A valid ОГРН the profile registry does not know.
pub const UNKNOWN: &str = "1257800005055";

pub use gateway_e2e::artifacts::python;

/// A real SMTP server in its own process; every accepted message becomes a `.eml` file.
pub struct Sink {
    pub dir: tempfile::TempDir,
    pub port: u16,
    /// The server's options besides directory and port (`--tls CERT KEY`).
    options: Vec<String>,
    child: Option<Child>,
}

impl Sink {
    /// Starts on a free port.
    pub fn start() -> Sink {
        Sink::start_with(Vec::new())
    }

    /// Starts on a free port, offering STARTTLS with the server certificate `cert` and its key (PEM). Mail in
    /// clear is still taken (and recorded as such), so a client that does not upgrade is seen.
    pub fn start_tls(cert: &Path, key: &Path) -> Sink {
        Sink::start_with(vec![
            "--tls".to_owned(),
            cert.display().to_string(),
            key.display().to_string(),
        ])
    }

    fn start_with(options: Vec<String>) -> Sink {
        let dir = tempfile::tempdir().expect("temp dir");
        let (child, port) = spawn_sink(dir.path(), 0, &options);
        Sink {
            dir,
            port,
            options,
            child: Some(child),
        }
    }

    /// A port where no SMTP server listens yet (one started and stopped); [`Sink::resume`] starts there.
    pub fn down() -> Sink {
        let mut s = Sink::start();
        s.stop();
        s
    }

    /// Stops the server (SIGTERM); the port closes, the stored messages stay.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port and directory.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "the sink runs already");
        let (child, port) = spawn_sink(self.dir.path(), self.port, &self.options);
        assert_eq!(port, self.port);
        self.child = Some(child);
    }

    /// The stored messages, oldest first.
    pub fn messages(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("sink dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        v.sort();
        v
    }

    /// Waits until at least `n` messages are stored (within `within`), then returns all of them.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<PathBuf> {
        let started = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(
                started.elapsed() < within,
                "{} of {n} messages within {within:?}",
                m.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The SMTP envelope of message `eml`, as the sink recorded it (`mail_from`, `rcpt_tos`, `tls`).
    pub fn envelope(eml: &Path) -> Value {
        serde_json::from_slice(&std::fs::read(eml.with_extension("json")).expect("envelope"))
            .expect("JSON")
    }

    /// The TLS layer message `eml` arrived through (`{"version": "TLSv1.3", "cipher": ...}`), or `None` when
    /// it arrived in clear.
    pub fn tls(eml: &Path) -> Option<Value> {
        Some(Sink::envelope(eml)["tls"].clone()).filter(|t| !t.is_null())
    }

    /// The steps of every SMTP session so far (`tests/py/smtp_sink.py` describes them), in order.
    pub fn sessions(&self) -> Vec<Value> {
        match std::fs::read_to_string(self.dir.path().join("sessions.jsonl")) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).expect("a JSON line"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("sessions.jsonl: {e}"),
        }
    }

    /// The SMTP envelope's recipients of message `eml`.
    pub fn recipients(eml: &Path) -> Vec<String> {
        let env = Sink::envelope(eml);
        env["rcpt_tos"]
            .as_array()
            .expect("rcpt_tos")
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn_sink(dir: &Path, port: u16, options: &[String]) -> (Child, u16) {
    let script = repo_root().join("tests/py/smtp_sink.py");
    let mut child = Command::new(python())
        .arg(script)
        .arg(dir)
        .arg(port.to_string())
        .args(options)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs (cargo xtask setup installs aiosmtpd in target/pyenv)");
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the sink prints its port");
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("sink said {line:?}"));
    (child, port)
}

/// The test CA and the operator's signing key and certificate issued by it, as files.
pub struct Keys {
    _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub ca_key: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Keys {
    /// A fresh CA and an ECDSA signer.
    pub fn new() -> Keys {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca = Ca::new("Тестовый УЦ отчётов");
        let (ca_pem, ca_key) = ca.issued.write(dir.path(), "ca");
        let signer = ca.issue(
            "Оператор отчётов (тест)",
            &[("O", "Тестовый оператор")],
            Usage::Signing,
        );
        let (cert, key) = signer.write(dir.path(), "signer");
        Keys {
            _dir: dir,
            ca: ca_pem,
            ca_key,
            cert,
            key,
        }
    }
}

/// The default test config plus the reporting plugin, the profile adapter on `sim_url`, `[reports]` with
/// `reports` appended (daily, catching up one period, ticking every 200 ms, quick retries) and `[smtp]` on
/// `smtp_port` in clear.
pub fn config(
    db_url: &str,
    sim_url: &str,
    smtp_port: u16,
    keys: &Keys,
    reports: &str,
) -> TestConfig {
    config_with_smtp(
        db_url,
        sim_url,
        &smtp(smtp_port, "none", None),
        keys,
        reports,
    )
}

/// The body of `[smtp]`: the server on 127.0.0.1:`port`, `security`, and `ca` (the CA certificates, PEM,
/// trusted for the server) when given.
pub fn smtp(port: u16, security: &str, ca: Option<&Path>) -> String {
    let mut s = format!(
        "host = \"127.0.0.1\"\nport = {port}\nsecurity = \"{security}\"\n\
         from = \"Шлюз отчётов <reports@gateway.test>\"\ntimeout = \"5s\"\n"
    );
    if let Some(ca) = ca {
        s.push_str(&format!("ca = \"{}\"\n", ca.display()));
    }
    s
}

/// [`config`] with `smtp` as the body of `[smtp]` (see [`smtp`]).
pub fn config_with_smtp(
    db_url: &str,
    sim_url: &str,
    smtp: &str,
    keys: &Keys,
    reports: &str,
) -> TestConfig {
    TestConfig::new(db_url).with(&format!(
        r#"
[plugins.scan-report]
path = "{plugin}"

[adapters.org-profile]
path = "{lib}"
timeout = "2s"
breaker_failures = 1000
[adapters.org-profile.config]
base_url = "{sim_url}"
timeout_ms = 1500

[reports]
schedule = "daily"
delay = "0s"
catch_up = 1
tick = "200ms"
lease = "30s"
retry_initial = "300ms"
retry_max = "1s"
signer_cert = "{cert}"
signer_key = "{key}"
operators = ["A"]
message_id_domain = "gateway.test"
{reports}

[smtp]
{smtp}
"#,
        plugin = plugin("scan-report").display(),
        lib = adapter("org_profile_adapter").display(),
        cert = keys.cert.display(),
        key = keys.key.display(),
    ))
}

/// The Moscow day `days` from today (0 today, -1 yesterday): its date and the unix ms it starts at.
pub fn moscow_day(days: i64) -> (String, i64) {
    let now = gateway::tokens::now_ms();
    let start = (now + MSK_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - MSK_OFFSET_MS + days * DAY_MS;
    let day = jiff_free_date(start + MSK_OFFSET_MS);
    (day, start)
}

/// `YYYY-MM-DD` of the UTC day containing unix ms `ms` (civil-from-days, H. Hinnant's algorithm).
fn jiff_free_date(ms: i64) -> String {
    let z = ms.div_euclid(DAY_MS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A fact of `kind` about `org` at unix ms `at`, with a fresh UUID.
pub fn fact(org: &str, at: i64, kind: &str) -> Fact {
    Fact {
        id: uuid::Uuid::new_v4().to_string(),
        kind: kind.into(),
        organisation: org.into(),
        document_type: "svo-status".into(),
        occurred_at: at,
        attributes: "{}".into(),
        recorded_at: at,
    }
}

/// Records `facts` in the database at `url`.
pub async fn record(url: &str, facts: &[Fact]) {
    let store = Store::connect(url, StoreOptions::default())
        .await
        .expect("store");
    store.record_facts(facts).await.expect("facts recorded");
    store.close().await;
}

/// The simulator's profiles: ОГРН → (name, e-mail).
pub fn profiles() -> HashMap<String, (String, String)> {
    let path = repo_root().join("adapters/sim/fixtures/org-profile.json");
    let records: Vec<Value> =
        serde_json::from_slice(&std::fs::read(path).expect("fixtures")).expect("JSON");
    records
        .iter()
        .map(|r| {
            (
                r["ogrn"].as_str().unwrap_or_default().to_owned(),
                (
                    r["name"].as_str().unwrap_or_default().to_owned(),
                    r["email"].as_str().unwrap_or_default().to_owned(),
                ),
            )
        })
        .collect()
}

/// What `tests/py/report_mail.py` reads from a received message (or, with `zip`, an archive).
pub fn read(path: &Path, out: &Path, zip: bool) -> Value {
    let mut c = Command::new(python());
    c.arg(repo_root().join("tests/py/report_mail.py"));
    if zip {
        c.arg("--zip");
    }
    let o = c.arg(path).arg(out).output().expect("python runs");
    assert!(
        o.status.success(),
        "report_mail.py: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("report_mail.py prints JSON")
}

/// `openssl cms -verify -binary -inform DER -content WORKBOOK -in SIGNATURE -CAfile CA` (with
/// `OPENSSL_CONF` when given): its success and output.
pub fn openssl_verify(
    workbook: &Path,
    signature: &Path,
    ca: &Path,
    openssl_conf: Option<&Path>,
) -> (bool, String) {
    let mut c = Command::new("openssl");
    c.args(["cms", "-verify", "-binary", "-inform", "DER", "-content"])
        .arg(workbook)
        .arg("-in")
        .arg(signature)
        .arg("-CAfile")
        .arg(ca)
        .args(["-out", "/dev/null"]);
    if let Some(conf) = openssl_conf {
        c.env("OPENSSL_CONF", conf);
    }
    let o = c.output().expect("openssl runs");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// The rows after the header row (the one starting with `№`).
pub fn data_rows(report: &Value) -> Vec<Vec<Value>> {
    let rows = report["rows"].as_array().expect("rows");
    let header = rows
        .iter()
        .position(|r| r[0] == "№")
        .expect("a header row starting with №");
    rows[header + 1..]
        .iter()
        .map(|r| r.as_array().cloned().unwrap_or_default())
        .collect()
}

/// What the report calls a document type.
pub fn type_name(document_type: &str) -> &str {
    match document_type {
        "svo-status" => "Статус участника СВО",
        "large-family" => "Удостоверение многодетной семьи",
        "digital-id" => "Цифровой ID",
        other => other,
    }
}

/// The rows an organisation's report must hold for `facts` (its own, of its period), in time order:
/// number, id, ОГРН, document type, date (as openpyxl reads it), time.
pub fn expected_rows(facts: &[&Fact]) -> Vec<Vec<Value>> {
    let mut sorted = facts.to_vec();
    sorted.sort_by(|a, b| (a.occurred_at, &a.id).cmp(&(b.occurred_at, &b.id)));
    sorted
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let local = f.occurred_at + MSK_OFFSET_MS;
            let secs = local.rem_euclid(DAY_MS) / 1000;
            vec![
                Value::from(i + 1),
                Value::from(f.id.clone()),
                Value::from(f.organisation.clone()),
                Value::from(type_name(&f.document_type)),
                Value::from(format!("{}T00:00:00", jiff_free_date(local))),
                Value::from(format!(
                    "{:02}:{:02}:{:02}",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60
                )),
            ]
        })
        .collect()
}

#[test]
fn civil_dates_are_computed_without_a_date_library() {
    assert_eq!(jiff_free_date(0), "1970-01-01");
    assert_eq!(jiff_free_date(951_782_400_000), "2000-02-29");
    assert_eq!(
        jiff_free_date(1_740_776_400_000 + MSK_OFFSET_MS),
        "2025-03-01"
    );
}
