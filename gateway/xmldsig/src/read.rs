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

/// An attribute that is not a namespace declaration, its name resolved.
pub(crate) struct Attribute {
    /// The namespace URI, empty for none.
    pub uri: String,
    /// The prefix, empty for none.
    pub prefix: String,
    pub local: String,
    /// The value as an XML 1.0 parser gives it (entities resolved, whitespace normalised).
    pub value: String,
}

/// The attributes of a start tag, without namespace declarations, in document order.
pub(crate) fn attributes(
    tag: &BytesStart<'_>,
    scopes: &[Vec<(String, String)>],
) -> Result<Vec<Attribute>, TransformError> {
    let mut out = Vec::new();
    for attr in tag.attributes() {
        let attr = attr.map_err(malformed)?;
        let key = attr.key.0;
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(malformed)?
            .into_owned();
        let (prefix, local) = key.split_once(':').unwrap_or(("", key));
        let uri = if prefix.is_empty() {
            String::new()
        } else {
            resolve(scopes, prefix)
                .ok_or_else(|| malformed(format!("prefix {prefix} is not declared")))?
        };
        out.push(Attribute {
            uri,
            prefix: prefix.to_owned(),
            local: local.to_owned(),
            value,
        });
    }
    Ok(out)
}
