//! Tree → XML.
//!
//! The root element is named by the message type with its namespace as the default namespace; every object
//! member becomes a child element in member order, a list becomes repeated elements, null is omitted, a
//! string, number or boolean becomes escaped text.

use serde_json::{Map, Value};

use crate::error::CodecError;

/// Writes the document whose root element is `{namespace}root` with `content` as its content.
pub(crate) fn write_document(
    namespace: &str,
    root: &str,
    content: &Value,
) -> Result<Vec<u8>, CodecError> {
    check_name(root)?;
    let mut out = String::with_capacity(256);
    out.push('<');
    out.push_str(root);
    if !namespace.is_empty() {
        out.push_str(" xmlns=\"");
        escape_into(&mut out, namespace, true)?;
        out.push('"');
    }
    match content {
        Value::Array(_) => {
            return Err(CodecError::Encode(
                "the root element cannot be a list".into(),
            ));
        }
        Value::Null => out.push_str("/>"),
        Value::Object(members) if members.is_empty() => out.push_str("/>"),
        Value::Object(members) => {
            out.push('>');
            write_members(&mut out, members)?;
            close(&mut out, root);
        }
        scalar => {
            out.push('>');
            write_scalar(&mut out, scalar)?;
            close(&mut out, root);
        }
    }
    Ok(out.into_bytes())
}

fn write_members(out: &mut String, members: &Map<String, Value>) -> Result<(), CodecError> {
    for (name, value) in members {
        match value {
            Value::Null => {}
            Value::Array(items) => {
                check_name(name)?;
                for item in items {
                    if item.is_array() {
                        return Err(CodecError::Encode(format!(
                            "<{name}>: a list inside a list has no XML form"
                        )));
                    }
                    write_element(out, name, item)?;
                }
            }
            single => write_element(out, name, single)?,
        }
    }
    Ok(())
}

fn write_element(out: &mut String, name: &str, value: &Value) -> Result<(), CodecError> {
    check_name(name)?;
    match value {
        Value::Null => return Ok(()),
        Value::Object(members) if members.values().all(Value::is_null) => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
            return Ok(());
        }
        _ => {}
    }
    out.push('<');
    out.push_str(name);
    out.push('>');
    match value {
        Value::Object(members) => write_members(out, members)?,
        scalar => write_scalar(out, scalar)?,
    }
    close(out, name);
    Ok(())
}

fn write_scalar(out: &mut String, value: &Value) -> Result<(), CodecError> {
    match value {
        Value::String(text) => escape_into(out, text, false),
        Value::Number(number) => {
            out.push_str(&number.to_string());
            Ok(())
        }
        Value::Bool(flag) => {
            out.push_str(if *flag { "true" } else { "false" });
            Ok(())
        }
        Value::Null | Value::Array(_) | Value::Object(_) => Err(CodecError::Encode(
            "internal: a composite value where text was expected".into(),
        )),
    }
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Appends `text` escaped for element content (or an attribute value); refuses characters XML 1.0 cannot hold.
fn escape_into(out: &mut String, text: &str, attribute: bool) -> Result<(), CodecError> {
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            // A literal CR would be normalised to LF by the reader; a reference keeps it.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' if attribute => {
                out.push_str(if character == '\t' { "&#9;" } else { "&#10;" })
            }
            '\t' | '\n' => out.push(character),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {
                return Err(CodecError::Encode(format!(
                    "character U+{:04X} cannot appear in XML",
                    u32::from(character)
                )));
            }
            other => out.push(other),
        }
    }
    Ok(())
}

/// Element names must be XML names without a prefix (`NCName`).
fn check_name(name: &str) -> Result<(), CodecError> {
    let mut chars = name.chars();
    let valid = match chars.next() {
        Some(first) => {
            (first.is_alphabetic() || first == '_')
                && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '\u{b7}'))
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(CodecError::Encode(format!(
            "{name:?} is not a valid XML element name"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(content: &Value) -> Result<String, CodecError> {
        write_document("urn://gateway/test/1.0", "TestResponse", content)
            .map(|bytes| String::from_utf8(bytes).expect("UTF-8"))
    }

    #[test]
    fn members_become_elements_in_order() {
        let content = json!({
            "Text": "a & b <c> \"q\"",
            "Count": 3,
            "Flag": true,
            "Skipped": null,
            "Item": ["x", {"Code": "y"}, null],
            "Empty": {},
            "Inner": {"Z": "1", "A": "2"}
        });
        assert_eq!(
            write(&content).expect("encodes"),
            concat!(
                r#"<TestResponse xmlns="urn://gateway/test/1.0">"#,
                r#"<Text>a &amp; b &lt;c&gt; "q"</Text><Count>3</Count><Flag>true</Flag>"#,
                r#"<Item>x</Item><Item><Code>y</Code></Item><Empty/><Inner><Z>1</Z><A>2</A></Inner>"#,
                "</TestResponse>"
            )
        );
    }

    #[test]
    fn roots_without_content_or_namespace() {
        assert_eq!(
            write(&json!({})).expect("empty"),
            r#"<TestResponse xmlns="urn://gateway/test/1.0"/>"#
        );
        assert_eq!(
            write_document("", "R", &json!("t")).expect("scalar"),
            b"<R>t</R>"
        );
        let quoted = write_document("urn:a\"b&c", "R", &Value::Null).expect("namespace escaped");
        assert_eq!(quoted, br#"<R xmlns="urn:a&quot;b&amp;c"/>"#);
    }

    #[test]
    fn unrepresentable_values_are_errors() {
        assert!(write(&json!(["a"])).is_err());
        assert!(write(&json!({"Nested": [["a"]]})).is_err());
        assert!(write(&json!({"Bad Name": "x"})).is_err());
        assert!(write(&json!({"p:Prefixed": "x"})).is_err());
        assert!(write(&json!({"1st": "x"})).is_err());
        assert!(write(&json!({"Text": "bell \u{7}"})).is_err());
        assert!(write_document("", "", &json!({})).is_err());
    }

    #[test]
    fn carriage_returns_survive_as_references() {
        assert!(
            write(&json!({"T": "a\r\nb\tc"}))
                .expect("encodes")
                .contains("<T>a&#13;\nb\tc</T>")
        );
    }
}
