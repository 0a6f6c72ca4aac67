//! `GetResponseResponse`: a reply from the sender's queue, or nothing.

use std::borrow::Cow;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{
    CALLER_SIGNED_ID, NIL_UUID, SMEV_SIGNED_ID, envelope, metadata, smev_namespaces, valid_uuid,
};
use crate::qname::is_ncname;
use crate::request::Attachment;
use crate::response::{RejectCode, Rejection, ResponseContent, ResponseMessage};
use crate::version::SmevVersion;
use crate::writer::{XmlWriter, truncate_chars};
use crate::xsd::is_rfc2046_mime_type;

/// `GetResponseResponse`: `None` is the empty answer of an empty queue; `Some` wraps
/// `ResponseMessage/Response` (`Id="SIGNED_BY_SMEV"`) with `OriginalMessageId`,
/// `SenderProvidedResponseData` (`Id="SIGNED_BY_CALLER"`: `MessageID`, `To`, then the content)
/// and `MessageMetadata`, followed by the attachments' contents.
///
/// To stay valid whatever it is given: 1.2 requires `OriginalMessageId`,
/// `OriginalTransactionCode` (empty when missing) and `ReferenceMessageID` (the original id
/// when missing); malformed identifiers count as missing (the nil UUID where required);
/// strings are cut to their schema lengths; `FAILURE` becomes `UNKNOWN_REQUEST_DESCRIPTION`
/// before 1.3; an empty rejection list becomes one `FAILURE` rejection; a primary payload loses
/// a leading BOM and XML declaration; attachments go only with primary content, with MIME
/// types outside RFC 2046's pattern written as `application/octet-stream` and content ids that
/// are not unique XML ids (`xs:ID`) rewritten to ones that are.
pub fn encode_get_response_response(
    version: SmevVersion,
    msg: Option<&ResponseMessage>,
) -> Vec<u8> {
    encode(version, msg, Contents::Inline)
}

/// [`encode_get_response_response`] for an MTOM answer: each `AttachmentContent/Content` is an
/// `xop:Include` of [`crate::mtom::part_id`] of the attachment's index in `msg.attachments`, and
/// [`crate::mtom::package`] puts this envelope (signed or not) and the attachments' bytes together.
pub fn encode_get_response_response_mtom(
    version: SmevVersion,
    msg: Option<&ResponseMessage>,
) -> Vec<u8> {
    encode(version, msg, Contents::Xop)
}

/// How attachment contents are written.
#[derive(Clone, Copy)]
enum Contents {
    /// Base64 in the envelope.
    Inline,
    /// `xop:Include`s of MIME parts.
    Xop,
}

fn encode(version: SmevVersion, msg: Option<&ResponseMessage>, contents: Contents) -> Vec<u8> {
    envelope(|w| match msg {
        None => {
            w.empty("smev:GetResponseResponse", &smev_namespaces(version));
        }
        Some(msg) => {
            w.open("smev:GetResponseResponse", &smev_namespaces(version));
            response_message(w, version, msg, contents);
            w.close("smev:GetResponseResponse");
        }
    })
}

fn response_message(
    w: &mut XmlWriter,
    version: SmevVersion,
    msg: &ResponseMessage,
    contents: Contents,
) {
    let v1_2 = version == SmevVersion::V1_2;
    let attachments = match &msg.content {
        ResponseContent::Primary(_) => xml_attachments(&msg.attachments),
        ResponseContent::Rejected(_) | ResponseContent::Status { .. } => Vec::new(),
    };
    w.open("smev:ResponseMessage", &[]);
    w.open("smev:Response", &[("Id", SMEV_SIGNED_ID)]);
    let original = valid_uuid(Some(&msg.original_message_id));
    if let Some(id) = original.or(v1_2.then_some(NIL_UUID)) {
        w.leaf("smev:OriginalMessageId", id);
    }
    match (&msg.original_transaction_code, v1_2) {
        (Some(code), _) => {
            w.leaf("smev:OriginalTransactionCode", truncate_chars(code, 1500));
        }
        (None, true) => {
            w.leaf("smev:OriginalTransactionCode", "");
        }
        (None, false) => {}
    }
    let reference = valid_uuid(msg.reference_message_id.as_deref());
    if let Some(id) = reference.or(v1_2.then(|| original.unwrap_or(NIL_UUID))) {
        w.leaf("smev:ReferenceMessageID", id);
    }
    w.open(
        "smev:SenderProvidedResponseData",
        &[("Id", CALLER_SIGNED_ID)],
    );
    w.leaf(
        "smev:MessageID",
        valid_uuid(Some(&msg.response_message_id)).unwrap_or(NIL_UUID),
    );
    w.leaf("smev:To", truncate_chars(&msg.to, 4000));
    content(w, version, &msg.content, &attachments);
    w.close("smev:SenderProvidedResponseData");
    metadata::write(w, version, &msg.metadata, None);
    w.close("smev:Response");
    if !attachments.is_empty() {
        w.open("basic:AttachmentContentList", &[]);
        for (i, a) in attachments.iter().enumerate() {
            w.open("basic:AttachmentContent", &[]);
            w.leaf("basic:Id", &a.id);
            match contents {
                Contents::Inline => {
                    w.leaf("basic:Content", &STANDARD.encode(&a.attachment.data));
                }
                Contents::Xop => {
                    let href = format!("cid:{}", crate::mtom::part_id(i));
                    w.open("basic:Content", &[]);
                    w.empty(
                        "xop:Include",
                        &[("xmlns:xop", crate::mtom::XOP_NS), ("href", &href)],
                    );
                    w.close("basic:Content");
                }
            }
            w.close("basic:AttachmentContent");
        }
        w.close("basic:AttachmentContentList");
    }
    w.close("smev:ResponseMessage");
}

