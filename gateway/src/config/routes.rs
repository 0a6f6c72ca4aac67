//! `[[routes]]`: message types and the chains that handle them, and `[routes.scan]`, one scan message for
//! several document types.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::units::Dur;

/// `[[routes]]`: a message type and the chain of plugins that handles it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// The message type, `{namespace}LocalName` of the payload's root element.
    #[serde(rename = "type")]
    pub message_type: String,
    /// Plugin names in order: policy steps first, the document plugin last. Empty for a scan route.
    #[serde(default)]
    pub chain: Vec<String>,
    /// A scan route (`[routes.scan]`) has no chain of its own: the QR text its payload carries names the
    /// document, and the request goes on as that document's route's request, through that route's chain.
    #[serde(default)]
    pub scan: Option<ScanConfig>,
    /// Deadline of the whole chain, host calls included. Default `[host] deadline`.
    #[serde(default)]
    pub deadline: Option<Dur>,
    /// Check the payload against its schema before any plugin runs. Default true; a route without a schema for
    /// its type is refused at start unless this is false.
    #[serde(default = "super::yes")]
    pub schema_check: bool,
    /// Identifier checks at the edge: element (XML local name) or key (JSON, the same name with a lower-case
    /// first letter) → kind (`snils`, `ogrn`, `ogrnip`, `ogrn-or-ogrnip`, `inn`, `inn-person`,
    /// `inn-organisation`). A value that fails its check number is refused with `InvalidContent`.
    #[serde(default)]
    pub identifiers: BTreeMap<String, String>,
}

/// `[routes.scan]`: one scan message for several document types (Goscan's `ScanRequest`). Its payload carries
/// the QR text (`Qr`, JSON `qr`) and may carry `OnBehalfOf`; the first document whose pattern matches the text
/// takes it: the request goes on as that document's route's type (`Qr` in its namespace, `OnBehalfOf` as it
/// is) through that route's chain, and its reply comes back wrapped in `answer` with the document's type and
/// result. A text no pattern matches is answered `QR_NOT_RECOGNISED`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// The answer's type, `{namespace}LocalName` (e.g. `{urn://gateway/goscan/1.0}ScanResponse`).
    pub answer: String,
    /// The documents, tried in order.
    pub documents: Vec<ScanDocumentConfig>,
}

/// One document a scan route recognises.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanDocumentConfig {
    /// The name the answer gives (`DocumentType`, e.g. `svo-status`).
    pub document_type: String,
    /// The route of the document's own verify request (another `[[routes]]` entry, not a scan route).
    pub route: String,
    /// Regular expressions (Rust `regex` syntax) of the QR texts that hold this document; anchor them (`^…$`).
    pub patterns: Vec<String>,
}
