//! Reading a document as XML 1.0 with namespaces: the scopes of namespace declarations and the predefined
//! entities, shared by the transform and the signature reader.

use quick_xml::XmlVersion;
use quick_xml::events::BytesStart;

use crate::error::TransformError;

/// The XMLDSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The namespace bound to the `xml` prefix.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

pub(crate) fn malformed(e: impl std::fmt::Display) -> TransformError {
    TransformError::Malformed(e.to_string())
}

pub(crate) fn predefined(name: &str) -> Option<&'static str> {
    match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => None,
    }
}

/// The namespace declarations of a start tag: (prefix, URI), the default namespace with prefix `""`.
pub(crate) fn declarations(tag: &BytesStart<'_>) -> Result<Vec<(String, String)>, TransformError> {
    let mut out = Vec::new();
    for attr in tag.attributes() {
        let attr = attr.map_err(malformed)?;
        let key = attr.key.0;
        let prefix = if key == "xmlns" {
            ""
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            p
        } else {
            continue;
        };
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(malformed)?;
        out.push((prefix.to_owned(), value.into_owned()));
    }
    Ok(out)
}

/// The URI bound to `prefix` in `scopes` (innermost last).
pub(crate) fn resolve(scopes: &[Vec<(String, String)>], prefix: &str) -> Option<String> {
    if prefix == "xml" {
        return Some(XML_NS.to_owned());
    }
    scopes.iter().rev().find_map(|scope| {
        scope
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, uri)| uri.clone())
    })
}
