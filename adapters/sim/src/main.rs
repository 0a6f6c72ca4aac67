//! `registry-sim`: serves the simulated registries on one address.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use registry_sim::SimConfig;
use tracing_subscriber::EnvFilter;

/// Simulators of the external registries (MoD showcase, ...), for demos and tests.
#[derive(Debug, Parser)]
#[command(name = "registry-sim", version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// Directory with the fixture files (mod-showcase.json, ...).
    #[arg(long)]
    fixtures: PathBuf,
    /// Latency added to every service's answers, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of requests (0 to 1) answered 503 by every service.
    #[arg(long, default_value_t = 0.0)]
    failure_rate: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match serve(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("registry-sim: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(cli: Cli) -> anyhow::Result<()> {
    let config = SimConfig::new(cli.fixtures)
        .with_latency(Duration::from_millis(cli.latency_ms))
        .with_failure_rate(cli.failure_rate);
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    registry_sim::run(config, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
