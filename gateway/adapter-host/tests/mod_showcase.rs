//! The MoD showcase adapter, loaded from its built library, against the registry simulator in-process.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use gateway_adapter_host::{Adapters, CallError, LoadError};
use registry_sim::SimConfig;
use serde_json::{Value, json};
use support::{json, mod_showcase_adapter, spec};
use tokio::sync::oneshot;

/// A simulator on port 0 with the shipped fixtures; stops when dropped.
struct Sim {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

async fn start_sim(config: SimConfig) -> Sim {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(registry_sim::run(config, listener, async move {
        let _ = stopped.await;
    }));
    Sim { addr, _stop: stop }
}

fn fixtures() -> SimConfig {
    let root = gateway_adapter_host::testing::workspace_root();
    SimConfig::new(Path::new(&root).join("adapters/sim/fixtures"))
}

fn showcase(base_url: String, timeout_ms: u64) -> Adapters {
    let mut s = spec(
        "mod",
        &mod_showcase_adapter(),
        json!({"base_url": base_url, "timeout_ms": timeout_ms}),
    );
    s.timeout = Duration::from_secs(3);
    Adapters::load(vec![s]).unwrap_or_else(|e| panic!("showcase adapter loads: {e}"))
}

async fn lookup(adapters: &Adapters, snils: &str) -> Result<Value, CallError> {
    let input = json!({ "snils": snils }).to_string().into_bytes();
    adapters
        .call("mod", "lookup", input)
        .await
        .map(|out| json(&out))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_a_participant_and_passes_the_showcase_fields_through() {
    let sim = start_sim(fixtures()).await;
    let adapters = showcase(format!("http://{}", sim.addr), 800);
    assert_eq!(
        adapters.info("mod").expect("info").library_name,
        "mod-showcase"
    );
    let answer = lookup(&adapters, "112-233-445 95").await.expect("found");
    assert_eq!(answer["found"], true);
    let person = &answer["person"];
    assert_eq!(person["lastName"], "Образцов");
    assert_eq!(person["firstName"], "Пример");
    assert_eq!(person["birthDate"], "1985-03-14");
    assert_eq!(person["status"], "participant");
    assert_eq!(person["participationFrom"], "2022-10-01");
    // Bare digits are the same person.
    assert_eq!(
        lookup(&adapters, "11223344595").await.expect("found")["person"],
        answer["person"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_not_found_for_an_unknown_person() {
    let sim = start_sim(fixtures()).await;
    let adapters = showcase(format!("http://{}", sim.addr), 800);
    assert_eq!(
        lookup(&adapters, "700-800-903 40").await.expect("answer"),
        json!({"found": false})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_snils_is_invalid_and_never_sent() {
    let sim = start_sim(fixtures()).await;
    let adapters = showcase(format!("http://{}", sim.addr), 800);
    assert!(matches!(
        lookup(&adapters, "112-233-445 96").await,
        Err(CallError::Invalid(_))
    ));
    assert!(matches!(
        lookup(&adapters, "12345").await,
        Err(CallError::Invalid(_))
    ));
    let stats = sim_stats(sim.addr).await;
    assert_eq!(stats["mod-showcase"]["calls"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulator_that_is_down_is_unavailable() {
    // A port that was just free: nothing listens there now.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let adapters = showcase(format!("http://{closed}"), 800);
    match lookup(&adapters, "112-233-445 95").await {
        Err(CallError::Unavailable(message)) => {
            assert!(message.contains("unreachable"), "{message}")
        }
        other => panic!("unexpected: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_simulator_is_unavailable() {
    let sim = start_sim(fixtures().with_failure_rate(1.0)).await;
    let adapters = showcase(format!("http://{}", sim.addr), 800);
    match lookup(&adapters, "112-233-445 95").await {
        Err(CallError::Unavailable(message)) => assert!(message.contains("503"), "{message}"),
        other => panic!("unexpected: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_simulator_times_out_within_the_adapters_timeout() {
    let sim = start_sim(fixtures().with_latency(Duration::from_secs(3))).await;
    let adapters = showcase(format!("http://{}", sim.addr), 300);
    let started = Instant::now();
    let result = lookup(&adapters, "112-233-445 95").await;
    let elapsed = started.elapsed();
    assert!(matches!(result, Err(CallError::Timeout(_))), "{result:?}");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(1_500),
        "the adapter's own 300 ms, not the host's 3 s: {elapsed:?}"
    );
}

#[test]
fn a_bad_configuration_stops_the_load() {
    let s = spec(
        "mod",
        &mod_showcase_adapter(),
        json!({"base_url": "https://showcase.example", "ca_file": "/nonexistent/registry-ca.pem"}),
    );
    match Adapters::load(vec![s]) {
        Err(LoadError::Init { message, .. }) => {
            assert!(message.contains("ca_file"), "{message}")
        }
        other => panic!("unexpected: {other:?}"),
    }
}

/// `GET /__stats` over a raw TCP connection (keeps the test free of an HTTP client dependency).
async fn sim_stats(addr: SocketAddr) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /__stats HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n")
        .await
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("stats JSON ({e}): {response}"))
}
