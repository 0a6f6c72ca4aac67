//! XML → tree, by local names.
//!
//! The tree of an element: only text (or nothing) → a string; `xsi:nil="true"` → null; child elements → an
//! object of their trees, repeated names collected into a list at the first one's position, text beside them
//! under `$text`. The result is the tree of the root element's content.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use serde_json::{Map, Value};

use crate::error::CodecError;

/// How deep elements may nest in a payload (the root counts as 1).
pub const MAX_DEPTH: usize = 100;

/// Key under which text beside child elements is kept.
const MIXED_TEXT_KEY: &str = "$text";

/// Reads an XML payload (one root element, UTF-8) into the tree of the root's content.
pub(crate) fn read_tree(payload: &[u8]) -> Result<Value, CodecError> {
    let text = std::str::from_utf8(payload).map_err(|error| malformed(error.to_string()))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Value> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|error| malformed(format!("{error} at byte {}", reader.error_position())))?;
        match event {
            Event::Start(start) => {
                if open.is_empty() && root.is_some() {
                    return Err(malformed("more than one root element".into()));
                }
                if open.len() >= MAX_DEPTH {
                    return Err(CodecError::TooDeep(MAX_DEPTH));
                }
                open.push(Element::open(&start)?);
            }
            Event::Empty(start) => {
                let element = Element::open(&start)?;
                let (name, value) = element.close();
                attach(&mut open, &mut root, name, value)?;
            }
            Event::End(_) => match open.pop() {
                Some(element) => {
                    let (name, value) = element.close();
                    attach(&mut open, &mut root, name, value)?;
                }
                None => return Err(malformed("unexpected end tag".into())),
            },
            Event::Text(text) => match open.last_mut() {
                Some(element) => element.text.push_str(&text.xml10_content()),
                None if text.xml10_content().trim().is_empty() => {}
                None => return Err(malformed("text outside the root element".into())),
            },
            Event::CData(data) => match open.last_mut() {
                Some(element) => element.text.push_str(&data.into_inner()),
                None => return Err(malformed("CDATA outside the root element".into())),
            },
            Event::GeneralRef(reference) => match open.last_mut() {
                Some(element) => element.text.push(resolve_reference(&reference)?),
                None => {
                    return Err(malformed(
                        "entity reference outside the root element".into(),
                    ));
                }
            },
            Event::DocType(_) => return Err(CodecError::Refused("DOCTYPE is not allowed".into())),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(element) = open.last() {
        return Err(malformed(format!(
            "element <{}> is not closed",
            element.name
        )));
    }
    root.ok_or_else(|| malformed("no root element".into()))
}

/// An element being read.
struct Element {
    name: String,
    nil: bool,
    text: String,
    children: Map<String, Value>,
}

impl Element {
    fn open(start: &BytesStart<'_>) -> Result<Self, CodecError> {
        let name = start.local_name().as_ref().to_owned();
        let mut nil = false;
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|error| malformed(format!("{error} in <{name}>")))?;
            let is_nil =
                attribute.key.prefix().is_some() && attribute.key.local_name().as_ref() == "nil";
            if is_nil {
                nil = matches!(attribute.value.trim(), "true" | "1");
            }
        }
        Ok(Self {
            name,
            nil,
            text: String::new(),
            children: Map::new(),
        })
    }

    fn close(self) -> (String, Value) {
        let value = if self.nil {
            Value::Null
        } else if self.children.is_empty() {
            Value::String(self.text)
        } else {
            let mut children = self.children;
            if !self.text.trim().is_empty() {
                children.insert(MIXED_TEXT_KEY.to_owned(), Value::String(self.text));
            }
            Value::Object(children)
        };
        (self.name, value)
    }
}

/// Puts a closed element into its parent, or makes it the root.
fn attach(
    open: &mut [Element],
    root: &mut Option<Value>,
    name: String,
    value: Value,
) -> Result<(), CodecError> {
    let Some(parent) = open.last_mut() else {
        if root.is_some() {
            return Err(malformed("more than one root element".into()));
        }
        *root = Some(value);
        return Ok(());
    };
    match parent.children.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None => {
            parent.children.insert(name, value);
        }
    }
    Ok(())
}