fn content(
    w: &mut XmlWriter,
    version: SmevVersion,
    content: &ResponseContent,
    attachments: &[XmlAttachment<'_>],
) {
    match content {
        ResponseContent::Primary(xml) => {
            w.open("basic:MessagePrimaryContent", &[]);
            w.raw(payload_bytes(xml).as_bytes());
            w.close("basic:MessagePrimaryContent");
            if !attachments.is_empty() {
                w.open("basic:AttachmentHeaderList", &[]);
                for a in attachments {
                    w.open("basic:AttachmentHeader", &[]);
                    w.leaf("basic:contentId", &a.id);
                    w.leaf("basic:MimeType", a.mime_type);
                    w.close("basic:AttachmentHeader");
                }
                w.close("basic:AttachmentHeaderList");
            }
        }
        ResponseContent::Rejected(rejections) => {
            let fallback = [Rejection {
                code: RejectCode::Failure,
                description: String::new(),
            }];
            let rejections = if rejections.is_empty() {
                &fallback[..]
            } else {
                rejections.as_slice()
            };
            for r in rejections {
                w.open("smev:RequestRejected", &[]);
                w.leaf(
                    "smev:RejectionReasonCode",
                    r.code.in_version(version).as_str(),
                );
                w.leaf(
                    "smev:RejectionReasonDescription",
                    truncate_chars(&r.description, 4000),
                );
                w.close("smev:RequestRejected");
            }
        }
        ResponseContent::Status {
            code,
            description,
            parameters,
        } => {
            w.open("smev:RequestStatus", &[]);
            w.leaf("smev:StatusCode", &code.to_string());
            for (key, value) in parameters {
                w.open("smev:StatusParameter", &[])
                    .leaf("smev:Key", key)
                    .leaf("smev:Value", value)
                    .close("smev:StatusParameter");
            }
            w.leaf("smev:StatusDescription", truncate_chars(description, 4000));
            w.close("smev:RequestStatus");
        }
    }
}

/// The payload text without a leading BOM, whitespace or XML declaration.
fn payload_bytes(xml: &[u8]) -> Cow<'_, str> {
    let text = String::from_utf8_lossy(xml);
    let trimmed = text.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);
    let without_decl = match trimmed.strip_prefix("<?xml") {
        Some(rest) if rest.starts_with([' ', '\t', '\r', '\n', '?']) => {
            rest.find("?>").map_or(trimmed, |end| {
                rest[end + 2..].trim_start_matches([' ', '\t', '\r', '\n'])
            })
        }
        _ => trimmed,
    };
    if without_decl.len() == text.len() {
        text
    } else {
        Cow::Owned(without_decl.to_owned())
    }
}

/// An attachment with the id and type it is written with.
struct XmlAttachment<'a> {
    id: String,
    mime_type: &'a str,
    attachment: &'a Attachment,
}

/// Ids valid as `xs:ID` and unique in the document; MIME types valid for the schema.
fn xml_attachments(attachments: &[Attachment]) -> Vec<XmlAttachment<'_>> {
    let mut used: Vec<String> = vec![SMEV_SIGNED_ID.to_owned(), CALLER_SIGNED_ID.to_owned()];
    attachments
        .iter()
        .map(|a| {
            let base = if is_ncname(&a.content_id) {
                a.content_id.clone()
            } else {
                to_ncname(&a.content_id)
            };
            let mut id = base.clone();
            let mut n = 1;
            while used.contains(&id) {
                n += 1;
                id = format!("{base}-{n}");
            }
            used.push(id.clone());
            let mime_type = if is_rfc2046_mime_type(&a.mime_type) {
                a.mime_type.as_str()
            } else {
                "application/octet-stream"
            };
            XmlAttachment {
                id,
                mime_type,
                attachment: a,
            }
        })
        .collect()
}

/// `id-` followed by the characters of `s` that may appear in an NCName (others become `_`).
fn to_ncname(s: &str) -> String {
    let mut out = String::from("id-");
    out.extend(s.chars().map(|c| {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
            c
        } else {
            '_'
        }
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_loses_its_declaration() {
        assert_eq!(
            payload_bytes(b"\xEF\xBB\xBF<?xml version='1.0'?>\n<a/>"),
            "<a/>"
        );
        assert_eq!(payload_bytes(b"<a/>"), "<a/>");
        assert_eq!(
            payload_bytes(b"<?xml-stylesheet href='x'?><a/>"),
            "<?xml-stylesheet href='x'?><a/>"
        );
    }

    #[test]
    fn attachment_ids_become_unique_ncnames() {
        let a = |id: &str, mime: &str| Attachment {
            content_id: id.into(),
            mime_type: mime.into(),
            data: vec![],
        };
        let list = [
            a("doc", "application/pdf"),
            a("doc", "x/y"),
            a("1234-abcd", "text/plain"),
            a(SMEV_SIGNED_ID, "text/plain"),
        ];
        let out = xml_attachments(&list);
        let ids: Vec<_> = out.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, ["doc", "doc-2", "id-1234-abcd", "SIGNED_BY_SMEV-2"]);
        assert_eq!(out[1].mime_type, "application/octet-stream");
        assert!(ids.iter().all(|id| is_ncname(id)));
    }
}
