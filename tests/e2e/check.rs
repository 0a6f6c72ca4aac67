//! `gateway check`: explains a config and refuses one whose adapter cannot fit a route's deadline.

use std::process::Command;

use gateway_e2e::artifacts::gateway_bin;
use gateway_e2e::{Backend, Sim, TestConfig, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_explains_and_refuses_adapters_slower_than_their_routes() {
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let good = TestConfig::new(db.url()).with_svo(&sim.url(), "5m");
    let (ok, text) = good.check();
    assert!(ok, "{text}");
    for expected in [
        "route {urn://gateway/svo-status/1.0}IssueQrRequest → svo-status",
        "adapter mod-showcase: worst case",
        "store: reachable",
        "check: ok",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    // 400 ms × 2 attempts + backoff cannot fit a 300 ms deadline.
    let slow = TestConfig::new(db.url())
        .with_svo(&sim.url(), "5m")
        .with("")
        .render()
        .replace("deadline = \"2s\"", "deadline = \"300ms\"");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    std::fs::write(&file, slow).unwrap();
    let out = Command::new(gateway_bin())
        .args(["check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        text.contains("adapter `mod-showcase` (used by `svo-status`) may take"),
        "{text}"
    );
}
