//! `SendRequestRequest`: the request data, its payload, attachments and signatures.

use super::attachments::{self, Content, Header};
use super::cursor::{Cursor, Element};
use super::error::DecodeError;
use super::sequence::{Ns, Particle, Sequence, one, opt};
use super::values;
use crate::limits::Limits;
use crate::request::{AttachmentReference, Payload, SendRequest};
use crate::version::SmevVersion;

const REQUEST_1_1: [Particle; 3] = [
    one(Ns::Types, "SenderProvidedRequestData"),
    opt(Ns::Basic, "AttachmentContentList"),
    opt(Ns::Types, "CallerInformationSystemSignature"),
];

const REQUEST_1_3: [Particle; 4] = [
    one(Ns::Types, "SenderProvidedRequestData"),
    opt(Ns::Basic, "AttachmentContentList"),
    opt(Ns::Types, "CallerInformationSystemSignature"),
    opt(Ns::Routing, "Routing"),
];

/// `SenderProvidedRequestData`. The 1.2 schema file requires `ReferenceMessageID` and `TransactionCode`, but
/// SMEV itself queues 1.2 requests without them (the corpus holds three), so they are optional in every
/// version: the gateway is as liberal as SMEV where real clients leave things out. (`version` stays for the
/// day a version's own order differs.)
fn request_data_particles(_version: SmevVersion) -> [Particle; 11] {
    [
        one(Ns::Types, "MessageID"),
        opt(Ns::Types, "ReferenceMessageID"),
        opt(Ns::Types, "TransactionCode"),
        opt(Ns::Types, "NodeID"),
        opt(Ns::Types, "EOL"),
        one(Ns::Basic, "MessagePrimaryContent"),
        opt(Ns::Types, "PersonalSignature"),
        opt(Ns::Basic, "AttachmentHeaderList"),
        opt(Ns::Basic, "RefAttachmentHeaderList"),
        opt(Ns::Types, "BusinessProcessMetadata"),
        opt(Ns::Types, "TestMessage"),
    ]
}

/// What `SenderProvidedRequestData` holds, before attachments are matched.
struct RequestData {
    message_id: String,
    reference_message_id: Option<String>,
    transaction_code: Option<String>,
    node_id: Option<String>,
    eol: Option<jiff::Timestamp>,
    payload: Option<Payload>,
    personal_signature: Option<Vec<u8>>,
    headers: Vec<Header>,
    references: Vec<AttachmentReference>,
    test_message: bool,
}

/// Decodes the content of `SendRequestRequest` (just opened).
pub(crate) fn decode(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    limits: &Limits,
    op: &Element<'_>,
) -> Result<SendRequest, DecodeError> {
    let particles: &[Particle] = match version {
        SmevVersion::V1_3 => &REQUEST_1_3,
        SmevVersion::V1_1 | SmevVersion::V1_2 => &REQUEST_1_1,
    };
    let mut seq = Sequence::new(version, "SendRequestRequest", particles);
    let mut data = None;
    let mut contents: Vec<Content> = Vec::new();
    let mut caller_signature = None;
    while let Some(child) = cursor.next_child(op.local)? {
        match seq.accept(&child)? {
            "SenderProvidedRequestData" => {
                data = Some(request_data(cursor, version, limits, &child)?)
            }
            "AttachmentContentList" => {
                contents = attachments::content_list(cursor, version, limits, &child)?
            }
            "CallerInformationSystemSignature" => {
                caller_signature = Some(cursor.capture(&child)?.as_bytes().to_vec())
            }
            _ => {
                cursor.skip(&child)?;
            }
        }
    }
    seq.finish()?;
    let missing = |element: &str| DecodeError::MissingElement {
        parent: "SenderProvidedRequestData".into(),
        element: element.into(),
    };
    let data = data.ok_or_else(|| missing("SenderProvidedRequestData"))?;
    let payload = data
        .payload
        .ok_or_else(|| missing("MessagePrimaryContent"))?;
    Ok(SendRequest {
        message_id: data.message_id,
        reference_message_id: data.reference_message_id,
        transaction_code: data.transaction_code,
        node_id: data.node_id,
        eol: data.eol,
        test_message: data.test_message,
        payload,
        attachments: attachments::pair(data.headers, contents)?,
        references: data.references,
        personal_signature: data.personal_signature,
        caller_signature,
    })
}

fn request_data(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    limits: &Limits,
    element: &Element<'_>,
) -> Result<RequestData, DecodeError> {
    let particles = request_data_particles(version);
    let mut seq = Sequence::new(version, "SenderProvidedRequestData", &particles);
    let mut d = RequestData {
        message_id: String::new(),
        reference_message_id: None,
        transaction_code: None,
        node_id: None,
        eol: None,
        payload: None,
        personal_signature: None,
        headers: Vec::new(),
        references: Vec::new(),
        test_message: false,
    };
    while let Some(child) = cursor.next_child(element.local)? {
        match seq.accept(&child)? {
            "MessageID" => d.message_id = values::uuid(cursor, &child)?,
            "ReferenceMessageID" => d.reference_message_id = Some(values::uuid(cursor, &child)?),
            "TransactionCode" => d.transaction_code = Some(values::bounded(cursor, &child, 1500)?),
            "NodeID" => d.node_id = Some(values::bounded(cursor, &child, 50)?),
            "EOL" => d.eol = Some(values::timestamp(cursor, &child)?),
            "MessagePrimaryContent" => d.payload = Some(primary_content(cursor, version, &child)?),
            "PersonalSignature" => {
                d.personal_signature = Some(cursor.capture(&child)?.as_bytes().to_vec())
            }
            "AttachmentHeaderList" => {
                d.headers = attachments::header_list(cursor, version, limits, &child)?
            }
            "RefAttachmentHeaderList" => {
                d.references = attachments::reference_list(cursor, version, limits, &child)?
            }
            "TestMessage" => {
                expect_empty(cursor, &child)?;
                d.test_message = true;
            }
            _ => {
                cursor.skip(&child)?;
            }
        }
    }
    seq.finish()?;
    Ok(d)
}

/// `MessagePrimaryContent`: exactly one element, in a namespace of its own.
fn primary_content(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    element: &Element<'_>,
) -> Result<Payload, DecodeError> {
    let mut payload = None;
    while let Some(child) = cursor.next_child(element.local)? {
        if payload.is_some() {
            return Err(DecodeError::PayloadCount { found: 2 });
        }
        let root = child.qname();
        if root.namespace.is_empty() || root.namespace == version.basic_ns() {
            return Err(DecodeError::PayloadNamespace { found: root });
        }
        let inherited_namespaces = cursor.inherited_namespaces(&child);
        let xml = cursor.capture(&child)?.as_bytes().to_vec();
        payload = Some(Payload {
            root,
            xml,
            inherited_namespaces,
        });
    }
    payload.ok_or(DecodeError::PayloadCount { found: 0 })
}

/// A `basic:Void` element: no children, no text.
fn expect_empty(cursor: &mut Cursor<'_>, element: &Element<'_>) -> Result<(), DecodeError> {
    match cursor.next_child(element.local)? {
        None => Ok(()),
        Some(child) => Err(DecodeError::UnexpectedElement {
            parent: element.local.to_owned(),
            found: child.qname(),
            position: child.start,
        }),
    }
}
