//! A pull cursor over the XML events of a request: namespace resolution, the depth and
//! attribute limits, and the refusal of DTDs, on top of quick-xml's `Reader`.
//!
//! Everything is iterative: the depth limit is checked on every start tag, so hostile nesting
//! fails after `max_depth` levels in linear time.

use std::borrow::Cow;
use std::rc::Rc;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::error::DecodeError;
use super::lexical::{
    check_declaration, is_xml_whitespace, malformed, malformed_msg, predefined_entity,
};
use super::scope::NamespaceScope;
use crate::limits::Limits;
use crate::qname::QName;
use crate::version::XML_NS;

/// A start tag with its name resolved.
pub(crate) struct Element<'a> {
    /// The resolved namespace URI (empty for none).
    pub(crate) ns: Rc<str>,
    /// The local name.
    pub(crate) local: &'a str,
    /// Byte offset of the `<` of the start tag.
    pub(crate) start: usize,
    /// Nesting depth (the document element is 1).
    pub(crate) depth: usize,
    tag: BytesStart<'a>,
}

impl Element<'_> {
    /// Whether this element is `{ns}local`.
    pub(crate) fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && &*self.ns == ns
    }

    /// The qualified name.
    pub(crate) fn qname(&self) -> QName {
        QName::new(&*self.ns, self.local)
    }

    /// The normalized value of the unprefixed attribute `name`.
    pub(crate) fn attr(&self, name: &str) -> Result<Option<String>, DecodeError> {
        for attr in self.tag.attributes() {
            let attr = attr.map_err(|e| malformed(self.start, e))?;
            if attr.key.0 == name {
                let value = attr
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| malformed(self.start, e))?;
                return Ok(Some(value.into_owned()));
            }
        }
        Ok(None)
    }
}

