//! The safety scan of a document's prolog, done before libxml2 sees the document.
//!
//! quick-xml reads the document up to its root element and refuses:
//! - a DOCTYPE (no DTD, hence no entity definitions, ever reaches libxml2);
//! - encodings in which this byte-level scan could miss a DOCTYPE: any NUL byte (UTF-16, UTF-32), a first
//!   character other than `<` (EBCDIC and the like), and a declared encoding outside [`ACCEPTED_ENCODINGS`]
//!   (UTF-7 could spell `<!DOCTYPE` without the byte `<`);
//! - anything quick-xml cannot read before the root element.
//!
//! quick-xml reads UTF-8 only. A document that is not valid UTF-8 must declare one of the single-byte
//! encodings of [`ACCEPTED_ENCODINGS`]; its prolog is then scanned over a copy in which every non-ASCII
//! byte is replaced by `_` (in those encodings all markup is ASCII, so the structure is unchanged).
//!
//! It returns the root element's namespace, so the caller can check that the document is of the
//! expected kind before validating it.

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;

/// Declared encodings accepted (compared case-insensitively); all are ASCII-compatible.
pub(crate) const ACCEPTED_ENCODINGS: &[&str] = &[
    "UTF-8",
    "US-ASCII",
    "ASCII",
    "ISO-8859-1",
    "ISO-8859-5",
    "WINDOWS-1251",
    "CP1251",
    "KOI8-R",
];

/// The message for a document that carries a DOCTYPE.
pub(crate) const DOCTYPE_REFUSED: &str = "DOCTYPE is not allowed";

/// The root element of a document, as far as the prolog scan saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Root {
    /// Namespace URI of the root element; empty when it is in no namespace.
    pub namespace: String,
    /// Local name of the root element (non-ASCII letters of a non-UTF-8 document read as `_`).
    pub local_name: String,
}

impl Root {
    /// The root's qualified name in Clark notation, for messages.
    pub(crate) fn clark(&self) -> String {
        if self.namespace.is_empty() {
            self.local_name.clone()
        } else {
            format!("{{{}}}{}", self.namespace, self.local_name)
        }
    }
}

/// Scans `document` up to its root element; an `Err` is the violation message.
pub(crate) fn inspect(document: &[u8]) -> Result<Root, String> {
    if document.contains(&0) {
        return Err(
            "NUL bytes are not allowed: only ASCII-compatible encodings such as UTF-8 are accepted"
                .into(),
        );
    }
    let body = document.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(document);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => {}
        Some(_) => return Err("not an XML document: it must start with '<'".into()),
        None => return Err("the document is empty".into()),
    }
    if std::str::from_utf8(body).is_ok() {
        scan(body, true)
    } else {
        scan(&mask_non_ascii(body), false)
    }
}

/// A copy of `bytes` with every non-ASCII byte replaced by `_`: lets the UTF-8-only quick-xml read the
/// markup of a document in a single-byte ASCII-compatible encoding.
pub(crate) fn mask_non_ascii(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| if b.is_ascii() { b } else { b'_' })
        .collect()
}

/// Reads events up to the root element; `utf8` tells whether `body` is the document as it is.
fn scan(body: &[u8], utf8: bool) -> Result<Root, String> {
    let mut declared_single_byte = false;
    let mut reader = NsReader::from_reader(body);
    loop {
        let position = reader.buffer_position();
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(item) => item,
            Err(error) => return Err(format!("malformed XML near byte {position}: {error}")),
        };
        match event {
            Event::DocType(_) => return Err(DOCTYPE_REFUSED.into()),
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding =
                        encoding.map_err(|error| format!("malformed XML declaration: {error}"))?;
                    check_encoding(&encoding)?;
                    declared_single_byte = !is_utf8_name(&encoding);
                }
            }
            Event::Start(start) | Event::Empty(start) => {
                if !utf8 && !declared_single_byte {
                    return Err(
                        "the document is not valid UTF-8 and declares no other encoding".into(),
                    );
                }
                let namespace = match resolved {
                    ResolveResult::Bound(namespace) => namespace.into_inner().to_owned(),
                    ResolveResult::Unbound => String::new(),
                    ResolveResult::Unknown(prefix) => {
                        return Err(format!(
                            "the root element uses the undeclared namespace prefix '{prefix}'"
                        ));
                    }
                };
                let local_name = start.local_name().into_inner().to_owned();
                return Ok(Root {
                    namespace,
                    local_name,
                });
            }
            Event::Text(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::End(_) | Event::CData(_) | Event::GeneralRef(_) => {
                return Err(format!(
                    "malformed XML near byte {position}: unexpected content before the root element"
                ));
            }
            Event::Eof => return Err("the document has no root element".into()),
        }
    }
}

