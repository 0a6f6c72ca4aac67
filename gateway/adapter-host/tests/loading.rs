//! Loading adapters: what is accepted, and what is refused with which message.

mod support;

use std::time::Duration;

use gateway_adapter_host::testing;
use gateway_adapter_host::{Adapters, BreakerState, LoadError};
use serde_json::json;
use support::{fake_library, spec, test_adapter};

#[test]
fn a_good_library_loads_and_reports_itself() {
    let mut second = spec("second", &test_adapter(), json!({"flaky_failures": 1}));
    second.timeout = Duration::from_millis(800);
    second.retries = 2;
    second.retry_backoff = Duration::from_millis(100);
    let adapters =
        Adapters::load(vec![spec("first", &test_adapter(), json!(null)), second]).expect("loads");
    assert_eq!(
        adapters.names(),
        vec!["first".to_owned(), "second".to_owned()]
    );

    let info = adapters.info("first").expect("info");
    assert_eq!(info.name, "first");
    assert_eq!(info.library_name, "test-adapter");
    assert_eq!(
        info.library_version,
        env!("CARGO_PKG_VERSION"),
        "workspace version"
    );
    assert!(info.path.is_absolute());
    assert_eq!(info.breaker, BreakerState::Closed);
    assert_eq!(
        (info.threads, info.queue, info.running, info.queued),
        (4, 8, 0, 0)
    );
    assert_eq!(info.counters.calls, 0);

    assert!(adapters.info("third").is_none());
    // 3 × 800 ms + 100 ms + 200 ms
    assert_eq!(
        adapters.worst_case("second"),
        Some(Duration::from_millis(2_700))
    );
    assert_eq!(adapters.worst_case("third"), None);
}

#[test]
fn a_relative_path_is_taken_from_the_current_directory() {
    let absolute = test_adapter();
    let cwd = std::env::current_dir().expect("cwd");
    let relative = pathdiff(&absolute, &cwd);
    let adapters =
        Adapters::load(vec![spec("rel", &relative, json!(null))]).expect("loads by relative path");
    assert_eq!(
        adapters.info("rel").expect("info").library_name,
        "test-adapter"
    );
}

/// `target` relative to `base` (both absolute), with `..` as needed.
fn pathdiff(target: &std::path::Path, base: &std::path::Path) -> std::path::PathBuf {
    let target: Vec<_> = target.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for part in &target[common..] {
        out.push(part);
    }
    out
}

#[test]
fn a_file_that_is_not_a_library_is_refused_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("libnotes.so");
    std::fs::write(&path, "these are notes, not machine code\n").expect("write");
    let err = Adapters::load(vec![spec("notes", &path, json!(null))]).expect_err("refused");
    assert!(matches!(err, LoadError::Open { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("libnotes.so") && text.contains("shared library"),
        "{text}"
    );
    // The loader's own reason is included, not just "dlopen failed".
    assert!(text.contains("dlopen failed: "), "{text}");

    let missing = dir.path().join("libabsent.so");
    let err = Adapters::load(vec![spec("absent", &missing, json!(null))]).expect_err("refused");
    assert!(err.to_string().contains("No such file"), "{err}");
}

#[test]
fn a_library_without_the_abi_symbols_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = fake_library(
        dir.path(),
        "plain",
        r#"#[unsafe(no_mangle)] pub extern "C" fn plain_function() -> u32 { 7 }"#,
    );
    let err = Adapters::load(vec![spec("plain", &path, json!(null))]).expect_err("refused");
    match &err {
        LoadError::MissingSymbol { symbol, .. } => {
            assert_eq!(symbol, "gateway_adapter_abi_version")
        }
        other => panic!("unexpected: {other:?}"),
    }
    assert!(err.to_string().contains("not a gateway adapter"), "{err}");
}

#[test]
fn a_library_of_another_abi_version_is_refused_before_anything_else() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Version 2 with no descriptor at all: the version check must come first.
    let path = fake_library(
        dir.path(),
        "future",
        r#"#[unsafe(no_mangle)] pub extern "C" fn gateway_adapter_abi_version() -> u32 { 2 }"#,
    );
    let err = Adapters::load(vec![spec("future", &path, json!(null))]).expect_err("refused");
    match &err {
        LoadError::AbiVersion {
            found, expected, ..
        } => assert_eq!((*found, *expected), (2, 1)),
        other => panic!("unexpected: {other:?}"),
    }
    assert!(err.to_string().contains("rebuild"), "{err}");
}

#[test]
fn a_version_one_library_without_a_descriptor_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = fake_library(
        dir.path(),
        "half",
        r#"#[unsafe(no_mangle)] pub extern "C" fn gateway_adapter_abi_version() -> u32 { 1 }
           #[unsafe(no_mangle)] pub extern "C" fn gateway_adapter_v1() -> *const u8 { std::ptr::null() }"#,
    );
    let err = Adapters::load(vec![spec("half", &path, json!(null))]).expect_err("refused");
    assert!(matches!(err, LoadError::Descriptor { .. }), "{err:?}");
}

/// The honest check: the test adapter really built with `panic = "abort"` (a second Cargo build with
/// `--config profile.dev.panic="abort"`), whose descriptor therefore says `panic_unwind = 0`.
#[test]
fn a_panic_abort_build_is_refused() {
    let path =
        testing::panic_abort_test_adapter().unwrap_or_else(|e| panic!("panic=abort build: {e}"));
    let err = Adapters::load(vec![spec("aborting", &path, json!(null))]).expect_err("refused");
    match &err {
        LoadError::PanicAbort { name, .. } => assert_eq!(name, "aborting"),
        other => panic!("unexpected: {other:?}"),
    }
    assert!(err.to_string().contains("panic = \"unwind\""), "{err}");
}

#[test]
fn init_errors_carry_the_adapters_message() {
    let err = Adapters::load(vec![spec(
        "bad",
        &test_adapter(),
        json!({"flakey_failures": 1}),
    )])
    .expect_err("refused");
    match &err {
        LoadError::Init { name, message } => {
            assert_eq!(name, "bad");
            assert!(
                message.contains("invalid") && message.contains("unknown field"),
                "{message}"
            );
        }
        other => panic!("unexpected: {other:?}"),
    }
}

#[test]
fn duplicate_names_and_bad_limits_are_refused_before_loading() {
    let path = test_adapter();
    let err = Adapters::load(vec![
        spec("same", &path, json!(null)),
        spec("same", &path, json!(null)),
    ])
    .expect_err("refused");
    assert!(
        matches!(&err, LoadError::Duplicate(name) if name == "same"),
        "{err:?}"
    );

    let mut zero_threads = spec("idle", std::path::Path::new("/nonexistent.so"), json!(null));
    zero_threads.threads = 0;
    let err = Adapters::load(vec![zero_threads]).expect_err("refused");
    assert!(
        matches!(err, LoadError::InvalidSpec { .. }),
        "checked before opening the file: {err:?}"
    );
}
