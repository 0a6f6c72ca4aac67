//! The queue operations: `GetResponseRequest`, `AckRequest`, `GetStatusRequest`.

use super::cursor::{Cursor, Element};
use super::error::DecodeError;
use super::sequence::{Ns, Particle, Sequence, one, opt};
use super::values;
use crate::qname::{QName, is_ncname};
use crate::request::{Ack, GetResponse, GetStatus};
use crate::version::SmevVersion;
use crate::xsd::{parse_boolean, trim_xml};

const GET_RESPONSE: [Particle; 2] = [
    one(Ns::Basic, "MessageTypeSelector"),
    opt(Ns::Types, "CallerInformationSystemSignature"),
];

const SELECTOR: [Particle; 4] = [
    opt(Ns::Basic, "NamespaceURI"),
    opt(Ns::Basic, "RootElementLocalName"),
    one(Ns::Basic, "Timestamp"),
    opt(Ns::Basic, "NodeID"),
];

const ACK: [Particle; 2] = [
    one(Ns::Basic, "AckTargetMessage"),
    opt(Ns::Types, "CallerInformationSystemSignature"),
];

/// Every version's schema requires the signature of a `GetStatusRequest`.
const GET_STATUS: [Particle; 2] = [
    one(Ns::Basic, "Timestamp"),
    one(Ns::Types, "CallerInformationSystemSignature"),
];

/// Decodes the content of `GetResponseRequest` (just opened).
pub(crate) fn get_response(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    op: &Element<'_>,
) -> Result<GetResponse, DecodeError> {
    let mut seq = Sequence::new(version, "GetResponseRequest", &GET_RESPONSE);
    let mut request = GetResponse {
        selector: None,
        timestamp: None,
        node_id: None,
    };
    while let Some(child) = cursor.next_child(op.local)? {
        match seq.accept(&child)? {
            "MessageTypeSelector" => request = selector(cursor, version, &child)?,
            _ => {
                cursor.skip(&child)?;
            }
        }
    }
    seq.finish()?;
    Ok(request)
}

fn selector(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    element: &Element<'_>,
) -> Result<GetResponse, DecodeError> {
    let mut seq = Sequence::new(version, "MessageTypeSelector", &SELECTOR);
    let (mut namespace, mut local) = (None, None);
    let mut request = GetResponse {
        selector: None,
        timestamp: None,
        node_id: None,
    };
    while let Some(child) = cursor.next_child(element.local)? {
        match seq.accept(&child)? {
            "NamespaceURI" => namespace = Some(trim_xml(&cursor.read_text(&child)?).to_owned()),
            "RootElementLocalName" => {
                let text = cursor.read_text(&child)?;
                let name = trim_xml(&text);
                if !is_ncname(name) {
                    return Err(DecodeError::InvalidValue {
                        element: "RootElementLocalName".into(),
                        reason: format!("{name:?} не является именем XML (NCName)"),
                    });
                }
                local = Some(name.to_owned());
            }
            "Timestamp" => request.timestamp = Some(values::timestamp(cursor, &child)?),
            _ => request.node_id = Some(values::bounded(cursor, &child, 50)?),
        }
    }
    seq.finish()?;
    request.selector = match (namespace, local) {
        (Some(namespace), Some(local)) => Some(QName { namespace, local }),
        (None, None) => None,
        (Some(_), None) => return Err(missing("MessageTypeSelector", "RootElementLocalName")),
        (None, Some(_)) => return Err(missing("MessageTypeSelector", "NamespaceURI")),
    };
    Ok(request)
}

/// Decodes the content of `AckRequest` (just opened). `AckTargetMessage/@Id` is required in
/// every version, `@accepted` in 1.1 and 1.2.
pub(crate) fn ack(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    op: &Element<'_>,
) -> Result<Ack, DecodeError> {
    let mut seq = Sequence::new(version, "AckRequest", &ACK);
    let mut request = None;
    while let Some(child) = cursor.next_child(op.local)? {
        match seq.accept(&child)? {
            "AckTargetMessage" => {
                values::required_attr(&child, "Id")?;
                let accepted = match child.attr("accepted")? {
                    Some(text) => {
                        Some(
                            parse_boolean(&text).ok_or_else(|| DecodeError::InvalidValue {
                                element: "AckTargetMessage/@accepted".into(),
                                reason: format!("{text:?} не является xs:boolean"),
                            })?,
                        )
                    }
                    None if version == SmevVersion::V1_3 => None,
                    None => {
                        return Err(DecodeError::MissingAttribute {
                            element: "AckTargetMessage".into(),
                            attribute: "accepted".into(),
                        });
                    }
                };
                let message_id = values::uuid(cursor, &child)?;
                request = Some(Ack {
                    message_id,
                    accepted,
                });
            }
            _ => {
                cursor.skip(&child)?;
            }
        }
    }
    seq.finish()?;
    request.ok_or_else(|| missing("AckRequest", "AckTargetMessage"))
}

/// Decodes the content of `GetStatusRequest` (just opened).
pub(crate) fn get_status(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    op: &Element<'_>,
) -> Result<GetStatus, DecodeError> {
    let mut seq = Sequence::new(version, "GetStatusRequest", &GET_STATUS);
    let mut request = GetStatus { timestamp: None };
    while let Some(child) = cursor.next_child(op.local)? {
        match seq.accept(&child)? {
            "Timestamp" => request.timestamp = Some(values::timestamp(cursor, &child)?),
            _ => {
                cursor.skip(&child)?;
            }
        }
    }
    seq.finish()?;
    Ok(request)
}

fn missing(parent: &str, element: &str) -> DecodeError {
    DecodeError::MissingElement {
        parent: parent.to_owned(),
        element: element.to_owned(),
    }
}