fn is_utf8_name(encoding: &str) -> bool {
    encoding.eq_ignore_ascii_case("UTF-8")
}

fn check_encoding(encoding: &str) -> Result<(), String> {
    if ACCEPTED_ENCODINGS
        .iter()
        .any(|accepted| accepted.eq_ignore_ascii_case(encoding))
    {
        Ok(())
    } else {
        Err(format!(
            "encoding \"{encoding}\" is not accepted (accepted: {})",
            ACCEPTED_ENCODINGS.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_namespace_of_a_prefixed_root() {
        let root = inspect(
            b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- c --><?pi x?>\n<a:R xmlns:a=\"urn:x\"><a:c/></a:R>",
        )
        .expect("accepted");
        assert_eq!(root.namespace, "urn:x");
        assert_eq!(root.local_name, "R");
        assert_eq!(root.clark(), "{urn:x}R");
    }

    #[test]
    fn default_namespace_and_no_namespace() {
        let root = inspect(b"<R xmlns=\"urn:y\"/>").expect("accepted");
        assert_eq!(root.clark(), "{urn:y}R");
        let root = inspect("\u{feff}  <Доверенность/>".as_bytes()).expect("accepted");
        assert_eq!(root.namespace, "");
        assert_eq!(root.clark(), "Доверенность");
    }

    #[test]
    fn doctype_is_refused() {
        let doc = b"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>";
        assert_eq!(inspect(doc), Err(DOCTYPE_REFUSED.to_owned()));
        let doc = b"<!-- first --><!DOCTYPE r SYSTEM \"http://example.invalid/r.dtd\"><r/>";
        assert_eq!(inspect(doc), Err(DOCTYPE_REFUSED.to_owned()));
    }

    #[test]
    fn encodings_that_could_hide_a_doctype_are_refused() {
        let utf16: Vec<u8> = "<r/>".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(inspect(&utf16).unwrap_err().contains("NUL bytes"));
        let utf7 = b"<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADw-!DOCTYPE r+AD4-<r/>";
        assert!(inspect(utf7).unwrap_err().contains("encoding \"UTF-7\""));
        assert!(
            inspect(b"\x4c\x6f\xa7\x94")
                .unwrap_err()
                .contains("must start with '<'")
        );
    }

    #[test]
    fn single_byte_documents_are_scanned_over_a_masked_copy() {
        // "<Дов xmlns=...>" in windows-1251: Д = 0xC4, о = 0xEE, в = 0xE2.
        let cp1251 =
            b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><\xC4\xEE\xE2 xmlns=\"urn:z\">\xC4</\xC4\xEE\xE2>";
        let root = inspect(cp1251).expect("accepted");
        assert_eq!(root.clark(), "{urn:z}___");
        let undeclared = b"<\xC4\xEE\xE2 xmlns=\"urn:z\"/>";
        assert!(inspect(undeclared).unwrap_err().contains("not valid UTF-8"));
        let lying = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><\xC4\xEE\xE2/>";
        assert!(inspect(lying).unwrap_err().contains("not valid UTF-8"));
        let hidden = b"<?xml version=\"1.0\" encoding=\"KOI8-R\"?><!DOCTYPE \xC4><r/>";
        assert_eq!(inspect(hidden), Err(DOCTYPE_REFUSED.to_owned()));
    }

    #[test]
    fn empty_and_rootless_documents_are_refused() {
        assert!(inspect(b"").unwrap_err().contains("empty"));
        assert!(inspect(b"  \n").unwrap_err().contains("empty"));
        assert!(
            inspect(b"<!-- only a comment -->")
                .unwrap_err()
                .contains("no root")
        );
        assert!(inspect(b"</r>").unwrap_err().contains("malformed"));
        assert!(
            inspect(b"<p:r/>")
                .unwrap_err()
                .contains("undeclared namespace prefix")
        );
    }
}
