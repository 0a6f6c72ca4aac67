//! The official SMEV 3 and МЧД schemas of the repository load and validate documents.

mod common;

use common::{TYPES_1_3, fixture_bytes, repository_schemas};
use gateway_schema::SchemaCatalog;

const SMEV_NAMESPACES: [&str; 12] = [
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1",
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.2",
    TYPES_1_3,
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1",
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.2",
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3",
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.1",
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.2",
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3",
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/directive/1.3",
    "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/routing/1.3",
    "urn://x-artefacts/EMCHD_1",
];

fn smev_catalog() -> SchemaCatalog {
    SchemaCatalog::load_dir(&repository_schemas().join("smev3")).expect("SMEV schemas load")
}

#[test]
fn all_three_smev_versions_load_with_their_imports() {
    let catalog = smev_catalog();
    let mut expected: Vec<String> = SMEV_NAMESPACES[..11]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    expected.sort();
    assert_eq!(catalog.namespaces(), expected);
    let source = catalog.xsd_source(TYPES_1_3).expect("registered");
    assert!(
        source.ends_with("smev-message-exchange-types-1.3.xsd"),
        "{}",
        source.display()
    );
}

#[test]
fn the_mchd_schema_loads() {
    let catalog =
        SchemaCatalog::load_dir(&repository_schemas().join("fns-emchd")).expect("МЧД schema loads");
    assert_eq!(catalog.namespaces(), ["urn://x-artefacts/EMCHD_1"]);
    let violations = catalog
        .validate_xml(
            "urn://x-artefacts/EMCHD_1",
            "<Доверенность xmlns=\"urn://x-artefacts/EMCHD_1\" ВерсФорм=\"EMCHD_1\"/>".as_bytes(),
        )
        .unwrap_err();
    assert!(
        violations
            .messages
            .iter()
            .any(|m| m.contains("ИдФайл") || m.contains("Документ")),
        "{violations:?}"
    );
}

#[cfg(unix)]
#[test]
fn smev_and_mchd_load_together_through_symbolic_links() {
    // Other document types of schemas/ belong to other crates; this checks the two official sets in one
    // catalog, reached through links as an operator's directory might be.
    let dir = tempfile::tempdir().expect("tempdir");
    for set in ["smev3", "fns-emchd"] {
        std::os::unix::fs::symlink(repository_schemas().join(set), dir.path().join(set))
            .expect("symlink");
    }
    let catalog = SchemaCatalog::load_dir(dir.path()).expect("both sets load");
    let mut expected: Vec<String> = SMEV_NAMESPACES.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(catalog.namespaces(), expected);
}

#[test]
fn a_hand_written_send_request_response_1_3_is_valid() {
    let catalog = smev_catalog();
    let document = fixture_bytes("xml/send-request-response-1.3.xml");
    assert_eq!(catalog.validate_xml(TYPES_1_3, &document), Ok(()));
}

#[test]
fn a_wrong_element_is_reported_with_its_line() {
    let catalog = smev_catalog();
    let document = fixture_bytes("xml/send-request-response-1.3-wrong-element.xml");
    let violations = catalog.validate_xml(TYPES_1_3, &document).unwrap_err();
    assert_eq!(violations.messages.len(), 1, "{violations:?}");
    let message = &violations.messages[0];
    assert!(message.starts_with("line 7: "), "{message}");
    assert!(
        message.contains("MessageKind': This element is not expected"),
        "{message}"
    );
    assert!(message.contains("MessageType"), "{message}");
}

#[test]
fn every_bad_value_is_reported() {
    let catalog = smev_catalog();
    let document = fixture_bytes("xml/send-request-response-1.3-bad-values.xml");
    let violations = catalog.validate_xml(TYPES_1_3, &document).unwrap_err();
    let lines: Vec<&str> = violations
        .messages
        .iter()
        .map(|m| m.split(':').next().unwrap_or_default())
        .collect();
    assert_eq!(lines, ["line 4", "line 6", "line 7"], "{violations:?}");
    assert!(violations.messages[0].contains("'NOT-A-UUID'"));
    assert!(violations.messages[1].contains("xs:dateTime"));
    assert!(violations.messages[2].contains("'lost'"));
}

#[test]
fn a_document_of_another_version_is_refused_before_validation() {
    let catalog = smev_catalog();
    let document = fixture_bytes("xml/send-request-response-1.3.xml");
    let namespace_1_2 = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.2";
    let violations = catalog.validate_xml(namespace_1_2, &document).unwrap_err();
    assert_eq!(
        violations.messages,
        [format!(
            "the root element {{{TYPES_1_3}}}SendRequestResponse is not in namespace \"{namespace_1_2}\""
        )]
    );
}

#[test]
fn malformed_xml_gives_libxml2_parser_messages() {
    let catalog = smev_catalog();
    let document = fixture_bytes("xml/malformed.xml");
    let violations = catalog.validate_xml(TYPES_1_3, &document).unwrap_err();
    assert!(
        violations.messages[0].starts_with("line 4: Opening and ending tag mismatch"),
        "{violations:?}"
    );
}

#[test]
fn an_unknown_namespace_never_passes() {
    let catalog = smev_catalog();
    let violations = catalog
        .validate_xml("urn:unknown", b"<r xmlns=\"urn:unknown\"/>")
        .unwrap_err();
    assert_eq!(
        violations.messages,
        ["no XML Schema is registered for namespace \"urn:unknown\""]
    );
}
