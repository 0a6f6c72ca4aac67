//! The console's sections, one module each: a function that reads what it shows from the running gateway
//! (config, plugin host, adapters, store, the process's metrics) and renders it with [`super::html`].

pub mod adapters;
pub mod journal;
pub mod overview;
pub mod plugins;
pub mod queues;
pub mod reports;
pub mod routes;
pub mod scans;

use std::collections::BTreeMap;
use std::fmt::Display;
use std::time::Duration;

use crate::metrics::read::Labels;

/// The longest the console waits for one call to the store; then the page answers as if the store had failed
/// (503), rather than hold the operator and a connection.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(5);

/// The result of the store's `call`, its error as text, within [`STORE_TIMEOUT`].
pub async fn store<T, E: Display>(call: impl Future<Output = Result<T, E>>) -> Result<T, String> {
    within(STORE_TIMEOUT, call).await
}

async fn within<T, E: Display>(
    limit: Duration,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {limit:?}")),
    }
}

/// Calls counted for one plugin or adapter: all of them, and the failed ones by outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    /// Every call.
    pub calls: f64,
    /// Calls whose outcome is not `ok`, by outcome.
    pub failed: BTreeMap<String, f64>,
}

impl Outcomes {
    /// The series of `series` whose label `label` is `name`, summed over every other label but `outcome`.
    pub fn of(series: &[(Labels, f64)], label: &str, name: &str) -> Outcomes {
        let mut o = Outcomes::default();
        for (labels, value) in series {
            if labels.get(label).map(String::as_str) != Some(name) {
                continue;
            }
            o.calls += value;
            match labels.get("outcome").map(String::as_str) {
                Some("ok") => {}
                outcome => {
                    *o.failed
                        .entry(outcome.unwrap_or("?").to_owned())
                        .or_insert(0.0) += value
                }
            }
        }
        o
    }

    /// Every failed call.
    pub fn failures(&self) -> f64 {
        // Not `sum()`: the sum of no floats is -0.
        self.failed.values().fold(0.0, |a, b| a + b)
    }

    /// The failures by outcome, `trap: 1, deadline: 2`; `—` when none.
    pub fn breakdown(&self) -> String {
        if self.failed.is_empty() {
            return "—".into();
        }
        self.failed
            .iter()
            .map(|(outcome, n)| format!("{outcome}: {n:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A counter for people: a whole number.
pub fn count(value: f64) -> String {
    // `+ 0.0` turns -0 into 0.
    format!("{:.0}", value + 0.0)
}

/// The note every page with counters shows: where they come from.
pub const COUNTERS_NOTE: &str = "Вызовы и отказы — счётчики метрик этого процесса с его запуска \
     (<code>/metrics</code>); без <code>[metrics] enabled</code> они не ведутся.";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_store_call_that_takes_too_long_fails_like_a_store_failure() {
        let slow = async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<u32, String>(1)
        };
        let e = within(Duration::from_millis(20), slow).await.unwrap_err();
        assert!(e.contains("no answer"), "{e}");
        assert_eq!(store(async { Ok::<_, String>(7) }).await, Ok(7));
        assert_eq!(
            store(async { Err::<u32, _>("down") }).await,
            Err("down".to_owned())
        );
        assert_eq!(STORE_TIMEOUT, Duration::from_secs(5));
    }

    fn s(plugin: &str, outcome: &str, v: f64) -> (Labels, f64) {
        (
            Labels::from([
                ("plugin".to_owned(), plugin.to_owned()),
                ("export".to_owned(), "handle".to_owned()),
                ("outcome".to_owned(), outcome.to_owned()),
            ]),
            v,
        )
    }

    #[test]
    fn failures_are_every_outcome_but_ok() {
        let series = [
            s("a", "ok", 5.0),
            s("a", "trap", 1.0),
            s("a", "deadline", 2.0),
            s("b", "trap", 7.0),
        ];
        let a = Outcomes::of(&series, "plugin", "a");
        assert_eq!((a.calls, a.failures()), (8.0, 3.0));
        assert_eq!(a.breakdown(), "deadline: 2, trap: 1");
        let none = Outcomes::of(&series, "plugin", "c");
        assert_eq!((none.calls, none.breakdown().as_str()), (0.0, "—"));
        assert_eq!(count(none.failures()), "0");
        assert_eq!(count(-0.0), "0");
        assert_eq!(count(3.0), "3");
    }
}
