//! Calling adapters: results, error mapping, panics, timeouts, retries, the breaker and the queue.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_adapter_host::{BreakerConfig, BreakerState, CallError};
use serde_json::json;
use support::{calls, eventually, json, test_adapter_with};

fn error_input(kind: &str, message: &str) -> Vec<u8> {
    json!({ "kind": kind, "message": message })
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn an_ok_call_returns_the_output() {
    let adapters = test_adapter_with(|_| {});
    let out = adapters
        .call("t", "echo", b"\x00binary\xff".to_vec())
        .await
        .expect("ok");
    assert_eq!(out, b"\x00binary\xff");
    let c = adapters.info("t").expect("info").counters;
    assert_eq!((c.calls, c.attempts, c.succeeded), (1, 1, 1));
}

#[tokio::test]
async fn an_answer_over_max_answer_fails_the_call() {
    let adapters = test_adapter_with(|s| s.max_answer = 1024);
    let out = adapters.call("t", "echo", vec![7; 1024]).await.expect("ok");
    assert_eq!(out.len(), 1024, "an answer of exactly the limit passes");
    match adapters.call("t", "echo", vec![7; 1025]).await {
        Err(CallError::Failed(message)) => {
            assert!(message.contains("max_answer"), "{message}")
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    // The adapter goes on serving.
    assert!(adapters.call("t", "echo", b"x".to_vec()).await.is_ok());
}

#[tokio::test]
async fn an_unknown_adapter_is_an_error() {
    let adapters = test_adapter_with(|_| {});
    assert_eq!(
        adapters.call("nope", "echo", vec![]).await,
        Err(CallError::UnknownAdapter("nope".into()))
    );
}

#[tokio::test]
async fn error_kinds_map_to_call_errors() {
    let adapters = test_adapter_with(|_| {});
    let call = |kind: &'static str| adapters.call("t", "error", error_input(kind, "why"));
    assert_eq!(
        call("unavailable").await,
        Err(CallError::Unavailable("why".into()))
    );
    assert_eq!(call("invalid").await, Err(CallError::Invalid("why".into())));
    assert_eq!(call("failed").await, Err(CallError::Failed("why".into())));
    assert!(matches!(call("timeout").await, Err(CallError::Timeout(_))));
    // The adapter's own refusal of an unknown operation.
    assert!(
        matches!(adapters.call("t", "dance", vec![]).await, Err(CallError::Invalid(m)) if m.contains("dance"))
    );
    let c = adapters.info("t").expect("info").counters;
    assert_eq!(
        (c.unavailable, c.invalid, c.failed, c.timeouts),
        (1, 2, 1, 1)
    );
}

#[tokio::test]
async fn a_panic_becomes_panicked_and_the_adapter_stays_usable() {
    let adapters = test_adapter_with(|_| {});
    match adapters.call("t", "panic", b"boom".to_vec()).await {
        // The message and the place, reported by the library rather than printed by it.
        Err(CallError::Panicked(message)) => assert!(
            message.starts_with("test adapter panic: boom (at adapters/testing/src/lib.rs:"),
            "{message}"
        ),
        other => panic!("unexpected: {other:?}"),
    }
    assert_eq!(
        adapters
            .call("t", "echo", b"after".to_vec())
            .await
            .expect("still works"),
        b"after"
    );
    assert_eq!(calls(&adapters).await, 3);
    assert_eq!(adapters.info("t").expect("info").counters.panicked, 1);
}

#[tokio::test]
async fn a_hung_call_times_out_at_the_timeout() {
    let timeout = Duration::from_millis(300);
    let adapters = test_adapter_with(|s| s.timeout = timeout);
    let started = Instant::now();
    let result = adapters
        .call("t", "sleep", br#"{"ms": 3000}"#.to_vec())
        .await;
    let elapsed = started.elapsed();
    assert_eq!(result, Err(CallError::Timeout(timeout)));
    assert!(elapsed >= timeout, "{elapsed:?}");
    assert!(
        elapsed < timeout + Duration::from_millis(700),
        "the caller returns at the timeout: {elapsed:?}"
    );
    // The native call still occupies its thread (it cannot be killed) ...
    assert_eq!(adapters.info("t").expect("info").running, 1);
    // ... while the other threads keep serving.
    assert_eq!(
        adapters.call("t", "echo", b"x".to_vec()).await.expect("ok"),
        b"x"
    );
}

#[tokio::test]
async fn a_call_whose_caller_gave_up_in_the_queue_is_skipped() {
    let adapters = test_adapter_with(|s| {
        s.threads = 1;
        s.timeout = Duration::from_millis(200);
    });
    let blocker = adapters.call("t", "sleep", br#"{"ms": 600}"#.to_vec());
    let queued = adapters.call("t", "echo", b"late".to_vec());
    let (blocker, queued) = tokio::join!(blocker, queued);
    assert!(matches!(blocker, Err(CallError::Timeout(_))));
    assert!(
        matches!(queued, Err(CallError::Timeout(_))),
        "timed out while queued"
    );
    eventually("the pool is idle", || {
        let info = adapters.info("t").expect("info");
        info.running == 0 && info.queued == 0
    })
    .await;
    // `sleep` and this `count` reached the adapter; the abandoned `echo` never did.
    assert_eq!(calls(&adapters).await, 2);
}

#[tokio::test]
async fn retryable_errors_are_retried_and_others_are_not() {
    let adapters = test_adapter_with(|s| {
        s.retries = 2;
        s.retry_backoff = Duration::from_millis(10);
    });
    assert_eq!(
        adapters
            .call("t", "error", error_input("unavailable", "down"))
            .await,
        Err(CallError::Unavailable("down".into()))
    );
    assert_eq!(calls(&adapters).await, 4, "three attempts, then this count");
    assert!(matches!(
        adapters
            .call("t", "error", error_input("timeout", "slow"))
            .await,
        Err(CallError::Timeout(_))
    ));
    assert_eq!(calls(&adapters).await, 8, "three more attempts");

    for kind in ["invalid", "failed"] {
        assert!(
            adapters
                .call("t", "error", error_input(kind, "no"))
                .await
                .is_err()
        );
    }
    assert!(matches!(
        adapters.call("t", "panic", vec![]).await,
        Err(CallError::Panicked(_))
    ));
    assert_eq!(
        calls(&adapters).await,
        12,
        "one attempt each for invalid, failed and panic"
    );
    let c = adapters.info("t").expect("info").counters;
    assert_eq!(c.retries, 4);
}

#[tokio::test]
async fn a_host_timeout_is_retried() {
    let adapters = test_adapter_with(|s| {
        s.retries = 1;
        s.timeout = Duration::from_millis(150);
    });
    let started = Instant::now();
    assert!(matches!(
        adapters
            .call("t", "sleep", br#"{"ms": 400}"#.to_vec())
            .await,
        Err(CallError::Timeout(_))
    ));
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "two attempts of 150 ms"
    );
    assert_eq!(
        calls(&adapters).await,
        3,
        "both attempts reached the adapter"
    );
}

#[tokio::test]
async fn a_flaky_registry_succeeds_within_the_retries() {
    let adapters = test_adapter_with(|s| {
        s.config = json!({"flaky_failures": 2});
        s.retries = 2;
        s.retry_backoff = Duration::from_millis(5);
    });
    let out = adapters
        .call("t", "flaky", vec![])
        .await
        .expect("third attempt succeeds");
    assert_eq!(json(&out), json!({"attempt": 3}));
    let c = adapters.info("t").expect("info").counters;
    assert_eq!(
        (c.calls, c.attempts, c.retries, c.unavailable, c.succeeded),
        (1, 3, 2, 2, 1)
    );
}

#[tokio::test]
async fn the_breaker_opens_then_recovers_through_a_trial() {
    let open_for = Duration::from_millis(300);
    let adapters = test_adapter_with(|s| {
        s.breaker = BreakerConfig {
            failure_threshold: 2,
            open_for,
        }
    });
    for _ in 0..2 {
        assert!(matches!(
            adapters
                .call("t", "error", error_input("unavailable", "down"))
                .await,
            Err(CallError::Unavailable(_))
        ));
    }
    assert_eq!(
        adapters.info("t").expect("info").breaker,
        BreakerState::Open
    );
    let started = Instant::now();
    assert_eq!(
        adapters.call("t", "echo", b"x".to_vec()).await,
        Err(CallError::CircuitOpen)
    );
    assert!(started.elapsed() < Duration::from_millis(50), "fails fast");

    tokio::time::sleep(open_for + Duration::from_millis(50)).await;
    assert_eq!(
        adapters.info("t").expect("info").breaker,
        BreakerState::HalfOpen
    );
    assert_eq!(
        adapters
            .call("t", "echo", b"trial".to_vec())
            .await
            .expect("trial succeeds"),
        b"trial"
    );
    assert_eq!(
        adapters.info("t").expect("info").breaker,
        BreakerState::Closed
    );
    // Two failures, the trial and this count reached the adapter; the fast failure did not.
    assert_eq!(calls(&adapters).await, 4);
    assert_eq!(adapters.info("t").expect("info").counters.circuit_open, 1);
}

#[tokio::test]
async fn a_failed_trial_reopens_the_circuit() {
    let open_for = Duration::from_millis(200);
    let adapters = test_adapter_with(|s| {
        s.breaker = BreakerConfig {
            failure_threshold: 1,
            open_for,
        }
    });
    let fail = || adapters.call("t", "error", error_input("unavailable", "down"));
    assert!(matches!(fail().await, Err(CallError::Unavailable(_))));
    assert_eq!(fail().await, Err(CallError::CircuitOpen));
    tokio::time::sleep(open_for + Duration::from_millis(50)).await;
    assert!(
        matches!(fail().await, Err(CallError::Unavailable(_))),
        "the trial reached the adapter"
    );
    assert_eq!(
        adapters.call("t", "echo", vec![]).await,
        Err(CallError::CircuitOpen),
        "open again"
    );
}

#[tokio::test]
async fn timeouts_count_towards_the_breaker() {
    let adapters = test_adapter_with(|s| {
        s.timeout = Duration::from_millis(100);
        s.breaker = BreakerConfig {
            failure_threshold: 1,
            open_for: Duration::from_secs(60),
        };
    });
    assert!(matches!(
        adapters
            .call("t", "sleep", br#"{"ms": 500}"#.to_vec())
            .await,
        Err(CallError::Timeout(_))
    ));
    assert_eq!(
        adapters.call("t", "echo", vec![]).await,
        Err(CallError::CircuitOpen)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_busy_at_once() {
    let adapters = Arc::new(test_adapter_with(|s| {
        s.threads = 1;
        s.queue = 1;
        s.timeout = Duration::from_secs(5);
    }));
    let running = tokio::spawn({
        let adapters = Arc::clone(&adapters);
        async move {
            adapters
                .call("t", "sleep", br#"{"ms": 500}"#.to_vec())
                .await
        }
    });
    eventually("the first call runs", || {
        adapters.info("t").is_some_and(|i| i.running == 1)
    })
    .await;
    let waiting = tokio::spawn({
        let adapters = Arc::clone(&adapters);
        async move { adapters.call("t", "echo", b"queued".to_vec()).await }
    });
    eventually("the second call waits", || {
        adapters.info("t").is_some_and(|i| i.queued == 1)
    })
    .await;

    let started = Instant::now();
    match adapters.call("t", "echo", b"third".to_vec()).await {
        Err(CallError::Unavailable(message)) => assert!(message.contains("busy"), "{message}"),
        other => panic!("unexpected: {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "refused at once"
    );
    assert!(CallError::Unavailable("busy".into()).is_retryable());

    assert!(running.await.expect("joined").is_ok());
    assert_eq!(
        waiting
            .await
            .expect("joined")
            .expect("served after the first"),
        b"queued"
    );
    assert_eq!(adapters.info("t").expect("info").counters.busy, 1);
}
