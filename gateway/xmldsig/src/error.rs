//! What can go wrong reading a document for XMLDSig.

/// Why the document could not be read, or the transform made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    /// The document is not well-formed, or uses a prefix it does not declare.
    #[error("the document is not well-formed XML: {0}")]
    Malformed(String),
    /// No element carries the `Id`.
    #[error("no element has Id=\"{0}\"")]
    NoSuchId(String),
}
