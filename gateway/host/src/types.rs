//! Plain Rust types mirroring the records of the WIT contract.
//!
//! The gateway builds [`Request`]s and reads [`Outcome`]s, [`Description`]s and [`Fact`]s through these types
//! and never through the `wasmtime` bindings, so the contract's generated code stays inside this crate.
//! Conversions to and from the bindings live in `convert.rs`. The types of the `page` interface are defined in
//! `pages.rs` and re-exported here.

use std::fmt;
use std::time::Duration;

pub use crate::pages::{PageMethod, PageRequest, PageResponse};

/// A message type: namespace URI and local name of the payload's root element (SMEV's «вид сведений»).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QName {
    /// Namespace URI.
    pub namespace: String,
    /// Local name of the root element.
    pub local: String,
}

impl QName {
    /// `{namespace}local`.
    pub fn new(namespace: impl Into<String>, local: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            local: local.into(),
        }
    }

    /// Parses Clark notation, `{namespace}local`; `None` if the text is not in that form or the local name is
    /// empty.
    pub fn from_clark(text: &str) -> Option<Self> {
        let rest = text.strip_prefix('{')?;
        let (namespace, local) = rest.split_once('}')?;
        if local.is_empty() || local.contains(['{', '}']) {
            return None;
        }
        Some(Self::new(namespace, local))
    }
}

/// Clark notation: `{namespace}local`.
impl fmt::Display for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}{}", self.namespace, self.local)
    }
}

/// How a payload is encoded. A plugin answers in the format of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadFormat {
    /// XML: the exact bytes of the payload's root element.
    Xml,
    /// JSON: the UTF-8 object.
    Json,
}

/// A file attached to the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The attachment's id in the envelope.
    pub content_id: String,
    /// Its MIME type.
    pub mime_type: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// A file a request names but does not carry (SMEV `RefAttachmentHeader`): its content lies on the exchange's
/// file storage. Plugins read these through the `attachments` interface (contract 1.2.0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentReference {
    /// `uuid`: the file's identifier on the storage.
    pub uuid: String,
    /// `FileName`, when given.
    pub file_name: Option<String>,
    /// `Hash` as the sender declared it (base64).
    pub hash: String,
    /// `MimeType`.
    pub mime_type: String,
    /// `SignaturePKCS7` (DER), when given.
    pub signature_pkcs7: Option<Vec<u8>>,
}

/// A note left by a policy step for the steps after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Key, e.g. `mchd.organisation`.
    pub key: String,
    /// Value.
    pub value: String,
}

/// Why a policy step refused the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// Name of the plugin that refused (the host fills it in when the plugin leaves it empty).
    pub step: String,
    /// A stable machine-readable reason code, e.g. `MCHD_EXPIRED`.
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
}

/// One envelope, as a plugin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The sender's MessageID (SMEV) or messageId (JSON).
    pub message_id: String,
    /// The payload's root element.
    pub message_type: QName,
    /// The payload's format.
    pub format: PayloadFormat,
    /// XML: the exact bytes of the root element; JSON: the UTF-8 object.
    pub payload: Vec<u8>,
    /// XML only: namespace declarations in scope at the root but declared outside it, `(prefix, uri)`; the empty
    /// prefix is the default namespace.
    pub namespaces: Vec<(String, String)>,
    /// Attached files.
    pub attachments: Vec<Attachment>,
    /// Files named by reference (`RefAttachmentHeaderList`), handed to the plugin through the `attachments`
    /// interface.
    pub references: Vec<AttachmentReference>,
    /// Mnemonic of the authenticated sender.
    pub sender: String,
    /// SMEV `TestMessage`: the plugin must not change data.
    pub test_message: bool,
    /// Notes left by earlier policy steps, in order.
    pub annotations: Vec<Annotation>,
    /// Set when a policy step refused the envelope: the document plugin renders its own answer.
    pub denial: Option<Denial>,
}

impl Request {
    /// A request with the given identity and payload and nothing else (no namespaces, attachments,
    /// annotations or denial; not a test message).
    pub fn new(
        message_id: impl Into<String>,
        sender: impl Into<String>,
        message_type: QName,
        format: PayloadFormat,
        payload: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            message_id: message_id.into(),
            message_type,
            format,
            payload: payload.into(),
            namespaces: Vec::new(),
            attachments: Vec::new(),
            references: Vec::new(),
            sender: sender.into(),
            test_message: false,
            annotations: Vec::new(),
            denial: None,
        }
    }
}

/// A content answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The answer's root element.
    pub message_type: QName,
    /// Encoded in the request's format.
    pub payload: Vec<u8>,
    /// Unix milliseconds after which the answer must no longer exist (delete it unfetched then).
    pub expires_at: Option<u64>,
    /// Files the plugin attached to the answer (`attachments.attach`, contract 1.2.0).
    pub attachments: Vec<Attachment>,
}

/// SMEV `RequestRejected` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectCode {
    /// `ACCESS_DENIED`.
    AccessDenied,
    /// `NO_DATA`.
    NoData,
    /// `UNKNOWN_REQUEST_DESCRIPTION`.
    UnknownRequestDescription,
    /// `FAILURE`.
    Failure,
}

impl RejectCode {
    /// The SMEV spelling, e.g. `NO_DATA`.
    pub fn as_smev(self) -> &'static str {
        match self {
            RejectCode::AccessDenied => "ACCESS_DENIED",
            RejectCode::NoData => "NO_DATA",
            RejectCode::UnknownRequestDescription => "UNKNOWN_REQUEST_DESCRIPTION",
            RejectCode::Failure => "FAILURE",
        }
    }
}

/// A refusal the sender sees as `RequestRejected`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The reason code.
    pub code: RejectCode,
    /// A human-readable description.
    pub description: String,
}

