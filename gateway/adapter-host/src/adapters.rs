//! The set of loaded adapters and the call path: breaker → pool → timeout → retry.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway_adapter_abi::ErrorKind;
use tokio::sync::oneshot;

use crate::backoff;
use crate::breaker::{Breaker, BreakerState, Verdict};
use crate::error::{CallError, LoadError};
use crate::info::{AdapterInfo, Event, LiveCounters};
use crate::library::{Instance, Library, Outcome};
use crate::pool::Pool;
use crate::spec::AdapterSpec;

/// The loaded adapters, keyed by configured name. `Send + Sync`; share it as `Arc<Adapters>`.
///
/// Dropping it stops the pools' idle threads and releases each adapter's state once no call runs on it any
/// more; the libraries themselves stay loaded until the process exits.
pub struct Adapters {
    entries: BTreeMap<String, Entry>,
}

/// One loaded adapter.
struct Entry {
    spec: AdapterSpec,
    instance: Arc<Instance>,
    pool: Pool,
    breaker: Breaker,
    counters: LiveCounters,
}

impl Adapters {
    /// Loads every adapter: checks the specs, opens and verifies each library, runs its `init` with its
    /// configuration and starts its thread pool. Stops at the first failure.
    ///
    /// Blocking (it runs the adapters' `init`); call it at start-up, outside the async runtime's workers.
    pub fn load(specs: Vec<AdapterSpec>) -> Result<Adapters, LoadError> {
        let mut seen = HashSet::new();
        for spec in &specs {
            spec.validate().map_err(|reason| LoadError::InvalidSpec {
                name: spec.name.clone(),
                reason,
            })?;
            if !seen.insert(spec.name.as_str()) {
                return Err(LoadError::Duplicate(spec.name.clone()));
            }
        }
        let mut entries = BTreeMap::new();
        for spec in specs {
            let entry = Entry::load(spec)?;
            entries.insert(entry.spec.name.clone(), entry);
        }
        Ok(Adapters { entries })
    }

    /// Calls `operation` of adapter `adapter` with `input` and returns its output.
    ///
    /// Each attempt runs on the adapter's own threads and is bounded by the spec's `timeout`; retryable
    /// failures are retried `retries` times with backoff. When an attempt times out the caller gets its
    /// answer at the timeout, but the native call cannot be killed: it keeps its pool thread until it
    /// returns (its late result is discarded), and the breaker counts the timeout.
    ///
    /// Must be awaited inside a Tokio runtime with the time driver enabled.
    pub async fn call(
        &self,
        adapter: &str,
        operation: &str,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, CallError> {
        let entry = self
            .entries
            .get(adapter)
            .ok_or_else(|| CallError::UnknownAdapter(adapter.to_owned()))?;
        entry.call(operation, input).await
    }

    /// The configured names of the loaded adapters, sorted.
    pub fn names(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    /// A snapshot of one adapter, or `None` if no adapter has this name.
    pub fn info(&self, adapter: &str) -> Option<AdapterInfo> {
        self.entries.get(adapter).map(Entry::info)
    }

    /// The longest a call to this adapter can take (see [`AdapterSpec::worst_case`]); `gateway check`
    /// compares it with the deadlines of the routes that use the adapter.
    pub fn worst_case(&self, adapter: &str) -> Option<Duration> {
        self.entries
            .get(adapter)
            .map(|entry| entry.spec.worst_case())
    }
}

impl std::fmt::Debug for Adapters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adapters")
            .field("names", &self.names())
            .finish()
    }
}

impl Entry {
    fn load(spec: AdapterSpec) -> Result<Entry, LoadError> {
        let library = Library::open(&spec.name, &spec.path)?;
        // Serialising a `serde_json::Value` cannot fail.
        let config = serde_json::to_vec(&spec.config).unwrap_or_else(|_| b"null".to_vec());
        let instance = Instance::init(library, &config).map_err(|message| LoadError::Init {
            name: spec.name.clone(),
            message,
        })?;
        let pool = Pool::start(&spec.name, spec.threads, spec.queue).map_err(|source| {
            LoadError::Spawn {
                name: spec.name.clone(),
                source,
            }
        })?;
        let library = instance.library();
        tracing::info!(
            adapter = %spec.name,
            library = %library.name,
            version = %library.version,
            path = %library.path.display(),
            threads = spec.threads,
            "adapter loaded"
        );
        Ok(Entry {
            breaker: Breaker::new(spec.breaker),
            counters: LiveCounters::default(),
            instance: Arc::new(instance),
            pool,
            spec,
        })
    }

