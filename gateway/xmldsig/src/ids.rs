//! Which elements of a document carry a given `Id`: a signature's reference must resolve to exactly one, and to
//! the element the operation signs (a duplicate `Id` is how signature wrapping hides a second element).

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::error::TransformError;
use crate::read::{attributes, declarations, malformed, resolve};

/// An element that carries the `Id`: its namespace URI and local name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdElement {
    pub uri: String,
    pub local: String,
}

/// Every element of `document` whose `Id` attribute (any namespace) is `id`, in document order.
///
/// # Errors
///
/// [`TransformError::Malformed`] when the document cannot be read.
pub fn elements_with_id(document: &[u8], id: &str) -> Result<Vec<IdElement>, TransformError> {
    let mut reader = Reader::from_reader(document);
    let mut scopes: Vec<Vec<(String, String)>> = Vec::new();
    let mut found = Vec::new();
    loop {
        let event = reader.read_event().map_err(malformed)?;
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                scopes.push(declarations(tag)?);
                if attributes(tag, &scopes)?
                    .iter()
                    .any(|a| a.local == "Id" && a.value == id)
                {
                    let name = tag.name().0;
                    let (prefix, local) = name.split_once(':').unwrap_or(("", name));
                    found.push(IdElement {
                        uri: resolve(&scopes, prefix).unwrap_or_default(),
                        local: local.to_owned(),
                    });
                }
                if matches!(event, Event::Empty(_)) {
                    scopes.pop();
                }
            }
            Event::End(_) => {
                scopes.pop();
            }
            Event::DocType(_) => return Err(malformed("a DOCTYPE is not accepted")),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_element_with_the_id_is_found_with_its_name() {
        let xml =
            r#"<a xmlns="urn:a" xmlns:b="urn:b"><x Id="s"/><b:y b:Id="s"><z Id="t"/></b:y></a>"#;
        assert_eq!(
            elements_with_id(xml.as_bytes(), "s").expect("read"),
            vec![
                IdElement {
                    uri: "urn:a".into(),
                    local: "x".into()
                },
                IdElement {
                    uri: "urn:b".into(),
                    local: "y".into()
                },
            ]
        );
        assert!(
            elements_with_id(xml.as_bytes(), "none")
                .expect("read")
                .is_empty()
        );
    }
}
