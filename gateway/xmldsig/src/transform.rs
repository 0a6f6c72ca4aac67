//! The SMEV transform (`urn://smev-gov-ru/xmldsig/transform`) of the element with a given `Id`, applied to a
//! document as received (the reference applies it after exclusive c14n; what c14n changes, the transform
//! decides again: no declaration, comments or processing instructions, its own namespace declarations and
//! prefixes, normalised line ends and attribute values). The rules (`docs/smev-xmldsig.md`, §3):
//!
//! 1. no declaration, processing instructions or comments; 2. whitespace-only text dropped; 3. no empty-element
//!    tags; 4–6. the source's namespace declarations are not copied: each namespace is declared where the output
//!    first needs it, with prefixes `ns1`, `ns2`, … numbered in order of need and never reused (the default
//!    namespace becomes a prefix too); 7. attributes sorted, qualified ones (by namespace, then local name)
//!    before unqualified ones (by local name); 8. declarations before attributes: the element's, then those of
//!    the attributes in their order; 9. the reference writer's escaping ([`crate::escape`]).

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::error::TransformError;
use crate::escape;
use crate::read::{DSIG_NS, attributes, declarations, malformed, predefined, resolve};

/// The SMEV transform of the element of `document` whose attribute `Id` (any namespace) is `id`. With
/// `enveloped`, an XMLDSig `Signature` inside it is left out (the `enveloped-signature` transform).
///
/// # Errors
///
/// [`TransformError`] when the document cannot be read or no element has the `Id`.
pub fn smev_transform(
    document: &[u8],
    id: &str,
    enveloped: bool,
) -> Result<Vec<u8>, TransformError> {
    let mut reader = Reader::from_reader(document);
    let mut input: Vec<Vec<(String, String)>> = Vec::new();
    let mut writer: Option<Writer> = None;
    loop {
        let event = reader.read_event().map_err(malformed)?;
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(tag) | Event::Empty(tag) => {
                input.push(declarations(&tag)?);
                let resolved = Element::read(&tag, &input)?;
                match &mut writer {
                    Some(w) => w.start(resolved, is_empty),
                    None if resolved.has_id(id) => {
                        let mut w = Writer::new(enveloped);
                        w.start(resolved, is_empty);
                        writer = Some(w);
                    }
                    None => {}
                }
                if is_empty {
                    input.pop();
                    if let Some(w) = &writer
                        && w.done()
                    {
                        break;
                    }
                }
            }
            Event::End(_) => {
                input.pop();
                if let Some(w) = &mut writer {
                    w.end();
                    if w.done() {
                        break;
                    }
                }
            }
            Event::Text(text) => {
                if let Some(w) = &mut writer {
                    w.text(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(w) = &mut writer {
                    w.text(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(w) = &mut writer {
                    let text: Cow<'_, str> =
                        match reference.resolve_char_ref().map_err(malformed)? {
                            Some(c) => Cow::Owned(c.to_string()),
                            None => Cow::Borrowed(predefined(&reference).ok_or_else(|| {
                                malformed(format!("unknown entity &{};", &*reference))
                            })?),
                        };
                    w.text(&text);
                }
            }
            // A processing instruction ends a text node (the transform drops it); a comment does not (exclusive
            // c14n without comments had removed it, joining the text around it).
            Event::PI(_) => {
                if let Some(w) = &mut writer {
                    w.flush_text();
                }
            }
            Event::Comment(_) | Event::Decl(_) => {}
            Event::DocType(_) => return Err(malformed("a DOCTYPE is not accepted")),
            Event::Eof => break,
        }
    }
    match writer {
        Some(w) if w.done() => Ok(w.out.into_bytes()),
        Some(_) => Err(malformed("the document ends inside the signed element")),
        None => Err(TransformError::NoSuchId(id.to_owned())),
    }
}

/// An element with its names resolved.
struct Element {
    uri: String,
    local: String,
    /// (namespace URI, or empty for none; local name; value).
    attributes: Vec<(String, String, String)>,
}

impl Element {
    fn read(
        tag: &BytesStart<'_>,
        scopes: &[Vec<(String, String)>],
    ) -> Result<Element, TransformError> {
        let name = tag.name().0;
        let (prefix, local) = name.split_once(':').unwrap_or(("", name));
        let uri = resolve(scopes, prefix).unwrap_or_default();
        if !prefix.is_empty() && uri.is_empty() {
            return Err(malformed(format!("prefix {prefix} is not declared")));
        }
        let attributes = attributes(tag, scopes)?
            .into_iter()
            .map(|a| (a.uri, a.local, a.value))
            .collect();
        Ok(Element {
            uri,
            local: local.to_owned(),
            attributes,
        })
    }

    fn has_id(&self, id: &str) -> bool {
        self.attributes
            .iter()
            .any(|(_, local, value)| local == "Id" && value == id)
    }
}

/// Writes the transformed element.
struct Writer {
    out: String,
    /// The output's namespace mappings, one list per open element: (URI, prefix).
    scopes: Vec<Vec<(String, String)>>,
    /// The open elements' qualified names.
    names: Vec<String>,
    /// The next prefix number.
    counter: usize,
    /// Text not yet written (consecutive text events form one node).
    pending: String,
    /// Leave out `ds:Signature` elements (and count how deep inside one we are).
    enveloped: bool,
    skipping: usize,
    started: bool,
}

impl Writer {
    fn new(enveloped: bool) -> Writer {
        Writer {
            out: String::new(),
            scopes: Vec::new(),
            names: Vec::new(),
            counter: 0,
            pending: String::new(),
            enveloped,
            skipping: 0,
            started: false,
        }
    }

    fn done(&self) -> bool {
        self.started && self.names.is_empty() && self.skipping == 0
    }

    fn prefix_of(&self, uri: &str) -> Option<&str> {
        self.scopes.iter().rev().find_map(|scope| {
            scope
                .iter()
                .find(|(u, _)| u == uri)
                .map(|(_, p)| p.as_str())
        })
    }

    fn start(&mut self, element: Element, empty: bool) {
        if self.skipping > 0
            || (self.enveloped && element.uri == DSIG_NS && element.local == "Signature")
        {
            if !empty {
                self.skipping += 1;
            }
            return;
        }
        self.flush_text();
        self.started = true;
        let mut declared: Vec<(String, String)> = Vec::new();
        let prefix_for =
            |uri: &str, this: &mut Writer, declared: &mut Vec<(String, String)>| -> String {
                if let Some(p) = this.prefix_of(uri) {
                    return p.to_owned();
                }
                if let Some((_, p)) = declared.iter().find(|(u, _)| u == uri) {
                    return p.clone();
                }
                this.counter += 1;
                let p = format!("ns{}", this.counter);
                declared.push((uri.to_owned(), p.clone()));
                p
            };
        let element_prefix = prefix_for(&element.uri, self, &mut declared);
        let mut attributes = element.attributes;
        attributes.sort_by(|a, b| match (a.0.is_empty(), b.0.is_empty()) {
            (false, true) => std::cmp::Ordering::Less,
            (true, false) => std::cmp::Ordering::Greater,
            _ => utf16_cmp(&a.0, &b.0).then_with(|| utf16_cmp(&a.1, &b.1)),
        });
        let mut written_attributes = Vec::new();
        for (uri, local, value) in attributes {
            let name = if uri.is_empty() {
                local
            } else {
                format!("{}:{local}", prefix_for(&uri, self, &mut declared))
            };
            written_attributes.push((name, value));
        }
        let qname = format!("{element_prefix}:{}", element.local);
        self.out.push('<');
        self.out.push_str(&qname);
        for (uri, prefix) in &declared {
            self.out.push_str(" xmlns:");
            self.out.push_str(prefix);
            self.out.push_str("=\"");
            escape::attribute(uri, &mut self.out);
            self.out.push('"');
        }
        for (name, value) in &written_attributes {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape::attribute(value, &mut self.out);
            self.out.push('"');
        }
        self.out.push('>');
        self.scopes.push(declared);
        self.names.push(qname);
        if empty {
            self.end();
        }
    }

    fn end(&mut self) {
        if self.skipping > 0 {
            self.skipping -= 1;
            return;
        }
        self.flush_text();
        if let Some(name) = self.names.pop() {
            self.scopes.pop();
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push('>');
        }
    }

    fn text(&mut self, text: &str) {
        if self.skipping == 0 && self.started {
            self.pending.push_str(text);
        }
    }

    /// Writes the pending text node, unless it is whitespace only (every char ≤ U+0020).
    fn flush_text(&mut self) {
        if self.pending.chars().any(|c| c > '\u{20}') {
            escape::text(&self.pending, &mut self.out);
        }
        self.pending.clear();
    }
}

/// Compares as Java's `String.compareTo`: by UTF-16 code units.
fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(xml: &str, id: &str) -> String {
        String::from_utf8(smev_transform(xml.as_bytes(), id, false).expect("transform"))
            .expect("utf-8")
    }

    #[test]
    fn the_methodological_example_becomes_its_canonical_form() {
        // The МР example of rules 1–8 (with an attribute namespace already in scope, which the reference does
        // not declare again): prefixes renumbered in order of need, default namespace prefixed, a namespace out
        // of scope numbered anew, attributes sorted, empty elements opened and closed.
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="style.xsl"?>
<elementOne xmlns="http://test/1" xmlns:qwe="http://test/2" xmlns:asd="http://test/3" Id="x">
    <qwe:elementTwo>
        <asd:elementThree>
            <!-- comment -->
            <elementFour> z x c </elementFour>
            <qwe:elementFive asd:attr1="value1" attr2="value2"/>
        </asd:elementThree>
        <asd:elementSix>eee</asd:elementSix>
    </qwe:elementTwo>
</elementOne>"#;
        assert_eq!(
            t(xml, "x"),
            "<ns1:elementOne xmlns:ns1=\"http://test/1\" Id=\"x\"><ns2:elementTwo xmlns:ns2=\"http://test/2\">\
             <ns3:elementThree xmlns:ns3=\"http://test/3\"><ns1:elementFour> z x c </ns1:elementFour>\
             <ns2:elementFive ns3:attr1=\"value1\" attr2=\"value2\"></ns2:elementFive>\
             </ns3:elementThree><ns4:elementSix xmlns:ns4=\"http://test/3\">eee</ns4:elementSix></ns2:elementTwo>\
             </ns1:elementOne>"
        );
    }

    #[test]
    fn only_the_element_with_the_id_and_an_enveloped_signature_left_out() {
        let xml = r#"<a xmlns="urn:a"><b Id="sig" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">x<ds:Signature><ds:x/></ds:Signature>y</b><c/></a>"#;
        let with =
            String::from_utf8(smev_transform(xml.as_bytes(), "sig", false).expect("t")).expect("u");
        assert!(with.contains("Signature"), "{with}");
        let without =
            String::from_utf8(smev_transform(xml.as_bytes(), "sig", true).expect("t")).expect("u");
        assert_eq!(without, "<ns1:b xmlns:ns1=\"urn:a\" Id=\"sig\">xy</ns1:b>");
        assert_eq!(
            smev_transform(xml.as_bytes(), "nope", false),
            Err(TransformError::NoSuchId("nope".into()))
        );
    }

    #[test]
    fn line_ends_entities_and_cdata_are_read_as_c14n_reads_them() {
        // One text node of 12+ units: a `>` right after an escaped char is escaped too (rule 9).
        let xml = "<a xmlns=\"urn:a\" Id=\"i\" v=\"1&#10;2\">l1\r\nl2 &lt;&amp;&gt;&#x41;<![CDATA[<z>]]></a>";
        assert_eq!(
            t(xml, "i"),
            "<ns1:a xmlns:ns1=\"urn:a\" Id=\"i\" v=\"1&#xa;2\">l1\nl2 &lt;&amp;&gt;A&lt;z></ns1:a>"
        );
    }

    #[test]
    fn unqualified_elements_get_a_prefix_for_the_empty_namespace_as_the_reference_writes() {
        // [JAVA] maps the URI "" like any other; `xml:*` attributes map to the XML namespace.
        let xml = r#"<a:root xmlns:a="urn:a" Id="r"><child xml:lang="ru">т</child></a:root>"#;
        assert_eq!(
            t(xml, "r"),
            "<ns1:root xmlns:ns1=\"urn:a\" Id=\"r\"><ns2:child xmlns:ns2=\"\" \
             xmlns:ns3=\"http://www.w3.org/XML/1998/namespace\" ns3:lang=\"ru\">т</ns2:child></ns1:root>"
        );
    }

    #[test]
    fn a_doctype_or_an_undeclared_prefix_is_refused() {
        let doctype = r#"<!DOCTYPE a [<!ENTITY x "y">]><a Id="i">&x;</a>"#;
        assert!(matches!(
            smev_transform(doctype.as_bytes(), "i", false),
            Err(TransformError::Malformed(_))
        ));
        let undeclared = r#"<p:a Id="i"/>"#;
        assert!(matches!(
            smev_transform(undeclared.as_bytes(), "i", false),
            Err(TransformError::Malformed(_))
        ));
    }
}
