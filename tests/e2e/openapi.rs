//! The JSON API's OpenAPI document (`/api/v1/openapi.json`) holds what the gateway really does: schemathesis
//! (Python, `target/pyenv`) reads it from a live gateway with the SVO status routes, generates valid and
//! invalid calls of every operation from it, and checks each answer against it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gateway_e2e::artifacts::python;
use gateway_e2e::{Backend, Client, Sim, TOKEN_A, TestConfig, TestDb, TestGateway};

/// The run's budget: schemathesis is killed after it.
const RUN_TIMEOUT: Duration = Duration::from_secs(90);

/// A gateway with the SVO status routes. The test plugins' route (and sender B, who may send only that) is left
/// out: its actions are made to fail (`panic`, `loop`, `validate` with a wrong namespace), and their 5xx answers,
/// which schemathesis counts as failures, are by design.
async fn gateway(db: &TestDb, sim: &Sim) -> TestGateway {
    let mut config = TestConfig::new(db.url())
        .with_svo(&sim.url(), "5m")
        .config();
    config
        .routes
        .retain(|r| r.message_type != gateway_e2e::test_request_type());
    config.senders.retain(|s| s.mnemonic != "B");
    TestGateway::start_config(config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_served_without_credentials_and_names_every_route() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let sim = Sim::start().await;
    let gw = gateway(&db, &sim).await;
    let r = Client::new()
        .get(&gw.url("/api/v1/openapi.json"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let branches = doc["components"]["schemas"]["MessageCall"]["oneOf"]
        .as_array()
        .expect("one envelope per routed type");
    let types: Vec<&str> = branches
        .iter()
        .filter_map(|b| b["properties"]["type"]["const"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "{urn://gateway/svo-status/1.0}IssueQrRequest",
            "{urn://gateway/svo-status/1.0}VerifyQrRequest"
        ]
    );
    assert_eq!(
        branches[0]["properties"]["payload"]["$ref"],
        "#/components/schemas/gateway.svo-status.1.0.IssueQrRequest"
    );
    assert!(doc["components"]["schemas"]["gateway.svo-status.1.0.IssueQrRequest"]["properties"]["snils"].is_object());
    // What schemathesis found: another method on a path of the API is 405 with `Allow`; a call given as an
    // array of its fields (which serde would read) is refused.
    let r = Client::new()
        .get(&gw.url("/api/v1/messages"), Some(TOKEN_A))
        .await;
    assert_eq!(
        (r.status, r.header("allow").as_deref()),
        (405, Some("POST"))
    );
    let r = Client::new()
        .post(
            &gw.url("/api/v1/find"),
            "application/json",
            "[null, null]",
            Some(TOKEN_A),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    gw.stop().await;
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_failure() {
    let db = TestDb::fresh(Backend::Sqlite).await;
    let sim = Sim::start().await;
    let gw = gateway(&db, &sim).await;
    let work = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(python());
    command
        .current_dir(work.path())
        .args(["-m", "schemathesis.cli", "run"])
        .arg(gw.url("/api/v1/openapi.json"))
        .args(["--url", &gw.url("")])
        .args(["-H", &format!("Authorization: Bearer {TOKEN_A}")])
        // Every check but `positive_data_acceptance`: a payload valid by its JSON Schema is still refused (400)
        // when an identifier's check number is wrong (СНИЛС, ОГРН), which JSON Schema cannot say.
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            "20",
            "--seed",
            "20250301",
            "--generation-database",
            "none",
            "--request-timeout",
            "10",
            "--workers",
            "1",
            "--no-color",
        ])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (status, output) = tokio::task::spawn_blocking(move || run_bounded(command, RUN_TIMEOUT))
        .await
        .expect("runner");
    assert!(
        status == Some(0),
        "schemathesis failed ({status:?}):\n{output}"
    );
    gw.stop().await;
    sim.stop().await;
}

/// Runs `command` for at most `timeout`: its exit code (`None` when killed) and its output.
fn run_bounded(mut command: Command, timeout: Duration) -> (Option<i32>, String) {
    let mut child = command
        .spawn()
        .expect("python runs (cargo xtask setup installs schemathesis in target/pyenv)");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = (
        std::thread::spawn(move || std::io::read_to_string(&mut out).unwrap_or_default()),
        std::thread::spawn(move || std::io::read_to_string(&mut err).unwrap_or_default()),
    );
    let started = Instant::now();
    let code = loop {
        match child.try_wait().expect("wait") {
            Some(status) => break status.code(),
            None if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let output = format!(
        "{}\n{}",
        readers.0.join().unwrap_or_default(),
        readers.1.join().unwrap_or_default()
    );
    (code, output)
}
