//! Helpers shared by this crate's integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use gateway_adapter_host::testing;
use gateway_adapter_host::{AdapterSpec, Adapters, BreakerConfig};

/// The built test adapter (`libtest_adapter.so`).
pub fn test_adapter() -> PathBuf {
    testing::library(testing::TEST_ADAPTER)
        .unwrap_or_else(|e| panic!("test adapter unavailable: {e}"))
}

/// The built MoD showcase adapter (`libmod_showcase_adapter.so`).
pub fn mod_showcase_adapter() -> PathBuf {
    testing::library(testing::MOD_SHOWCASE_ADAPTER)
        .unwrap_or_else(|e| panic!("showcase adapter unavailable: {e}"))
}

/// A spec with test-friendly limits: 2 s timeout, no retries, 4 threads, queue 8, breaker off.
pub fn spec(name: &str, path: &Path, config: serde_json::Value) -> AdapterSpec {
    AdapterSpec {
        timeout: Duration::from_secs(2),
        retries: 0,
        retry_backoff: Duration::from_millis(10),
        threads: 4,
        queue: 8,
        breaker: BreakerConfig {
            failure_threshold: 0,
            open_for: Duration::from_secs(1),
        },
        ..AdapterSpec::new(name, path, config)
    }
}

/// Loads one adapter from `spec`.
pub fn load_one(spec: AdapterSpec) -> Adapters {
    Adapters::load(vec![spec]).unwrap_or_else(|e| panic!("adapter loads: {e}"))
}

/// A test adapter instance of its own, with `edit` applied to the spec.
pub fn test_adapter_with(edit: impl FnOnce(&mut AdapterSpec)) -> Adapters {
    let mut s = spec("t", &test_adapter(), serde_json::Value::Null);
    edit(&mut s);
    load_one(s)
}

/// Output bytes as JSON.
pub fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|e| panic!("JSON output ({e}): {}", String::from_utf8_lossy(bytes)))
}

/// How many calls the test adapter instance `t` has received (this `count` call included).
pub async fn calls(adapters: &Adapters) -> u64 {
    let out = adapters
        .call("t", "count", Vec::new())
        .await
        .expect("count works");
    json(&out)["calls"].as_u64().expect("calls number")
}

/// Compiles `source` (Rust) into a `cdylib` named `lib<stem>.so` in `dir` with plain `rustc`: a stand-in for
/// a foreign or outdated adapter library.
pub fn fake_library(dir: &Path, stem: &str, source: &str) -> PathBuf {
    let src = dir.join(format!("{stem}.rs"));
    std::fs::write(&src, source).expect("write source");
    let out = dir.join(testing::library_file_name(stem));
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--edition", "2024", "--crate-type", "cdylib", "-o"])
        .arg(&out)
        .arg(&src)
        .output()
        .expect("run rustc");
    assert!(
        output.status.success(),
        "rustc failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Waits until `check` holds, polling every 5 ms for at most 5 s.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
