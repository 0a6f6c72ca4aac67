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
    /// Send one message to a running gateway and print the answer (JSON, or SOAP with --soap).
    Send {
        /// The gateway's base URL.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The bearer token; or --token-file, or the environment variable GATEWAY_TOKEN.
        #[arg(long, env = "GATEWAY_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// A file holding the bearer token (the demo's `dist/demo-client.token`).
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// The message type, `{namespace}LocalName`.
        #[arg(long = "type")]
        message_type: String,
        /// The payload: a JSON object, or with --soap the XML root element.
        #[arg(long)]
        payload: String,
        /// Send as SOAP of this SMEV version (1.1, 1.2, 1.3) and fetch the answer with GetResponse.
        #[arg(long)]
        soap: Option<smev_envelope::SmevVersion>,
        /// How long to wait for a SOAP answer, in seconds.
        #[arg(long, default_value_t = 10)]
        wait: u64,
    },
    /// Plugins on their own.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Call one plugin with one payload and print its outcome, with the host's limits and capabilities and the
    /// adapters of a config (no routes, senders or store).
    Call {
        /// The component (`.wasm`).
        file: PathBuf,
        /// A gateway config: the plugin's entry (settings, adapters), the adapters, schemas, trust store.
        #[arg(long, short)]
        config: PathBuf,
        /// The plugin's name in the config (default: the entry whose path is FILE, else the file's stem).
        #[arg(long)]
        name: Option<String>,
        /// The message type, `{namespace}LocalName`.
        #[arg(long = "type")]
        message_type: String,
        /// The payload: a JSON object, or an XML element.
        #[arg(long)]
        payload: String,
        /// The sender the plugin is told about.
        #[arg(long, default_value = "CLI")]
        sender: String,
        /// The call's deadline, in milliseconds.
        #[arg(long, default_value_t = 5000)]
        deadline_ms: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Send { .. } = &cli.command {
        return send(cli.command);
    }
    let config = match &cli.command {
        Command::Serve { config, .. } | Command::Check { config } => config,
        Command::Report { command } => command.config(),
        Command::Plugin {
            command: PluginCommand::Call { config, .. },
        } => config,
        Command::Send { .. } => unreachable!("handled above"),
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
    let Some(runtime) = runtime(tokio::runtime::Builder::new_multi_thread()) else {
        return ExitCode::FAILURE;
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { listen, .. } => serve(loaded.config, listen).await,
            Command::Check { .. } => gateway::check::run(&loaded).await,
            Command::Report { command } => gateway::reports::cli::run(loaded, command).await,
            Command::Plugin {
                command:
                    PluginCommand::Call {
                        file,
                        name,
                        message_type,
                        payload,
                        sender,
                        deadline_ms,
                        ..
                    },
            } => {
                let args = gateway::plugin_call::CallArgs {
                    file,
                    name,
                    message_type,
                    payload,
                    sender,
                    deadline: std::time::Duration::from_millis(deadline_ms),
                };
                gateway::plugin_call::check(&args)?;
                let out = gateway::plugin_call::run(&loaded.config, &args).await?;
                print!("{out}");
                Ok(())
            }
            Command::Send { .. } => Ok(()),
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

/// The async runtime `builder` makes, or `None` after saying why not.
fn runtime(mut builder: tokio::runtime::Builder) -> Option<tokio::runtime::Runtime> {
    match builder.enable_all().build() {
        Ok(r) => Some(r),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}

/// `gateway send`: needs no config, only the gateway's address and a token.
fn send(command: Command) -> ExitCode {
    let Command::Send {
        url,
        token,
        token_file,
        message_type,
        payload,
        soap,
        wait,
    } = command
    else {
        return ExitCode::FAILURE;
    };
    let token = match (token, token_file) {
        (Some(t), _) => t,
        (None, Some(file)) => match std::fs::read_to_string(&file) {
            Ok(t) => t.trim().to_owned(),
            Err(e) => {
                eprintln!("error: --token-file {}: {e}", file.display());
                return ExitCode::from(2);
            }
        },
        (None, None) => {
            eprintln!("error: give --token, --token-file or GATEWAY_TOKEN");
            return ExitCode::from(2);
        }
    };
    let args = gateway::send::SendArgs {
        url,
        token,
        message_type,
        payload,
        soap,
        wait: std::time::Duration::from_secs(wait),
    };
    let Some(runtime) = runtime(tokio::runtime::Builder::new_current_thread()) else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(gateway::send::run(&args)) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
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
