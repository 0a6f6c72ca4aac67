//! Payload schema checks, run on every envelope before any plugin: XSD through libxml2, JSON Schema
//! through the `jsonschema` crate.
//!
//! Everything is loaded once at startup from a directory ([`SchemaCatalog::load_dir`]): `*.xsd` files
//! register under their target namespace, `*.schema.json` files under the message type named by their
//! `"x-message-type"` key. At run time [`SchemaCatalog::validate_xml`] and
//! [`SchemaCatalog::validate_json`] answer `Ok(())` or [`Violations`]: the validator's own messages,
//! capped, fit to return to the sender in an `InvalidContent` fault.
//!
//! ```no_run
//! use std::{path::Path, sync::Arc};
//! use gateway_schema::SchemaCatalog;
//!
//! let catalog = Arc::new(SchemaCatalog::load_dir(Path::new("schemas"))?);
//! let ns = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3";
//! if let Err(violations) = catalog.validate_xml(ns, b"<SendRequestResponse/>") {
//!     eprintln!("invalid: {violations}");
//! }
//! # Ok::<(), gateway_schema::SchemaError>(())
//! ```
//!
//! Safety of XML input: a document is scanned with quick-xml before libxml2 sees it; a DOCTYPE (hence
//! any entity definition) and encodings in which that scan could be fooled are refused. libxml2 parses
//! without network access, entity substitution or DTD loading, never prints to stderr, and loads
//! external resources only through its no-network loader (a process-wide libxml2 setting this crate
//! installs on first use).
//!
//! # Layout
//!
//! - [`catalog`]: [`SchemaCatalog`], loading and lookups;
//! - [`violations`]: [`Violations`], the result of a failed check;
//! - [`error`]: [`SchemaError`], startup errors;
//! - `walk`: finding schema files under a directory;
//! - `json`: JSON Schemas, the `x-message-type` key and its Clark notation;
//! - `xsd`: libxml2: FFI, error collection, XSD headers, file selection, the payload prolog scan,
//!   compiled schemas and validation.

pub mod catalog;
pub mod error;
mod json;
pub mod violations;
mod walk;
mod xsd;

pub use catalog::SchemaCatalog;
pub use error::{SchemaError, SchemaKind};
pub use json::MESSAGE_TYPE_KEY;
pub use violations::{MAX_MESSAGES, Violations};
