//! Finding the schema files under a directory.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::SchemaError;

/// The schema files found under a directory: canonical paths, sorted.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct SchemaFiles {
    /// Files named `*.xsd` (any case).
    pub xsd: Vec<PathBuf>,
    /// Files named `*.schema.json`.
    pub json: Vec<PathBuf>,
}

/// Walks `dir` recursively, following symbolic links (each directory is visited once, so a link loop
/// ends), and collects the schema files. Other files are ignored.
pub(crate) fn find_schema_files(dir: &Path) -> Result<SchemaFiles, SchemaError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SchemaError::Io { path, source }
    };
    let root = fs::canonicalize(dir).map_err(io_error(dir))?;
    let mut files = SchemaFiles::default();
    let mut visited = HashSet::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        if !visited.insert(dir.clone()) {
            continue;
        }
        for entry in fs::read_dir(&dir).map_err(io_error(&dir))? {
            let entry = entry.map_err(io_error(&dir))?;
            let path = fs::canonicalize(entry.path()).map_err(io_error(&entry.path()))?;
            let metadata = fs::metadata(&path).map_err(io_error(&path))?;
            if metadata.is_dir() {
                pending.push(path);
                continue;
            }
            // Classify by the name in the directory, not by a link's target.
            let listed = entry.path();
            if listed.to_string_lossy().ends_with(".schema.json") {
                files.json.push(path);
            } else if listed
                .extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("xsd"))
            {
                files.xsd.push(path);
            }
        }
    }
    for list in [&mut files.xsd, &mut files.json] {
        list.sort();
        list.dedup();
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_schema_files_recursively_and_ignores_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = fs::canonicalize(dir.path()).expect("canonical");
        fs::create_dir_all(root.join("a/b")).expect("mkdir");
        for name in [
            "x.xsd",
            "a/Y.XSD",
            "a/b/t.schema.json",
            "a/notes.json",
            "a/b/z.wsdl",
            "xsd",
            "схема.json",
        ] {
            fs::write(root.join(name), "").expect("write");
        }
        let files = find_schema_files(&root).expect("found");
        assert_eq!(files.xsd, [root.join("a/Y.XSD"), root.join("x.xsd")]);
        assert_eq!(files.json, [root.join("a/b/t.schema.json")]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_loop_ends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = fs::canonicalize(dir.path()).expect("canonical");
        fs::create_dir(root.join("sub")).expect("mkdir");
        fs::write(root.join("sub/s.xsd"), "").expect("write");
        std::os::unix::fs::symlink(&root, root.join("sub/up")).expect("symlink");
        let files = find_schema_files(&root).expect("found");
        assert_eq!(files.xsd, [root.join("sub/s.xsd")]);
    }

    #[test]
    fn a_missing_directory_is_an_io_error() {
        let error = find_schema_files(Path::new("/nonexistent/schemas")).unwrap_err();
        assert!(
            matches!(error, SchemaError::Io { ref path, .. } if path == Path::new("/nonexistent/schemas"))
        );
    }
}
