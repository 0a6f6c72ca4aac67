//! How a directory of XSDs is turned into a catalog: includes, imports, clashes and errors.

mod common;

use common::{fixture, fixture_bytes};
use gateway_schema::{SchemaCatalog, SchemaError, SchemaKind};

#[test]
fn includes_and_imports_resolve_relative_to_their_own_file() {
    let catalog = SchemaCatalog::load_dir(&fixture("layouts/included")).expect("loads");
    // parts/types.xsd is a part of main.xsd; common.xsd is imported, and registered on its own.
    assert_eq!(
        catalog.namespaces(),
        ["urn:test:common", "urn:test:included"]
    );
    assert!(
        catalog
            .xsd_source("urn:test:included")
            .expect("registered")
            .ends_with("included/main.xsd")
    );
    assert_eq!(
        catalog.validate_xml("urn:test:included", &fixture_bytes("xml/order.xml")),
        Ok(())
    );
    let violations = catalog
        .validate_xml("urn:test:included", &fixture_bytes("xml/order-invalid.xml"))
        .unwrap_err();
    assert_eq!(violations.messages.len(), 2, "{violations:?}");
    assert!(
        violations.messages[0].starts_with("line 3: ")
            && violations.messages[0].contains("'12345X'")
    );
    assert!(
        violations.messages[1].starts_with("line 4: ")
            && violations.messages[1].contains("'no-at-sign'")
    );
}

#[test]
fn two_main_files_for_one_namespace_are_refused() {
    match SchemaCatalog::load_dir(&fixture("layouts/duplicate")).unwrap_err() {
        SchemaError::Duplicate {
            kind,
            key,
            first,
            second,
        } => {
            assert_eq!((kind, key.as_str()), (SchemaKind::Xsd, "urn:test:same"));
            assert!(first.ends_with("duplicate/a.xsd") && second.ends_with("duplicate/b.xsd"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_schema_that_does_not_compile_is_refused_with_libxml2_messages() {
    match SchemaCatalog::load_dir(&fixture("layouts/broken")).unwrap_err() {
        SchemaError::Xsd { path, messages } => {
            assert!(path.ends_with("broken/broken.xsd"));
            assert_eq!(messages.len(), 1, "{messages:?}");
            assert!(messages[0].starts_with("line 4: "), "{messages:?}");
            assert!(
                messages[0].contains("'{urn:test:broken}Undefined' does not resolve"),
                "{messages:?}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_schema_is_never_fetched_over_the_network() {
    match SchemaCatalog::load_dir(&fixture("layouts/network-import")).unwrap_err() {
        SchemaError::Xsd { path, messages } => {
            assert!(path.ends_with("network-import/remote.xsd"));
            assert!(
                messages
                    .iter()
                    .any(|m| m.contains("Attempt to load network entity http://127.0.0.1:9/")),
                "{messages:?}"
            );
            assert!(
                messages
                    .iter()
                    .any(|m| m.contains("'{urn:test:remote}RemoteType' does not resolve")),
                "{messages:?}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_schema_file_with_a_doctype_is_refused() {
    match SchemaCatalog::load_dir(&fixture("layouts/xsd-doctype")).unwrap_err() {
        SchemaError::Xsd { path, messages } => {
            assert!(path.ends_with("xsd-doctype/doctype.xsd"));
            assert_eq!(messages, ["DOCTYPE is not allowed in a schema file"]);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("note.xsd"), "<note>not a schema</note>").expect("write");
    match SchemaCatalog::load_dir(dir.path()).unwrap_err() {
        SchemaError::Xsd { messages, .. } => {
            assert_eq!(messages.len(), 1);
            assert!(messages[0].contains("not xs:schema"), "{messages:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn an_empty_directory_gives_an_empty_catalog_and_a_missing_one_an_io_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catalog = SchemaCatalog::load_dir(dir.path()).expect("loads");
    assert!(catalog.namespaces().is_empty() && catalog.json_types().is_empty());
    let missing = dir.path().join("missing");
    let error = SchemaCatalog::load_dir(&missing).unwrap_err();
    assert!(
        matches!(&error, SchemaError::Io { path, .. } if *path == missing),
        "{error}"
    );
}
