//! SMEV 3 (1.1, 1.2, 1.3) SOAP codecs, the SMEV fault taxonomy and the service WSDL.
//!
//! Pure code: no I/O, no async, so it can be fuzzed and tested without a server. The gateway
//! decodes a request with [`decode_request`], answers with the `encode_*` functions or
//! [`encode_fault`], and serves [`wsdl::service_wsdl`] and [`wsdl::schema_file`].
//!
//! Decoding is one pass of quick-xml over the body, with DTDs refused, depth and attribute
//! limits enforced while reading ([`Limits`]), each operation's children checked against the
//! version's schema sequence, and the payload sliced from the input byte for byte. Encoding
//! writes fixed structures that validate against the version's official schemas whatever
//! values they are given (the crate's tests check every encoder with `xmllint`).
//!
//! # Layout
//!
//! - [`version`]: [`SmevVersion`] and the namespaces of each version.
//! - [`qname`]: [`QName`], qualified names in Clark notation (the message type).
//! - [`limits`]: [`Limits`] enforced while decoding.
//! - [`fault`]: [`FaultKind`], [`Fault`] and its detail, [`Operation`] with the faults each
//!   operation may raise, and [`encode_fault`].
//! - [`message_id`]: [`check_message_id`] and [`new_message_id`] (version-1 UUIDs).
//! - [`request`]: the decoded requests ([`SoapRequest`], [`SendRequest`], [`Payload`], ...).
//! - [`decode`]: [`decode_request`] and [`DecodeError`] (a pull cursor, schema sequences,
//!   attachments).
//! - [`response`]: the answers' data ([`MessageMetadata`], [`ResponseMessage`],
//!   [`StatusMessage`], ...).
//! - [`encode`]: the answer encoders (`SendRequestResponse`, `GetResponseResponse`,
//!   `AckResponse`, `GetStatusResponse`).
//! - [`wsdl`]: the service WSDL and the official schema files.
//! - `writer`, `xsd` (private): XML writing and XSD lexical forms.

pub mod decode;
pub mod encode;
pub mod fault;
pub mod json;
pub mod limits;
pub mod message_id;
pub mod mtom;
pub mod qname;
pub mod request;
pub mod response;
pub mod version;
pub mod wsdl;

mod writer;
mod xsd;

pub use decode::{DecodeError, decode_request};
pub use encode::{
    EncodeError, encode_ack_response, encode_get_response_response,
    encode_get_response_response_mtom, encode_get_status_response, encode_send_request_response,
};
pub use fault::{
    Fault, FaultDetail, FaultExtension, FaultKind, FaultShape, Operation, SignatureFailure,
    ValidationError, encode_fault,
};
pub use limits::Limits;
pub use message_id::{check_message_id, new_message_id};
pub use qname::{QName, QNameError};
pub use request::{
    Ack, Attachment, AttachmentReference, GetResponse, GetStatus, Payload, SendRequest, SoapRequest,
};
pub use response::{
    InteractionStatus, MessageMetadata, MessageType, Party, RejectCode, Rejection, ResponseContent,
    ResponseMessage, StatusMessage,
};
pub use version::SmevVersion;