    fn info(&self) -> AdapterInfo {
        let library = self.instance.library();
        let load = self.pool.load();
        AdapterInfo {
            name: self.spec.name.clone(),
            library_name: library.name.clone(),
            library_version: library.version.clone(),
            path: library.path.clone(),
            breaker: self.breaker.state(Instant::now()),
            threads: self.spec.threads,
            queue: self.spec.queue,
            running: load.running,
            queued: load.queued,
            counters: self.counters.snapshot(),
        }
    }

    /// One call (its attempts and retries), counted in [`LiveCounters`] and, with its time, in the process's
    /// metrics (the `metrics` facade; the gateway exports them): `gateway_adapter_calls_total` by adapter and
    /// outcome (`ok`, or [`CallError::outcome`]) and `gateway_adapter_call_duration_seconds` by adapter.
    async fn call(&self, operation: &str, input: Vec<u8>) -> Result<Vec<u8>, CallError> {
        let started = Instant::now();
        let result = self.call_with_retries(operation, input).await;
        let outcome = result.as_ref().map_or_else(CallError::outcome, |_| "ok");
        let adapter = self.spec.name.clone();
        metrics::counter!("gateway_adapter_calls_total", "adapter" => adapter.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("gateway_adapter_call_duration_seconds", "adapter" => adapter)
            .record(started.elapsed().as_secs_f64());
        result
    }

    async fn call_with_retries(
        &self,
        operation: &str,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, CallError> {
        self.counters.count(Event::Call);
        let operation: Arc<str> = Arc::from(operation);
        let input: Arc<[u8]> = Arc::from(input);
        let mut retry = 0;
        loop {
            let error = match self.attempt(&operation, &input).await {
                Ok(output) => return Ok(output),
                Err(error) => error,
            };
            let retried = matches!(error, CallError::Timeout(_) | CallError::Unavailable(_));
            if !retried || retry >= self.spec.retries {
                return Err(error);
            }
            let pause = backoff::jittered(self.spec.retry_backoff, retry);
            tracing::debug!(adapter = %self.spec.name, %operation, %error, ?pause, "retrying adapter call");
            retry += 1;
            self.counters.count(Event::Retry);
            metrics::counter!("gateway_adapter_retries_total", "adapter" => self.spec.name.clone())
                .increment(1);
            tokio::time::sleep(pause).await;
        }
    }

    /// One attempt: breaker permit, pool slot, bounded wait.
    async fn attempt(&self, operation: &Arc<str>, input: &Arc<[u8]>) -> Result<Vec<u8>, CallError> {
        let Some(permit) = self.breaker.acquire(Instant::now()) else {
            self.counters.count(Event::CircuitOpen);
            return Err(CallError::CircuitOpen);
        };
        self.counters.count(Event::Attempt);
        let started = Instant::now();
        let (reply, answer) = oneshot::channel();
        let (instance, operation, input) = (
            Arc::clone(&self.instance),
            Arc::clone(operation),
            Arc::clone(input),
        );
        let max_answer = self.spec.max_answer;
        let job = Box::new(move || {
            // The caller may have timed out while this waited in the queue: then skip the native call.
            if !reply.is_closed() {
                let _ = reply.send(instance.call(&operation, &input, max_answer));
            }
        });
        if self.pool.submit(job).is_err() {
            self.counters.count(Event::Busy);
            self.note(permit.settle(Verdict::Neutral));
            return Err(CallError::Unavailable(format!(
                "adapter `{}` is busy: all {} threads and the queue of {} are taken",
                self.spec.name, self.spec.threads, self.spec.queue
            )));
        }
        let outcome = match tokio::time::timeout(self.spec.timeout, answer).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => {
                // The job was dropped unrun: the pool is shutting down.
                self.note(permit.settle(Verdict::Neutral));
                return Err(CallError::Failed(format!(
                    "adapter `{}` is shutting down",
                    self.spec.name
                )));
            }
            Err(_) => {
                self.counters.count(Event::Timeout);
                self.note(permit.settle(Verdict::Unhealthy));
                tracing::warn!(adapter = %self.spec.name, timeout = ?self.spec.timeout, "adapter call timed out");
                return Err(CallError::Timeout(self.spec.timeout));
            }
        };
        let (event, verdict, result) = self.judge(outcome, started.elapsed());
        self.counters.count(event);
        self.note(permit.settle(verdict));
        result
    }

    /// Maps a native outcome to a counter, a breaker verdict and the caller's result.
    fn judge(
        &self,
        outcome: Outcome,
        elapsed: Duration,
    ) -> (Event, Verdict, Result<Vec<u8>, CallError>) {
        let name = &self.spec.name;
        match outcome {
            Outcome::Ok(output) => (Event::Succeeded, Verdict::Healthy, Ok(output)),
            Outcome::Error(error) => match error.kind {
                ErrorKind::Unavailable => {
                    tracing::warn!(adapter = %name, message = %error.message, "registry unavailable");
                    (
                        Event::Unavailable,
                        Verdict::Unhealthy,
                        Err(CallError::Unavailable(error.message)),
                    )
                }
                ErrorKind::Timeout => {
                    tracing::warn!(adapter = %name, message = %error.message, "registry timed out");
                    (
                        Event::Timeout,
                        Verdict::Unhealthy,
                        Err(CallError::Timeout(elapsed)),
                    )
                }
                ErrorKind::Invalid => (
                    Event::Invalid,
                    Verdict::Healthy,
                    Err(CallError::Invalid(error.message)),
                ),
                ErrorKind::Failed => {
                    tracing::warn!(adapter = %name, message = %error.message, "adapter call failed");
                    (
                        Event::Failed,
                        Verdict::Healthy,
                        Err(CallError::Failed(error.message)),
                    )
                }
            },
            Outcome::Panic(message) => {
                tracing::error!(adapter = %name, %message, "adapter panicked (caught)");
                (
                    Event::Panicked,
                    Verdict::Neutral,
                    Err(CallError::Panicked(message)),
                )
            }
            Outcome::Malformed(message) => {
                tracing::error!(adapter = %name, %message, "adapter broke the ABI");
                (
                    Event::Failed,
                    Verdict::Neutral,
                    Err(CallError::Failed(message)),
                )
            }
        }
    }

    /// Logs a breaker transition.
    fn note(&self, transition: Option<BreakerState>) {
        match transition {
            Some(BreakerState::Open) => tracing::warn!(
                adapter = %self.spec.name,
                open_for = ?self.spec.breaker.open_for,
                "circuit opened after repeated failures"
            ),
            Some(BreakerState::Closed) => {
                tracing::info!(adapter = %self.spec.name, "circuit closed again")
            }
            Some(BreakerState::HalfOpen) | None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_across_tasks<T: Send + Sync + 'static>() {}

    fn spawnable<F: std::future::Future + Send>(_: F) {}

    #[test]
    fn adapters_can_be_shared_and_calls_spawned() {
        shared_across_tasks::<Adapters>();
        let adapters = Adapters {
            entries: BTreeMap::new(),
        };
        spawnable(adapters.call("x", "y", Vec::new()));
    }

    #[tokio::test]
    async fn an_empty_set_knows_no_adapter() {
        let adapters = Adapters::load(Vec::new()).expect("nothing to load");
        assert!(adapters.names().is_empty());
        assert_eq!(
            adapters.call("x", "y", Vec::new()).await,
            Err(CallError::UnknownAdapter("x".into()))
        );
        assert!(adapters.info("x").is_none());
        assert!(adapters.worst_case("x").is_none());
    }
}
