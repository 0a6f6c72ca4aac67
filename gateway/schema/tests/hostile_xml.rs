//! Hostile XML is refused without expansion, fetching or crashing.

mod common;

use std::time::{Duration, Instant};

use common::{TYPES_1_3, fixture_bytes, repository_schemas};
use gateway_schema::SchemaCatalog;

fn catalog() -> SchemaCatalog {
    SchemaCatalog::load_dir(&repository_schemas().join("smev3")).expect("SMEV schemas load")
}

#[test]
fn entity_definitions_are_refused_without_expansion() {
    let catalog = catalog();
    let started = Instant::now();
    let violations = catalog
        .validate_xml(TYPES_1_3, &fixture_bytes("xml/billion-laughs.xml"))
        .unwrap_err();
    assert_eq!(violations.messages, ["DOCTYPE is not allowed"]);
    // A billion expansions would take far longer (and 3 GB); the refusal happens at the prolog.
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[test]
fn external_entities_are_refused_before_any_file_is_read() {
    let violations = catalog()
        .validate_xml(TYPES_1_3, &fixture_bytes("xml/external-entity.xml"))
        .unwrap_err();
    assert_eq!(violations.messages, ["DOCTYPE is not allowed"]);
    assert!(!violations.to_string().contains("root:"));
}

#[test]
fn a_doctype_without_entities_is_refused_too() {
    let document = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE SendRequestResponse>\n<SendRequestResponse xmlns=\"{TYPES_1_3}\"/>"
    );
    let violations = catalog()
        .validate_xml(TYPES_1_3, document.as_bytes())
        .unwrap_err();
    assert_eq!(violations.messages, ["DOCTYPE is not allowed"]);
}

#[test]
fn an_undefined_entity_is_a_parse_error() {
    let violations = catalog()
        .validate_xml(TYPES_1_3, &fixture_bytes("xml/undefined-entity.xml"))
        .unwrap_err();
    assert!(
        violations.messages[0].starts_with("line 4: Entity 'secret' not defined"),
        "{violations:?}"
    );
}

#[test]
fn a_doctype_in_another_encoding_cannot_sneak_past() {
    let catalog = catalog();
    let utf16: Vec<u8> = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE r [<!ENTITY e \"x\">]><SendRequestResponse xmlns=\"{TYPES_1_3}\"/>"
    )
    .encode_utf16()
    .flat_map(u16::to_le_bytes)
    .collect();
    let violations = catalog.validate_xml(TYPES_1_3, &utf16).unwrap_err();
    assert!(
        violations.messages[0].contains("NUL bytes"),
        "{violations:?}"
    );
    let utf7 = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-7\"?>+ADw-!DOCTYPE r+AD4-<SendRequestResponse xmlns=\"{TYPES_1_3}\"/>"
    );
    let violations = catalog
        .validate_xml(TYPES_1_3, utf7.as_bytes())
        .unwrap_err();
    assert!(
        violations.messages[0].contains("encoding \"UTF-7\" is not accepted"),
        "{violations:?}"
    );
}

#[test]
fn an_xsi_schema_location_hint_is_not_followed() {
    let document = format!(
        r#"<ns2:SendRequestResponse xmlns:ns2="{TYPES_1_3}"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
            xsi:schemaLocation="{TYPES_1_3} http://127.0.0.1:9/evil.xsd">
          <ns2:MessageMetadata>
            <ns2:MessageType>REQUEST</ns2:MessageType>
            <ns2:SendingTimestamp>2024-11-24T18:18:00.000+03:00</ns2:SendingTimestamp>
          </ns2:MessageMetadata>
        </ns2:SendRequestResponse>"#
    );
    assert_eq!(
        catalog().validate_xml(TYPES_1_3, document.as_bytes()),
        Ok(())
    );
}

#[test]
fn deep_nesting_and_garbage_are_refused_without_a_crash() {
    let catalog = catalog();
    let depth = 100_000;
    let mut deep = format!("<ns2:SendRequestResponse xmlns:ns2=\"{TYPES_1_3}\">");
    deep.push_str(&"<a>".repeat(depth));
    deep.push_str(&"</a>".repeat(depth));
    deep.push_str("</ns2:SendRequestResponse>");
    let violations = catalog
        .validate_xml(TYPES_1_3, deep.as_bytes())
        .unwrap_err();
    assert!(!violations.messages.is_empty());

    for garbage in [
        &b""[..],
        b"   ",
        b"not xml",
        b"<",
        b"<ns2:x xmlns:ns2=\"",
        b"\xff\xfe\x00<",
    ] {
        let violations = catalog.validate_xml(TYPES_1_3, garbage).unwrap_err();
        assert!(!violations.messages.is_empty(), "{garbage:?}");
    }
}

#[test]
fn undeclared_prefixes_inside_the_document_are_refused() {
    let document = format!(
        "<ns2:SendRequestResponse xmlns:ns2=\"{TYPES_1_3}\"><ns2:MessageMetadata><x:MessageType>REQUEST</x:MessageType></ns2:MessageMetadata></ns2:SendRequestResponse>"
    );
    let violations = catalog()
        .validate_xml(TYPES_1_3, document.as_bytes())
        .unwrap_err();
    assert_eq!(
        violations.messages,
        ["line 1: Namespace prefix x on MessageType is not defined"]
    );
}