/// One step of the cursor.
pub(crate) enum Item<'a> {
    /// A start tag (empty elements come as a start and an end).
    Start(Element<'a>),
    /// An end tag; the offset just after it.
    End(usize),
    /// Character data (text, CDATA, or a resolved reference) and its offset.
    Text(Cow<'a, str>, usize),
    /// The end of the input.
    Eof,
}

/// The cursor over one document.
pub(crate) struct Cursor<'a> {
    reader: Reader<&'a [u8]>,
    input: &'a str,
    max_depth: usize,
    max_attributes: usize,
    depth: usize,
    /// An empty-element tag was reported as a start; its end comes next.
    pending_end: bool,
    scope: NamespaceScope,
    no_namespace: Rc<str>,
    xml_namespace: Rc<str>,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(input: &'a str, limits: &Limits) -> Self {
        let mut reader = Reader::from_str(input);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.check_comments = true;
        config.trim_text(false);
        Self {
            reader,
            input,
            max_depth: limits.max_depth,
            max_attributes: limits.max_attributes,
            depth: 0,
            pending_end: false,
            scope: NamespaceScope::default(),
            no_namespace: Rc::from(""),
            xml_namespace: Rc::from(XML_NS),
        }
    }

    /// The next event, with comments and processing instructions skipped.
    pub(crate) fn next_item(&mut self) -> Result<Item<'a>, DecodeError> {
        if self.pending_end {
            self.pending_end = false;
            return Ok(self.close());
        }
        loop {
            let start = self.offset();
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    return Err(malformed(
                        usize::try_from(self.reader.error_position()).unwrap_or(start),
                        e,
                    ));
                }
            };
            match event {
                Event::Start(tag) => return self.open(tag, start).map(Item::Start),
                Event::Empty(tag) => {
                    // Not produced with `expand_empty_elements`; handled for robustness.
                    self.pending_end = true;
                    return self.open(tag, start).map(Item::Start);
                }
                Event::End(_) => return Ok(self.close()),
                Event::Text(text) => return Ok(Item::Text(text.xml10_content(), start)),
                Event::CData(data) => return Ok(Item::Text(data.xml10_content(), start)),
                Event::GeneralRef(reference) => {
                    let text = match reference
                        .resolve_char_ref()
                        .map_err(|e| malformed(start, e))?
                    {
                        Some(c) if crate::writer::is_xml_char(c) => Cow::Owned(c.to_string()),
                        Some(c) => {
                            return Err(malformed_msg(
                                start,
                                format!("символ U+{:04X} недопустим в XML", c as u32),
                            ));
                        }
                        None => Cow::Borrowed(predefined_entity(&reference).ok_or_else(|| {
                            malformed_msg(start, format!("неизвестная сущность &{};", &*reference))
                        })?),
                    };
                    return Ok(Item::Text(text, start));
                }
                Event::DocType(_) => return Err(DecodeError::DocType { position: start }),
                Event::Decl(decl) => {
                    if start != 0 {
                        return Err(malformed_msg(
                            start,
                            "XML-объявление допустимо только в начале документа".into(),
                        ));
                    }
                    if let Some(encoding) = decl.encoding() {
                        let encoding = encoding.map_err(|e| malformed(start, e))?;
                        if !encoding.eq_ignore_ascii_case("utf-8") {
                            return Err(DecodeError::UnsupportedEncoding(encoding.into_owned()));
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => {
                    if self.depth > 0 {
                        return Err(malformed_msg(
                            start,
                            "документ оборван: не закрыты элементы".into(),
                        ));
                    }
                    return Ok(Item::Eof);
                }
            }
        }
    }

    /// The next child element of the current element, or `None` at its end tag. Whitespace
    /// between elements is skipped; other text is an error. At the document level (depth 0),
    /// `None` means the end of the input.
    pub(crate) fn next_child(&mut self, parent: &str) -> Result<Option<Element<'a>>, DecodeError> {
        loop {
            match self.next_item()? {
                Item::Start(e) => return Ok(Some(e)),
                Item::End(_) | Item::Eof => return Ok(None),
                Item::Text(text, position) => {
                    if !is_xml_whitespace(&text) {
                        return Err(DecodeError::UnexpectedText {
                            element: parent.to_owned(),
                            position,
                        });
                    }
                }
            }
        }
    }

    /// The text content of the element just opened, up to its end tag. Child elements are an
    /// error.
    pub(crate) fn read_text(&mut self, element: &Element<'_>) -> Result<String, DecodeError> {
        let mut out = String::new();
        loop {
            match self.next_item()? {
                Item::Text(text, _) => out.push_str(&text),
                Item::End(_) => return Ok(out),
                Item::Start(child) => {
                    return Err(DecodeError::UnexpectedElement {
                        parent: element.local.to_owned(),
                        found: child.qname(),
                        position: child.start,
                    });
                }
                Item::Eof => {
                    return Err(malformed_msg(
                        self.offset(),
                        "неожиданный конец документа".into(),
                    ));
                }
            }
        }
    }

    /// Skips the rest of the element just opened (checking well-formedness and the limits on
    /// the way); returns the offset just after its end tag.
    pub(crate) fn skip(&mut self, element: &Element<'_>) -> Result<usize, DecodeError> {
        loop {
            match self.next_item()? {
                Item::End(end) if self.depth < element.depth => return Ok(end),
                Item::Eof => {
                    return Err(malformed_msg(
                        self.offset(),
                        "неожиданный конец документа".into(),
                    ));
                }
                _ => {}
            }
        }
    }

    /// The exact bytes of the element just opened, start tag to end tag.
    pub(crate) fn capture(&mut self, element: &Element<'_>) -> Result<&'a str, DecodeError> {
        let end = self.skip(element)?;
        Ok(&self.input[element.start..end])
    }

    /// The namespace declarations in scope at `element` but made by its ancestors, outermost
    /// first, without those the element redeclares or an undeclared default namespace.
    pub(crate) fn inherited_namespaces(&self, element: &Element<'_>) -> Vec<(String, String)> {
        self.scope.inherited(element.depth)
    }

    /// After the document element: only whitespace, comments and processing instructions.
    pub(crate) fn finish_document(&mut self) -> Result<(), DecodeError> {
        loop {
            match self.next_item()? {
                Item::Eof => return Ok(()),
                Item::Text(text, _) if is_xml_whitespace(&text) => {}
                Item::Text(_, position) => {
                    return Err(malformed_msg(
                        position,
                        "текст после корневого элемента".into(),
                    ));
                }
                Item::Start(e) => {
                    return Err(malformed_msg(e.start, "второй корневой элемент".into()));
                }
                Item::End(end) => return Err(malformed_msg(end, "лишний закрывающий тег".into())),
            }
        }
    }

    /// Leaves the current element: its namespace declarations go out of scope.
    fn close(&mut self) -> Item<'a> {
        self.scope.leave(self.depth);
        self.depth = self.depth.saturating_sub(1);
        Item::End(self.offset())
    }

    fn offset(&self) -> usize {
        usize::try_from(self.reader.buffer_position()).unwrap_or(usize::MAX)
    }

    fn open(&mut self, tag: BytesStart<'a>, start: usize) -> Result<Element<'a>, DecodeError> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(DecodeError::TooDeep {
                limit: self.max_depth,
                position: start,
            });
        }
        let name_len = tag.name().0.len();
        let name = self
            .input
            .get(start + 1..start + 1 + name_len)
            .ok_or_else(|| malformed_msg(start, "некорректный открывающий тег".into()))?;
        self.declare(&tag, start)?;
        let (prefix, local) = match name.split_once(':') {
            Some((p, l)) => (Some(p), l),
            None => (None, name),
        };
        if local.is_empty() || local.contains(':') || prefix.is_some_and(str::is_empty) {
            return Err(malformed_msg(
                start,
                format!("некорректное имя элемента {name:?}"),
            ));
        }
        let ns = self.resolve(prefix, start)?;
        for attr in tag.attributes() {
            let attr = attr.map_err(|e| malformed(start, e))?;
            let key = attr.key.0;
            if let Some((p, _)) = key.split_once(':')
                && p != "xmlns"
            {
                self.resolve(Some(p), start)?;
            }
        }
        Ok(Element {
            ns,
            local,
            start,
            depth: self.depth,
            tag,
        })
    }

    /// Counts the attributes (before any quadratic work can happen) and pushes the
    /// namespace declarations of a start tag.
    fn declare(&mut self, tag: &BytesStart<'a>, start: usize) -> Result<(), DecodeError> {
        let mut unchecked = tag.attributes();
        unchecked.with_checks(false);
        let mut count = 0usize;
        for attr in unchecked {
            attr.map_err(|e| malformed(start, e))?;
            count += 1;
            if count > self.max_attributes {
                return Err(DecodeError::TooManyAttributes {
                    limit: self.max_attributes,
                    position: start,
                });
            }
        }
        for attr in tag.attributes() {
            let attr = attr.map_err(|e| malformed(start, e))?;
            let key = attr.key.0;
            let prefix = if key == "xmlns" {
                ""
            } else if let Some(p) = key.strip_prefix("xmlns:") {
                p
            } else {
                continue;
            };
            let uri = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| malformed(start, e))?;
            check_declaration(prefix, &uri, start)?;
            self.scope
                .declare(prefix, Rc::from(uri.as_ref()), self.depth);
        }
        Ok(())
    }

    fn resolve(&self, prefix: Option<&str>, position: usize) -> Result<Rc<str>, DecodeError> {
        match prefix {
            None => Ok(self.scope.resolve("").unwrap_or(&self.no_namespace).clone()),
            Some("xml") => Ok(self.xml_namespace.clone()),
            Some(p) => self
                .scope
                .resolve(p)
                .cloned()
                .ok_or_else(|| malformed_msg(position, format!("префикс {p:?} не объявлен"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(xml: &str) -> Result<Vec<String>, DecodeError> {
        let mut c = Cursor::new(xml, &Limits::default());
        let mut out = Vec::new();
        loop {
            match c.next_item()? {
                Item::Start(e) => out.push(format!("<{}", e.qname())),
                Item::End(_) => out.push(">".into()),
                Item::Text(t, _) => out.push(format!("'{t}'")),
                Item::Eof => return Ok(out),
            }
        }
    }

    #[test]
    fn resolves_prefixes_and_defaults() {
        let got = items(
            "<a:r xmlns:a='urn:a' xmlns='urn:d'><c/><a:d xmlns:a='urn:b'/><e xmlns=''/></a:r>",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                "<{urn:a}r",
                "<{urn:d}c",
                ">",
                "<{urn:b}d",
                ">",
                "<e",
                ">",
                ">"
            ]
        );
    }

    #[test]
    fn resolves_references() {
        let got = items("<r>a&amp;b&#x41;&#66;&lt;</r>").unwrap();
        assert_eq!(got.concat(), "<r'a''&''b''A''B''<'>");
        assert!(matches!(
            items("<r>&nbsp;</r>"),
            Err(DecodeError::Malformed { .. })
        ));
        assert!(matches!(
            items("<r>&#1;</r>"),
            Err(DecodeError::Malformed { .. })
        ));
    }

    #[test]
    fn refuses_unbound_prefixes_and_bad_declarations() {
        for bad in [
            "<p:r/>",
            "<r p:a='1'/>",
            "<r xmlns:p=''/>",
            "<r xmlns:xml='urn:x'/>",
            "<r xmlns:xmlns='urn:x'/>",
        ] {
            assert!(
                matches!(items(bad), Err(DecodeError::Malformed { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_doctype_and_foreign_encodings() {
        assert!(matches!(
            items("<!DOCTYPE r [<!ENTITY a 'b'>]><r/>"),
            Err(DecodeError::DocType { position: 0 })
        ));
        assert!(matches!(
            items("<?xml version='1.0' encoding='windows-1251'?><r/>"),
            Err(DecodeError::UnsupportedEncoding(_))
        ));
        assert!(items("<?xml version='1.0' encoding='utf-8'?><r/>").is_ok());
        assert!(matches!(
            items("<r/><?xml version='1.0'?>"),
            Err(DecodeError::Malformed { .. })
        ));
    }

    #[test]
    fn enforces_limits() {
        let limits = Limits {
            max_depth: 3,
            max_attributes: 2,
            ..Limits::default()
        };
        let mut c = Cursor::new("<a><b><c><d/></c></b></a>", &limits);
        let err = loop {
            match c.next_item() {
                Ok(Item::Eof) => panic!("no error"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert_eq!(
            err,
            DecodeError::TooDeep {
                limit: 3,
                position: 9
            }
        );
        let mut c = Cursor::new("<a x='1' y='2' z='3'/>", &limits);
        assert!(matches!(
            c.next_item(),
            Err(DecodeError::TooManyAttributes {
                limit: 2,
                position: 0
            })
        ));
    }

    #[test]
    fn inherited_namespaces_exclude_redeclared_prefixes() {
        let xml = "<e xmlns:s='urn:s' xmlns='urn:d' xmlns:p='urn:p1'><b xmlns:p='urn:p2'><r xmlns:s='urn:s2'/></b></e>";
        let mut c = Cursor::new(xml, &Limits::default());
        let mut last = None;
        while let Ok(item) = c.next_item() {
            match item {
                Item::Start(e) if e.local == "r" => {
                    last = Some(c.inherited_namespaces(&e));
                    break;
                }
                Item::Eof => break,
                _ => {}
            }
        }
        let got = last.unwrap();
        assert_eq!(
            got,
            [
                ("".to_owned(), "urn:d".to_owned()),
                ("p".to_owned(), "urn:p2".to_owned())
            ]
        );
    }

    #[test]
    fn capture_returns_exact_bytes() {
        let xml = "<a><b x=\"1\">t<c/></b> </a>";
        let mut c = Cursor::new(xml, &Limits::default());
        let Item::Start(a) = c.next_item().unwrap() else {
            panic!()
        };
        let b = c.next_child(a.local).unwrap().unwrap();
        assert_eq!(c.capture(&b).unwrap(), "<b x=\"1\">t<c/></b>");
        assert!(c.next_child(a.local).unwrap().is_none());
        c.finish_document().unwrap();
    }
}
