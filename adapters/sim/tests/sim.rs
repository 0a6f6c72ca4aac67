//! The simulator served in-process on port 0 and driven over HTTP.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use registry_sim::SimConfig;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running simulator; stops when dropped (or explicitly, to check the shutdown).
struct Sim {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

fn shipped_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

async fn start(config: SimConfig) -> Sim {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(registry_sim::run(config, listener, async move {
        let _ = stopped.await;
    }));
    let client = Client::builder(TokioExecutor::new()).build_http();
    Sim {
        addr,
        stop: Some(stop),
        task: Some(task),
        client,
    }
}

impl Sim {
    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("request");
        let response = self
            .client
            .request(request)
            .await
            .expect("simulator answers");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, serde_json::from_slice(&bytes).expect("JSON answer"))
    }

    async fn lookup(&self, snils: &str) -> (StatusCode, Value) {
        self.request(
            Method::POST,
            "/mod-showcase/v1/lookup",
            Some(json!({ "snils": snils })),
        )
        .await
    }

    async fn stats(&self) -> Value {
        let (status, stats) = self.request(Method::GET, "/__stats", None).await;
        assert_eq!(status, StatusCode::OK);
        stats["mod-showcase"].clone()
    }

    async fn configure(&self, change: Value) -> (StatusCode, Value) {
        self.request(Method::POST, "/__config", Some(change)).await
    }

    async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = self.task.take().expect("running");
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("stops in time")
            .expect("task joined")
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[tokio::test]
async fn answers_found_and_not_found() {
    let sim = start(SimConfig::new(shipped_fixtures())).await;
    let (status, answer) = sim.lookup("112-233-445 95").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["found"], true);
    assert_eq!(answer["person"]["lastName"], "Образцов");
    assert_eq!(answer["person"]["status"], "participant");
    assert!(answer["person"]["militaryUnit"].is_string());

    let (status, answer) = sim.lookup("12345678964").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        answer["person"]["lastName"], "Демонстрационный",
        "bare digits match too"
    );

    let (status, answer) = sim.lookup("700-800-903 40").await;
    assert_eq!((status, answer), (StatusCode::OK, json!({"found": false})));

    let (status, _) = sim
        .request(
            Method::POST,
            "/mod-showcase/v1/lookup",
            Some(json!({"id": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sim.request(Method::GET, "/nowhere", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    assert_eq!(
        sim.stats().await,
        json!({"calls": 4, "found": 2, "notFound": 1, "failures": 0})
    );
    sim.stop().await.expect("clean stop");
}

#[tokio::test]
async fn stats_reset_to_zero() {
    let sim = start(SimConfig::new(shipped_fixtures())).await;
    sim.lookup("112-233-445 95").await;
    sim.lookup("700-800-903 40").await;
    assert_eq!(sim.stats().await["calls"], 2);
    let (status, zeroed) = sim.request(Method::POST, "/__reset", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        zeroed["mod-showcase"],
        json!({"calls": 0, "found": 0, "notFound": 0, "failures": 0})
    );
    assert_eq!(sim.stats().await["calls"], 0);
}

#[tokio::test]
async fn latency_is_injected_and_changeable_at_run_time() {
    let sim =
        start(SimConfig::new(shipped_fixtures()).with_latency(Duration::from_millis(300))).await;
    let started = Instant::now();
    let (status, _) = sim.lookup("112-233-445 95").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "CLI latency applies"
    );

    let (status, settings) = sim
        .configure(json!({"service": "mod-showcase", "latencyMs": 0}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        settings,
        json!({"service": "mod-showcase", "latencyMs": 0, "failureRate": 0.0})
    );
    let started = Instant::now();
    sim.lookup("112-233-445 95").await;
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "latency removed"
    );

    sim.configure(json!({"service": "mod-showcase", "latencyMs": 400}))
        .await;
    let started = Instant::now();
    sim.lookup("112-233-445 95").await;
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "latency raised"
    );
    let (_, config) = sim.request(Method::GET, "/__config", None).await;
    assert_eq!(
        config["mod-showcase"],
        json!({"latencyMs": 400, "failureRate": 0.0})
    );
}

#[tokio::test]
async fn failures_are_injected_and_counted() {
    let sim = start(SimConfig::new(shipped_fixtures()).with_failure_rate(1.0)).await;
    for _ in 0..3 {
        let (status, answer) = sim.lookup("112-233-445 95").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer["error"], "simulated failure");
    }
    assert_eq!(
        sim.stats().await,
        json!({"calls": 3, "found": 0, "notFound": 0, "failures": 3})
    );

    sim.configure(json!({"service": "mod-showcase", "failureRate": 0.5}))
        .await;
    let mut failures = 0;
    for _ in 0..200 {
        if sim.lookup("112-233-445 95").await.0 == StatusCode::SERVICE_UNAVAILABLE {
            failures += 1;
        }
    }
    // Expected 100 of 200 (standard deviation about 7).
    assert!((50..150).contains(&failures), "{failures}");

    sim.configure(json!({"service": "mod-showcase", "failureRate": 0.0}))
        .await;
    assert_eq!(sim.lookup("112-233-445 95").await.0, StatusCode::OK);
    let stats = sim.stats().await;
    assert_eq!(stats["failures"], 3 + failures);
    assert_eq!(stats["calls"], 204);
}

#[tokio::test]
async fn bad_control_requests_are_refused() {
    let sim = start(SimConfig::new(shipped_fixtures())).await;
    let (status, _) = sim
        .configure(json!({"service": "mod-showcase", "failureRate": 2.0}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sim
        .configure(json!({"service": "tax-office", "failureRate": 0.1}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = sim
        .configure(json!({"service": "mod-showcase", "latency": 5}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = sim.request(Method::GET, "/__reset", None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (_, config) = sim.request(Method::GET, "/__config", None).await;
    assert_eq!(
        config["mod-showcase"],
        json!({"latencyMs": 0, "failureRate": 0.0}),
        "nothing changed"
    );
}

#[tokio::test]
async fn missing_or_broken_fixtures_stop_the_start() {
    let empty = tempfile::tempdir().expect("temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let err = registry_sim::run(
        SimConfig::new(empty.path()),
        listener,
        std::future::pending::<()>(),
    )
    .await
    .expect_err("no fixture file");
    assert!(format!("{err:#}").contains("mod-showcase.json"), "{err:#}");

    std::fs::write(
        empty.path().join("mod-showcase.json"),
        r#"[{"snils": "112-233-445 95"}]"#,
    )
    .expect("write");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let err = registry_sim::run(
        SimConfig::new(empty.path()),
        listener,
        std::future::pending::<()>(),
    )
    .await
    .expect_err("incomplete record");
    assert!(format!("{err:#}").contains("lastName"), "{err:#}");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let err = registry_sim::run(
        SimConfig::new(shipped_fixtures()).with_failure_rate(-1.0),
        listener,
        std::future::pending::<()>(),
    )
    .await
    .expect_err("bad rate");
    assert!(format!("{err:#}").contains("failureRate"), "{err:#}");
}

#[test]
fn shipped_fixtures_are_complete_and_carry_valid_snils() {
    let text = std::fs::read_to_string(shipped_fixtures().join("mod-showcase.json"))
        .expect("fixture file");
    let records: Vec<Value> = serde_json::from_str(&text).expect("JSON array");
    assert!(records.len() >= 3);
    for record in &records {
        let snils = record["snils"].as_str().expect("snils string");
        assert_eq!(ru_identifiers::check_snils(snils), Ok(()), "{snils}");
        for field in [
            "lastName",
            "firstName",
            "middleName",
            "birthDate",
            "militaryUnit",
            "participationFrom",
            "status",
            "department",
        ] {
            assert!(record[field].is_string(), "{snils}: {field}");
        }
    }
    // The documented "not in the showcase" number is valid but absent.
    assert_eq!(ru_identifiers::check_snils("700-800-903 40"), Ok(()));
    assert!(records.iter().all(|r| r["snils"] != "700-800-903 40"));
}

/// The demo's story (issue a QR, scan it with the demo МЧД, receive the report) needs a profile, with an
/// e-mail address, for every organisation an ACTIVE demo power of attorney is issued by.
#[test]
fn every_active_demo_principal_has_a_profile() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).expect("fixture"))
            .expect("json")
    };
    let profiles = read("org-profile.json");
    let with_email: Vec<&str> = profiles
        .as_array()
        .expect("array")
        .iter()
        .filter(|p| p["email"].as_str().is_some_and(|e| e.contains('@')))
        .filter_map(|p| p["ogrn"].as_str())
        .collect();
    let registry = read("mchd-registry.json");
    let mut checked = 0;
    for entry in registry.as_array().expect("array") {
        if entry["status"] != "ACTIVE" {
            continue;
        }
        let xml =
            std::fs::read_to_string(dir.join(entry["file"].as_str().expect("file"))).expect("xml");
        let ogrn = xml
            .split(" ОГРН=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("the principal's ОГРН");
        assert!(
            with_email.contains(&ogrn),
            "no profile with an e-mail for {ogrn}"
        );
        checked += 1;
    }
    assert!(checked >= 2, "the demo has active powers of attorney");
}
