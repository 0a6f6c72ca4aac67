//! The SMEV transform's escaping (rule 9): what the reference implementation's writer (Woodstox) does.
//!
//! - Text shorter than 12 UTF-16 units: `&` → `&amp;`, `<` → `&lt;`, CR → `&#xd;`, the C1 controls U+007F–U+009F
//!   → `&#x7f;`…`&#x9f;` (Woodstox's `QUOTABLE_TEXT_CHARS`); `>` → `&gt;` only as the first character or right
//!   after `]`.
//! - Longer text: the same, in chunks of 512 UTF-16 units, where `>` is also escaped as the first character of
//!   a chunk and right after any character that was itself escaped.
//! - Attribute values: `&`, `<`, `"`, TAB, LF, CR escaped; `>` never.

/// Text shorter than this (UTF-16 units) is written in one go.
const MIN_ARRAYCOPY: usize = 12;
/// Longer text is written in chunks of this many UTF-16 units.
const CHUNK: usize = 512;

/// `text` escaped as the reference writer writes a text node.
pub(crate) fn text(text: &str, out: &mut String) {
    let units: usize = text.chars().map(char::len_utf16).sum();
    if units < MIN_ARRAYCOPY {
        let mut previous: Option<char> = None;
        for (i, c) in text.chars().enumerate() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '\r' => out.push_str("&#xd;"),
                '>' if i == 0 || previous == Some(']') => out.push_str("&gt;"),
                c if is_c1(c) => push_reference(c, out),
                c => out.push(c),
            }
            previous = Some(c);
        }
        return;
    }
    let mut in_chunk = 0usize;
    let mut previous: Option<char> = None;
    let mut previous_escaped = false;
    for c in text.chars() {
        let width = c.len_utf16();
        if in_chunk + width > CHUNK {
            in_chunk = 0;
        }
        let chunk_start = in_chunk == 0;
        let escaped = match c {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '\r' => Some("&#xd;"),
            '>' if chunk_start || previous == Some(']') || previous_escaped => Some("&gt;"),
            _ => None,
        };
        previous_escaped = true;
        match escaped {
            Some(entity) => out.push_str(entity),
            None if is_c1(c) => push_reference(c, out),
            None => {
                out.push(c);
                previous_escaped = false;
            }
        }
        previous = Some(c);
        in_chunk += width;
    }
}

/// U+007F–U+009F: written as character references in text (never in attribute values).
fn is_c1(c: char) -> bool {
    ('\u{7f}'..='\u{9f}').contains(&c)
}

/// `c` as a lowercase hexadecimal character reference, as Woodstox's `writeAsEntity` writes it.
fn push_reference(c: char, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "&#x{:x};", u32::from(c));
}

/// `value` escaped as the reference writer writes an attribute value.
pub(crate) fn attribute(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xa;"),
            '\r' => out.push_str("&#xd;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        let mut out = String::new();
        text(s, &mut out);
        out
    }

    #[test]
    fn short_and_long_text_escape_as_the_reference_writer() {
        assert_eq!(t("a&b<c>d"), "a&amp;b&lt;c>d");
        assert_eq!(t(">x]>"), "&gt;x]&gt;");
        assert_eq!(
            t("<>"),
            "&lt;>",
            "short text: > after an escaped char stays"
        );
        assert_eq!(
            t("0123456789<>"),
            "0123456789&lt;&gt;",
            "long text: > after an escaped char"
        );
        assert_eq!(t("a\rb"), "a&#xd;b");
        let long = format!(">{}", "x".repeat(600));
        assert!(t(&long).starts_with("&gt;x"));
        // The second chunk starts at unit 512: a `>` there is escaped.
        let at_chunk = format!("{}>{}", "y".repeat(512), "z".repeat(20));
        assert!(t(&at_chunk).contains("y&gt;z"), "{}", t(&at_chunk));
    }

    #[test]
    fn c1_controls_are_references_in_text_and_count_as_escaped() {
        assert_eq!(t("a\u{85}b"), "a&#x85;b");
        assert_eq!(
            t("\u{7f}>"),
            "&#x7f;>",
            "short text: > only first or after ]"
        );
        assert_eq!(t("0123456789\u{9f}>"), "0123456789&#x9f;&gt;");
        let mut out = String::new();
        attribute("a\u{85}b", &mut out);
        assert_eq!(out, "a\u{85}b");
    }

    #[test]
    fn attribute_values_escape_quotes_and_whitespace_but_not_gt() {
        let mut out = String::new();
        attribute("a\"b\tc\nd>e&<", &mut out);
        assert_eq!(out, "a&quot;b&#x9;c&#xa;d>e&amp;&lt;");
    }
}
