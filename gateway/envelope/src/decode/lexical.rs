//! Lexical rules of XML the cursor checks beyond quick-xml: namespace declarations,
//! predefined entities, whitespace, and the shape of well-formedness errors.

use super::error::DecodeError;
use crate::version::XML_NS;

/// Checks a namespace declaration against the Namespaces in XML rules.
pub(super) fn check_declaration(
    prefix: &str,
    uri: &str,
    position: usize,
) -> Result<(), DecodeError> {
    let bad = |why: String| Err(malformed_msg(position, why));
    if prefix == "xmlns" || uri == "http://www.w3.org/2000/xmlns/" {
        return bad("пространство имён xmlns нельзя объявлять".into());
    }
    if (prefix == "xml") != (uri == XML_NS) {
        return bad("префикс xml связан только с пространством имён XML".into());
    }
    if !prefix.is_empty() && uri.is_empty() {
        return bad(format!(
            "префикс {prefix:?} объявлен с пустым пространством имён"
        ));
    }
    if prefix.contains(':') {
        return bad(format!("некорректный префикс {prefix:?}"));
    }
    Ok(())
}

/// The replacement text of the five predefined entities (no others exist without a DTD).
pub(super) fn predefined_entity(name: &str) -> Option<&'static str> {
    match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => None,
    }
}

/// Whether `s` is only XML whitespace (space, tab, CR, LF).
pub(crate) fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// A well-formedness error from a parser error.
pub(super) fn malformed(position: usize, e: impl std::fmt::Display) -> DecodeError {
    DecodeError::Malformed {
        position,
        message: e.to_string(),
    }
}

/// A well-formedness error with our own message.
pub(super) fn malformed_msg(position: usize, message: String) -> DecodeError {
    DecodeError::Malformed { position, message }
}
