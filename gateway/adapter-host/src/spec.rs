//! What the operator configures for one adapter: where the library is, its configuration, and the limits
//! the host enforces around it.

use std::path::PathBuf;
use std::time::Duration;

/// Most retries the host accepts per call; more would make the worst case absurd.
pub const MAX_RETRIES: u32 = 16;

/// Most pool threads per adapter.
pub const MAX_THREADS: usize = 1024;

/// One adapter to load: the library, its configuration and its limits.
#[derive(Debug, Clone)]
pub struct AdapterSpec {
    /// The name routes and plugins use to call this adapter; unique among the loaded adapters.
    pub name: String,
    /// The shared library file. A relative path is taken from the current directory (never searched for
    /// in the system's library path).
    pub path: PathBuf,
    /// The adapter's own configuration, handed to its `init` as JSON.
    pub config: serde_json::Value,
    /// How long the caller waits for one attempt, queueing in front of the pool included.
    pub timeout: Duration,
    /// Extra attempts after a retryable failure (`unavailable`, `timeout`, pool busy).
    pub retries: u32,
    /// Pause before the first retry; doubled for each further retry, with jitter (each pause is drawn
    /// uniformly between half the nominal value and the nominal value).
    pub retry_backoff: Duration,
    /// Size of the adapter's own thread pool: how many native calls run at once.
    pub threads: usize,
    /// How many calls may wait for a free pool thread; when full, calls fail at once with
    /// `Unavailable("busy")`. 0 means calls never wait.
    pub queue: usize,
    /// The circuit breaker around the adapter.
    pub breaker: BreakerConfig,
    /// The largest answer (or error) accepted from one call, in bytes; a larger one is refused before the
    /// host copies it, and the call fails. Default [`DEFAULT_MAX_ANSWER`].
    pub max_answer: usize,
}

/// The default of [`AdapterSpec::max_answer`]: 8 MiB.
pub const DEFAULT_MAX_ANSWER: usize = 8 << 20;

/// Circuit breaker settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive retryable failures (timeouts, `unavailable`) that open the circuit. 0 disables the
    /// breaker.
    pub failure_threshold: u32,
    /// How long an open circuit fails calls fast before it lets one trial call through (half-open).
    pub open_for: Duration,
}

impl Default for BreakerConfig {
    /// Five consecutive failures open the circuit for 30 seconds.
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            open_for: Duration::from_secs(30),
        }
    }
}

impl AdapterSpec {
    /// A spec with the default limits: 5 s timeout, no retries (100 ms base backoff), 4 threads, a queue of
    /// 64, the default breaker, answers up to 8 MiB.
    pub fn new(
        name: impl Into<String>,
        path: impl Into<PathBuf>,
        config: serde_json::Value,
    ) -> AdapterSpec {
        AdapterSpec {
            name: name.into(),
            path: path.into(),
            config,
            timeout: Duration::from_secs(5),
            retries: 0,
            retry_backoff: Duration::from_millis(100),
            threads: 4,
            queue: 64,
            breaker: BreakerConfig::default(),
            max_answer: DEFAULT_MAX_ANSWER,
        }
    }

    /// Checks the limits; the message says which field is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("the adapter name is empty".into());
        }
        if self.timeout.is_zero() {
            return Err("timeout must be greater than zero".into());
        }
        if self.threads == 0 || self.threads > MAX_THREADS {
            return Err(format!(
                "threads must be between 1 and {MAX_THREADS}, not {}",
                self.threads
            ));
        }
        if self.retries > MAX_RETRIES {
            return Err(format!(
                "retries must be at most {MAX_RETRIES}, not {}",
                self.retries
            ));
        }
        if self.max_answer == 0 {
            return Err("max_answer must be greater than zero".into());
        }
        if self.breaker.failure_threshold > 0 && self.breaker.open_for.is_zero() {
            return Err(
                "breaker.open_for must be greater than zero when the breaker is enabled".into(),
            );
        }
        Ok(())
    }

    /// The longest a call can take before the caller gets an answer: every attempt timing out, plus the
    /// longest pause before each retry: `timeout × (retries + 1) + retry_backoff × (2^retries − 1)`.
    pub fn worst_case(&self) -> Duration {
        let attempts = self.retries.saturating_add(1);
        let mut total = self.timeout.saturating_mul(attempts);
        for retry in 0..self.retries {
            total = total.saturating_add(crate::backoff::nominal(self.retry_backoff, retry));
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> AdapterSpec {
        AdapterSpec::new("a", "/x.so", serde_json::Value::Null)
    }

    #[test]
    fn worst_case_adds_every_attempt_and_the_longest_backoffs() {
        let mut s = spec();
        s.timeout = Duration::from_millis(800);
        s.retries = 0;
        assert_eq!(s.worst_case(), Duration::from_millis(800));
        s.retries = 2;
        s.retry_backoff = Duration::from_millis(100);
        // 3 × 800 + 100 + 200
        assert_eq!(s.worst_case(), Duration::from_millis(2_700));
        s.retries = 3;
        // 4 × 800 + 100 + 200 + 400
        assert_eq!(s.worst_case(), Duration::from_millis(3_900));
    }

    #[test]
    fn worst_case_saturates_instead_of_overflowing() {
        let mut s = spec();
        s.timeout = Duration::MAX;
        s.retries = MAX_RETRIES;
        s.retry_backoff = Duration::MAX;
        assert_eq!(s.worst_case(), Duration::MAX);
    }

    #[test]
    fn validate_names_the_wrong_field() {
        assert_eq!(spec().validate(), Ok(()));
        let mut s = spec();
        s.threads = 0;
        assert!(s.validate().unwrap_err().contains("threads"));
        let mut s = spec();
        s.timeout = Duration::ZERO;
        assert!(s.validate().unwrap_err().contains("timeout"));
        let mut s = spec();
        s.retries = MAX_RETRIES + 1;
        assert!(s.validate().unwrap_err().contains("retries"));
        let mut s = spec();
        s.name = " ".into();
        assert!(s.validate().unwrap_err().contains("name"));
        let mut s = spec();
        s.breaker.open_for = Duration::ZERO;
        assert!(s.validate().unwrap_err().contains("open_for"));
        s.breaker.failure_threshold = 0;
        assert_eq!(s.validate(), Ok(()));
    }
}
