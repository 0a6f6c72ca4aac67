//! The scheduler job of every node: a tick every `[reports] tick` until shutdown. Nodes share the work
//! through the store (periods are recorded once, reports are leased to one node at a time).

use std::sync::Arc;

use gateway_reports::Scheduler;
use gateway_reports::sources::Silent;

use crate::app::App;

/// Runs `scheduler` until the gateway shuts down; the first tick is at once.
pub async fn run(app: Arc<App>, scheduler: Scheduler) {
    let every = app
        .config
        .reports
        .as_ref()
        .map_or(std::time::Duration::from_secs(60), |r| r.tick.get());
    let progress = Arc::new(Silent);
    loop {
        let tick = scheduler.tick(progress.clone(), &app.shutdown).await;
        if !tick.enqueued.is_empty() || tick.sent > 0 || tick.failed > 0 {
            tracing::info!(
                periods = tick.enqueued.len(),
                sent = tick.sent,
                failed = tick.failed,
                "report tick"
            );
        }
        tokio::select! {
            () = app.shutdown.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}
