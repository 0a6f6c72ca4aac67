//! A small element tree read with quick-xml: local names, attributes (unescaped) and text, nothing else.
//!
//! A DOCTYPE is refused before anything in it is looked at, so no entity is ever defined or expanded; only
//! the five predefined entities and character references are resolved. Depth and element count are capped,
//! which bounds the work a hostile document can cause.

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// How deep elements may nest (an EMCHD_1 document needs about 10 levels).
pub const MAX_DEPTH: usize = 40;
/// How many elements a document may have.
pub const MAX_ELEMENTS: usize = 20_000;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomError {
    /// A DOCTYPE or an undefined entity: refused on principle.
    Unsafe(String),
    /// Not well-formed, or beyond the limits.
    Malformed(String),
}

/// An element: its local name, attributes by local name, text content, and children in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The local name (namespace prefixes dropped).
    pub name: String,
    /// Attributes as (local name, unescaped value), in document order.
    pub attributes: Vec<(String, String)>,
    /// The text directly inside the element.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element at the end of `path` (child names), taking the first match at each step.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter()
            .try_fold(self, |element, name| element.child(name))
    }

    /// This element and all its descendants, depth first.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(element) = stack.pop() {
            out.push(element);
            stack.extend(element.children.iter().rev());
        }
        out
    }
}

/// Reads `text` into the tree of its root element.
pub fn parse(text: &str) -> Result<Element, DomError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| DomError::Malformed(format!("{e} at byte {}", reader.error_position())))?;
        match event {
            Event::Start(start) => {
                second_root(&open, &root)?;
                count += 1;
                if open.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(malformed(
                        "the document nests too deep or has too many elements",
                    ));
                }
                open.push(element(&start)?);
            }
            Event::Empty(start) => {
                second_root(&open, &root)?;
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(malformed("the document has too many elements"));
                }
                attach(&mut open, &mut root, element(&start)?);
            }
            Event::End(_) => {
                let closed = open.pop().ok_or_else(|| malformed("unexpected end tag"))?;
                attach(&mut open, &mut root, closed);
            }
            Event::Text(text) => match open.last_mut() {
                Some(element) => element.text.push_str(&text.xml10_content()),
                None if text.xml10_content().trim().is_empty() => {}
                None => return Err(malformed("text outside the root element")),
            },
            Event::CData(data) => match open.last_mut() {
                Some(element) => element.text.push_str(&data.into_inner()),
                None => return Err(malformed("CDATA outside the root element")),
            },
            Event::GeneralRef(reference) => match open.last_mut() {
                Some(element) => element.text.push(resolve(&reference)?),
                None => return Err(malformed("an entity reference outside the root element")),
            },
            Event::DocType(_) => return Err(DomError::Unsafe("DOCTYPE is not allowed".into())),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(element) = open.last() {
        return Err(DomError::Malformed(format!(
            "the document ends inside <{}> (truncated?)",
            element.name
        )));
    }
    root.ok_or_else(|| malformed("no root element"))
}

fn element(start: &BytesStart<'_>) -> Result<Element, DomError> {
    let name = start.local_name().as_ref().to_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| DomError::Malformed(format!("{e} in <{name}>")))?;
        let key = attribute.key;
        if key.as_ref() == "xmlns" || key.prefix().is_some_and(|p| p.as_ref() == "xmlns") {
            continue;
        }
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| {
                let text = e.to_string();
                if text.contains("entity") {
                    DomError::Unsafe(format!("{text} in <{name}>"))
                } else {
                    DomError::Malformed(format!("{text} in <{name}>"))
                }
            })?;
        let local = key.local_name().as_ref().to_owned();
        attributes.push((local, value.into_owned()));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

/// Refuses an element after the root element was closed.
fn second_root(open: &[Element], root: &Option<Element>) -> Result<(), DomError> {
    if open.is_empty() && root.is_some() {
        return Err(malformed("more than one root element"));
    }
    Ok(())
}

fn attach(open: &mut [Element], root: &mut Option<Element>, element: Element) {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

/// A character reference or one of the five predefined entities; any other entity is refused.
fn resolve(reference: &BytesRef<'_>) -> Result<char, DomError> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(malformed("a bad character reference")),
        };
    }
    match reference.xml10_content().as_ref() {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        other => Err(DomError::Unsafe(format!("undefined entity &{other};"))),
    }
}

fn malformed(message: &str) -> DomError {
    DomError::Malformed(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_attributes_text_and_children() {
        let doc = parse(
            r#"<?xml version="1.0"?><d:Доверенность xmlns:d="urn://x" ВерсФорм="EMCHD_1" Имя="a &amp; b">
                 <d:Документ><d:Довер/><d:Текст>x &lt; y &#x42;</d:Текст></d:Документ><!-- c --></d:Доверенность>"#,
        )
        .expect("well-formed");
        assert_eq!(doc.name, "Доверенность");
        assert_eq!(doc.attr("ВерсФорм"), Some("EMCHD_1"));
        assert_eq!(doc.attr("Имя"), Some("a & b"));
        assert_eq!(doc.attr("xmlns"), None);
        assert_eq!(
            doc.attributes.len(),
            2,
            "namespace declarations are not attributes"
        );
        assert!(doc.at(&["Документ", "Довер"]).is_some());
        assert_eq!(
            doc.at(&["Документ", "Текст"]).map(|e| e.text.as_str()),
            Some("x < y B")
        );
        assert_eq!(doc.descendants().len(), 4);
        assert_eq!(
            doc.child("Документ")
                .map(|d| d.children_named("Довер").count()),
            Some(1)
        );
    }

    #[test]
    fn doctype_and_entities_are_unsafe() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>"#;
        assert!(matches!(parse(bomb), Err(DomError::Unsafe(_))));
        assert!(matches!(parse("<a>&ext;</a>"), Err(DomError::Unsafe(_))));
        assert!(matches!(
            parse(r#"<a b="&ext;"/>"#),
            Err(DomError::Unsafe(_))
        ));
    }

    #[test]
    fn broken_documents_are_malformed() {
        let truncated = r#"<?xml version="1.0"?><a><b c="1"/><d>"#;
        match parse(truncated) {
            Err(DomError::Malformed(m)) => assert!(m.contains("truncated"), "{m}"),
            other => panic!("{other:?}"),
        }
        for bad in [
            "",
            "<a></b>",
            "<a/><b/>",
            "text",
            "<a b=1/>",
            "<a>x</a>tail",
        ] {
            assert!(matches!(parse(bad), Err(DomError::Malformed(_))), "{bad}");
        }
    }

    #[test]
    fn depth_and_size_are_capped() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(parse(&deep), Err(DomError::Malformed(_))));
        let ok = "<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let wide = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS));
        assert!(matches!(parse(&wide), Err(DomError::Malformed(_))));
    }
}
