//! [`SchemaError`]: why the schema directory could not be loaded.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// The two kinds of schema the catalog holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    /// An XML Schema, registered under its `targetNamespace`.
    Xsd,
    /// A JSON Schema, registered under its `x-message-type`.
    Json,
}

impl fmt::Display for SchemaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SchemaKind::Xsd => "XML Schemas with targetNamespace",
            SchemaKind::Json => "JSON Schemas with x-message-type",
        })
    }
}

/// A startup error: the schema directory cannot be used as it is. Each variant names the file to fix.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// An XSD file is not a usable XML Schema (libxml2's messages, or what is wrong with its header).
    #[error("XML Schema {} is not usable:\n  {}", path.display(), messages.join("\n  "))]
    Xsd {
        /// The XSD file.
        path: PathBuf,
        /// What is wrong, one message per problem.
        messages: Vec<String>,
    },
    /// A `*.schema.json` file is not a usable JSON Schema.
    #[error("JSON Schema {} is not usable: {message}", path.display())]
    Json {
        /// The JSON Schema file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Two files would be registered under the same key.
    #[error("two {kind} \"{key}\": {} and {}", first.display(), second.display())]
    Duplicate {
        /// Which kind of schema clashes.
        kind: SchemaKind,
        /// The namespace (XSD) or message type (JSON) both files claim.
        key: String,
        /// One of the files.
        first: PathBuf,
        /// The other file.
        second: PathBuf,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_the_problem() {
        let error = SchemaError::Xsd {
            path: PathBuf::from("/s/a.xsd"),
            messages: vec!["line 3: bad".into(), "line 9: worse".into()],
        };
        assert_eq!(
            error.to_string(),
            "XML Schema /s/a.xsd is not usable:\n  line 3: bad\n  line 9: worse"
        );
        let error = SchemaError::Duplicate {
            kind: SchemaKind::Json,
            key: "{urn:x}R".into(),
            first: PathBuf::from("a.schema.json"),
            second: PathBuf::from("b.schema.json"),
        };
        assert_eq!(
            error.to_string(),
            "two JSON Schemas with x-message-type \"{urn:x}R\": a.schema.json and b.schema.json"
        );
    }
}
