//! Per-service call counters, served at `GET /__stats` and zeroed by `POST /__reset`.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// A snapshot of one service's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStats {
    /// Requests that reached the service (including failed and malformed ones).
    pub calls: u64,
    /// Lookups that found a record.
    pub found: u64,
    /// Lookups that found nothing.
    pub not_found: u64,
    /// Requests answered with an injected failure (503).
    pub failures: u64,
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    calls: AtomicU64,
    found: AtomicU64,
    not_found: AtomicU64,
    failures: AtomicU64,
}

/// What a request counted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tally {
    Call,
    Found,
    NotFound,
    Failure,
}

impl Counters {
    pub(crate) fn count(&self, tally: Tally) {
        let counter = match tally {
            Tally::Call => &self.calls,
            Tally::Found => &self.found,
            Tally::NotFound => &self.not_found,
            Tally::Failure => &self.failures,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ServiceStats {
        ServiceStats {
            calls: self.calls.load(Ordering::Relaxed),
            found: self.found.load(Ordering::Relaxed),
            not_found: self.not_found.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn reset(&self) {
        for counter in [&self.calls, &self.found, &self.not_found, &self.failures] {
            counter.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_snapshot_and_reset() {
        let c = Counters::default();
        for tally in [
            Tally::Call,
            Tally::Call,
            Tally::Found,
            Tally::NotFound,
            Tally::Failure,
            Tally::Call,
        ] {
            c.count(tally);
        }
        assert_eq!(
            c.snapshot(),
            ServiceStats {
                calls: 3,
                found: 1,
                not_found: 1,
                failures: 1
            }
        );
        c.reset();
        assert_eq!(c.snapshot(), ServiceStats::default());
        let json = serde_json::to_value(ServiceStats {
            calls: 1,
            found: 0,
            not_found: 2,
            failures: 0,
        })
        .expect("json");
        assert_eq!(
            json,
            serde_json::json!({"calls": 1, "found": 0, "notFound": 2, "failures": 0})
        );
    }
}
