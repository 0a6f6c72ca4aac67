//! An adapter for the test suite that fails on request: errors, panics, sleeps.
//!
//! Built as `libtest_adapter.so` and loaded by the gateway's adapter host in tests, it exercises every path
//! of the ABI. All state (counters) belongs to one loaded instance, so several instances of the same library
//! in one process do not disturb each other.
//!
//! Configuration (JSON object, unknown fields refused, `null` allowed):
//! - `flaky_failures` (integer, default 0): how many `flaky` calls fail with `unavailable` before they
//!   succeed.
//!
//! Operations:
//!
//! | operation | input | result |
//! |---|---|---|
//! | `echo` | any bytes | the input |
//! | `error` | `{"kind": "...", "message": "..."}` | that error |
//! | `panic` | text | panics with `test adapter panic: <text>` |
//! | `sleep` | `{"ms": N}` | sleeps N ms, then `{"slept_ms": N}` |
//! | `count` | ignored | `{"calls": N}`: calls this instance received, this one included |
//! | `flaky` | ignored | `unavailable` for the first `flaky_failures` calls, then `{"attempt": N}` |
//!
//! Any other operation answers `invalid`.
//!
//! # Layout
//! One file: [`Config`], [`TestAdapter`] and its operations.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use gateway_adapter_abi::{Adapter, AdapterError, ErrorKind, serde_json};
use serde::Deserialize;

/// The test adapter's configuration.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How many `flaky` calls fail with `unavailable` before they start succeeding.
    #[serde(default)]
    pub flaky_failures: u64,
}

/// The test adapter: counters and the configured flakiness.
#[derive(Debug)]
pub struct TestAdapter {
    config: Config,
    calls: AtomicU64,
    flaky_calls: AtomicU64,
}

/// Input of the `error` operation.
#[derive(Deserialize)]
struct ErrorInput {
    kind: String,
    message: String,
}

/// Input of the `sleep` operation.
#[derive(Deserialize)]
struct SleepInput {
    ms: u64,
}

impl Adapter for TestAdapter {
    const NAME: &'static str = "test-adapter";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        let config = if config.is_null() {
            Config::default()
        } else {
            serde_json::from_value(config)
                .map_err(|e| AdapterError::invalid(format!("test adapter config: {e}")))?
        };
        Ok(TestAdapter {
            config,
            calls: AtomicU64::new(0),
            flaky_calls: AtomicU64::new(0),
        })
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        let calls = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        match operation {
            "echo" => Ok(input.to_vec()),
            "error" => Err(requested_error(input)),
            "panic" => panic!("test adapter panic: {}", String::from_utf8_lossy(input)),
            "sleep" => {
                let SleepInput { ms } = parse(input)?;
                std::thread::sleep(Duration::from_millis(ms));
                Ok(serde_json::json!({ "slept_ms": ms })
                    .to_string()
                    .into_bytes())
            }
            "count" => Ok(serde_json::json!({ "calls": calls })
                .to_string()
                .into_bytes()),
            "flaky" => {
                let attempt = self.flaky_calls.fetch_add(1, Ordering::SeqCst) + 1;
                if attempt <= self.config.flaky_failures {
                    Err(AdapterError::unavailable(format!(
                        "flaky failure {attempt} of {}",
                        self.config.flaky_failures
                    )))
                } else {
                    Ok(serde_json::json!({ "attempt": attempt })
                        .to_string()
                        .into_bytes())
                }
            }
            other => Err(AdapterError::invalid(format!(
                "unknown operation `{other}`"
            ))),
        }
    }
}

/// The error the `error` operation was asked for; a malformed request is itself `invalid`.
fn requested_error(input: &[u8]) -> AdapterError {
    match parse::<ErrorInput>(input) {
        Ok(ErrorInput { kind, message }) => match ErrorKind::from_wire(&kind) {
            Some(kind) => AdapterError::new(kind, message),
            None => AdapterError::invalid(format!("unknown error kind `{kind}`")),
        },
        Err(error) => error,
    }
}

fn parse<'a, T: Deserialize<'a>>(input: &'a [u8]) -> Result<T, AdapterError> {
    serde_json::from_slice(input).map_err(|e| AdapterError::invalid(format!("bad input: {e}")))
}

gateway_adapter_abi::export_adapter!(TestAdapter);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn adapter(config: serde_json::Value) -> TestAdapter {
        TestAdapter::init(config).expect("valid config")
    }

    fn json_out(bytes: Vec<u8>) -> serde_json::Value {
        serde_json::from_slice(&bytes).expect("JSON output")
    }

    #[test]
    fn echo_returns_input() {
        assert_eq!(
            adapter(json!(null)).call("echo", b"\x00abc").expect("ok"),
            b"\x00abc"
        );
    }

    #[test]
    fn error_returns_requested_kind_or_invalid() {
        let a = adapter(json!({}));
        let err = a
            .call("error", br#"{"kind": "timeout", "message": "slow"}"#)
            .expect_err("error");
        assert_eq!(err, AdapterError::timeout("slow"));
        let err = a
            .call("error", br#"{"kind": "weird", "message": "x"}"#)
            .expect_err("error");
        assert_eq!(err.kind, ErrorKind::Invalid);
        let err = a.call("error", b"nope").expect_err("error");
        assert_eq!(err.kind, ErrorKind::Invalid);
    }

    #[test]
    fn count_includes_every_operation_and_itself() {
        let a = adapter(json!(null));
        let _ = a.call("echo", b"");
        let _ = a.call("nonsense", b"");
        assert_eq!(
            json_out(a.call("count", b"").expect("ok")),
            json!({"calls": 3})
        );
    }

    #[test]
    fn flaky_fails_the_configured_number_of_times() {
        let a = adapter(json!({"flaky_failures": 2}));
        assert_eq!(
            a.call("flaky", b"").expect_err("1st").kind,
            ErrorKind::Unavailable
        );
        assert_eq!(
            a.call("flaky", b"").expect_err("2nd").kind,
            ErrorKind::Unavailable
        );
        assert_eq!(
            json_out(a.call("flaky", b"").expect("3rd")),
            json!({"attempt": 3})
        );
    }

    #[test]
    fn sleep_waits_at_least_the_asked_time() {
        let started = std::time::Instant::now();
        let out = adapter(json!(null))
            .call("sleep", br#"{"ms": 30}"#)
            .expect("ok");
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert_eq!(json_out(out), json!({"slept_ms": 30}));
    }

    #[test]
    fn unknown_config_fields_are_refused() {
        let err = TestAdapter::init(json!({"flaky": 1})).expect_err("refused");
        assert_eq!(err.kind, ErrorKind::Invalid);
        assert!(err.message.contains("unknown field"), "{}", err.message);
    }

    #[test]
    fn panic_operation_panics() {
        let a = adapter(json!(null));
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.call("panic", b"now")));
        assert!(caught.is_err());
    }
}
