//! Encoding the answers: complete SOAP 1.1 envelopes (UTF-8, with an XML declaration) whose
//! body element validates against the version's types schema whatever values it is given.
//!
//! Prefixes: `soap` for the envelope, `smev` for the types namespace, `basic` for the basic
//! namespace. No default namespace is declared, so reply payloads inserted verbatim keep their
//! meaning. Signatures (`SMEVSignature`) are optional in the schemas: the gateway adds them after encoding,
//! over the elements written with `Id="SIGNED_BY_SMEV"`, when it has a key.

mod metadata;
mod reply;
mod status;

pub use reply::{encode_get_response_response, encode_get_response_response_mtom};
pub use status::encode_get_status_response;

use crate::message_id::is_uuid_pattern;
use crate::response::MessageMetadata;
use crate::version::{SOAP11_NS, SmevVersion};
use crate::writer::XmlWriter;

/// Why an answer could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The version has no `GetStatus` operation (no published version lacks it; see
    /// [`SmevVersion::has_get_status`]).
    #[error("версия СМЭВ {0} не поддерживает операцию GetStatus")]
    NoGetStatus(SmevVersion),
}

/// The nil UUID, written where a schema requires a `basic:UUID` that is missing or malformed.
pub(crate) const NIL_UUID: &str = "00000000-0000-0000-0000-000000000000";

/// `Id` of `Response` and `AsyncProcessingStatusData`, as real SMEV answers carry it.
pub(crate) const SMEV_SIGNED_ID: &str = "SIGNED_BY_SMEV";

/// `Id` of `SenderProvidedResponseData`.
pub(crate) const CALLER_SIGNED_ID: &str = "SIGNED_BY_CALLER";

/// Writes the envelope around the body element written by `body`. The body element must
/// declare the `smev` (and, if used, `basic`) prefixes through [`smev_namespaces`].
pub(crate) fn envelope(body: impl FnOnce(&mut XmlWriter)) -> Vec<u8> {
    let mut w = XmlWriter::document();
    w.open("soap:Envelope", &[("xmlns:soap", SOAP11_NS)])
        .open("soap:Body", &[]);
    body(&mut w);
    w.close("soap:Body").close("soap:Envelope");
    w.finish()
}

/// The namespace declarations of a body element.
pub(crate) fn smev_namespaces(version: SmevVersion) -> [(&'static str, &'static str); 2] {
    [
        ("xmlns:smev", version.types_ns()),
        ("xmlns:basic", version.basic_ns()),
    ]
}

/// `value` if it is a `basic:UUID`.
pub(crate) fn valid_uuid(value: Option<&str>) -> Option<&str> {
    value.filter(|v| is_uuid_pattern(v))
}

/// `SendRequestResponse`: the request is accepted; `md` says how. `MessageMetadata` carries
/// `Id="SIGNED_BY_SMEV"`, as real SMEV's does: the element its `SMEVSignature` signs.
///
/// Per version: 1.3 writes the metadata as given. 1.1 and 1.2 require more: a missing
/// `Sender` is written with empty names, `DestinationName` is the recipient's mnemonic (or
/// `unknown`), `SupplementaryData/InteractionType` is `NotDetected`; 1.2 requires `MessageId`
/// and writes the nil UUID when it is missing. A `MessageId` that is not a `basic:UUID` counts
/// as missing. Statuses are mapped with [`crate::InteractionStatus::in_version`].
pub fn encode_send_request_response(version: SmevVersion, md: &MessageMetadata) -> Vec<u8> {
    envelope(|w| {
        w.open("smev:SendRequestResponse", &smev_namespaces(version));
        metadata::write(w, version, md, Some(SMEV_SIGNED_ID));
        w.close("smev:SendRequestResponse");
    })
}

/// `AckResponse` (empty).
pub fn encode_ack_response(version: SmevVersion) -> Vec<u8> {
    envelope(|w| {
        w.empty("smev:AckResponse", &[("xmlns:smev", version.types_ns())]);
    })
}