/// SMEV `RequestStatus`: the request is not answered now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Status code.
    pub code: i32,
    /// A human-readable description.
    pub description: String,
    /// Set when the sender should try again later.
    pub retry_after: Option<Duration>,
    /// Further parameters.
    pub parameters: Vec<(String, String)>,
}

/// What a step of the chain decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The answer (document plugins).
    Reply(Reply),
    /// `RequestRejected`.
    Rejected(Rejection),
    /// `RequestStatus`.
    Status(Status),
    /// Policy steps only: go on, with notes for later steps.
    Proceed(Vec<Annotation>),
    /// Policy steps only: refuse; the document plugin is then called with `Request::denial` set.
    Deny(Denial),
}

/// What a plugin declares about itself when it is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// The plugin's own name.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// Message types it handles.
    pub accepts: Vec<QName>,
    /// Message types it answers with.
    pub produces: Vec<QName>,
    /// A policy step: runs before document plugins and answers `proceed` or `deny`.
    pub policy: bool,
}

/// A fact a plugin recorded; the gateway writes it once the whole chain has passed with a reply (and drops it
/// when the document plugin answered a denial).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The kind of fact, e.g. `scan`.
    pub kind: String,
    /// ОГРН / ОГРНИП of the organisation the fact belongs to.
    pub organisation: String,
    /// The document type the fact is about, e.g. `svo-status`.
    pub document_type: String,
    /// Unix milliseconds.
    pub occurred_at: u64,
    /// Further non-personal attributes.
    pub attributes: Vec<(String, String)>,
}

/// A short-lived token with its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token's id (a GUID for QR links).
    pub id: String,
    /// Its data.
    pub data: Vec<u8>,
    /// Unix milliseconds.
    pub issued_at: u64,
    /// Unix milliseconds.
    pub expires_at: u64,
}

/// The result of looking a token up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenLookup {
    /// The token is live.
    Live(Token),
    /// The token existed and expired at this instant (unix ms); its data is gone.
    Expired(u64),
    /// No such token.
    Unknown,
}

/// Who signed, as read from the signer's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial number (hex).
    pub serial: String,
    /// СНИЛС (OID 1.2.643.100.3), digits only.
    pub snils: Option<String>,
    /// ИНН of a person (OID 1.2.643.3.131.1.1).
    pub inn: Option<String>,
    /// ОГРН (OID 1.2.643.100.1).
    pub ogrn: Option<String>,
    /// Unix milliseconds.
    pub not_before: u64,
    /// Unix milliseconds.
    pub not_after: u64,
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signature does not match the content or is malformed.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// The signer's certificate does not chain to the trust store, or is not valid now.
    #[error("untrusted signer: {0}")]
    Untrusted(String),
    /// The signer's certificate, or a CA certificate above it, is revoked (CRL or OCSP). Contract 1.x carries
    /// it as `untrusted` with a message beginning [`REVOKED_PREFIX`].
    #[error("revoked: {0}")]
    Revoked(String),
}

/// The start of the WIT `untrusted` message that stands for [`VerifyError::Revoked`] (the SDK's
/// `VerifyError::is_revoked` reads it).
pub const REVOKED_PREFIX: &str = "revoked:";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clark_notation_round_trips() {
        let name = QName::new("urn://gateway/test/1.0", "TestRequest");
        assert_eq!(name.to_string(), "{urn://gateway/test/1.0}TestRequest");
        assert_eq!(QName::from_clark(&name.to_string()), Some(name));
        assert_eq!(QName::from_clark("{}Local"), Some(QName::new("", "Local")));
        for bad in ["Local", "{urn:x}", "{urn:x", "urn:x}Local", "{a}b}c"] {
            assert_eq!(QName::from_clark(bad), None, "{bad}");
        }
    }

    #[test]
    fn reject_codes_have_smev_spelling() {
        assert_eq!(RejectCode::NoData.as_smev(), "NO_DATA");
        assert_eq!(
            RejectCode::UnknownRequestDescription.as_smev(),
            "UNKNOWN_REQUEST_DESCRIPTION"
        );
    }
}

/// A plugin's durable record as stored (`store.item`, contract 1.3.0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    /// The collection.
    pub collection: String,
    /// The key within the collection.
    pub key: String,
    /// The plugin's bytes.
    pub value: Vec<u8>,
    /// 1 after the first write, one more with every write.
    pub version: u64,
    /// The instant the record is about (unix ms).
    pub at: u64,
    /// When it ceases to exist (unix ms), if ever.
    pub expires_at: Option<u64>,
}

/// A write of a plugin's record (`store.put-request`), checked by the host; its tags already hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorePut {
    /// The collection.
    pub collection: String,
    /// The key.
    pub key: String,
    /// The value.
    pub value: Vec<u8>,
    /// The record's instant (unix ms).
    pub at: u64,
    /// Its expiry (unix ms).
    pub expires_at: Option<u64>,
    /// Keyed hashes of its tags (hex), replacing the earlier ones.
    pub tag_hashes: Vec<String>,
    /// None: always; `Some(0)`: only if absent; `Some(v)`: only if the stored version is `v`.
    pub if_version: Option<u64>,
}

/// What a conditional write did (`store.put-result`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorePutResult {
    /// Written; the new version.
    Written(u64),
    /// Not written; the live record as stored now, if any.
    Conflict(Option<StoredItem>),
}

/// An e-mail a plugin queues (`mail.message`, contract 1.3.0), checked by the host except for the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailMessage {
    /// The recipient's address.
    pub to: String,
    /// The subject, one line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// Files; `content_id` is the file name.
    pub attachments: Vec<Attachment>,
    /// The message's key among the plugin's messages.
    pub key: String,
}
