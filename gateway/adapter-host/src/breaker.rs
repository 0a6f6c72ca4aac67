//! The circuit breaker: after enough consecutive retryable failures, stop calling the adapter for a while,
//! then let a single trial call decide whether to resume.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::spec::BreakerConfig;

/// The state of an adapter's circuit, as reported by [`AdapterInfo`](crate::AdapterInfo).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls fail fast with [`CallError::CircuitOpen`](crate::CallError::CircuitOpen).
    Open,
    /// The open period is over; one trial call is (or may be) in flight, the others fail fast.
    HalfOpen,
}

/// How an attempt ended, as far as the breaker cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The adapter answered (success, or a definite error such as `invalid`): the registry is reachable.
    Healthy,
    /// A retryable failure (timeout, `unavailable`): counts towards opening.
    Unhealthy,
    /// Says nothing about the registry (pool busy, a panic, a caller that went away).
    Neutral,
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_in_flight: bool },
}

/// One adapter's breaker. Cheap to consult: a mutex around a few words.
#[derive(Debug)]
pub(crate) struct Breaker {
    config: BreakerConfig,
    state: Mutex<State>,
}

/// Leave to make one attempt. Must be settled with [`Permit::settle`]; dropping it unsettled (the caller's
/// future was cancelled) counts as [`Verdict::Neutral`].
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    breaker: &'a Breaker,
    trial: bool,
    settled: bool,
}

impl Breaker {
    pub(crate) fn new(config: BreakerConfig) -> Breaker {
        Breaker {
            config,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few plain values, consistent after any panic; keep using it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The state now (an open circuit whose time is up reads as half-open).
    pub(crate) fn state(&self, now: Instant) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if now < until => BreakerState::Open,
            State::Open { .. } | State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Asks to make an attempt; `None` means the circuit is open (or a trial is already in flight).
    pub(crate) fn acquire(&self, now: Instant) -> Option<Permit<'_>> {
        if self.config.failure_threshold == 0 {
            return Some(self.permit(false));
        }
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Some(self.permit(false)),
            State::Open { until } if now < until => None,
            State::Open { .. }
            | State::HalfOpen {
                trial_in_flight: false,
            } => {
                *state = State::HalfOpen {
                    trial_in_flight: true,
                };
                Some(self.permit(true))
            }
            State::HalfOpen {
                trial_in_flight: true,
            } => None,
        }
    }

    fn permit(&self, trial: bool) -> Permit<'_> {
        Permit {
            breaker: self,
            trial,
            settled: false,
        }
    }

    /// Records an attempt's verdict; answers the new state when this verdict changed it.
    fn record(&self, trial: bool, verdict: Verdict, now: Instant) -> Option<BreakerState> {
        if self.config.failure_threshold == 0 {
            return None;
        }
        let mut state = self.lock();
        let before = discriminant(&state);
        match (&mut *state, verdict) {
            (State::Closed { failures }, Verdict::Healthy) => *failures = 0,
            (State::Closed { failures }, Verdict::Unhealthy) => {
                *failures += 1;
                if *failures >= self.config.failure_threshold {
                    *state = State::Open {
                        until: now + self.config.open_for,
                    };
                }
            }
            (State::HalfOpen { .. }, Verdict::Healthy) if trial => {
                *state = State::Closed { failures: 0 }
            }
            (State::HalfOpen { .. }, Verdict::Unhealthy) if trial => {
                *state = State::Open {
                    until: now + self.config.open_for,
                };
            }
            (State::HalfOpen { trial_in_flight }, Verdict::Neutral) if trial => {
                *trial_in_flight = false
            }
            // Late answers of attempts admitted before the circuit opened, and neutral verdicts while
            // closed, change nothing.
            _ => {}
        }
        let after = discriminant(&state);
        (before != after).then_some(after)
    }
}

fn discriminant(state: &State) -> BreakerState {
    match state {
        State::Closed { .. } => BreakerState::Closed,
        State::Open { .. } => BreakerState::Open,
        State::HalfOpen { .. } => BreakerState::HalfOpen,
    }
}

