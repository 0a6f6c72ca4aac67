//! JSON Schemas: one compiled validator per message type.
//!
//! A `*.schema.json` file names its message type in a top-level `"x-message-type"` key, in Clark
//! notation (`{namespace}LocalName`, or `LocalName` for a type in no namespace). The draft is taken from
//! `$schema` (2020-12 when absent). Validators are built offline: a `$ref` to anything outside the file
//! is an error at startup, never a fetch. `format` is asserted (dates, e-mails, UUIDs...), whatever the
//! draft's default, because a gateway checks data rather than annotating it.

use std::path::Path;

use serde_json::Value;

use crate::error::SchemaError;
use crate::violations::{MAX_MESSAGES, Violations};

/// The top-level key that names a JSON Schema's message type.
pub const MESSAGE_TYPE_KEY: &str = "x-message-type";

/// A compiled JSON Schema, and the document it was compiled from.
#[derive(Debug)]
pub(crate) struct JsonSchema {
    validator: jsonschema::Validator,
    pub(crate) document: Value,
}

impl JsonSchema {
    /// Reads and compiles the JSON Schema file at `path`; returns its message type and validator.
    pub(crate) fn load(path: &Path) -> Result<(String, JsonSchema), SchemaError> {
        let bytes = std::fs::read(path).map_err(|source| SchemaError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let json_error = |message: String| SchemaError::Json {
            path: path.to_path_buf(),
            message,
        };
        let document: Value = serde_json::from_slice(&bytes)
            .map_err(|error| json_error(format!("not valid JSON: {error}")))?;
        JsonSchema::compile(&document).map_err(json_error)
    }

    /// Compiles a schema document; an `Err` is a message for the operator.
    pub(crate) fn compile(document: &Value) -> Result<(String, JsonSchema), String> {
        let message_type = document
            .get(MESSAGE_TYPE_KEY)
            .and_then(Value::as_str)
            .ok_or_else(|| {
                format!("the top-level \"{MESSAGE_TYPE_KEY}\" key is missing or not a string")
            })?;
        check_message_type(message_type)
            .map_err(|problem| format!("\"{MESSAGE_TYPE_KEY}\": \"{message_type}\" {problem}"))?;
        let validator = jsonschema::options()
            .offline()
            .should_validate_formats(true)
            .build(document)
            .map_err(|error| format!("not a valid JSON Schema: {error}"))?;
        Ok((
            message_type.to_owned(),
            JsonSchema {
                validator,
                document: document.clone(),
            },
        ))
    }

    /// Validates `value`; each message starts with the JSON pointer of the offending value.
    pub(crate) fn validate(&self, value: &Value) -> Result<(), Violations> {
        if self.validator.is_valid(value) {
            return Ok(());
        }
        let mut messages = Vec::new();
        let mut omitted = 0;
        for error in self.validator.iter_errors(value) {
            if messages.len() < MAX_MESSAGES {
                let pointer = error.instance_path().as_str();
                let pointer = if pointer.is_empty() {
                    "(root)"
                } else {
                    pointer
                };
                messages.push(format!("{pointer}: {error}"));
            } else {
                omitted += 1;
            }
        }
        Err(Violations::collected(
            messages,
            omitted,
            "the value does not match the JSON Schema",
        ))
    }
}

/// Checks a message type written in Clark notation; an `Err` says what is wrong.
pub(crate) fn check_message_type(name: &str) -> Result<(), &'static str> {
    let local = match name.strip_prefix('{') {
        Some(rest) => {
            let (namespace, local) = rest
                .split_once('}')
                .ok_or("is not in Clark notation: '}' is missing")?;
            if namespace.is_empty() {
                return Err("has an empty namespace: write a type in no namespace without braces");
            }
            if namespace.contains('{') || namespace.chars().any(char::is_whitespace) {
                return Err("has a namespace with '{' or white space");
            }
            local
        }
        None => name,
    };
    if local.is_empty() {
        return Err("has no local name");
    }
    if local.contains(['{', '}', ':']) || local.chars().any(char::is_whitespace) {
        return Err("has a local name with '{', '}', ':' or white space");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn message_types_in_clark_notation() {
        assert_eq!(check_message_type("{urn://x/1.0}Request"), Ok(()));
        assert_eq!(check_message_type("Request"), Ok(()));
        for bad in [
            "",
            "{urn:x}",
            "{}R",
            "{urn:x R",
            "{urn:x}a:b",
            "{urn x}R",
            "R S",
            "{a{b}R",
        ] {
            assert!(check_message_type(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn compile_needs_a_message_type() {
        let error = JsonSchema::compile(&json!({"type": "object"})).unwrap_err();
        assert!(
            error.contains("\"x-message-type\" key is missing"),
            "{error}"
        );
        let error = JsonSchema::compile(&json!({"x-message-type": "{}R"})).unwrap_err();
        assert!(error.contains("empty namespace"), "{error}");
    }

    #[test]
    fn external_references_are_not_fetched() {
        let schema = json!({
            "x-message-type": "{urn:x}R",
            "$ref": "https://example.invalid/remote.schema.json"
        });
        let error = JsonSchema::compile(&schema).unwrap_err();
        assert!(error.contains("not a valid JSON Schema"), "{error}");
    }

    #[test]
    fn violations_carry_json_pointers_and_formats_are_checked() {
        let schema = json!({
            "x-message-type": "{urn:x}R",
            "type": "object",
            "required": ["id", "items"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "items": {"type": "array", "items": {"type": "integer"}}
            }
        });
        let (message_type, schema) = JsonSchema::compile(&schema).expect("compiles");
        assert_eq!(message_type, "{urn:x}R");
        assert_eq!(
            schema.validate(&json!({"id": "6f1c2f47-8a51-4a4e-9d0b-2b2f4c3e5a10", "items": [1]})),
            Ok(())
        );
        let violations = schema
            .validate(&json!({"id": "not-a-uuid", "items": [1, "two"]}))
            .unwrap_err();
        assert_eq!(violations.messages.len(), 2, "{violations:?}");
        assert!(violations.messages.iter().any(|m| m.starts_with("/id: ")));
        assert!(
            violations
                .messages
                .iter()
                .any(|m| m.starts_with("/items/1: "))
        );
        let violations = schema.validate(&json!({"id": "x"})).unwrap_err();
        assert!(
            violations
                .messages
                .iter()
                .any(|m| m.starts_with("(root): ") && m.contains("items")),
            "{violations:?}"
        );
    }

    #[test]
    fn many_violations_are_capped() {
        let schema = json!({"x-message-type": "R", "type": "array", "items": {"type": "string"}});
        let (_, schema) = JsonSchema::compile(&schema).expect("compiles");
        let value = Value::Array((0..50).map(Value::from).collect());
        let violations = schema.validate(&value).unwrap_err();
        assert_eq!(violations.messages.len(), MAX_MESSAGES);
        assert_eq!(
            violations.messages[MAX_MESSAGES - 1],
            "... and 31 more violations"
        );
    }
}
