//! XML Schema validation through libxml2 (hand-written FFI, no bindgen).
//!
//! - [`ffi`]: the declarations of the libxml2 functions used;
//! - [`diagnostics`]: one-time set-up, error silencing, and the callback that collects messages;
//! - [`header`]: an XSD file's `targetNamespace` and includes, read with quick-xml;
//! - [`select`]: which XSD files are registered under which namespace;
//! - [`prolog`]: the scan that refuses DOCTYPEs and unsafe encodings before libxml2 parses a payload;
//! - [`schema`]: a compiled schema, its pool of validation contexts, and validation.

mod diagnostics;
mod ffi;
mod header;
mod prolog;
mod schema;
mod select;

pub(crate) use prolog::{Root, inspect};
pub(crate) use schema::XsdSchema;
pub(crate) use select::{XsdFile, select_roots};
