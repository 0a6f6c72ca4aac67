//! The host capabilities: one module per WIT interface, each implementing the generated `Host` trait on
//! [`StoreState`].
//!
//! - Delegated to the gateway's [`HostServices`](crate::HostServices): `tokens`, `registry`, `crypto`,
//!   `xml_schema`, `store` (tags hashed here first) and `mail` (checked here first).
//! - Implemented here: `facts` (buffered in the store, returned with the outcome), `attachments` (the request's
//!   references; files attached to the reply, buffered like facts), `qr` (PNG and SVG; the mask chosen in `qr_matrix`), `ids`
//!   (UUID v4, unix ms clock), `log` (to `tracing`, target `plugin`, identifiers masked), `config` (the plugin's
//!   config JSON).

pub(crate) mod attachments;
mod config;
mod crypto;
mod facts;
mod ids;
mod log;
mod mail;
mod qr;
pub(crate) mod qr_matrix;
mod registry;
mod store;
mod tokens;
mod xml_schema;

use wasmtime::component::{HasSelf, Linker};

use crate::bindings::{PluginWithPages, smev_gateway::plugin::types};
use crate::state::StoreState;

impl types::Host for StoreState {}

/// Adds WASI p2 and every interface of the plugin world to `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    PluginWithPages::add_to_linker::<StoreState, HasSelf<StoreState>>(linker, |state| state)
}
