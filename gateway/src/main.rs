//! `gateway`: the command line. Parses flags, sets up logging, and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gateway::config::Config;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "gateway",
    version,
    about = "SMEV-style integration gateway with WebAssembly plugins"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve until SIGINT or SIGTERM.
    Serve {
        /// The config file.
        #[arg(long, short)]
        config: PathBuf,
        /// Listen here instead of `[server] listen`.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Validate the config, load its plugins, adapters and schemas, and explain what would run.
    Check {
        /// The config file.
        #[arg(long, short)]
        config: PathBuf,
    },
    /// Scan reports e-mailed to organisations.
    Report {
        #[command(subcommand)]
        command: gateway::reports::cli::ReportCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match &cli.command {
        Command::Serve { config, .. } | Command::Check { config } => config,
        Command::Report { command } => command.config(),
    };
    let loaded = match Config::load(config, std::env::vars()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(conf) = &loaded.config.crypto.openssl_conf {
        // Must be set before OpenSSL initialises, for the GOST engine to load.
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("OPENSSL_CONF", loaded.config.resolve(conf)) };
    }
    let mut log = loaded.config.log.clone();
    if matches!(cli.command, Command::Check { .. }) {
        // `check` explains on standard output; only problems go to the log.
        log.level = "warn".into();
    }
    gateway::logging::init(&log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { listen, .. } => serve(loaded.config, listen).await,
            Command::Check { .. } => gateway::check::run(&loaded).await,
            Command::Report { command } => gateway::reports::cli::run(loaded, command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: {}",
                gateway::config::secrets::mask(&format!("{e:#}"))
            );
            ExitCode::FAILURE
        }
    }
}

async fn serve(mut config: Config, listen: Option<std::net::SocketAddr>) -> anyhow::Result<()> {
    if let Some(addr) = listen {
        config.server.listen = addr;
    }
    let listener = tokio::net::TcpListener::bind(config.server.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.server.listen))?;
    let shutdown = CancellationToken::new();
    let signal = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        signal.cancel();
    });
    gateway::run(config, listener, shutdown).await
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
