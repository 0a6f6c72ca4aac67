//! Test kit for the end-to-end tests: the gateway started on `127.0.0.1:0` exactly as `gateway serve` runs it,
//! with a fresh SQLite file or PostgreSQL database, the registry simulator in-process, real plugins and adapters.
//!
//! Layout:
//! - `artifacts`: the built plugins (wasm) and adapters (`.so`), built once per test process when no prebuilt
//!   ones are named by `GATEWAY_PLUGIN_DIR` / `GATEWAY_ADAPTER_DIR` (`cargo xtask test` sets both).
//! - `db`: a fresh database per test (SQLite temp file, or a PostgreSQL database dropped afterwards).
//! - `sim`: the registry simulator on port 0.
//! - `gateway`: a config for tests and a running gateway.
//! - `client`: a small HTTP client.
//! - `smev`: SOAP envelopes for requests and helpers to read and schema-check the answers.
//! - `mchd`: synthetic, signed powers of attorney (МЧД) and the negative set; `goscan`: their config and registry.
//! - `admission`: the regional QR admission system's config (plugin, page, routes, adapters, senders of each
//!   role) and calls as one of those senders.
//! - `oracle`: the independent XMLDSig checker (`tests/py/smev_xmldsig.py`).

pub mod admission;
pub mod artifacts;
pub mod browser;
pub mod client;
pub mod db;
pub mod gateway;
pub mod goscan;
pub mod mchd;
pub mod oracle;
pub mod pii;
pub mod pki;
pub mod sim;
pub mod smev;

pub use client::{Client, Reply};
pub use db::{Backend, TestDb};
pub use gateway::{GatewayProcess, TestConfig, TestGateway};
pub use sim::Sim;

/// The bearer token of test sender `A`.
pub const TOKEN_A: &str = "token-of-sender-a";
/// The bearer token of test sender `B`.
pub const TOKEN_B: &str = "token-of-sender-b";

/// The test plugins' namespace.
pub const TEST_NS: &str = "urn://gateway/test/1.0";

/// `{urn://gateway/test/1.0}TestRequest`.
pub fn test_request_type() -> String {
    format!("{{{TEST_NS}}}TestRequest")
}

/// `{urn://gateway/test/1.0}TestResponse`.
pub fn test_response_type() -> String {
    format!("{{{TEST_NS}}}TestResponse")
}

/// Both backends, for tests that must pass on each.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];
