//! Checks at the edge, before any plugin or lookup: the payload's schema and the check numbers of the
//! identifiers a route names. Violations become `InvalidContent` with the validator's messages.
//!
//! XML Schema checks (libxml2) run on the blocking pool, never on the async workers: a large document takes
//! its time there while the workers go on serving.

use std::sync::Arc;

use gateway_schema::SchemaCatalog;
use quick_xml::Reader;
use quick_xml::events::Event;
use smev_envelope::Fault;

use crate::router::{IdentifierCheck, Route};

/// Checks an XML payload (a standalone document) against its XSD and identifier rules.
pub async fn check_xml(
    route: &Route,
    schemas: &Arc<SchemaCatalog>,
    document: Vec<u8>,
) -> Result<(), Fault> {
    let document = if route.schema_check {
        let (verdict, document) = validate_xml(schemas, &route.message_type.namespace, document)
            .await
            .map_err(|e| Fault::smev_failure(format!("проверка по схеме не выполнена: {e}")))?;
        if let Err(v) = verdict {
            return Err(Fault::invalid_content(v.messages));
        }
        document
    } else {
        document
    };
    if route.identifiers.is_empty() {
        return Ok(());
    }
    let errors = xml_identifiers(&route.identifiers, &document);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Fault::invalid_content(errors))
    }
}

/// Validates `document` against the XSD of `namespace` on the blocking pool; gives the document back.
pub async fn validate_xml(
    schemas: &Arc<SchemaCatalog>,
    namespace: &str,
    document: Vec<u8>,
) -> Result<(Result<(), gateway_schema::Violations>, Vec<u8>), tokio::task::JoinError> {
    let schemas = schemas.clone();
    let namespace = namespace.to_owned();
    tokio::task::spawn_blocking(move || {
        let verdict = schemas.validate_xml(&namespace, &document);
        (verdict, document)
    })
    .await
}

/// Checks a JSON payload against its JSON Schema and identifier rules.
pub fn check_json(
    route: &Route,
    schemas: &SchemaCatalog,
    payload: &serde_json::Value,
) -> Result<(), Fault> {
    if route.schema_check
        && let Err(v) = schemas.validate_json(&route.key, payload)
    {
        return Err(Fault::invalid_content(v.messages));
    }
    let mut errors = Vec::new();
    json_identifiers(&route.identifiers, payload, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Fault::invalid_content(errors))
    }
}

fn message(check: &IdentifierCheck, name: &str, e: ru_identifiers::Invalid) -> String {
    let what = match e {
        ru_identifiers::Invalid::Format => "неверный формат",
        ru_identifiers::Invalid::CheckNumber => "неверное контрольное число",
    };
    format!("{name}: {what} {} ({})", check.kind.title(), e)
}

fn xml_identifiers(checks: &[IdentifierCheck], document: &[u8]) -> Vec<String> {
    let mut errors = Vec::new();
    let Ok(text_doc) = std::str::from_utf8(document) else {
        return vec!["XML: not UTF-8".into()];
    };
    let mut reader = Reader::from_str(text_doc);
    let mut current: Option<&IdentifierCheck> = None;
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let local = e.local_name();
                current = checks.iter().find(|c| c.element == local.as_ref());
                text.clear();
            }
            Ok(Event::Text(t)) if current.is_some() => text.push_str(&t.xml10_content()),
            Ok(Event::End(_)) => {
                if let Some(check) = current.take()
                    && let Err(e) = check.kind.check(text.trim())
                {
                    errors.push(message(check, &check.element, e));
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                errors.push(format!("XML: {e}"));
                break;
            }
        }
    }
    errors
}

fn json_identifiers(checks: &[IdentifierCheck], v: &serde_json::Value, errors: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if let Some(check) = checks.iter().find(|c| &c.json_key == k) {
                    match v {
                        serde_json::Value::String(s) => {
                            if let Err(e) = check.kind.check(s.trim()) {
                                errors.push(message(check, k, e));
                            }
                        }
                        serde_json::Value::Null => {}
                        _ => {
                            errors.push(format!("{k}: {} должен быть строкой", check.kind.title()))
                        }
                    }
                } else {
                    json_identifiers(checks, v, errors);
                }
            }
        }
        serde_json::Value::Array(items) => items
            .iter()
            .for_each(|i| json_identifiers(checks, i, errors)),
        _ => {}
    }
}

/// Depth of a JSON value's nesting, for the depth limit (serde_json itself stops at 128).
pub fn json_depth(v: &serde_json::Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(v, 1usize)];
    while let Some((v, d)) = stack.pop() {
        max = max.max(d);
        match v {
            serde_json::Value::Object(m) => stack.extend(m.values().map(|x| (x, d + 1))),
            serde_json::Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;
    use ru_identifiers::Kind;

    fn checks() -> Vec<IdentifierCheck> {
        vec![IdentifierCheck {
            element: "Snils".into(),
            json_key: "snils".into(),
            kind: Kind::Snils,
        }]
    }

    #[test]
    fn xml_identifiers_are_checked_anywhere() {
        let ok = br#"<a:R xmlns:a="urn:x"><a:Snils>112-233-445 95</a:Snils><a:In><a:Snils>11223344595</a:Snils></a:In></a:R>"#;
        assert!(xml_identifiers(&checks(), ok).is_empty());
        let bad =
            br#"<R xmlns="urn:x"><Snils>112-233-445 96</Snils><Other>112-233-445 96</Other></R>"#;
        let errors = xml_identifiers(&checks(), bad);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("контрольное число"), "{errors:?}");
    }

    #[test]
    fn json_identifiers_are_checked_anywhere() {
        let mut errors = Vec::new();
        json_identifiers(
            &checks(),
            &serde_json::json!({"snils": "112-233-445 95", "x": [{"snils": "1"}]}),
            &mut errors,
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("формат"));
    }

    #[test]
    fn depth() {
        assert_eq!(json_depth(&serde_json::json!({"a": [1, {"b": 2}]})), 4);
        assert_eq!(json_depth(&serde_json::json!(1)), 1);
    }
}
