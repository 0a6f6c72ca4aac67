//! Background jobs of every node: sweeping expired tokens and purged replies, and retention of old messages.

use std::sync::Arc;

use crate::app::App;
use crate::tokens::now_ms;

/// Runs the sweeper every `[queue] sweep_interval` until shutdown.
pub async fn sweeper(app: Arc<App>) {
    let every = app.config.queue.sweep_interval.get();
    loop {
        tokio::select! {
            () = app.shutdown.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
        sweep_once(&app).await;
    }
}

/// One sweep: expired tokens lose their data (tombstones), old tombstones go, replies past their data's lifetime
/// are purged, acknowledged replies and finished requests past retention are deleted.
pub async fn sweep_once(app: &App) {
    app.tokens.run_pending_tasks().await;
    match app.store.sweep(now_ms()).await {
        Ok(report) => tracing::debug!(?report, "sweep done"),
        Err(e) => tracing::warn!(error = %e, "sweep failed"),
    }
}
