//! [`SchemaCatalog`]: every schema the gateway knows, loaded once at startup.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{SchemaError, SchemaKind};
use crate::json::JsonSchema;
use crate::violations::Violations;
use crate::walk::find_schema_files;
use crate::xsd::{self, XsdFile, XsdSchema};

/// Every payload schema the gateway knows: XSDs by target namespace, JSON Schemas by message type.
///
/// Built once at startup with [`SchemaCatalog::load_dir`], then shared (`Arc<SchemaCatalog>`): it is
/// `Send + Sync` and every check takes `&self`. Lookups never touch the file system.
#[derive(Default)]
pub struct SchemaCatalog {
    xsd: BTreeMap<String, XsdEntry>,
    json: BTreeMap<String, JsonEntry>,
}

struct XsdEntry {
    schema: XsdSchema,
    source: PathBuf,
}

struct JsonEntry {
    schema: JsonSchema,
    source: PathBuf,
}

impl SchemaCatalog {
    /// Loads every schema under `dir`, recursively.
    ///
    /// - Each `*.xsd` file is compiled by libxml2 from its path (so relative `schemaLocation`s of its
    ///   imports and includes resolve against its own directory) and registered under the
    ///   `targetNamespace` of its root `xs:schema` (the empty string when it has none). Files that
    ///   another file of the directory includes (`xs:include`, `xs:redefine`, `xs:override`) are parts
    ///   of that file and are not registered on their own; two remaining files with one namespace are a
    ///   [`SchemaError::Duplicate`]. Imported files are registered under their own namespaces.
    /// - Each `*.schema.json` file is registered under its top-level `"x-message-type"`, a qualified name
    ///   in Clark notation (`{namespace}LocalName`); two files with one message type are a
    ///   [`SchemaError::Duplicate`].
    ///
    /// Schema files with a DOCTYPE are refused, and nothing is fetched from the network: `http://`
    /// locations in XSDs and `$ref`s outside a JSON Schema are errors.
    ///
    /// # Errors
    ///
    /// The first problem found, naming the file: [`SchemaError::Io`] (unreadable file or directory),
    /// [`SchemaError::Xsd`] (not an XML Schema, a DOCTYPE, or libxml2's compile errors),
    /// [`SchemaError::Json`] (not JSON, no valid `x-message-type`, or not a valid JSON Schema),
    /// [`SchemaError::Duplicate`] (two files for one namespace or message type).
    pub fn load_dir(dir: &Path) -> Result<SchemaCatalog, SchemaError> {
        let files = find_schema_files(dir)?;

        let headers = files
            .xsd
            .iter()
            .map(|path| XsdFile::read(path))
            .collect::<Result<Vec<_>, _>>()?;
        let mut xsd = BTreeMap::new();
        for (namespace, source) in xsd::select_roots(&headers)? {
            let schema = XsdSchema::compile(&source).map_err(|messages| SchemaError::Xsd {
                path: source.clone(),
                messages,
            })?;
            xsd.insert(namespace, XsdEntry { schema, source });
        }

        let mut json: BTreeMap<String, JsonEntry> = BTreeMap::new();
        for source in files.json {
            let (message_type, schema) = JsonSchema::load(&source)?;
            if let Some(first) = json.get(&message_type) {
                return Err(SchemaError::Duplicate {
                    kind: SchemaKind::Json,
                    key: message_type,
                    first: first.source.clone(),
                    second: source,
                });
            }
            json.insert(message_type, JsonEntry { schema, source });
        }

        Ok(SchemaCatalog { xsd, json })
    }

    /// Adds the schemas of `other` (loaded from another directory); a namespace or message type both
    /// register is [`SchemaError::Duplicate`].
    pub fn merge(&mut self, other: SchemaCatalog) -> Result<(), SchemaError> {
        for (namespace, entry) in &other.xsd {
            if let Some(first) = self.xsd.get(namespace) {
                return Err(SchemaError::Duplicate {
                    kind: SchemaKind::Xsd,
                    key: namespace.clone(),
                    first: first.source.clone(),
                    second: entry.source.clone(),
                });
            }
        }
        for (message_type, entry) in &other.json {
            if let Some(first) = self.json.get(message_type) {
                return Err(SchemaError::Duplicate {
                    kind: SchemaKind::Json,
                    key: message_type.clone(),
                    first: first.source.clone(),
                    second: entry.source.clone(),
                });
            }
        }
        self.xsd.extend(other.xsd);
        self.json.extend(other.json);
        Ok(())
    }

    /// A catalog without schemas: every check reports that no schema is registered.
    #[must_use]
    pub fn empty() -> SchemaCatalog {
        SchemaCatalog::default()
    }

    /// Whether an XSD is registered for `namespace`.
    #[must_use]
    pub fn has_xsd(&self, namespace: &str) -> bool {
        self.xsd.contains_key(namespace)
    }

