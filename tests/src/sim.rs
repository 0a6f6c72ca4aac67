//! The registry simulator, in-process on port 0.

use std::net::SocketAddr;
use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use crate::artifacts::repo_root;

/// A running simulator.
pub struct Sim {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Sim {
    /// Starts the simulator on the demo fixtures.
    pub async fn start() -> Sim {
        Sim::start_with(repo_root().join("adapters/sim/fixtures")).await
    }

    /// Starts the simulator on the demo fixtures with its mail sink; returns the sink's SMTP port too.
    pub async fn start_with_mail() -> (Sim, u16) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let config = registry_sim::SimConfig::new(repo_root().join("adapters/sim/fixtures"))
            .with_smtp(SocketAddr::from(([127, 0, 0, 1], port)));
        (Sim::start_config(config).await, port)
    }

    /// Starts the simulator on fixtures in `dir`.
    pub async fn start_with(dir: PathBuf) -> Sim {
        Sim::start_config(registry_sim::SimConfig::new(dir)).await
    }

    async fn start_config(config: registry_sim::SimConfig) -> Sim {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let shutdown = CancellationToken::new();
        let s = shutdown.clone();
        let task = tokio::spawn(async move {
            registry_sim::run(config, listener, async move { s.cancelled().await })
                .await
                .expect("simulator runs");
        });
        Sim {
            addr,
            shutdown,
            task: Some(task),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `GET /__stats`.
    pub async fn stats(&self) -> serde_json::Value {
        let r = crate::Client::new()
            .get(&format!("{}/__stats", self.url()), None)
            .await;
        serde_json::from_slice(&r.body).expect("stats are JSON")
    }

    /// Calls counted by the simulator for `service`.
    pub async fn calls(&self, service: &str) -> u64 {
        self.stats().await[service]["calls"].as_u64().unwrap_or(0)
    }

    /// `POST /__config` for `service`.
    pub async fn set_faults(&self, service: &str, latency_ms: u64, failure_rate: f64) {
        let body = serde_json::json!({"service": service, "latencyMs": latency_ms, "failureRate": failure_rate});
        let r = crate::Client::new()
            .post_json(&format!("{}/__config", self.url()), &body, None)
            .await;
        assert_eq!(r.status, 200, "simulator config: {}", r.text());
    }

    /// Stops the simulator (the port closes).
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
