//! The series read from the running gateway at scrape time rather than counted as things happen: they belong to
//! this gateway (its adapters, its store), not to the process's recorder, so each scrape shows exactly the
//! gateway scraped.
//!
//! - `gateway_adapter_circuit_state{adapter}`: 0 closed, 1 half-open, 2 open.
//! - `gateway_queue_depth{sender}`: answers neither acknowledged nor purged (handed out or not).
//! - `gateway_queue_oldest_age_seconds{sender}`: how long the oldest of them has waited.
//!
//! Every configured sender is listed (0 when nothing waits), and any other sender the store still holds answers
//! for. The queue is one aggregate query ([`gateway_store::Store::queue_depths`]); when the store does not answer
//! in time the queue series are left out of the scrape, and the log says why.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use gateway_adapter_host::BreakerState;

use crate::app::App;
use crate::tokens::now_ms;

/// How long a scrape waits for the store.
const STORE_WAIT: Duration = Duration::from_secs(2);

/// Appends the series of `app` to `out` (the text format).
pub async fn append(app: &App, out: &mut String) {
    let adapters: Vec<(String, f64)> = app
        .engine
        .adapters
        .names()
        .into_iter()
        .filter_map(|name| {
            let info = app.engine.adapters.info(&name)?;
            Some((name, breaker_level(info.breaker)))
        })
        .collect();
    family(
        out,
        "gateway_adapter_circuit_state",
        "The adapter's circuit breaker: 0 closed, 1 half-open, 2 open",
        "adapter",
        &adapters,
    );
    let depths = match tokio::time::timeout(STORE_WAIT, app.queue.store.queue_depths()).await {
        Ok(Ok(depths)) => depths,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics: the queue depths could not be read");
            return;
        }
        Err(_) => {
            tracing::warn!("metrics: the store did not tell the queue depths in time");
            return;
        }
    };
    let mut queues: BTreeMap<&str, (f64, f64)> = app
        .config
        .senders
        .iter()
        .map(|s| (s.mnemonic.as_str(), (0.0, 0.0)))
        .collect();
    let now = now_ms();
    for d in &depths {
        let age_ms = now.saturating_sub(d.oldest_created_at).max(0);
        queues.insert(&d.sender, (d.depth as f64, age_ms as f64 / 1000.0));
    }
    let series = |pick: fn(&(f64, f64)) -> f64| -> Vec<(String, f64)> {
        queues
            .iter()
            .map(|(sender, v)| ((*sender).to_owned(), pick(v)))
            .collect()
    };
    family(
        out,
        "gateway_queue_depth",
        "Answers waiting for the sender's acknowledgement (handed out or not), not purged",
        "sender",
        &series(|v| v.0),
    );
    family(
        out,
        "gateway_queue_oldest_age_seconds",
        "How long the sender's oldest unacknowledged answer has waited (0 when none)",
        "sender",
        &series(|v| v.1),
    );
}

/// A breaker's state as the gauge has it.
pub fn breaker_level(state: BreakerState) -> f64 {
    match state {
        BreakerState::Closed => 0.0,
        BreakerState::HalfOpen => 1.0,
        BreakerState::Open => 2.0,
    }
}

/// One gauge family with one label: `# HELP`, `# TYPE` and a line per value.
fn family(out: &mut String, name: &str, help: &str, label: &str, values: &[(String, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (value_of_label, value) in values {
        let _ = writeln!(
            out,
            "{name}{{{label}=\"{}\"}} {value}",
            escape(value_of_label)
        );
    }
    out.push('\n');
}

/// A label value as the text format quotes it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_is_help_type_and_one_line_per_value() {
        let mut out = String::new();
        family(
            &mut out,
            "gateway_queue_depth",
            "Answers",
            "sender",
            &[("A".into(), 3.0), ("we\"ird\\".into(), 0.5)],
        );
        assert_eq!(
            out,
            "# HELP gateway_queue_depth Answers\n# TYPE gateway_queue_depth gauge\n\
             gateway_queue_depth{sender=\"A\"} 3\ngateway_queue_depth{sender=\"we\\\"ird\\\\\"} 0.5\n\n"
        );
    }

    #[test]
    fn breaker_states_are_ordered_by_severity() {
        assert_eq!(
            [
                BreakerState::Closed,
                BreakerState::HalfOpen,
                BreakerState::Open
            ]
            .map(breaker_level),
            [0.0, 1.0, 2.0]
        );
    }
}
