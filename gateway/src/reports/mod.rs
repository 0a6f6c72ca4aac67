//! Scan reports e-mailed to organisations, wired to the gateway: the scheduler job every node runs, the
//! `gateway report run` command, and the history endpoint. The work itself is done by `gateway-reports`;
//! this module gives it the store, the reporting plugin (layouts) and the profile adapter.
//!
//! Layout: `sources` (the plugin and the adapter behind the crate's traits), `job` (the scheduler loop),
//! `cli` (`gateway report run`), `history` (`GET /api/v1/reports`).

pub mod cli;
pub mod history;
pub mod job;
pub mod sources;

use std::sync::Arc;

use anyhow::Context;
use gateway_adapter_host::Adapters;
use gateway_host::PluginHost;
use gateway_reports::period::{parse_date, time_zone};
use gateway_reports::schedule::Schedule;
use gateway_reports::sign::Signer;
use gateway_reports::{Plan, Runner, Scheduler, Settings};
use gateway_store::Store;

use crate::app::App;
use crate::config::Config;
use crate::live::Live;

/// Starts the report scheduler on this node when `[reports]` is configured with `scheduler = true`.
/// Fails (and the gateway does not start) when the signer, the SMTP settings or the schedule are unusable.
/// Each tick runs with the reporting plugin and the profile adapter of the version of the gateway current then
/// (a reload reaches the reports at the next tick).
pub fn start(live: &Arc<Live>) -> anyhow::Result<()> {
    let app = live.current();
    let Some(r) = &app.config.reports else {
        return Ok(());
    };
    if !r.scheduler {
        tracing::info!("report scheduler off on this node ([reports] scheduler = false)");
        return Ok(());
    }
    let runner = Arc::new(runner_of(&app)?);
    let plan = Plan {
        schedule: Schedule::parse(&r.schedule, parse_date(&r.anchor)?)?,
        delay: r.delay.get(),
        catch_up: r.catch_up,
        keep_sent: r.keep_sent.get(),
        parallel: r.parallel,
    };
    tracing::info!(schedule = %plan.schedule, time_zone = %r.time_zone, "report scheduler started");
    let every = r.tick.get();
    app.tracker
        .spawn(job::run(live.clone(), every, Scheduler::new(runner, plan)));
    Ok(())
}

/// The report runner of the version `app`.
pub fn runner_of(app: &App) -> anyhow::Result<Runner> {
    runner(
        &app.config,
        app.queue.store.clone(),
        app.engine.host.clone(),
        app.engine.adapters.clone(),
    )
}

/// The report runner of `config`: its signer, SMTP outbox, plugin and profile adapter.
pub fn runner(
    config: &Config,
    store: Store,
    host: Arc<PluginHost>,
    adapters: Arc<Adapters>,
) -> anyhow::Result<Runner> {
    let r = config
        .reports
        .as_ref()
        .context("the config has no [reports] section")?;
    let smtp = config
        .smtp
        .as_ref()
        .context("the config has no [smtp] section")?;
    let chain: Vec<_> = r.signer_chain.iter().map(|p| config.resolve(p)).collect();
    let signer = Signer::load(
        &config.resolve(&r.signer_cert),
        &config.resolve(&r.signer_key),
        &chain,
    )
    .context("loading the report signer ([reports] signer_cert, signer_key)")?;
    tracing::info!(subject = %signer.subject(), "report signer loaded");
    let outbox = crate::smtp::outbox(config, smtp)?;
    let domain = r
        .message_id_domain
        .clone()
        .unwrap_or_else(|| outbox.from().email.domain().to_owned());
    let settings = Settings {
        fact_kind: r.fact_kind.clone(),
        time_zone_name: r.time_zone.clone(),
        time_zone: time_zone(&r.time_zone)?,
        lease: r.lease.get(),
        retry_initial: r.retry_initial.get(),
        retry_max: r.retry_max.get(),
        work_dir: r.work_dir.as_ref().map(|d| config.resolve(d)),
        message_id_domain: domain,
        compression: r.compression,
    };
    let layouts = sources::PluginLayouts::new(host, r.plugin.clone(), r.plugin_deadline.get());
    let profiles = sources::AdapterProfiles::new(adapters, r.profiles.clone());
    Ok(Runner::new(
        store,
        settings,
        Arc::new(signer),
        Arc::new(layouts),
        Arc::new(profiles),
        Arc::new(outbox),
    ))
}
