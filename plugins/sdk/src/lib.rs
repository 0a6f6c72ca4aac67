//! The guest SDK for gateway plugins.
//!
//! A plugin is a WebAssembly component (target `wasm32-wasip2`) that implements the WIT world
//! `smev-gateway:plugin/plugin@1.3.0` (`plugins/wit/gateway.wit`). With this SDK a document plugin is one
//! small file:
//!
//! ```no_run
//! use gateway_plugin_sdk::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! const NS: &str = "urn://example/echo/1.0";
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "PascalCase")]
//! struct EchoRequest { text: String }
//!
//! #[derive(Serialize)]
//! #[serde(rename_all = "PascalCase")]
//! struct EchoResponse { text: String }
//!
//! struct Echo;
//!
//! impl Plugin for Echo {
//!     fn describe() -> Description {
//!         Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
//!             .accepts(QName::new(NS, "EchoRequest"))
//!             .produces(QName::new(NS, "EchoResponse"))
//!     }
//!
//!     fn handle(req: Request) -> Result<Outcome, PluginError> {
//!         let input: EchoRequest = req.decode()?;
//!         Ok(req.reply(QName::new(NS, "EchoResponse"), &EchoResponse { text: input.text })?)
//!     }
//! }
//!
//! gateway_plugin_sdk::export_plugin!(Echo);
//! ```
//!
//! # The payload convention
//!
//! A request arrives as XML (SMEV envelopes) or JSON (the JSON API); the plugin sees one Rust type either way
//! ([`Request::decode`](bindings::smev_gateway::plugin::types::Request::decode)) and answers in the request's
//! format ([`Reply::new`](bindings::smev_gateway::plugin::types::Reply::new)).
//!
//! - Structs carry `#[serde(rename_all = "PascalCase")]`: XML element names are the Rust field names in
//!   PascalCase (`snils` ⇔ `<Snils>`). JSON uses the same names with the first letter lower-cased
//!   (`<Snils>` ⇔ `"snils"`, `<InnFl>` ⇔ `"innFl"`).
//! - The decoded type describes the *content* of the root element; the root's own name is the message type.
//!   A JSON payload is that content as an object.
//! - XML: namespaces and prefixes are ignored for matching (local names only); attributes are ignored,
//!   except that `xsi:nil="true"` reads as null; an element with only text is a string; an element with child
//!   elements is an object; repeated sibling elements form a list; text beside child elements is kept under
//!   the key `$text`. Comments and processing instructions are skipped; a DOCTYPE is refused.
//! - Decoding is lenient where XML has no types: a string is accepted for numbers and booleans (`"42"`,
//!   `"true"`/`"1"`), a single value for a `Vec` (one repeated element), an empty element for an empty
//!   struct. Missing `Vec` fields need `#[serde(default)]`.
//!   [`serde_helpers::one_or_many`] gives the same one-or-many leniency to types decoded by other means.
//! - Encoding: fields in struct order (XSD sequences need it); `None` and null fields are omitted; a `Vec`
//!   becomes repeated elements; the root element carries the message type's namespace as its default
//!   namespace, so every child is in that namespace (`elementFormDefault="qualified"`).
//! - Binary fields use [`serde_helpers::base64`] (`xs:base64Binary` in XML, a base64 string in JSON).
//!
//! # Host capabilities
//!
//! [`host`] wraps every interface the host provides (tokens, registry, facts, QR, ids, log, config, crypto,
//! XML Schema, attachments; since contract 1.3.0 the plugin's own durable records, [`host::store`], and
//! e-mail, [`host::mail`]) with Rust signatures and the SDK's error types. They call the host and therefore
//! work only inside a plugin instance; on a native target they panic (native builds exist to test the codec).
//!
//! # What plugins share
//!
//! Small pure modules for what every plugin would otherwise write again, tested natively:
//!
//! - [`duration`]: settings like `"5m"` ([`duration::parse`] allows zero, [`duration::parse_positive`]
//!   refuses it; the serde helpers `duration::duration` and `duration::positive_duration`).
//! - [`date`]: a calendar [`Date`](date::Date) (`xs:date`, chronological order, days since the epoch),
//!   today in Europe/Moscow ([`Date::moscow`](date::Date::moscow), UTC+3), [`rfc3339`](date::rfc3339) of
//!   an instant.
//! - [`guid`]: GUIDs in the hyphenated form, normalised to lower case (token ids, МЧД numbers).
//! - [`identifiers`]: check numbers of ОГРН, ОГРНИП, ИНН and СНИЛС (the gateway's `ru-identifiers`, the same
//!   checks as at its edge), and the canonical СНИЛС.
//! - [`QName::from_clark`](prelude::QName::from_clark): a message type from `{namespace}LocalName`, the
//!   inverse of its `Display`.
//!
//! # Failure
//!
//! An `Err(PluginError)` from `handle` is a plugin failure the sender sees as a rejection. A panic aborts the
//! instance (a trap); the SDK reports `panicked at <file>:<line>:<col>: <message>` first (to stderr in a WASI
//! build, as an error-level log line without WASI), which the host captures and reports.
//!
//! # Building
//!
//! `cargo xtask plugins` builds every plugin crate (`crate-type = ["cdylib"]`) for `wasm32-unknown-unknown` and
//! makes each core module a component that imports only the gateway's interfaces (no WASI): such an instance
//! is made and called in about three fifths of the time of a `wasm32-wasip2` one, which imports ~30 WASI
//! interfaces the host wires on every instantiation. On that target the SDK brings the allocator
//! (dlmalloc over the initial 4 MiB of memory first, then `memory.grow`) and reports panics through `log`;
//! `std` has no clock, files, network or environment there (`SystemTime::now` panics: use `host::ids`). A
//! plugin built for `wasm32-wasip2` (`cargo build --release --target wasm32-wasip2 --manifest-path
//! plugins/Cargo.toml`) loads too, without files, network or environment (clocks and random are the host's).
//! The workspace's release profile is tuned for plugins:
//! - `opt-level = "s"`: measured on test-doc, as fast as `3` per invocation (instantiation dominates, not
//!   guest code) and 11% smaller; `"z"` is 6% smaller again but 10% slower. Smaller means faster loading and
//!   compiling.
//! - fat LTO with one codegen unit, and `strip`: smaller still; the host needs no symbols.
//! - `panic = "abort"`: no unwinding code. A panic in a plugin is a trap either way (the target cannot unwind
//!   across the component boundary), and the SDK's panic hook still reports the message first.
//!
//! # Pages
//!
//! Since contract 1.1.0 a plugin may also serve web pages: the gateway maps a path prefix to it (`[[pages]]` in
//! its config) and passes every GET or form POST below the prefix to [`Pages::render`], in a fresh instance
//! with the same deadline, memory cap and host capabilities as `handle`. The request ([`PageRequest`]) holds
//! the method, the prefix, the path below it, the query and form pairs and the client's preferred language
//! (never the client's address, headers or cookies); the answer ([`PageResponse`]) is a status, headers and
//! the body, usually HTML from the plugin's own template filled with [`html::render`]:
//!
//! ```no_run
//! use gateway_plugin_sdk::html::{self, Slot};
//! use gateway_plugin_sdk::prelude::*;
//!
//! const TEMPLATE: &str = r#"<!DOCTYPE html><html lang="ru"><title>{{title}}</title><h1>{{title}}</h1></html>"#;
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn describe() -> Description {
//!         Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
//!             .accepts(QName::new("urn://example/hello/1.0", "HelloRequest"))
//!             .produces(QName::new("urn://example/hello/1.0", "HelloResponse"))
//!     }
//!
//!     fn handle(req: Request) -> Result<Outcome, PluginError> {
//!         Ok(Outcome::rejected(RejectCode::UnknownRequestDescription, "pages only"))
//!     }
//! }
//!
//! impl Pages for Hello {
//!     fn render(req: PageRequest) -> Result<PageResponse, PluginError> {
//!         if !req.is_get() {
//!             return Ok(PageResponse::text(405, "GET only").header("allow", "GET"));
//!         }
//!         let name = req.query_value("name").unwrap_or("мир");
//!         let body = html::render(TEMPLATE, &[("title", Slot::Text(&format!("Привет, {name}!")))])?;
//!         Ok(PageResponse::html(200, body).no_store())
//!     }
//! }
//!
//! gateway_plugin_sdk::export_plugin!(Hello, pages);
//! ```
//!
//! The host checks every page: status 200–599, a body of at most 1 MiB, at most 32 headers in 16 KiB, no
//! framing, connection or server headers, no `set-cookie` (pages keep no state in the browser: keep it in
//! tokens and links), header values in visible ASCII, and a `location` only as a path on the gateway
//! (`PageResponse::see_other("/reg/done")` after a form POST). `content-type` defaults to
//! `text/html; charset=utf-8`. Text put into HTML goes through [`html::escape`] (a `Slot::Text` does it).
//!
//! A plugin exported with `export_plugin!(MyPlugin)` targets the world `plugin` and serves no pages; one
//! exported with `export_plugin!(MyPlugin, pages)` targets `plugin-with-pages`. Both load in any host of
//! contract 1.x that knows the exports they have.
//!
//! # Layout
//!
//! - [`bindings`]: the `wit_bindgen` bindings of the world (types, imports, export glue).
//! - [`page_bindings`]: those of the `page` export (its types and export glue).
//! - `page`: the [`Pages`] trait and helpers on [`PageRequest`] and [`PageResponse`].
//! - [`html`]: escaping and templates for pages.
//! - `message`: helpers on the WIT types ([`Request::decode`](bindings::smev_gateway::plugin::types::Request::decode),
//!   [`Reply::new`](bindings::smev_gateway::plugin::types::Reply::new), `Outcome` constructors, the
//!   [`Description`](prelude::Description) builder, [`QName`](prelude::QName) in Clark notation).
//! - [`codec`]: XML/JSON payload codec (pure, tested natively).
//! - [`serde_helpers`]: `one_or_many`, `base64`.
//! - [`duration`], [`date`], [`guid`], [`identifiers`]: what plugins share (above), pure, tested natively.
//! - [`goscan`]: what Goscan document plugins share (`OnBehalfOf`, the МЧД advice, scan facts).
//! - [`host`]: safe wrappers of the host capabilities, one module each.
//! - [`error`](mod@error): the SDK's error types.
//! - `plugin`: the [`Plugin`] trait, the [`export_plugin!`] macro and the panic hook.

#![warn(missing_docs)]

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod alloc;
pub mod codec;
pub mod date;
pub mod duration;
pub mod error;
pub mod goscan;
pub mod guid;
pub mod host;
pub mod html;
mod message;
mod page;
mod plugin;
pub mod serde_helpers;

/// Check numbers of Russian identifiers (ОГРН, ОГРНИП, ИНН, СНИЛС): the gateway's `ru-identifiers` crate,
/// so a plugin checks exactly as the gateway's edge does and depends on the SDK alone.
///
/// ```
/// use gateway_plugin_sdk::identifiers::{self, Kind};
///
/// assert_eq!(identifiers::normalize_snils("112-233-445 95").as_deref(), Ok("11223344595"));
/// assert!(identifiers::check_ogrn_or_ogrnip("1027700132195").is_ok());
/// assert!(Kind::InnOrganisation.check("7707083893").is_ok());
/// assert!(Kind::InnOrganisation.check("7707083894").is_err());
/// ```
pub mod identifiers {
    pub use ru_identifiers::*;
}

/// The `wit_bindgen` bindings of the world `smev-gateway:plugin/plugin@1.3.0` (1.0.0's, since 1.2.0 the
/// `attachments` import, and since 1.3.0 the `store` and `mail` imports).
///
/// Plugin code normally uses the re-exports in [`prelude`]; the raw import functions live under
/// `bindings::smev_gateway::plugin::*` and are wrapped by [`host`].
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "plugin",
        pub_export_macro: true,
        default_bindings_module: "gateway_plugin_sdk::bindings",
        additional_derives: [PartialEq, Eq],
    });
}

