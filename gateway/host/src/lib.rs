//! The WebAssembly plugin host: `wasmtime` components, limits, host capabilities.
//!
//! A plugin is a WebAssembly component implementing the WIT world `smev-gateway:plugin/plugin@1.0.0`
//! (`plugins/wit/gateway.wit`). The gateway creates one [`PluginHost`], [`load`](PluginHost::load)s each
//! configured plugin from a [`PluginSpec`], and [`invoke`](PluginHost::invoke)s it per envelope:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::{sync::Arc, time::Duration};
//! use gateway_host::{HostConfig, NoServices, PayloadFormat, PluginHost, PluginSpec, QName, Request};
//!
//! let host = PluginHost::new(&HostConfig::default(), Arc::new(NoServices))?;
//! host.load(PluginSpec::new("test-doc", "plugins/test_doc.wasm")).await?;
//! let request = Request::new(
//!     "6f1e0a3c-0000-1000-8000-000000000000",
//!     "SENDER",
//!     QName::new("urn://gateway/test/1.0", "TestRequest"),
//!     PayloadFormat::Json,
//!     br#"{"action": "echo", "text": "hi"}"#.to_vec(),
//! );
//! let invocation = host.invoke("test-doc", request, Duration::from_secs(1)).await?;
//! println!("{:?}", invocation.outcome);
//! # Ok(()) }
//! ```
//!
//! Every invocation runs in a fresh instance from a pre-linked `InstancePre`, in a fresh `Store` from a pooling
//! allocator, with a memory cap (a limiter that remembers refusing a growth, reported as
//! [`InvokeError::MemoryExhausted`]), an epoch deadline (guest code yields every tick and traps when the budget
//! is spent) and an overall timeout that also covers host calls ([`InvokeError::DeadlineExceeded`]). A panic is
//! a trap ([`InvokeError::Trap`], with the panic message the plugin wrote to stderr). After any of these the host
//! goes on serving. Plugins have no ambient authority: WASI gives them clocks and random numbers only (no files,
//! no environment, no network; stdout discarded, stderr captured); everything else goes through the host
//! capabilities, of which tokens, registry, crypto and XML Schema are delegated to the gateway's
//! [`HostServices`].
//!
//! # Layout
//!
//! - `host`: [`PluginHost`], [`Invocation`], [`PoolUsage`]; outcome checks against the description.
//! - `load`: compile, version check, pre-link, `describe`, description checks.
//! - `runtime`: one call in a fresh store and instance, deadline and memory enforcement, failure causes.
//! - `engine`: engine configuration (pooling allocator, epochs, cache) and the epoch ticker thread.
//! - `state`: per-store data, the memory limiter, the epoch budget.
//! - `stdio`: the bounded stderr capture.
//! - `caps/`: one module per host interface (`tokens`, `registry`, `crypto`, `xml_schema` delegate to
//!   [`HostServices`]; `facts`, `qr`, `ids`, `log`, `config` are implemented here).
//! - `bindings`: the `wasmtime::component::bindgen!` output (private); `convert`: bindings ⇄ [`types`].
//! - [`types`]: plain Rust mirrors of the WIT records, used by the gateway.
//! - `services`: [`HostServices`], [`CallContext`], [`NoServices`].
//! - `config`: [`HostConfig`], [`PluginSpec`]; `error`: [`HostError`], [`SetupError`], [`LoadError`],
//!   [`InvokeError`].
//! - [`testing`]: builds the guest components for tests.

#![warn(missing_docs)]

mod bindings;
mod caps;
mod config;
mod convert;
mod engine;
mod error;
mod host;
mod load;
mod runtime;
mod services;
mod state;
mod stdio;
pub mod testing;
pub mod types;

pub use config::{DEFAULT_MEMORY_LIMIT, HostConfig, MAX_MEMORY_LIMIT, PluginSpec};
pub use error::{HostError, InvokeError, LoadError, SetupError};
pub use host::{Invocation, PluginHost, PoolUsage};
pub use services::{CallContext, HostServices, NoServices};
pub use types::{
    Annotation, Attachment, Denial, Description, Fact, Outcome, PayloadFormat, QName,
    REVOKED_PREFIX, RejectCode, Rejection, Reply, Request, Signer, Status, Token, TokenLookup,
    VerifyError,
};
