//! A minimal XML writer: the encoders write fixed structures, so a byte buffer with correct
//! escaping is all they need.

/// Builds an XML document in a byte buffer. Text and attribute values are escaped, and
/// characters XML 1.0 cannot carry are replaced by U+FFFD, so the output is always well-formed
/// whatever strings it is given.
pub(crate) struct XmlWriter {
    buf: Vec<u8>,
}

impl XmlWriter {
    /// A writer that starts with the UTF-8 XML declaration.
    pub(crate) fn document() -> Self {
        let mut buf = Vec::with_capacity(1024);
        buf.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        Self { buf }
    }

    /// `<name a="v" ...>`.
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.buf.push(b'>');
        self
    }

    /// `<name a="v" .../>`.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.buf.extend_from_slice(b"/>");
        self
    }

    /// `</name>`.
    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'>');
        self
    }

    /// `<name>text</name>`.
    pub(crate) fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name, &[]);
        self.text(text);
        self.close(name)
    }

    /// `<name a="v" ...>text</name>`.
    pub(crate) fn leaf_with(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
        text: &str,
    ) -> &mut Self {
        self.open(name, attrs);
        self.text(text);
        self.close(name)
    }

    /// Escaped character data.
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        for c in text.chars() {
            match c {
                '&' => self.buf.extend_from_slice(b"&amp;"),
                '<' => self.buf.extend_from_slice(b"&lt;"),
                '>' => self.buf.extend_from_slice(b"&gt;"),
                '\r' => self.buf.extend_from_slice(b"&#13;"),
                c => self.push_char(c),
            }
        }
        self
    }

    /// Bytes inserted verbatim; the caller guarantees they are well-formed content.
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    /// The finished document.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
        for (key, value) in attrs {
            self.buf.push(b' ');
            self.buf.extend_from_slice(key.as_bytes());
            self.buf.extend_from_slice(b"=\"");
            self.attr_value(value);
            self.buf.push(b'"');
        }
    }

    fn attr_value(&mut self, value: &str) {
        for c in value.chars() {
            match c {
                '&' => self.buf.extend_from_slice(b"&amp;"),
                '<' => self.buf.extend_from_slice(b"&lt;"),
                '>' => self.buf.extend_from_slice(b"&gt;"),
                '"' => self.buf.extend_from_slice(b"&quot;"),
                '\t' => self.buf.extend_from_slice(b"&#9;"),
                '\n' => self.buf.extend_from_slice(b"&#10;"),
                '\r' => self.buf.extend_from_slice(b"&#13;"),
                c => self.push_char(c),
            }
        }
    }

    fn push_char(&mut self, c: char) {
        let c = if is_xml_char(c) { c } else { '\u{FFFD}' };
        let mut utf8 = [0u8; 4];
        self.buf
            .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
    }
}

/// Whether XML 1.0 can carry the character at all (the `Char` production).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first `max` characters of `s` (XSD `maxLength` counts characters).
pub(crate) fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut XmlWriter)) -> String {
        let mut w = XmlWriter { buf: Vec::new() };
        f(&mut w);
        String::from_utf8(w.finish()).unwrap()
    }

    #[test]
    fn escapes_text_and_attributes() {
        let s = written(|w| {
            w.leaf_with("a", &[("k", "x\"<&>\t\n")], "1 < 2 & 3 > 2\r\n");
        });
        assert_eq!(
            s,
            "<a k=\"x&quot;&lt;&amp;&gt;&#9;&#10;\">1 &lt; 2 &amp; 3 &gt; 2&#13;\n</a>"
        );
    }

    #[test]
    fn replaces_characters_xml_cannot_carry() {
        let s = written(|w| {
            w.text("a\u{0}b\u{1B}c\u{FFFE}");
        });
        assert_eq!(s, "a\u{FFFD}b\u{FFFD}c\u{FFFD}");
    }

    #[test]
    fn truncates_by_characters() {
        assert_eq!(truncate_chars("привет", 3), "при");
        assert_eq!(truncate_chars("abc", 5), "abc");
        assert_eq!(truncate_chars("", 0), "");
    }

    #[test]
    fn document_starts_with_the_declaration() {
        let mut w = XmlWriter::document();
        w.empty("r", &[]);
        assert_eq!(
            w.finish(),
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><r/>"
        );
    }
}