/// The `wit_bindgen` bindings of the `page` export (`smev-gateway:plugin/page@1.3.0`, unchanged since 1.1.0): its types and export glue.
///
/// A plugin exported with `export_plugin!(MyPlugin, pages)` gets the world `plugin` from [`bindings`] and this
/// export besides, which together are the contract's world `plugin-with-pages`. (The world itself is not
/// generated here: its `handler` glue would clash with that of [`bindings`]; the SDK's own one-export world
/// `gateway-plugin-sdk:pages/page-export` carries only `page`.)
#[allow(missing_docs, clippy::all)]
pub mod page_bindings {
    wit_bindgen::generate!({
        path: "../wit",
        inline: "package gateway-plugin-sdk:pages;

                 world page-export {
                     export smev-gateway:plugin/page@1.3.0;
                 }",
        world: "gateway-plugin-sdk:pages/page-export",
        pub_export_macro: true,
        default_bindings_module: "gateway_plugin_sdk::page_bindings",
        additional_derives: [PartialEq, Eq],
    });
}

pub use error::{CallError, CodecError, ConfigError, PluginError};
pub use page::Pages;
pub use page_bindings::exports::smev_gateway::plugin::page::{
    Method as PageMethod, PageRequest, PageResponse,
};
pub use plugin::Plugin;

/// What a plugin file usually imports: `use gateway_plugin_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::bindings::smev_gateway::plugin::types::{
        Annotation, Attachment, Denial, Description, Fact, HostError, Outcome, PayloadFormat,
        Qname as QName, RejectCode, Rejection, Reply, Request, Status,
    };
    pub use crate::error::{CallError, CodecError, ConfigError, PluginError};
    pub use crate::host;
    pub use crate::page::Pages;
    pub use crate::page_bindings::exports::smev_gateway::plugin::page::{
        Method as PageMethod, PageRequest, PageResponse,
    };
    pub use crate::plugin::Plugin;
}

/// Not public API: used by the expansion of [`export_plugin!`].
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::export;
    pub use crate::page_bindings::export as export_page;
}
