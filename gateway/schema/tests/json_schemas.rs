//! JSON Schemas register under their `x-message-type` and validate values.

mod common;

use common::fixture;
use gateway_schema::{SchemaCatalog, SchemaError, SchemaKind};
use serde_json::json;

const QR_REQUEST: &str = "{urn://gateway/qr/1.0}QrRequest";
const SCAN_REQUEST: &str = "{urn://gateway/goscan/1.0}ScanRequest";

fn catalog() -> SchemaCatalog {
    SchemaCatalog::load_dir(&fixture("json-schemas")).expect("JSON Schemas load")
}

#[test]
fn schemas_register_under_their_message_type() {
    let catalog = catalog();
    assert_eq!(catalog.json_types(), [SCAN_REQUEST, QR_REQUEST]);
    assert!(catalog.has_json(QR_REQUEST));
    assert!(!catalog.has_json("{urn://gateway/qr/1.0}Other"));
    assert!(catalog.namespaces().is_empty());
    let source = catalog.json_source(QR_REQUEST).expect("registered");
    assert!(source.ends_with("qr-request.schema.json"));
}

#[test]
fn a_valid_instance_passes() {
    let value = json!({
        "citizen": {"snils": "112-233-445 95", "fullName": "Иванов Иван Иванович"},
        "requestedAt": "2024-11-24T18:18:00+03:00",
        "channel": "mobile"
    });
    assert_eq!(catalog().validate_json(QR_REQUEST, &value), Ok(()));
}

#[test]
fn violations_name_the_json_pointer() {
    let value = json!({
        "citizen": {"snils": "11223344595", "extra": 1},
        "requestedAt": "yesterday",
        "channel": "fax"
    });
    let violations = catalog().validate_json(QR_REQUEST, &value).unwrap_err();
    let mut pointers: Vec<&str> = violations
        .messages
        .iter()
        .map(|m| m.split(": ").next().unwrap_or_default())
        .collect();
    pointers.sort_unstable();
    assert_eq!(
        pointers,
        ["/channel", "/citizen", "/citizen/snils", "/requestedAt"],
        "{violations:?}"
    );
    assert!(
        violations.messages.iter().any(|m| m.contains("extra")),
        "{violations:?}"
    );
}

#[test]
fn a_missing_required_property_is_reported_at_the_root() {
    let violations = catalog()
        .validate_json(QR_REQUEST, &json!({"citizen": {"snils": "112-233-445 95"}}))
        .unwrap_err();
    assert_eq!(
        violations.messages,
        ["(root): \"requestedAt\" is a required property"]
    );
}

#[test]
fn the_draft_comes_from_the_schema_and_formats_are_asserted() {
    let catalog = catalog();
    let good = json!({
        "qrId": "0b6a4ab2-4a59-4a8e-8f0e-6d1f1c7b2e11",
        "ogrn": "1027700132195",
        "scannedOn": "2024-11-24"
    });
    assert_eq!(catalog.validate_json(SCAN_REQUEST, &good), Ok(()));
    let bad = json!({
        "qrId": "0b6a4ab2-4a59-4a8e-8f0e-6d1f1c7b2e11",
        "ogrn": "1027700132195",
        "scannedOn": "24.11.2024"
    });
    let violations = catalog.validate_json(SCAN_REQUEST, &bad).unwrap_err();
    assert_eq!(violations.messages.len(), 1, "{violations:?}");
    assert!(
        violations.messages[0].starts_with("/scannedOn: "),
        "{violations:?}"
    );
}

#[test]
fn an_unregistered_type_never_passes() {
    let violations = catalog()
        .validate_json("{urn://gateway/qr/1.0}Unknown", &json!({}))
        .unwrap_err();
    assert_eq!(
        violations.messages,
        ["no JSON Schema is registered for message type \"{urn://gateway/qr/1.0}Unknown\""]
    );
}

#[test]
fn two_schemas_for_one_message_type_are_refused() {
    match SchemaCatalog::load_dir(&fixture("layouts/json-duplicate")).unwrap_err() {
        SchemaError::Duplicate {
            kind,
            key,
            first,
            second,
        } => {
            assert_eq!(kind, SchemaKind::Json);
            assert_eq!(key, "{urn://gateway/test/1.0}Same");
            assert!(first.ends_with("first.schema.json"));
            assert!(second.ends_with("second.schema.json"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn an_invalid_schema_is_refused_with_its_path() {
    let error = SchemaCatalog::load_dir(&fixture("layouts/json-invalid")).unwrap_err();
    match &error {
        SchemaError::Json { path, message } => {
            assert!(path.ends_with("bad-keyword.schema.json"));
            assert!(message.contains("objekt"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().contains("bad-keyword.schema.json"));
}

#[test]
fn unparsable_json_and_a_missing_message_type_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.schema.json");
    std::fs::write(&path, "{\"x-message-type\": ").expect("write");
    let error = SchemaCatalog::load_dir(dir.path()).unwrap_err();
    assert!(
        matches!(&error, SchemaError::Json { message, .. } if message.starts_with("not valid JSON"))
    );

    std::fs::write(&path, "{\"type\": \"object\"}").expect("write");
    let error = SchemaCatalog::load_dir(dir.path()).unwrap_err();
    assert!(
        matches!(&error, SchemaError::Json { message, .. } if message.contains("\"x-message-type\" key is missing")),
        "{error}"
    );
}
