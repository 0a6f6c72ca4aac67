//! The scheduler job of every node: a tick every `[reports] tick` until shutdown. Nodes share the work
//! through the store (periods are recorded once, reports are leased to one node at a time). A tick runs with
//! the reporting plugin and the profile adapter of the version of the gateway current then: after a reload the
//! runner is made again from the new version.

use std::sync::Arc;
use std::time::Duration;

use gateway_reports::Scheduler;
use gateway_reports::sources::Silent;

use crate::app::App;
use crate::live::Live;

/// Runs `scheduler` until the gateway shuts down, every `every`; the first tick is at once.
pub async fn run(live: Arc<Live>, every: Duration, mut scheduler: Scheduler) {
    let progress = Arc::new(Silent);
    let shutdown = live.shared().shutdown.clone();
    let mut built_from: std::sync::Weak<App> = Arc::downgrade(&live.current());
    loop {
        let app = live.current();
        if built_from.upgrade().is_none_or(|b| !Arc::ptr_eq(&b, &app)) {
            match super::runner_of(&app) {
                Ok(runner) => {
                    scheduler = scheduler.with_runner(Arc::new(runner));
                    built_from = Arc::downgrade(&app);
                }
                Err(e) => tracing::warn!(error = %e, "reports keep the previous version's runner"),
            }
        }
        drop(app);
        let tick = scheduler.tick(progress.clone(), &shutdown).await;
        if !tick.enqueued.is_empty() || tick.sent > 0 || tick.failed > 0 {
            tracing::info!(
                periods = tick.enqueued.len(),
                sent = tick.sent,
                failed = tick.failed,
                "report tick"
            );
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}
