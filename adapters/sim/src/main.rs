//! `registry-sim`: serves the simulated registries on one address.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use registry_sim::{RequiredHeader, SimConfig, SimTls};
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
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates of these PEM CA certificates (mutual TLS; with --tls-cert).
    #[arg(long, requires = "tls_cert")]
    client_ca: Option<PathBuf>,
    /// Answer service requests without this header (NAME=VALUE) 401; the control API stays open.
    // A plain string, parsed after clap: clap's messages would quote a refused value.
    #[arg(
        long,
        env = "REGISTRY_SIM_REQUIRE_HEADER",
        hide_env_values = true,
        value_name = "NAME=VALUE"
    )]
    require_header: Option<String>,
    /// Also run a mail sink (plain SMTP) here: it keeps what it receives, listed at GET /__mail and /__mail/page.
    #[arg(long)]
    smtp_listen: Option<SocketAddr>,
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
    let mut config = SimConfig::new(cli.fixtures)
        .with_latency(Duration::from_millis(cli.latency_ms))
        .with_failure_rate(cli.failure_rate);
    if let (Some(cert), Some(key)) = (cli.tls_cert, cli.tls_key) {
        config = config.with_tls(SimTls {
            cert,
            key,
            client_ca: cli.client_ca,
        });
    }
    if let Some(addr) = cli.smtp_listen {
        config = config.with_smtp(addr);
    }
    if let Some(spec) = cli.require_header {
        let header = RequiredHeader::parse(&spec)
            .map_err(anyhow::Error::msg)
            .context("--require-header")?;
        config = config.with_required_header(header);
    }
    let listener = tokio::net::TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    registry_sim::run(config, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
