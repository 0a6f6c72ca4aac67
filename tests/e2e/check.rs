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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_passwords_never_appear_in_messages() {
    const SECRET: &str = "TopSecretPassword";
    // An unreachable PostgreSQL with a password: `gateway check` names the store, not the password.
    let unreachable = TestConfig::new(format!("postgres://gw:{SECRET}@127.0.0.1:1/gw")).render();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    std::fs::write(&file, &unreachable).unwrap();
    for command in ["check", "serve"] {
        let out = Command::new(gateway_bin())
            .args([command, "--config"])
            .arg(&file)
            .output()
            .expect("gateway runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{command}: {text}");
        assert!(
            !text.contains(SECRET),
            "{command} shows the password:\n{text}"
        );
    }
    let (_, text) = TestConfig::new(format!("postgres://gw:{SECRET}@127.0.0.1:1/gw")).check();
    assert!(!text.contains(SECRET), "{text}");
    // A config error quoting the URL masks it too.
    let wrong = TestConfig::new(format!("mysql://gw:{SECRET}@db/gw")).render();
    std::fs::write(&file, wrong).unwrap();
    let out = Command::new(gateway_bin())
        .args(["check", "--config"])
        .arg(&file)
        .output()
        .expect("gateway runs");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(text.contains("mysql://gw:***@db/gw"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

/// A typo in a plugin's own config (issue 12, item 5) is found by `gateway check`, which loads the plugins as
/// `serve` does: the plugin checks its table in `describe`, so the mistake never waits for the first request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_names_a_typo_in_a_plugins_config() {
    let sim = Sim::start().await;
    let db = TestDb::fresh(Backend::Sqlite).await;
    let typo = TestConfig::new(db.url())
        .with_svo(&sim.url(), "5m")
        .render()
        .replace("qr_ttl = ", "qr_tll = ");
    assert!(typo.contains("qr_tll"), "the svo-status config sets qr_ttl");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.toml");
    std::fs::write(&file, typo).unwrap();
    let out = Command::new(gateway_bin())
        .args(["check", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("invalid plugin config of svo-status") && text.contains("qr_tll"),
        "{text}"
    );
}
