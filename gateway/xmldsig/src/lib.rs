//! XMLDSig as SMEV 3 uses it, without I/O and without cryptography: what a `ds:Reference` digests.
//!
//! SMEV signs an element by its `Id` with two transforms, exclusive c14n then the SMEV transform
//! (`urn://smev-gov-ru/xmldsig/transform`), and digests the result with GOST R 34.11. [`smev_transform`] gives
//! those bytes for the element of a document: the canonical form the SMEV transform defines (the operator's
//! reference implementation, byte for byte), which subsumes what exclusive c14n changes. The rules and their
//! sources are in `docs/smev-xmldsig.md`; the corpus test checks them against the DigestValues of envelopes
//! SMEV and its clients really signed.
//!
//! # Layout
//!
//! - `transform`: the SMEV transform over a quick-xml event stream.
//! - `error`: why a document could not be read.
//! - `escape`: its text and attribute escaping (the reference writer's, Woodstox).
//! - `ids`: which elements carry an `Id` (a reference must resolve to exactly one).
//! - `read`: namespace scopes and entities, as an XML 1.0 parser reads them.
//! - `signature`: the `ds:Signature`s of a document, with the exclusive canonical form of their `SignedInfo`.

mod error;
mod escape;
mod ids;
mod read;
mod signature;
mod transform;

pub use error::TransformError;
pub use ids::{IdElement, elements_at, elements_with_id};
pub use read::DSIG_NS;
pub use signature::{Reference, Signature, signatures};
pub use transform::smev_transform;