/// Resolves a character reference or one of the five predefined entities; anything else is refused.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<char, CodecError> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(character)) => Ok(character),
            Ok(None) | Err(_) => Err(malformed(format!(
                "bad character reference &{};",
                reference.xml10_content()
            ))),
        };
    }
    match reference.xml10_content().as_ref() {
        "amp" => Ok('&'),
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        other => Err(CodecError::Refused(format!("undefined entity &{other};"))),
    }
}

fn malformed(message: String) -> CodecError {
    CodecError::Malformed {
        format: "XML",
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tree(xml: &str) -> Result<Value, CodecError> {
        read_tree(xml.as_bytes())
    }

    #[test]
    fn elements_become_strings_objects_and_lists() {
        let xml = r#"<?xml version="1.0"?>
            <t:TestRequest xmlns:t="urn://gateway/test/1.0" Id="a1">
              <!-- a comment -->
              <t:Action>echo</t:Action>
              <t:Text>a &amp; b &lt;c&gt; &#x41;&#66; <![CDATA[<raw>]]></t:Text>
              <t:Empty/>
              <t:Person><t:Snils>123</t:Snils><t:Name a="1">Ann</t:Name></t:Person>
              <t:Code>1</t:Code><t:Other>x</t:Other><t:Code>2</t:Code><t:Code>3</t:Code>
              <t:Missing xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>
            </t:TestRequest>"#;
        let value = tree(xml).expect("well-formed");
        assert_eq!(
            value,
            json!({
                "Action": "echo",
                "Text": "a & b <c> AB <raw>",
                "Empty": "",
                "Person": {"Snils": "123", "Name": "Ann"},
                "Code": ["1", "2", "3"],
                "Other": "x",
                "Missing": null
            })
        );
        let keys: Vec<&str> = value
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "Action", "Text", "Empty", "Person", "Code", "Other", "Missing"
            ],
            "document order"
        );
    }

    #[test]
    fn text_root_and_mixed_content() {
        assert_eq!(tree("<Only>text</Only>").expect("text root"), json!("text"));
        assert_eq!(tree("<Only/>").expect("empty root"), json!(""));
        assert_eq!(
            tree("<P>lead <B>bold</B> tail</P>").expect("mixed"),
            json!({"B": "bold", "$text": "lead  tail"})
        );
        assert_eq!(tree("<P>\r\nline</P>").expect("eol"), json!("\nline"));
    }

    #[test]
    fn doctype_and_unknown_entities_are_refused() {
        let bomb =
            r#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><R>&lol2;</R>"#;
        assert!(matches!(tree(bomb), Err(CodecError::Refused(_))));
        assert!(matches!(tree("<R>&nbsp;</R>"), Err(CodecError::Refused(_))));
        assert!(matches!(
            tree("<R>&#0;</R>"),
            Err(CodecError::Malformed { .. })
        ));
    }

    #[test]
    fn malformed_documents_are_errors() {
        for bad in [
            "",
            "   ",
            "<A>",
            "<A></B>",
            "</A>",
            "<A/><B/>",
            "<A></A><B></B>",
            "text<A/>",
            "<A/>text",
            "<A x=1/>",
            "<A>&</A>",
            "<A x='1' x='2'/>",
        ] {
            assert!(
                matches!(tree(bad), Err(CodecError::Malformed { .. })),
                "{bad:?} must be malformed"
            );
        }
        assert!(matches!(
            read_tree(b"<A>\xff</A>"),
            Err(CodecError::Malformed { .. })
        ));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |depth: usize| "<A>".repeat(depth) + &"</A>".repeat(depth);
        assert!(tree(&deep(MAX_DEPTH)).is_ok());
        assert_eq!(
            tree(&deep(MAX_DEPTH + 1)),
            Err(CodecError::TooDeep(MAX_DEPTH))
        );
        assert_eq!(
            tree(&"<A>".repeat(100_000)),
            Err(CodecError::TooDeep(MAX_DEPTH))
        );
    }

    #[test]
    fn truncations_never_panic() {
        let xml = r#"<t:R xmlns:t="urn:x"><t:A>1 &amp; 2</t:A><t:B><t:C x="y">3</t:C></t:B><![CDATA[z]]></t:R>"#;
        for end in 0..xml.len() {
            let _ = read_tree(&xml.as_bytes()[..end]);
        }
        assert!(read_tree(xml.as_bytes()).is_ok());
    }
}
