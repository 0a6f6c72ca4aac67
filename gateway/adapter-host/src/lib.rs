//! Loads native adapters (libloading) and calls them on bounded pools with timeouts and circuit breakers.
//!
//! An adapter is a shared library speaking the C ABI of `gateway-adapter-abi`. The operator lists adapters
//! in the gateway's configuration; [`Adapters::load`] turns that list of [`AdapterSpec`]s into live adapters
//! and [`Adapters::call`] is what plugins' registry lookups end up in:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use gateway_adapter_host::{AdapterSpec, Adapters};
//! let spec = AdapterSpec::new(
//!     "mod-showcase",
//!     "/usr/lib/gateway/libmod_showcase_adapter.so",
//!     serde_json::json!({"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}),
//! );
//! let adapters = Adapters::load(vec![spec])?;
//! let answer = adapters.call("mod-showcase", "lookup", br#"{"snils": "112-233-445 95"}"#.to_vec()).await?;
//! # Ok(()) }
//! ```
//!
//! # What the host guarantees
//! - **Verification before use.** The library's `gateway_adapter_abi_version` is checked before anything
//!   else; then the descriptor; a library built with `panic = "abort"` is refused (a panic in it would kill
//!   the gateway). Messages name the file and say what to do.
//! - **Isolation from the async runtime.** Each adapter has its own pool of OS threads with a bounded
//!   queue; a full pool answers [`CallError::Unavailable`] at once instead of queueing without end.
//! - **Bounded waits.** Each attempt is bounded by the spec's timeout. A native call cannot be killed: one
//!   that hangs keeps its pool thread until it returns (its late answer is dropped) and so reduces the
//!   adapter's capacity; the timeout answers the caller and the breaker counts it.
//! - **Retries** of retryable failures (timeouts, `unavailable`, busy) with doubling, jittered backoff;
//!   [`AdapterSpec::worst_case`] bounds the total time.
//! - **Circuit breaker.** After `failure_threshold` consecutive retryable failures the circuit opens for
//!   `open_for` ([`CallError::CircuitOpen`] at once), then one trial call decides whether it closes.
//! - **Panics are faults.** A panic caught by the adapter's boundary becomes [`CallError::Panicked`]; the
//!   adapter stays usable.
//! - **Libraries are never unloaded** while the process runs, since a hung call may still be executing
//!   their code.
//!
//! # Layout
//! - `spec`: [`AdapterSpec`], [`BreakerConfig`], validation and the worst case.
//! - `error`: [`LoadError`] and [`CallError`].
//! - `library`: the unsafe edge (open, verify, `init`, `call`, buffers). All `unsafe` lives there.
//! - `pool`: the per-adapter thread pool with its bounded queue.
//! - `breaker`: the circuit breaker state machine ([`BreakerState`]).
//! - `backoff`: retry pauses with jitter.
//! - `info`: [`AdapterInfo`] and [`Counters`].
//! - `adapters`: [`Adapters`]: loading and the call path.
//! - `testing` (feature `testing`): builds the workspace's adapter libraries for tests.

mod adapters;
mod backoff;
mod breaker;
mod error;
mod info;
mod library;
mod pool;
mod spec;
#[cfg(feature = "testing")]
pub mod testing;

pub use adapters::Adapters;
pub use breaker::BreakerState;
pub use error::{CallError, LoadError};
pub use info::{AdapterInfo, Counters};
pub use spec::{AdapterSpec, BreakerConfig, DEFAULT_MAX_ANSWER, MAX_RETRIES, MAX_THREADS};
