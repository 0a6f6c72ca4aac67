//! Safe wrappers of the host capabilities, one module per WIT interface.
//!
//! Each function calls the host: it works inside a plugin instance only (on a native target the underlying
//! import panics). Errors are [`HostError`](crate::error::HostError) unless noted.

pub mod attachments;
pub mod config;
pub mod crypto;
pub mod facts;
pub mod ids;
pub mod log;
pub mod mail;
pub mod qr;
pub mod registry;
pub mod store;
pub mod tokens;
pub mod xml_schema;

pub use config::{config, config_json};
