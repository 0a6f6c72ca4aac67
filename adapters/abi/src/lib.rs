//! The C ABI between the gateway and native adapters, and the export macro adapters use.
//!
//! An adapter is a shared library (`cdylib`) that connects the gateway to one external registry. The gateway
//! loads it with `dlopen`, checks its ABI version, initialises it with its JSON configuration and calls it on
//! a pool of threads of its own. Rust authors never touch the raw ABI: they implement [`Adapter`] and call
//! [`export_adapter!`]:
//!
//! ```
//! use gateway_adapter_abi::{Adapter, AdapterError, serde_json};
//!
//! pub struct Echo;
//!
//! impl Adapter for Echo {
//!     const NAME: &'static str = "echo";
//!     const VERSION: &'static str = env!("CARGO_PKG_VERSION");
//!     fn init(_config: serde_json::Value) -> Result<Self, AdapterError> { Ok(Echo) }
//!     fn call(&self, _operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> { Ok(input.to_vec()) }
//! }
//!
//! gateway_adapter_abi::export_adapter!(Echo);
//! ```
//!
//! The library must be built with `panic = "unwind"` (Cargo's default): the loader refuses `panic = "abort"`
//! builds, because there a panic would abort the whole gateway.
//!
//! # The ABI, version 1
//!
//! All integers are native-endian, `usize` is the platform's `size_t`, strings are UTF-8, functions use the
//! C calling convention.
//!
//! **Exported symbols.**
//! 1. `uint32_t gateway_adapter_abi_version(void)` returns [`ABI_VERSION`] (1). The loader calls it before
//!    anything else and refuses the library if the symbol is missing or the value differs.
//! 2. `const AdapterV1 *gateway_adapter_v1(void)` returns the descriptor, which lives as long as the library.
//!
//! **The descriptor** ([`AdapterV1`], `#[repr(C)]`, fields in this order): `uint32_t abi_version` (1);
//! `uint8_t panic_unwind` (1 if panics are caught at the boundary, i.e. built with `panic = "unwind"`);
//! `const char *name`, `const char *version` (NUL-terminated, static); then four function pointers:
//!
//! | function | signature | contract |
//! |---|---|---|
//! | `init` | `int32_t (const uint8_t *config, size_t config_len, void **state, Buffer *err)` | config is JSON (empty = `null`); on 0 writes `*state` (may be null) |
//! | `call` | `int32_t (const void *state, const uint8_t *op, size_t op_len, const uint8_t *in, size_t in_len, Buffer *out)` | may run concurrently on several threads |
//! | `free_buffer` | `void (Buffer)` | releases a buffer the library returned |
//! | `drop_state` | `void (void *state)` | once, after the last `call` returned |
//!
//! **Buffers** ([`Buffer`]: `uint8_t *ptr; size_t len; size_t cap`) are allocated by the adapter and handed
//! back to the same adapter's `free_buffer` once the gateway has copied them; `cap` belongs to the allocating
//! side. A null `ptr` means empty. The gateway pre-fills every out slot with the empty buffer.
//!
//! **Status codes** returned by `init` and `call`:
//! - [`STATUS_OK`] (0): success; for `call`, `*out` holds the output bytes.
//! - [`STATUS_ERROR`] (1): the buffer holds the JSON `{"kind": "...", "message": "..."}` of an
//!   [`AdapterError`]; kinds are `unavailable` (the registry is down or overloaded; retryable), `timeout`
//!   (the registry was too slow; retryable), `invalid` (bad input or configuration) and `failed` (anything
//!   else, e.g. a malformed answer).
//! - [`STATUS_PANIC`] (2): a panic was caught at the boundary; the buffer holds the panic message and where it
//!   happened (`message (at file:line)`). The library itself prints nothing: the gateway logs it, masked.
//!
//! Any other status is treated as `failed`. No function may unwind or longjmp across the boundary.
//!
//! **Lifetime and threads.** The gateway never unloads an adapter library (a call that hangs keeps running
//! on its thread, so unloading would never be safe). `call` may run on any of the adapter's pool threads,
//! several at once, with the same state; `init` and `drop_state` run once. A library may be loaded more than
//! once under different names: each load gets its own state, while the library's statics are shared.
//!
//! # Layout
//! - [`ffi`] — the raw types, symbol names and status codes.
//! - `error`: [`AdapterError`] and [`ErrorKind`], and their JSON wire form.
//! - `adapter`: the safe [`Adapter`] trait.
//! - `export`: the generic `extern "C"` entry points behind [`export_adapter!`] (hidden as `__export`).
//! - `panics`: a panic inside an entry point becomes its message and place for the gateway, printed by no one
//!   but the gateway's masked log.

mod adapter;
mod error;
mod export;
pub mod ffi;
mod panics;

pub use adapter::Adapter;
pub use error::{AdapterError, ErrorKind};
pub use ffi::{
    ABI_VERSION, AdapterV1, Buffer, STATUS_ERROR, STATUS_OK, STATUS_PANIC, SYMBOL_ABI_VERSION,
    SYMBOL_V1,
};

/// The JSON crate the [`Adapter`] trait uses, re-exported so adapters name the same version.
pub use serde_json;

/// Implementation details of [`export_adapter!`]; not a stable API.
#[doc(hidden)]
pub mod __export {
    pub use crate::export::{call, drop_state, free_buffer, init, nul_terminated};
}