impl Permit<'_> {
    /// Settles the attempt; answers the breaker's new state if the verdict changed it.
    pub(crate) fn settle(self, verdict: Verdict) -> Option<BreakerState> {
        self.settle_at(verdict, Instant::now())
    }

    /// [`Permit::settle`] at a given instant.
    fn settle_at(mut self, verdict: Verdict, now: Instant) -> Option<BreakerState> {
        self.settled = true;
        self.breaker.record(self.trial, verdict, now)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.breaker
                .record(self.trial, Verdict::Neutral, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const OPEN_FOR: Duration = Duration::from_secs(10);

    fn breaker(threshold: u32) -> Breaker {
        Breaker::new(BreakerConfig {
            failure_threshold: threshold,
            open_for: OPEN_FOR,
        })
    }

    #[test]
    fn opens_after_threshold_consecutive_failures_only() {
        let b = breaker(3);
        let t = Instant::now();
        for verdict in [
            Verdict::Unhealthy,
            Verdict::Unhealthy,
            Verdict::Healthy,
            Verdict::Unhealthy,
        ] {
            b.acquire(t).expect("closed").settle_at(verdict, t);
        }
        assert_eq!(
            b.state(t),
            BreakerState::Closed,
            "a success resets the count"
        );
        b.acquire(t).expect("closed").settle_at(Verdict::Neutral, t);
        b.acquire(t)
            .expect("closed")
            .settle_at(Verdict::Unhealthy, t);
        assert_eq!(
            b.state(t),
            BreakerState::Closed,
            "neutral verdicts neither count nor reset"
        );
        assert_eq!(
            b.acquire(t)
                .expect("closed")
                .settle_at(Verdict::Unhealthy, t),
            Some(BreakerState::Open)
        );
        assert!(b.acquire(t).is_none());
        assert!(b.acquire(t + OPEN_FOR / 2).is_none());
    }

    #[test]
    fn half_open_admits_one_trial_that_decides() {
        let b = breaker(1);
        let t0 = Instant::now();
        b.acquire(t0)
            .expect("closed")
            .settle_at(Verdict::Unhealthy, t0);

        let later = t0 + OPEN_FOR + Duration::from_millis(1);
        assert_eq!(b.state(later), BreakerState::HalfOpen);
        let trial = b.acquire(later).expect("trial admitted");
        assert!(b.acquire(later).is_none(), "only one trial at a time");
        assert_eq!(
            trial.settle_at(Verdict::Unhealthy, later),
            Some(BreakerState::Open)
        );
        assert!(b.acquire(later).is_none(), "a failed trial reopens");

        let much_later = later + OPEN_FOR + Duration::from_millis(1);
        let trial = b.acquire(much_later).expect("second trial");
        assert_eq!(
            trial.settle_at(Verdict::Healthy, much_later),
            Some(BreakerState::Closed)
        );
        assert!(b.acquire(much_later).is_some());
    }

    #[test]
    fn late_answers_from_before_the_opening_change_nothing() {
        let b = breaker(1);
        let t0 = Instant::now();
        let early = b.acquire(t0).expect("closed");
        b.acquire(t0)
            .expect("closed")
            .settle_at(Verdict::Unhealthy, t0);
        assert_eq!(early.settle_at(Verdict::Healthy, t0), None);
        assert_eq!(b.state(t0), BreakerState::Open);
    }

    #[test]
    fn dropped_or_neutral_trial_frees_the_slot() {
        let b = breaker(1);
        let t0 = Instant::now();
        b.acquire(t0)
            .expect("closed")
            .settle_at(Verdict::Unhealthy, t0);
        let after = t0 + OPEN_FOR + Duration::from_millis(1);
        drop(b.acquire(after).expect("trial"));
        let trial = b.acquire(after).expect("slot freed by the drop");
        assert_eq!(trial.settle_at(Verdict::Neutral, after), None);
        assert!(
            b.acquire(after).is_some(),
            "slot freed by the neutral verdict"
        );
    }

    #[test]
    fn zero_threshold_never_opens() {
        let b = breaker(0);
        let t = Instant::now();
        for _ in 0..100 {
            assert_eq!(
                b.acquire(t)
                    .expect("always admitted")
                    .settle_at(Verdict::Unhealthy, t),
                None
            );
        }
        assert_eq!(b.state(t), BreakerState::Closed);
    }
}
