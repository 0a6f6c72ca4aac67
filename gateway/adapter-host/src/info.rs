//! What the host reports about each adapter: identity, breaker state, load and counters.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::breaker::BreakerState;

/// A snapshot of one loaded adapter, for health checks, metrics and the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterInfo {
    /// The configured name.
    pub name: String,
    /// The name the library reports about itself.
    pub library_name: String,
    /// The version the library reports about itself.
    pub library_version: String,
    /// The library file (absolute).
    pub path: PathBuf,
    /// The circuit breaker's state.
    pub breaker: BreakerState,
    /// Pool threads.
    pub threads: usize,
    /// Queue capacity in front of the pool.
    pub queue: usize,
    /// Calls running on pool threads now (including ones whose caller already timed out).
    pub running: usize,
    /// Calls waiting for a pool thread now.
    pub queued: usize,
    /// Counters since the adapter was loaded.
    pub counters: Counters,
}

/// Monotonic counters of one adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    /// Calls made through [`Adapters::call`](crate::Adapters::call).
    pub calls: u64,
    /// Attempts handed to the pool (first tries and retries).
    pub attempts: u64,
    /// Retries (attempts after the first).
    pub retries: u64,
    /// Attempts that succeeded.
    pub succeeded: u64,
    /// Attempts that timed out (host timeout or adapter-reported).
    pub timeouts: u64,
    /// Attempts the adapter answered with `unavailable`.
    pub unavailable: u64,
    /// Attempts the adapter answered with `invalid`.
    pub invalid: u64,
    /// Attempts that failed otherwise (`failed`, broken answers).
    pub failed: u64,
    /// Attempts that panicked.
    pub panicked: u64,
    /// Attempts refused because the pool and its queue were full.
    pub busy: u64,
    /// Attempts refused because the circuit was open.
    pub circuit_open: u64,
}

/// Which counter an event increments.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Event {
    Call,
    Attempt,
    Retry,
    Succeeded,
    Timeout,
    Unavailable,
    Invalid,
    Failed,
    Panicked,
    Busy,
    CircuitOpen,
}

/// The live counters behind [`Counters`].
#[derive(Debug, Default)]
pub(crate) struct LiveCounters {
    values: [AtomicU64; 11],
}

impl LiveCounters {
    pub(crate) fn count(&self, event: Event) {
        self.values[event as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let get = |event: Event| self.values[event as usize].load(Ordering::Relaxed);
        Counters {
            calls: get(Event::Call),
            attempts: get(Event::Attempt),
            retries: get(Event::Retry),
            succeeded: get(Event::Succeeded),
            timeouts: get(Event::Timeout),
            unavailable: get(Event::Unavailable),
            invalid: get(Event::Invalid),
            failed: get(Event::Failed),
            panicked: get(Event::Panicked),
            busy: get(Event::Busy),
            circuit_open: get(Event::CircuitOpen),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_has_its_own_counter() {
        let live = LiveCounters::default();
        let events = [
            Event::Call,
            Event::Attempt,
            Event::Retry,
            Event::Succeeded,
            Event::Timeout,
            Event::Unavailable,
            Event::Invalid,
            Event::Failed,
            Event::Panicked,
            Event::Busy,
            Event::CircuitOpen,
        ];
        for (i, event) in events.iter().enumerate() {
            for _ in 0..=i {
                live.count(*event);
            }
        }
        let c = live.snapshot();
        let got = [
            c.calls,
            c.attempts,
            c.retries,
            c.succeeded,
            c.timeouts,
            c.unavailable,
            c.invalid,
            c.failed,
            c.panicked,
            c.busy,
            c.circuit_open,
        ];
        assert_eq!(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    }
}