    /// Whether a JSON Schema is registered for `message_type` (Clark notation: `{namespace}LocalName`).
    #[must_use]
    pub fn has_json(&self, message_type: &str) -> bool {
        self.json.contains_key(message_type)
    }

    /// Validates a standalone XML document whose root element is in `namespace` against the XSD
    /// registered for that namespace.
    ///
    /// Refused, with the reason as the only violation: no XSD for `namespace`; a DOCTYPE (`"DOCTYPE is
    /// not allowed"`, refused before libxml2 parses anything, so no entity is ever expanded); an encoding
    /// other than UTF-8 or a known single-byte one; a root element in another namespace. Malformed XML
    /// gives libxml2's parser messages, a schema mismatch its validator messages, prefixed with
    /// `line N:`.
    ///
    /// # Errors
    ///
    /// [`Violations`] whenever the document is not accepted, for any of the reasons above.
    pub fn validate_xml(&self, namespace: &str, document: &[u8]) -> Result<(), Violations> {
        let entry = self.xsd.get(namespace).ok_or_else(|| {
            Violations::single(format!(
                "no XML Schema is registered for namespace \"{namespace}\""
            ))
        })?;
        let root = xsd::inspect(document).map_err(Violations::single)?;
        if root.namespace != namespace {
            return Err(Violations::single(wrong_root(&root, namespace)));
        }
        entry.schema.validate(document)
    }

    /// Validates `value` against the JSON Schema registered for `message_type` (Clark notation).
    /// Messages start with the JSON pointer of the offending value (`(root)` for the value itself).
    ///
    /// # Errors
    ///
    /// [`Violations`] when no schema is registered for `message_type` or the value does not match it.
    pub fn validate_json(&self, message_type: &str, value: &Value) -> Result<(), Violations> {
        let entry = self.json.get(message_type).ok_or_else(|| {
            Violations::single(format!(
                "no JSON Schema is registered for message type \"{message_type}\""
            ))
        })?;
        entry.schema.validate(value)
    }

    /// The namespaces that have an XSD, sorted.
    #[must_use]
    pub fn namespaces(&self) -> Vec<String> {
        self.xsd.keys().cloned().collect()
    }

    /// The message types that have a JSON Schema, sorted.
    #[must_use]
    pub fn json_types(&self) -> Vec<String> {
        self.json.keys().cloned().collect()
    }

    /// The file an XSD namespace was compiled from (for diagnostics and the operator console).
    #[must_use]
    pub fn xsd_source(&self, namespace: &str) -> Option<&Path> {
        self.xsd.get(namespace).map(|entry| entry.source.as_path())
    }

    /// The JSON Schema document registered for `message_type` (Clark notation), as its file has it: what
    /// the OpenAPI document of the JSON API embeds.
    #[must_use]
    pub fn json_schema(&self, message_type: &str) -> Option<&Value> {
        self.json
            .get(message_type)
            .map(|entry| &entry.schema.document)
    }

    /// The file a JSON Schema message type was loaded from.
    #[must_use]
    pub fn json_source(&self, message_type: &str) -> Option<&Path> {
        self.json
            .get(message_type)
            .map(|entry| entry.source.as_path())
    }
}

fn wrong_root(root: &xsd::Root, namespace: &str) -> String {
    let expected = if namespace.is_empty() {
        "no namespace".to_owned()
    } else {
        format!("namespace \"{namespace}\"")
    };
    format!("the root element {} is not in {expected}", root.clark())
}

impl fmt::Debug for SchemaCatalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SchemaCatalog")
            .field(
                "xsd",
                &self
                    .xsd
                    .iter()
                    .map(|(k, e)| (k, &e.source))
                    .collect::<Vec<_>>(),
            )
            .field(
                "json",
                &self
                    .json
                    .iter()
                    .map(|(k, e)| (k, &e.source))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn catalog_is_send_and_sync() {
        assert_send_sync::<SchemaCatalog>();
    }

    #[test]
    fn an_empty_catalog_never_silently_passes() {
        let catalog = SchemaCatalog::empty();
        assert!(!catalog.has_xsd("urn:x") && !catalog.has_json("{urn:x}R"));
        assert!(catalog.namespaces().is_empty() && catalog.json_types().is_empty());
        let violations = catalog
            .validate_xml("urn:x", b"<r xmlns=\"urn:x\"/>")
            .unwrap_err();
        assert_eq!(
            violations.messages,
            ["no XML Schema is registered for namespace \"urn:x\""]
        );
        let violations = catalog.validate_json("{urn:x}R", &Value::Null).unwrap_err();
        assert_eq!(
            violations.messages,
            ["no JSON Schema is registered for message type \"{urn:x}R\""]
        );
    }
}
