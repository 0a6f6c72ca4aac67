//! The WebAssembly plugin host: `wasmtime` components, limits, host capabilities.
//!
//! A plugin is a WebAssembly component implementing the WIT world `smev-gateway:plugin/plugin` or, when it
//! also serves pages, `smev-gateway:plugin/plugin-with-pages` (contract 1.3.0, `plugins/wit/gateway.wit`;
//! components built against 1.0.0 and 1.1.0 load too). The gateway creates one [`PluginHost`],
//! [`load`](PluginHost::load)s each configured plugin from a [`PluginSpec`], and
//! [`invoke`](PluginHost::invoke)s it per envelope:
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
//! # Pages
//!
//! A plugin that exports `page` (see [`PluginHost::serves_pages`]) renders web pages:
//! [`PluginHost::page`] passes a [`PageRequest`] (GET or form POST, the path below the configured prefix,
//! query, form fields, the client's [`preferred_language`]; never the client's address, headers or cookies)
//! to a fresh instance, exactly like [`invoke`](PluginHost::invoke) (deadline, memory cap, capabilities), and
//! returns the [`PageResponse`] after checking it:
//!
//! - status 200–599; body at most [`MAX_PAGE_BODY`] (1 MiB);
//! - at most [`MAX_PAGE_HEADERS`] headers in [`MAX_HEADER_BYTES`]; names are HTTP tokens (returned in lower
//!   case), values visible ASCII without line breaks;
//! - none of [`REFUSED_HEADERS`]: framing and connection headers (the server computes them), the server's own
//!   (`date`, `server`, `strict-transport-security`, `alt-svc`), `set-cookie` (pages keep no state in the
//!   browser) and authentication challenges;
//! - `location` only as a path on the gateway (`/…`, not `//…`);
//! - `content-type` once at most, [`DEFAULT_CONTENT_TYPE`] when absent.
//!
//! A page that breaks a rule is [`InvokeError::InvalidPage`]; a plugin without the export answers
//! [`InvokeError::NoPages`].
//!
//! # Layout
//!
//! - `host`: [`PluginHost`], [`Invocation`], [`PoolUsage`]; outcome checks against the description.
//! - `load`: compile, version check, pre-link, `describe`, description checks.
//! - `exports`: the `handler` and optional `page` exports of a component, found once at load.
//! - `runtime`: one call in a fresh store and instance, deadline and memory enforcement, failure causes.
//! - `engine`: engine configuration (pooling allocator, epochs, cache) and the epoch ticker thread.
//! - `state`: per-store data, the memory limiter, the epoch budget.
//! - `stdio`: the bounded stderr capture.
//! - `caps/`: one module per host interface (`tokens`, `registry`, `crypto`, `xml_schema` delegate to
//!   [`HostServices`]; `facts`, `qr`, `ids`, `log`, `config` are implemented here).
//! - `bindings`: the `wasmtime::component::bindgen!` output (private); `convert`: bindings ⇄ [`types`].
//! - [`types`]: plain Rust mirrors of the WIT records, used by the gateway; `pages`: those of the `page`
//!   interface and [`preferred_language`]; `page_checks`: the rules a rendered page must follow.
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
mod exports;
mod host;
mod load;
mod page_checks;
mod pages;
mod runtime;
mod services;
mod state;
mod stdio;
pub mod testing;
pub mod types;

pub use config::{
    AttachmentLimits, DEFAULT_MEMORY_LIMIT, HostConfig, MAX_MEMORY_LIMIT, PluginSpec,
};
pub use error::{HostError, InvokeError, LoadError, SetupError};
pub use host::{Invocation, PluginHost, PoolUsage};
pub use page_checks::{
    DEFAULT_CONTENT_TYPE, MAX_HEADER_BYTES, MAX_PAGE_BODY, MAX_PAGE_HEADERS, REFUSED_HEADERS,
};
pub use pages::{PageMethod, PageRequest, PageResponse, preferred_language};
pub use services::{CallContext, HostServices, NoServices};
pub use types::{
    Annotation, Attachment, AttachmentReference, Denial, Description, Fact, MailMessage, Outcome,
    PayloadFormat, QName, REVOKED_PREFIX, RejectCode, Rejection, Reply, Request, Signer, Status,
    StorePut, StorePutResult, StoredItem, Token, TokenLookup, VerifyError,
};
