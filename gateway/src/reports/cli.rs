//! `gateway report run --config FILE --from DATE --to DATE [--org OGRN] [--out DIR] [--no-send]`: ad hoc
//! reports, made now, for a period of whole days (both inclusive) in the report time zone.
//!
//! Ad hoc reports never mark a scheduled period as done. Sent ones go out once per organisation and
//! period (a repeated run says "already sent" and sends nothing); a failed delivery stays visible in the
//! history and the scheduler of a serving node tries it again. With `--no-send` the store is not touched:
//! the archives are written to `--out` (default: the current directory). A progress bar shows the rows
//! written when the output is a terminal.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use gateway_reports::adhoc::{self, AdhocOutcome, AdhocRequest};
use gateway_reports::period::{Period, parse_date};
use gateway_reports::sources::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::Loaded;

/// `gateway report ...`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Make reports now for a period, for one or every organisation with facts in it.
    Run(RunArgs),
}

impl ReportCommand {
    /// The config file the command names.
    pub fn config(&self) -> &PathBuf {
        match self {
            ReportCommand::Run(a) => &a.config,
        }
    }
}

/// `gateway report run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The config file.
    #[arg(long, short)]
    pub config: PathBuf,
    /// The first day of the period (YYYY-MM-DD, inclusive).
    #[arg(long)]
    pub from: String,
    /// The last day of the period (YYYY-MM-DD, inclusive).
    #[arg(long)]
    pub to: String,
    /// Only this organisation (ОГРН or ОГРНИП); default every organisation with facts in the period.
    #[arg(long)]
    pub org: Option<String>,
    /// Leave a copy of each archive in this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Do not e-mail: only write the archives (to --out, default the current directory).
    #[arg(long)]
    pub no_send: bool,
}

/// Runs `command`.
pub async fn run(loaded: Loaded, command: ReportCommand) -> anyhow::Result<()> {
    match command {
        ReportCommand::Run(args) => run_adhoc(loaded, args).await,
    }
}

async fn run_adhoc(loaded: Loaded, args: RunArgs) -> anyhow::Result<()> {
    let period = Period::new(parse_date(&args.from)?, parse_date(&args.to)?)?;
    if let Some(org) = &args.org {
        ru_identifiers::check_ogrn_or_ogrnip(org).map_err(|e| anyhow::anyhow!("--org: {e}"))?;
    }
    let config = loaded.config;
    if config.reports.is_none() {
        bail!("the config has no [reports] section");
    }
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stopping after the current step…");
            stop.cancel();
        }
    });
    let public_url = config.public_url();
    let app = App::build(config, public_url, shutdown.clone()).await?;
    let runner = super::runner(
        &app.config,
        app.queue.store.clone(),
        app.engine.host.clone(),
        app.engine.adapters.clone(),
    )?;
    let request = AdhocRequest {
        period,
        organisations: args.org.map(|o| vec![o]),
        out: args.out.clone(),
        send: !args.no_send,
    };
    let progress = Arc::new(Bar::default());
    let result = adhoc::run(&runner, &request, progress, &shutdown).await;
    app.tracker.close();
    shutdown.cancel();
    app.tracker.wait().await;
    app.queue.store.close().await;
    let outcomes = result.context("the ad hoc run failed")?;
    if outcomes.is_empty() {
        println!("no organisation has facts in {period}: nothing to report");
    }
    let mut failed = 0;
    for (org, outcome) in &outcomes {
        println!("{org}: {}", adhoc::describe(outcome));
        if matches!(
            outcome,
            AdhocOutcome::Failed { .. } | AdhocOutcome::Cancelled
        ) {
            failed += 1;
        }
    }
    if failed > 0 {
        bail!("{failed} of {} reports were not delivered", outcomes.len());
    }
    Ok(())
}

/// A progress bar per report, drawn on stderr when it is a terminal.
#[derive(Default)]
struct Bar {
    current: Mutex<Option<ProgressBar>>,
}

impl Progress for Bar {
    fn started(&self, organisation: &str, total: u64) {
        let bar = ProgressBar::new(total);
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} facts ({eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(organisation.to_owned());
        if let Ok(mut current) = self.current.lock() {
            *current = Some(bar);
        }
    }

    fn rows(&self, done: u64) {
        if let Ok(current) = self.current.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.set_position(done);
        }
    }

    fn finished(&self, _outcome: &str) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take()
        {
            bar.finish_and_clear();
        }
    }
}
