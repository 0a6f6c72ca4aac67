//! Reading an XSD file's header with quick-xml: its `targetNamespace` and the files it includes.
//!
//! The header is everything libxml2 is not asked about: under which namespace a file is registered and
//! which other files are only parts of it (`xs:include`, `xs:redefine`, `xs:override`). `xs:import`
//! brings in another namespace, whose file is registered on its own, so imports are not parts.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::prolog::mask_non_ascii;

/// The XML Schema namespace.
pub(crate) const XS_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema";

/// What the catalog needs to know about an XSD file before compiling it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XsdHeader {
    /// The `targetNamespace` of the root `xs:schema`; empty for a schema without one.
    pub target_namespace: String,
    /// `schemaLocation` of every top-level `xs:include`, `xs:redefine` and `xs:override`, as written.
    pub includes: Vec<String>,
}

/// Reads the header of an XSD file; an `Err` is a message for the operator.
///
/// A DOCTYPE is refused: libxml2 parses schema documents with entity substitution on. A file that is not
/// UTF-8 (ФНС publishes some schemas in windows-1251) is read with its non-ASCII bytes masked, so its
/// namespace and include locations are only understood when they are ASCII.
pub(crate) fn read_header(xsd: &[u8]) -> Result<XsdHeader, String> {
    let masked;
    let xsd = if std::str::from_utf8(xsd).is_ok() {
        xsd
    } else {
        masked = mask_non_ascii(xsd);
        &masked
    };
    let mut reader = NsReader::from_reader(xsd);
    let mut header: Option<XsdHeader> = None;
    // Depth of the element the next event belongs to: 0 before the root, 1 inside xs:schema.
    let mut depth = 0usize;
    loop {
        let position = reader.buffer_position();
        let (resolved, event) = reader
            .read_resolved_event()
            .map_err(|error| format!("malformed XML near byte {position}: {error}"))?;
        let in_xs =
            matches!(&resolved, ResolveResult::Bound(ns) if ns.into_inner() == XS_NAMESPACE);
        let (element, empty) = match event {
            Event::DocType(_) => return Err("DOCTYPE is not allowed in a schema file".into()),
            Event::Start(element) => (element, false),
            Event::Empty(element) => (element, true),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match depth {
            0 => {
                if !in_xs || element.local_name().into_inner() != "schema" {
                    return Err(format!(
                        "the root element is not xs:schema (in {XS_NAMESPACE})"
                    ));
                }
                header = Some(XsdHeader {
                    target_namespace: attribute(&element, "targetNamespace")?.unwrap_or_default(),
                    includes: Vec::new(),
                });
                if empty {
                    break;
                }
            }
            1 => {
                let local = element.local_name().into_inner();
                match (in_xs, local) {
                    (true, "include" | "redefine" | "override") => {
                        let location = attribute(&element, "schemaLocation")?
                            .ok_or_else(|| format!("xs:{local} without a schemaLocation"))?;
                        if let Some(header) = header.as_mut() {
                            header.includes.push(location);
                        }
                    }
                    (true, "import" | "annotation") => {}
                    // Includes and imports come first in a schema: the header ends here.
                    _ => break,
                }
            }
            _ => {}
        }
        if !empty {
            depth += 1;
        }
    }
    header.ok_or_else(|| "no xs:schema element found".into())
}

/// The unescaped value of an unprefixed attribute.
fn attribute(element: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    let found = element
        .try_get_attribute(name)
        .map_err(|error| format!("malformed attributes: {error}"))?;
    found
        .map(|attribute| {
            attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map(|value| value.trim().to_owned())
                .map_err(|error| format!("malformed {name} attribute: {error}"))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_target_namespace_and_includes_but_not_imports() {
        let xsd = br#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace=" urn:t ">
  <xs:annotation><xs:documentation>doc</xs:documentation></xs:annotation>
  <xs:import namespace="urn:other" schemaLocation="other.xsd"/>
  <xs:include schemaLocation="part-a.xsd"/>
  <xs:redefine schemaLocation="sub/part-b.xsd"></xs:redefine>
  <xs:element name="E" type="xs:string"/>
  <xs:include schemaLocation="ignored-after-declarations.xsd"/>
</xs:schema>"#;
        let header = read_header(xsd).expect("header");
        assert_eq!(header.target_namespace, "urn:t");
        assert_eq!(header.includes, ["part-a.xsd", "sub/part-b.xsd"]);
    }

    #[test]
    fn schema_without_target_namespace_and_empty_schema() {
        let header =
            read_header(br#"<schema xmlns="http://www.w3.org/2001/XMLSchema"/>"#).expect("header");
        assert_eq!(header.target_namespace, "");
        assert!(header.includes.is_empty());
    }

    #[test]
    fn refuses_non_schemas_doctype_and_malformed_files() {
        assert!(
            read_header(b"<schema/>")
                .unwrap_err()
                .contains("not xs:schema")
        );
        let doctype = br#"<!DOCTYPE xs:schema SYSTEM "XMLSchema.dtd"><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>"#;
        assert!(read_header(doctype).unwrap_err().contains("DOCTYPE"));
        assert!(
            read_header(b"<xs:schema")
                .unwrap_err()
                .contains("malformed")
        );
        assert!(read_header(b"").unwrap_err().contains("no xs:schema"));
        let no_location =
            br#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include/></xs:schema>"#;
        assert!(
            read_header(no_location)
                .unwrap_err()
                .contains("without a schemaLocation")
        );
    }
}
