//! Which elements of a document carry a given `Id`, and how many stand at a given path: a signature's reference
//! must resolve to exactly one element, and to the one the operation signs at the place the decoder reads it
//! (a duplicate `Id`, or the signed element moved elsewhere with a forged one in its place, is how signature
//! wrapping works).

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::error::TransformError;
use crate::read::{attributes, declarations, malformed, resolve};

/// An element that carries the `Id`: its namespace URI, local name and place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdElement {
    pub uri: String,
    pub local: String,
    /// The local names from the document element down to this one, inclusive.
    pub path: Vec<String>,
}

/// Every element of `document` whose `Id` attribute (any namespace) is `id`, in document order.
///
/// # Errors
///
/// [`TransformError::Malformed`] when the document cannot be read.
pub fn elements_with_id(document: &[u8], id: &str) -> Result<Vec<IdElement>, TransformError> {
    let mut reader = Reader::from_reader(document);
    let mut scopes: Vec<Vec<(String, String)>> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut found = Vec::new();
    loop {
        let event = reader.read_event().map_err(malformed)?;
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                scopes.push(declarations(tag)?);
                let name = tag.name().0;
                let (prefix, local) = name.split_once(':').unwrap_or(("", name));
                path.push(local.to_owned());
                if attributes(tag, &scopes)?
                    .iter()
                    .any(|a| a.local == "Id" && a.value == id)
                {
                    found.push(IdElement {
                        uri: resolve(&scopes, prefix).unwrap_or_default(),
                        local: local.to_owned(),
                        path: path.clone(),
                    });
                }
                if matches!(event, Event::Empty(_)) {
                    scopes.pop();
                    path.pop();
                }
            }
            Event::End(_) => {
                scopes.pop();
                path.pop();
            }
            Event::DocType(_) => return Err(malformed("a DOCTYPE is not accepted")),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(found)
}

/// How many elements of `document` stand at `path` (local names from the document element down, inclusive).
///
/// # Errors
///
/// [`TransformError::Malformed`] when the document cannot be read.
pub fn elements_at(document: &[u8], path: &[&str]) -> Result<usize, TransformError> {
    let mut reader = Reader::from_reader(document);
    let mut open: Vec<String> = Vec::new();
    let mut count = 0;
    loop {
        let event = reader.read_event().map_err(malformed)?;
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                let name = tag.name().0;
                open.push(name.split_once(':').map_or(name, |(_, l)| l).to_owned());
                if open.len() == path.len() && open.iter().zip(path).all(|(a, b)| a == b) {
                    count += 1;
                }
                if matches!(event, Event::Empty(_)) {
                    open.pop();
                }
            }
            Event::End(_) => {
                open.pop();
            }
            Event::DocType(_) => return Err(malformed("a DOCTYPE is not accepted")),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(count)
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
                    local: "x".into(),
                    path: vec!["a".into(), "x".into()],
                },
                IdElement {
                    uri: "urn:b".into(),
                    local: "y".into(),
                    path: vec!["a".into(), "y".into()],
                },
            ]
        );
        assert!(
            elements_with_id(xml.as_bytes(), "none")
                .expect("read")
                .is_empty()
        );
        assert_eq!(
            elements_at(xml.as_bytes(), &["a", "y", "z"]).expect("read"),
            1
        );
        assert_eq!(elements_at(xml.as_bytes(), &["a", "z"]).expect("read"), 0);
    }
}
