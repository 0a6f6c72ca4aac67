//! Misbehaving plugins are stopped with the right cause, and the host goes on serving: endless loops at the
//! deadline, endless allocation at the memory cap, panics as traps, slow host calls at the deadline, a full
//! pool as busy; many invocations at once.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    DEADLINE, FakeServices, host_with, host_with_plugins, json_reply, json_request, test_config,
};
use futures::future::join_all;
use gateway_host::testing::{TEST_DOC, TEST_DOC_WASI, plugin_path};
use gateway_host::{InvokeError, PluginHost, PluginSpec, PoolUsage};
use serde_json::json;

/// Slack for scheduling and debug-build slowness when checking how long a stopped call took.
const SLACK: Duration = Duration::from_millis(1500);

async fn echo_works(host: &PluginHost) {
    let echo = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "echo", "text": "still here"})),
            DEADLINE,
        )
        .await;
    assert_eq!(
        json_reply(&echo.expect("the host goes on serving").outcome)["text"],
        "still here"
    );
}

#[tokio::test]
async fn an_endless_loop_is_stopped_at_its_deadline() {
    let (host, _) = host_with_plugins().await;
    let deadline = Duration::from_millis(300);
    let started = Instant::now();
    let result = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "loop"})),
            deadline,
        )
        .await;
    let took = started.elapsed();
    assert_eq!(result, Err(InvokeError::DeadlineExceeded(deadline)));
    assert!(took >= deadline, "stopped early: {took:?}");
    assert!(took < deadline + SLACK, "stopped late: {took:?}");
    echo_works(&host).await;
}

#[tokio::test]
async fn a_loop_does_not_hold_the_executor() {
    // On a single-threaded runtime a looping plugin must still let other tasks run (it yields every tick).
    let (host, _) = host_with_plugins().await;
    let looping = {
        let host = Arc::clone(&host);
        tokio::spawn(async move {
            host.invoke(
                "test-doc",
                json_request(json!({"action": "loop"})),
                Duration::from_secs(2),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    echo_works(&host).await;
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "the echo waited for the loop: {:?}",
        started.elapsed()
    );
    let looped = looping.await.expect("task");
    assert!(
        matches!(looped, Err(InvokeError::DeadlineExceeded(_))),
        "{looped:?}"
    );
}

/// The builds of test-doc: without WASI, as the bundled plugins are, and for `wasm32-wasip2`, as a plugin from
/// elsewhere may be. Both run under the same limits; the panic message comes through `log` or stderr.
const BUILDS: [&str; 2] = [TEST_DOC, TEST_DOC_WASI];

/// A host with test-doc's `build` loaded as `test-doc` with a memory cap of `cap` bytes.
async fn host_of(build: &str, cap: u64) -> PluginHost {
    let host = PluginHost::new(&test_config(8), Arc::new(FakeServices::default())).expect("host");
    host.load(PluginSpec::new("test-doc", plugin_path(build)).with_memory_limit(cap))
        .await
        .unwrap_or_else(|e| panic!("{build} loads: {e}"));
    host
}

#[tokio::test]
async fn endless_allocation_is_stopped_at_the_memory_cap() {
    let cap = 16 << 20;
    for build in BUILDS {
        let host = host_of(build, cap).await;
        let result = host
            .invoke(
                "test-doc",
                json_request(json!({"action": "alloc"})),
                DEADLINE,
            )
            .await;
        assert_eq!(
            result,
            Err(InvokeError::MemoryExhausted { limit: cap }),
            "{build}"
        );
        echo_works(&host).await;
    }
}

#[tokio::test]
async fn a_panic_is_a_trap_with_its_message() {
    for build in BUILDS {
        let host = host_of(build, 16 << 20).await;
        let result = host
            .invoke(
                "test-doc",
                json_request(json!({"action": "panic", "text": "boom"})),
                DEADLINE,
            )
            .await;
        match result {
            Err(InvokeError::Trap { message }) => {
                assert!(
                    message.contains("test-doc panic: boom"),
                    "{build}: {message}"
                );
                assert!(message.contains("panicked at"), "{build}: {message}");
                assert!(
                    message.contains("unreachable"),
                    "{build}: the trap itself is named: {message}"
                );
            }
            other => panic!("{build}: expected a trap, got {other:?}"),
        }
        echo_works(&host).await;
    }
}

#[tokio::test]
async fn a_host_call_slower_than_the_deadline_ends_the_invocation() {
    let (host, _) = host_with_plugins().await;
    let deadline = Duration::from_millis(300);
    let request =
        json_request(json!({"action": "adapter", "adapter": "slow", "operation": "find"}));
    let started = Instant::now();
    let result = host.invoke("test-doc", request, deadline).await;
    let took = started.elapsed();
    assert_eq!(result, Err(InvokeError::DeadlineExceeded(deadline)));
    assert!(took >= deadline && took < deadline + SLACK, "took {took:?}");
    echo_works(&host).await;
}

#[tokio::test]
async fn fifty_concurrent_invocations_all_answer() {
    let (host, _) = host_with(test_config(64), "{}").await;
    let calls = (0..50).map(|index| {
        let host = Arc::clone(&host);
        tokio::spawn(async move {
            let request = json_request(json!({"action": "echo", "text": format!("call {index}")}));
            (index, host.invoke("test-doc", request, DEADLINE).await)
        })
    });
    for joined in join_all(calls).await {
        let (index, result) = joined.expect("task");
        assert_eq!(
            json_reply(&result.expect("answers").outcome)["text"],
            format!("call {index}")
        );
    }
    assert_eq!(
        host.pool_usage(),
        PoolUsage::default(),
        "every slot is returned"
    );
}

#[tokio::test]
async fn a_full_pool_answers_busy_and_frees_its_slots() {
    let (host, _) = host_with(test_config(2), "{}").await;
    let slow = |host: Arc<PluginHost>| {
        tokio::spawn(async move {
            let request =
                json_request(json!({"action": "adapter", "adapter": "slow", "operation": "find"}));
            host.invoke("test-doc", request, Duration::from_secs(3))
                .await
        })
    };
    let first = slow(Arc::clone(&host));
    let second = slow(Arc::clone(&host));
    // Wait until both calls hold their instance (they then wait in the slow host call).
    let waiting = Instant::now();
    while host.pool_usage().component_instances < 2 && waiting.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let usage = host.pool_usage();
    assert_eq!(usage.component_instances, 2);
    assert_eq!(
        (usage.memories, usage.stacks),
        (2, 2),
        "one memory and one fiber stack per call: {usage:?}"
    );
    let busy = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "echo"})),
            DEADLINE,
        )
        .await;
    assert_eq!(busy, Err(InvokeError::Busy { limit: 2 }));
    for task in [first, second] {
        assert!(matches!(
            task.await.expect("task"),
            Err(InvokeError::DeadlineExceeded(_))
        ));
    }
    assert_eq!(host.pool_usage(), PoolUsage::default());
    echo_works(&host).await;
}

#[tokio::test]
async fn failures_leave_no_slot_behind() {
    let (host, _) = host_with_plugins().await;
    for action in ["panic", "fail", "reject"] {
        let _ = host
            .invoke(
                "test-doc",
                json_request(json!({"action": action})),
                DEADLINE,
            )
            .await;
    }
    let _ = host
        .invoke(
            "test-doc",
            json_request(json!({"action": "loop"})),
            Duration::from_millis(50),
        )
        .await;
    assert_eq!(host.pool_usage(), PoolUsage::default());
}
