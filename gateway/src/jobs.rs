//! Background jobs of every node: sweeping expired tokens and purged replies, retention of old messages, and
//! retention of facts. Each is idempotent, so every node may run them.

use std::sync::Arc;

use crate::app::Shared;
use crate::config::Config;
use crate::tokens::now_ms;

/// Runs the sweeper every `[queue] sweep_interval` until shutdown.
pub async fn sweeper(shared: Shared, config: Arc<Config>) {
    let every = config.queue.sweep_interval.get();
    loop {
        tokio::select! {
            () = shared.shutdown.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
        sweep_once(&shared).await;
    }
}

/// One sweep: expired tokens lose their data (tombstones), old tombstones go, replies past their data's lifetime
/// are purged, acknowledged replies and finished requests past retention are deleted.
pub async fn sweep_once(shared: &Shared) {
    shared.tokens.run_pending_tasks().await;
    match shared.store.sweep(now_ms()).await {
        Ok(report) => tracing::debug!(?report, "sweep done"),
        Err(e) => tracing::warn!(error = %e, "sweep failed"),
    }
}

/// Deletes facts older than `[facts] retention`, every `[facts] retention_interval` (and once at start).
pub async fn facts_retention(shared: Shared, config: Arc<Config>) {
    let every = config.facts.retention_interval.get();
    loop {
        retain_facts_once(&shared, &config).await;
        tokio::select! {
            () = shared.shutdown.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// One pass of the facts retention.
pub async fn retain_facts_once(shared: &Shared, config: &Config) {
    let cutoff =
        now_ms() - i64::try_from(config.facts.retention.get().as_millis()).unwrap_or(i64::MAX / 2);
    let started = std::time::Instant::now();
    match shared.store.delete_facts_before(cutoff).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            deleted = n,
            seconds = started.elapsed().as_secs_f64(),
            "facts past their retention deleted"
        ),
        Err(e) => tracing::warn!(error = %e, "facts retention failed"),
    }
}
