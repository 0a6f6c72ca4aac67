//! Fault injection: a fixed latency and a failure rate per simulated service, changeable at run time.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;

/// Longest latency accepted (a simulator that never answers is spelled "failure rate 1").
pub const MAX_LATENCY: Duration = Duration::from_secs(600);

/// The faults injected into one service's answers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    /// Added before every answer, in milliseconds.
    pub latency_ms: u64,
    /// Share of requests answered `503 Service Unavailable` instead of served, 0 to 1.
    pub failure_rate: f64,
}

impl Faults {
    /// No faults.
    pub const NONE: Faults = Faults {
        latency_ms: 0,
        failure_rate: 0.0,
    };

    /// Checks the ranges; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.failure_rate) {
            return Err(format!(
                "failureRate must be between 0 and 1, not {}",
                self.failure_rate
            ));
        }
        if Duration::from_millis(self.latency_ms) > MAX_LATENCY {
            return Err(format!(
                "latencyMs must be at most {}, not {}",
                MAX_LATENCY.as_millis(),
                self.latency_ms
            ));
        }
        Ok(())
    }

    /// The latency as a duration.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms)
    }
}

/// A service's current faults, shared between the request path and `POST /__config`.
#[derive(Debug)]
pub(crate) struct FaultSwitch {
    current: Mutex<Faults>,
    dice: Dice,
}

impl FaultSwitch {
    pub(crate) fn new(faults: Faults) -> FaultSwitch {
        FaultSwitch {
            current: Mutex::new(faults),
            dice: Dice::new(),
        }
    }

    pub(crate) fn get(&self) -> Faults {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn set(&self, faults: Faults) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = faults;
    }

    /// Decides whether this request fails, per the current failure rate.
    pub(crate) fn roll_failure(&self, faults: &Faults) -> bool {
        faults.failure_rate > 0.0 && self.dice.unit() < faults.failure_rate
    }
}

/// A lock-free pseudo-random source (SplitMix64 over an atomic counter), seeded per process. Statistical
/// quality is ample for fault injection; it is not for anything secret.
#[derive(Debug)]
struct Dice {
    state: AtomicU64,
}

impl Dice {
    fn new() -> Dice {
        Dice {
            state: AtomicU64::new(RandomState::new().hash_one(0_u64)),
        }
    }

    /// A uniform number in `[0, 1)`.
    fn unit(&self) -> f64 {
        let mut z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1_u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_checks_ranges() {
        assert_eq!(Faults::NONE.validate(), Ok(()));
        assert!(
            Faults {
                latency_ms: 0,
                failure_rate: 1.5
            }
            .validate()
            .unwrap_err()
            .contains("failureRate")
        );
        assert!(
            Faults {
                latency_ms: 0,
                failure_rate: f64::NAN
            }
            .validate()
            .is_err()
        );
        assert!(
            Faults {
                latency_ms: 600_001,
                failure_rate: 0.0
            }
            .validate()
            .unwrap_err()
            .contains("latencyMs")
        );
    }

    #[test]
    fn rates_zero_and_one_are_exact() {
        let switch = FaultSwitch::new(Faults::NONE);
        let never = Faults {
            latency_ms: 0,
            failure_rate: 0.0,
        };
        let always = Faults {
            latency_ms: 0,
            failure_rate: 1.0,
        };
        assert!((0..10_000).all(|_| !switch.roll_failure(&never)));
        assert!((0..10_000).all(|_| switch.roll_failure(&always)));
    }

    #[test]
    fn a_rate_in_between_fails_about_that_share() {
        let switch = FaultSwitch::new(Faults::NONE);
        let quarter = Faults {
            latency_ms: 0,
            failure_rate: 0.25,
        };
        let failures = (0..20_000)
            .filter(|_| switch.roll_failure(&quarter))
            .count();
        // Expected 5000, standard deviation about 61: the bounds are over ten deviations wide.
        assert!((4_300..5_700).contains(&failures), "{failures}");
    }

    #[test]
    fn switch_settings_can_be_changed() {
        let switch = FaultSwitch::new(Faults::NONE);
        let slow = Faults {
            latency_ms: 250,
            failure_rate: 0.5,
        };
        switch.set(slow);
        assert_eq!(switch.get(), slow);
        assert_eq!(switch.get().latency(), Duration::from_millis(250));
    }
}
