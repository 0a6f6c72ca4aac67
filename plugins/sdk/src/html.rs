//! HTML for pages: escaping, and templates with named slots.
//!
//! A template is the plugin's own HTML (usually `include_str!("page.html")`) with placeholders `{{name}}`
//! (names of ASCII letters, digits, `_` and `-`). [`render`] fills every placeholder from its [`Slot`]: text is
//! escaped, HTML is inserted as it is (for fragments the plugin built from escaped parts). A placeholder without
//! a slot, or a slot no placeholder uses, is an error, so a typo cannot leave a page half filled.
//!
//! ```
//! use gateway_plugin_sdk::html::{self, Slot};
//!
//! let page = html::render(
//!     "<h1>{{title}}</h1>{{body}}",
//!     &[("title", Slot::Text("Tom & Jerry")), ("body", Slot::Html("<p>ok</p>"))],
//! )?;
//! assert_eq!(page, "<h1>Tom &amp; Jerry</h1><p>ok</p>");
//! # Ok::<(), html::TemplateError>(())
//! ```

/// What fills a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot<'a> {
    /// Text, escaped with [`escape`].
    Text(&'a str),
    /// HTML, inserted as it is: only markup the plugin wrote or escaped itself.
    Html(&'a str),
}

/// A template that cannot be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A `{{` without its `}}`, or with something else than a name between them.
    #[error("malformed placeholder at byte {0} of the template")]
    Malformed(usize),
    /// A placeholder no slot fills.
    #[error("no value for the placeholder {{{{{0}}}}}")]
    Missing(String),
    /// A slot no placeholder uses.
    #[error("the template has no placeholder {{{{{0}}}}}")]
    Unused(String),
}

/// Escapes `text` for HTML text and attribute values: `<`, `>`, `&`, `"` and `'`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Fills the placeholders of `template` from `slots` (see the module docs).
pub fn render(template: &str, slots: &[(&str, Slot<'_>)]) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() * 2);
    let mut used = vec![false; slots.len()];
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let at = template.len() - rest.len() + open;
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(TemplateError::Malformed(at))?;
        let name = &after[..close];
        let well_formed = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !well_formed {
            return Err(TemplateError::Malformed(at));
        }
        let index = slots
            .iter()
            .position(|(slot, _)| *slot == name)
            .ok_or_else(|| TemplateError::Missing(name.to_owned()))?;
        used[index] = true;
        match slots[index].1 {
            Slot::Text(text) => push_escaped(&mut out, text),
            Slot::Html(html) => out.push_str(html),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    match used.iter().position(|used| !used) {
        Some(index) => Err(TemplateError::Unused(slots[index].0.to_owned())),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_text_and_attributes() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("Пётр Иванович"), "Пётр Иванович");
    }

    #[test]
    fn placeholders_are_filled_escaped_or_raw_and_may_repeat() {
        let page = render(
            "<title>{{title}}</title><h1>{{title}}</h1>{{body}} {x}",
            &[
                ("title", Slot::Text("<b>")),
                ("body", Slot::Html("<p>ok</p>")),
            ],
        );
        assert_eq!(
            page.as_deref(),
            Ok("<title>&lt;b&gt;</title><h1>&lt;b&gt;</h1><p>ok</p> {x}")
        );
        assert_eq!(render("no slots", &[]).as_deref(), Ok("no slots"));
        // Filled values are not scanned again.
        assert_eq!(
            render("{{a}}", &[("a", Slot::Html("{{b}}"))]).as_deref(),
            Ok("{{b}}")
        );
    }

    #[test]
    fn mistakes_in_templates_are_errors() {
        assert_eq!(
            render("<p>{{name</p>", &[("name", Slot::Text("x"))]),
            Err(TemplateError::Malformed(3))
        );
        assert_eq!(render("{{a b}}", &[]), Err(TemplateError::Malformed(0)));
        assert_eq!(render("{{}}", &[]), Err(TemplateError::Malformed(0)));
        assert_eq!(
            render("{{title}}", &[]),
            Err(TemplateError::Missing("title".into()))
        );
        assert_eq!(
            render(
                "{{title}}",
                &[("title", Slot::Text("t")), ("tilte", Slot::Text("u"))]
            ),
            Err(TemplateError::Unused("tilte".into()))
        );
    }
}
