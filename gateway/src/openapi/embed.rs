//! A schema file made a component of the document: its name, made from its message type, and its `$schema`,
//! `$id` and `$ref`s made valid inside the OpenAPI document.

use serde_json::Value;

use super::{COMPONENTS, DIALECT};

/// The component name of a message type: its namespace without the scheme (`urn://`, `urn:`, `http(s)://`),
/// then its local name, joined by dots, every character OpenAPI does not allow in a component name
/// (`^[a-zA-Z0-9._-]+$`) replaced: `{urn://gateway/svo-status/1.0}IssueQrRequest` →
/// `gateway.svo-status.1.0.IssueQrRequest`.
pub fn component_name(message_type: &str) -> String {
    let (namespace, local) = match message_type
        .strip_prefix('{')
        .and_then(|rest| rest.split_once('}'))
    {
        Some((ns, local)) => (ns, local),
        None => ("", message_type),
    };
    let namespace = ["urn://", "urn:", "https://", "http://"]
        .iter()
        .find_map(|scheme| namespace.strip_prefix(scheme))
        .unwrap_or(namespace);
    let mut name = String::new();
    for c in namespace.chars() {
        let c = match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => c,
            '/' | ':' | '.' | '#' => '.',
            _ => '_',
        };
        if !(c == '.' && (name.is_empty() || name.ends_with('.'))) {
            name.push(c);
        }
    }
    if !name.is_empty() && !name.ends_with('.') {
        name.push('.');
    }
    name.extend(local.chars().map(|c| match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
        _ => '_',
    }));
    name
}

/// A schema file's document made a component named `name`: `$schema` dropped when it is the document's own
/// dialect (2020-12), `$id` dropped, and every `$ref` to a place in the same file (`#…` or `<$id>#…`) made to
/// point into the component, so that it resolves inside the OpenAPI document.
pub fn embed(schema: &Value, name: &str) -> Value {
    let mut out = schema.clone();
    let Some(top) = out.as_object_mut() else {
        return out;
    };
    if top
        .get("$schema")
        .and_then(Value::as_str)
        .is_some_and(|s| s.trim_end_matches('#') == DIALECT)
    {
        top.remove("$schema");
    }
    let id = top
        .remove("$id")
        .and_then(|v| v.as_str().map(|s| s.trim_end_matches('#').to_owned()));
    rewrite_refs(&mut out, id.as_deref(), &format!("{COMPONENTS}{name}"));
    out
}

/// Keywords whose values are data, not schemas: a `$ref` key inside them is not a reference.
pub(super) const DATA_KEYWORDS: [&str; 5] = ["const", "enum", "default", "examples", "example"];

fn rewrite_refs(value: &mut Value, id: Option<&str>, base: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref" {
                    if let Some(r) = v.as_str().and_then(|r| local_pointer(r, id)) {
                        *v = Value::String(format!("{base}{r}"));
                    }
                } else if !DATA_KEYWORDS.contains(&key.as_str()) {
                    rewrite_refs(v, id, base);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, id, base)),
        _ => {}
    }
}

/// The JSON pointer (`""` or `/…`) of a reference to a place in the same file, `None` for anything else.
fn local_pointer<'r>(reference: &'r str, id: Option<&str>) -> Option<&'r str> {
    let fragment = match reference.strip_prefix('#') {
        Some(f) => f,
        None => id.and_then(|id| reference.strip_prefix(id)?.strip_prefix('#'))?,
    };
    (fragment.is_empty() || fragment.starts_with('/')).then_some(fragment)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn component_names_are_allowed() {
        let names = [
            (
                "{urn://gateway/svo-status/1.0}IssueQrRequest",
                "gateway.svo-status.1.0.IssueQrRequest",
            ),
            ("{urn:x:y}R", "x.y.R"),
            ("{http://example.com/a b/}R", "example.com.a_b.R"),
            ("Local", "Local"),
            ("{urn://x}Запрос", "x.______"),
        ];
        for (t, name) in names {
            assert_eq!(component_name(t), name);
        }
    }

    #[test]
    fn other_drafts_keep_their_schema_keyword() {
        let draft7 = json!({"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"x": {}},
            "properties": {"a": {"$ref": "#/definitions/x"}}});
        let embedded = embed(&draft7, "N");
        assert_eq!(embedded["$schema"], draft7["$schema"]);
        assert_eq!(
            embedded["properties"]["a"]["$ref"],
            "#/components/schemas/N/definitions/x"
        );
    }
}
