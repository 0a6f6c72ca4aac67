//! Decoding the consumer-side SOAP requests of one SMEV version.
//!
//! One pass over the input with a pull cursor: the SOAP envelope, then the operation element,
//! whose children are checked against the version's schema sequence. The payload is sliced from
//! the input, never re-serialised.

mod attachments;
mod cursor;
mod error;
mod lexical;
mod queries;
mod scope;
mod send_request;
mod sequence;
mod values;

pub use error::DecodeError;

use cursor::{Cursor, Element};
use sequence::unexpected;

use crate::fault::Operation;
use crate::limits::Limits;
use crate::request::SoapRequest;
use crate::version::{SOAP11_NS, SOAP12_NS, SmevVersion};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes a consumer-side SOAP 1.1 request (`SendRequest`, `GetResponse`, `Ack`, `GetStatus`)
/// addressed to the endpoint of `version`.
///
/// The body must be UTF-8. A DOCTYPE is refused as soon as it is met, before any element is
/// read; the depth and attribute limits are enforced while reading; any namespace prefixes are
/// accepted; a SOAP `Header` is ignored; comments and whitespace between elements are
/// tolerated. Provider-side operations (`GetRequest`, `SendResponse`, ...) are refused as
/// unsupported, and elements in another version's namespaces as a version mismatch.
/// Identifiers are checked against the `basic:UUID` pattern only; the caller applies its
/// version-1 policy with [`crate::check_message_id`].
///
/// Required elements and attributes follow the version's schema where SMEV itself requires them:
/// `MessageID` everywhere (but not 1.2's `ReferenceMessageID` and `TransactionCode`, which the schema file
/// requires and SMEV does not), `MessageTypeSelector/Timestamp`,
/// `AckTargetMessage/@Id` (and `@accepted` before 1.3), and the `CallerInformationSystemSignature`
/// of `GetStatusRequest`, which every version's schema requires (its content is not verified).
/// Values are checked for the types the gateway relies on (UUIDs, `xs:dateTime`, lengths of
/// `NodeID` and `TransactionCode`, MIME types, base64); surrounding whitespace is tolerated.
///
/// # Errors
///
/// A [`DecodeError`] saying what is wrong; [`DecodeError::fault`] gives the SMEV fault.
pub fn decode_request(
    version: SmevVersion,
    body: &[u8],
    limits: &Limits,
) -> Result<SoapRequest, DecodeError> {
    let body = body.strip_prefix(UTF8_BOM).unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|e| DecodeError::Malformed {
        position: e.valid_up_to(),
        message: "тело запроса не является текстом UTF-8".into(),
    })?;
    let mut cursor = Cursor::new(text, limits);
    let envelope = cursor
        .next_child("документ")?
        .ok_or_else(|| DecodeError::NotSoapEnvelope {
            found: "пустой документ".into(),
        })?;
    if !envelope.is(SOAP11_NS, "Envelope") {
        let found = if envelope.is(SOAP12_NS, "Envelope") {
            "SOAP 1.2 Envelope (поддерживается только SOAP 1.1)".to_owned()
        } else {
            envelope.qname().to_string()
        };
        return Err(DecodeError::NotSoapEnvelope { found });
    }
    let request = envelope_content(&mut cursor, version, limits, &envelope)?;
    cursor.finish_document()?;
    Ok(request)
}

/// `Header?`, `Body`, then anything SOAP 1.1 allows after the body (skipped).
fn envelope_content(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    limits: &Limits,
    envelope: &Element<'_>,
) -> Result<SoapRequest, DecodeError> {
    let mut child = cursor
        .next_child(envelope.local)?
        .ok_or(DecodeError::MissingBody)?;
    if child.is(SOAP11_NS, "Header") {
        cursor.skip(&child)?;
        child = cursor
            .next_child(envelope.local)?
            .ok_or(DecodeError::MissingBody)?;
    }
    if !child.is(SOAP11_NS, "Body") {
        return Err(DecodeError::MissingBody);
    }
    let request = body(cursor, version, limits, &child)?;
    while let Some(extra) = cursor.next_child(envelope.local)? {
        if extra.ns.as_ref() == SOAP11_NS {
            return Err(unexpected(version, envelope.local, &extra));
        }
        cursor.skip(&extra)?;
    }
    Ok(request)
}

/// Exactly one operation element.
fn body(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    limits: &Limits,
    body: &Element<'_>,
) -> Result<SoapRequest, DecodeError> {
    let op = cursor
        .next_child(body.local)?
        .ok_or(DecodeError::BodyEntries { found: 0 })?;
    let request = operation(cursor, version, limits, &op)?;
    if cursor.next_child(body.local)?.is_some() {
        return Err(DecodeError::BodyEntries { found: 2 });
    }
    Ok(request)
}

fn operation(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    limits: &Limits,
    op: &Element<'_>,
) -> Result<SoapRequest, DecodeError> {
    if op.ns.as_ref() != version.types_ns() {
        return Err(match SmevVersion::of_namespace(&op.ns) {
            Some(found) if found != version => DecodeError::VersionMismatch {
                expected: version,
                found,
                element: op.qname(),
            },
            _ => DecodeError::UnsupportedOperation {
                element: op.qname(),
            },
        });
    }
    match Operation::from_request_element(op.local) {
        Some(Operation::SendRequest) => send_request::decode(cursor, version, limits, op)
            .map(|r| SoapRequest::SendRequest(Box::new(r))),
        Some(Operation::GetResponse) => {
            queries::get_response(cursor, version, op).map(SoapRequest::GetResponse)
        }
        Some(Operation::Ack) => queries::ack(cursor, version, op).map(SoapRequest::Ack),
        Some(Operation::GetStatus) => {
            queries::get_status(cursor, version, op).map(SoapRequest::GetStatus)
        }
        None => Err(DecodeError::UnsupportedOperation {
            element: op.qname(),
        }),
    }
}
