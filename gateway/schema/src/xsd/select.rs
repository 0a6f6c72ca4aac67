//! Choosing which XSD files are registered, and under which namespace.
//!
//! Every XSD file is registered under its `targetNamespace`, except the files that another file of the
//! directory includes (`xs:include`, `xs:redefine`, `xs:override`): those are parts of their includer and
//! are compiled only through it. So a schema split into a main file and included parts registers once,
//! under the main file. Two files left for the same namespace are a [`SchemaError::Duplicate`]: the
//! catalog never guesses which one is meant. Imported files are not parts: an import brings another
//! namespace, whose file is registered on its own. A namespace whose files all include one another
//! (a cycle) has no main file and is an error too; a part without `targetNamespace` (a "chameleon"
//! include) takes its includer's namespace and is simply a part.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::header::{XsdHeader, read_header};
use crate::error::{SchemaError, SchemaKind};

/// An XSD file and its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XsdFile {
    /// Canonical path of the file.
    pub path: PathBuf,
    /// Its namespace and includes.
    pub header: XsdHeader,
}

impl XsdFile {
    /// Reads the header of the XSD file at `path` (a canonical path).
    pub(crate) fn read(path: &Path) -> Result<XsdFile, SchemaError> {
        let bytes = fs::read(path).map_err(|source| SchemaError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let header = read_header(&bytes).map_err(|message| SchemaError::Xsd {
            path: path.to_path_buf(),
            messages: vec![message],
        })?;
        Ok(XsdFile {
            path: path.to_path_buf(),
            header,
        })
    }
}

/// The file to compile for each namespace (see the module documentation for the rule).
pub(crate) fn select_roots(files: &[XsdFile]) -> Result<BTreeMap<String, PathBuf>, SchemaError> {
    let parts: HashSet<PathBuf> = files
        .iter()
        .flat_map(|file| {
            file.header
                .includes
                .iter()
                .filter_map(|location| resolve_location(&file.path, location))
                .filter(|included| *included != file.path)
        })
        .collect();
    let mut roots: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in files.iter().filter(|file| !parts.contains(&file.path)) {
        let namespace = file.header.target_namespace.clone();
        if let Some(first) = roots.get(&namespace) {
            return Err(SchemaError::Duplicate {
                kind: SchemaKind::Xsd,
                key: namespace,
                first: first.clone(),
                second: file.path.clone(),
            });
        }
        roots.insert(namespace, file.path.clone());
    }
    if let Some(orphan) = files.iter().find(|file| {
        !file.header.target_namespace.is_empty()
            && !roots.contains_key(&file.header.target_namespace)
    }) {
        return Err(SchemaError::Xsd {
            path: orphan.path.clone(),
            messages: vec![format!(
                "every XSD file with targetNamespace \"{}\" is included by another one (an include \
                 cycle), so none can be registered as the main file",
                orphan.header.target_namespace
            )],
        });
    }
    Ok(roots)
}

/// The canonical path a `schemaLocation` written in `including` designates, when it is a local file
/// that exists: a relative path (resolved against the including file's directory), an absolute path or
/// a `file://` URL. Other URLs are never fetched (libxml2 is set up without network access).
fn resolve_location(including: &Path, location: &str) -> Option<PathBuf> {
    let path = if let Some(local) = location.strip_prefix("file://") {
        PathBuf::from(local)
    } else if has_url_scheme(location) {
        return None;
    } else {
        including.parent()?.join(location)
    };
    fs::canonicalize(path).ok()
}

/// Whether `location` starts with a URL scheme (`http:`, `urn:`...); a one-letter "scheme" is taken for
/// a Windows drive letter.
fn has_url_scheme(location: &str) -> bool {
    match location.split_once(':') {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &Path, namespace: &str, includes: &[&str]) -> XsdFile {
        XsdFile {
            path: path.to_path_buf(),
            header: XsdHeader {
                target_namespace: namespace.to_owned(),
                includes: includes.iter().map(|s| (*s).to_owned()).collect(),
            },
        }
    }

    fn touch(dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(&path, "").expect("write");
        fs::canonicalize(path).expect("canonical")
    }

    #[test]
    fn included_parts_are_not_registered_on_their_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let main = touch(dir.path(), "main.xsd");
        let part = touch(dir.path(), "parts/part.xsd");
        let chameleon = touch(dir.path(), "parts/chameleon.xsd");
        let other = touch(dir.path(), "other.xsd");
        let files = [
            file(
                &main,
                "urn:a",
                &[
                    "parts/part.xsd",
                    "missing.xsd",
                    "http://example.invalid/x.xsd",
                ],
            ),
            file(&part, "urn:a", &["chameleon.xsd"]),
            file(&chameleon, "", &[]),
            file(&other, "urn:b", &[]),
        ];
        let roots = select_roots(&files).expect("selected");
        let expected: BTreeMap<String, PathBuf> =
            [("urn:a".to_owned(), main), ("urn:b".to_owned(), other)].into();
        assert_eq!(roots, expected);
    }

    #[test]
    fn two_independent_files_of_one_namespace_clash() {
        let dir = tempfile::tempdir().expect("tempdir");
        let one = touch(dir.path(), "one.xsd");
        let two = touch(dir.path(), "two.xsd");
        let error =
            select_roots(&[file(&one, "urn:a", &[]), file(&two, "urn:a", &[])]).unwrap_err();
        match error {
            SchemaError::Duplicate {
                kind,
                key,
                first,
                second,
            } => {
                assert_eq!((kind, key.as_str()), (SchemaKind::Xsd, "urn:a"));
                assert_eq!((first, second), (one, two));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn files_including_each_other_are_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = touch(dir.path(), "a.xsd");
        let b = touch(dir.path(), "b.xsd");
        let files = [file(&a, "urn:a", &["b.xsd"]), file(&b, "urn:a", &["a.xsd"])];
        match select_roots(&files).unwrap_err() {
            SchemaError::Xsd { path, messages } => {
                assert_eq!(path, a);
                assert!(messages[0].contains("include cycle"), "{messages:?}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn locations_resolve_relative_to_the_including_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = touch(dir.path(), "x/y.xsd");
        let including = dir.path().join("x/main.xsd");
        assert_eq!(resolve_location(&including, "y.xsd"), Some(target.clone()));
        assert_eq!(
            resolve_location(&including, "../x/./y.xsd"),
            Some(target.clone())
        );
        let url = format!("file://{}", target.display());
        assert_eq!(resolve_location(&including, &url), Some(target));
        assert_eq!(
            resolve_location(&including, "https://example.invalid/y.xsd"),
            None
        );
        assert!(has_url_scheme("urn:x"));
        assert!(!has_url_scheme("C:/schemas/y.xsd"));
        assert!(!has_url_scheme("dir/y.xsd"));
    }
}
