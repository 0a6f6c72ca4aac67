//! Pauses between retries: doubling from a base, with jitter so that callers who failed together do not
//! retry together.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The nominal pause before retry number `retry` (0-based): `base × 2^retry`, saturating.
pub(crate) fn nominal(base: Duration, retry: u32) -> Duration {
    let factor = 2_u32.checked_pow(retry).unwrap_or(u32::MAX);
    base.saturating_mul(factor)
}

/// The pause actually taken: uniform between half the nominal pause and the nominal pause ("equal
/// jitter"), so the nominal value is also the bound used by the worst-case computation.
pub(crate) fn jittered(base: Duration, retry: u32) -> Duration {
    spread(nominal(base, retry), random_unit())
}

/// `full/2 + full/2 × unit`, for `unit` in `[0, 1]`.
fn spread(full: Duration, unit: f64) -> Duration {
    let half = full / 2;
    half.saturating_add(half.mul_f64(unit.clamp(0.0, 1.0)))
}

/// A uniform number in `[0, 1)`, good enough for jitter: SipHash with the process's random keys over a
/// counter. Not for anything that needs unpredictability.
fn random_unit() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    // 53 random bits → an exactly representable fraction.
    (hasher.finish() >> 11) as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nominal_doubles_and_saturates() {
        let base = Duration::from_millis(100);
        assert_eq!(nominal(base, 0), Duration::from_millis(100));
        assert_eq!(nominal(base, 1), Duration::from_millis(200));
        assert_eq!(nominal(base, 3), Duration::from_millis(800));
        assert_eq!(nominal(Duration::MAX, 2), Duration::MAX);
        assert_eq!(
            nominal(Duration::from_secs(1), 40),
            Duration::from_secs(u64::from(u32::MAX))
        );
    }

    #[test]
    fn spread_stays_between_half_and_full() {
        let full = Duration::from_millis(400);
        assert_eq!(spread(full, 0.0), Duration::from_millis(200));
        assert_eq!(spread(full, 1.0), full);
        assert_eq!(spread(full, 7.0), full);
    }

    #[test]
    fn jittered_pauses_vary_within_bounds() {
        let base = Duration::from_millis(100);
        let pauses: Vec<Duration> = (0..50).map(|_| jittered(base, 1)).collect();
        assert!(
            pauses
                .iter()
                .all(|p| *p >= Duration::from_millis(100) && *p <= Duration::from_millis(200))
        );
        let first = pauses[0];
        assert!(pauses.iter().any(|p| *p != first), "jitter must vary");
    }

    #[test]
    fn random_unit_is_in_range() {
        for _ in 0..1000 {
            let u = random_unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
