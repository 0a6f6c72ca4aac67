//! Attachments: headers (`AttachmentHeaderList`) and contents (`AttachmentContentList`), their
//! limits, and matching one to the other.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::cursor::{Cursor, Element};
use super::error::DecodeError;
use super::sequence::{Ns, Particle, Sequence, many, one, opt};
use crate::limits::Limits;
use crate::request::{Attachment, AttachmentReference};
use crate::version::SmevVersion;
use crate::xsd::{is_rfc2046_mime_type, trim_xml};

/// `AttachmentHeader`: the id and type of one attachment.
pub(crate) struct Header {
    content_id: String,
    mime_type: String,
}

/// `AttachmentContent`: the id and decoded bytes of one attachment.
pub(crate) struct Content {
    id: String,
    data: Vec<u8>,
}

const HEADER_1_1: [Particle; 3] = [
    one(Ns::Basic, "contentId"),
    one(Ns::Basic, "MimeType"),
    opt(Ns::Basic, "SignaturePKCS7"),
];
const HEADER_1_3: [Particle; 5] = [
    one(Ns::Basic, "contentId"),
    opt(Ns::Basic, "NamespaceUri"),
    one(Ns::Basic, "MimeType"),
    opt(Ns::Basic, "SignaturePKCS7"),
    opt(Ns::Basic, "Archive"),
];
const CONTENT: [Particle; 2] = [one(Ns::Basic, "Id"), one(Ns::Basic, "Content")];

/// Reads `AttachmentHeaderList`.
pub(crate) fn header_list(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    limits: &Limits,
    list: &Element<'_>,
) -> Result<Vec<Header>, DecodeError> {
    let particles = [many(Ns::Basic, "AttachmentHeader")];
    let mut seq = Sequence::new(version, "AttachmentHeaderList", &particles);
    let mut headers = Vec::new();
    while let Some(child) = cursor.next_child(list.local)? {
        seq.accept(&child)?;
        if headers.len() == limits.max_attachments {
            return Err(DecodeError::TooManyAttachments {
                limit: limits.max_attachments,
                found: headers.len() + 1,
            });
        }
        headers.push(header(cursor, version, &child)?);
    }
    seq.finish()?;
    Ok(headers)
}

fn header(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    element: &Element<'_>,
) -> Result<Header, DecodeError> {
    let particles: &[Particle] = match version {
        SmevVersion::V1_3 => &HEADER_1_3,
        SmevVersion::V1_1 | SmevVersion::V1_2 => &HEADER_1_1,
    };
    let mut seq = Sequence::new(version, "AttachmentHeader", particles);
    let (mut content_id, mut mime_type) = (String::new(), String::new());
    while let Some(child) = cursor.next_child(element.local)? {
        match seq.accept(&child)? {
            "contentId" => content_id = cursor.read_text(&child)?,
            "MimeType" => mime_type = self::mime_type(cursor, &child)?,
            _ => {
                cursor.skip(&child)?;
            }
        }
    }
    seq.finish()?;
    Ok(Header {
        content_id,
        mime_type,
    })
}

const REFERENCE_1_1: [Particle; 4] = [
    one(Ns::Basic, "uuid"),
    one(Ns::Basic, "Hash"),
    one(Ns::Basic, "MimeType"),
    opt(Ns::Basic, "SignaturePKCS7"),
];
const REFERENCE_1_3: [Particle; 7] = [
    one(Ns::Basic, "uuid"),
    opt(Ns::Basic, "FileName"),
    opt(Ns::Basic, "NamespaceUri"),
    one(Ns::Basic, "Hash"),
    one(Ns::Basic, "MimeType"),
    opt(Ns::Basic, "SignaturePKCS7"),
    opt(Ns::Basic, "Archive"),
];

/// Reads `RefAttachmentHeaderList`: files named by reference (at most `limits.max_attachments`).
pub(crate) fn reference_list(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    limits: &Limits,
    list: &Element<'_>,
) -> Result<Vec<AttachmentReference>, DecodeError> {
    let particles = [many(Ns::Basic, "RefAttachmentHeader")];
    let mut seq = Sequence::new(version, "RefAttachmentHeaderList", &particles);
    let mut references = Vec::new();
    while let Some(child) = cursor.next_child(list.local)? {
        seq.accept(&child)?;
        if references.len() == limits.max_attachments {
            return Err(DecodeError::TooManyAttachments {
                limit: limits.max_attachments,
                found: references.len() + 1,
            });
        }
        references.push(reference(cursor, version, &child)?);
    }
    seq.finish()?;
    Ok(references)
}

fn reference(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    element: &Element<'_>,
) -> Result<AttachmentReference, DecodeError> {
    let particles: &[Particle] = match version {
        SmevVersion::V1_3 => &REFERENCE_1_3,
        SmevVersion::V1_1 | SmevVersion::V1_2 => &REFERENCE_1_1,
    };
    let mut seq = Sequence::new(version, "RefAttachmentHeader", particles);
    let mut r = AttachmentReference {
        uuid: String::new(),
        file_name: None,
        hash: String::new(),
        mime_type: String::new(),
        signature_pkcs7: None,
    };
    while let Some(child) = cursor.next_child(element.local)? {
        match seq.accept(&child)? {
            "uuid" => r.uuid = trim_xml(&cursor.read_text(&child)?).to_owned(),
            "FileName" => r.file_name = Some(cursor.read_text(&child)?),
            "Hash" => r.hash = trim_xml(&cursor.read_text(&child)?).to_owned(),
            "MimeType" => r.mime_type = mime_type(cursor, &child)?,
            "SignaturePKCS7" => {
                let mut text = cursor.read_text(&child)?;
                text.retain(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'));
                let der = STANDARD.decode(&text).map_err(|e| DecodeError::BadBase64 {
                    id: r.uuid.clone(),
                    reason: e.to_string(),
                })?;
                r.signature_pkcs7 = Some(der);
            }
            _ => {
                cursor.skip(&child)?;
            }
        }
    }
    seq.finish()?;
    Ok(r)
}

/// A `MimeType`: RFC 2046's pattern, as SMEV's schema requires.
fn mime_type(cursor: &mut Cursor<'_>, element: &Element<'_>) -> Result<String, DecodeError> {
    let mime_type = cursor.read_text(element)?;
    if !is_rfc2046_mime_type(&mime_type) {
        return Err(DecodeError::InvalidValue {
            element: "MimeType".into(),
            reason: format!(
                "{mime_type:?} не является типом RFC 2046 (text|image|audio|video|application)/..."
            ),
        });
    }
    Ok(mime_type)
}

/// Reads `AttachmentContentList`, decoding contents while their total stays within the limit
/// and measuring the rest, so that an oversized list reports its real total.
pub(crate) fn content_list(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    limits: &Limits,
    list: &Element<'_>,
) -> Result<Vec<Content>, DecodeError> {
    let particles = [many(Ns::Basic, "AttachmentContent")];
    let mut seq = Sequence::new(version, "AttachmentContentList", &particles);
    let mut contents = Vec::new();
    let mut total: u64 = 0;
    let permitted = u64::try_from(limits.max_attachment_bytes).unwrap_or(u64::MAX);
    while let Some(child) = cursor.next_child(list.local)? {
        seq.accept(&child)?;
        if contents.len() == limits.max_attachments {
            return Err(DecodeError::TooManyAttachments {
                limit: limits.max_attachments,
                found: contents.len() + 1,
            });
        }
        let (id, base64) = content(cursor, version, &child)?;
        let len = decoded_len(&base64).ok_or_else(|| DecodeError::BadBase64 {
            id: id.clone(),
            reason: "длина не кратна четырём символам".into(),
        })?;
        total = total.saturating_add(len);
        let data = if total <= permitted {
            STANDARD
                .decode(&base64)
                .map_err(|e| DecodeError::BadBase64 {
                    id: id.clone(),
                    reason: e.to_string(),
                })?
        } else {
            Vec::new()
        };
        contents.push(Content { id, data });
    }
    seq.finish()?;
    if total > permitted {
        return Err(DecodeError::AttachmentsTooLarge {
            permitted,
            real: total,
        });
    }
    Ok(contents)
}

/// One `AttachmentContent`: its `Id` and its base64 text without whitespace.
fn content(
    cursor: &mut Cursor<'_>,
    version: SmevVersion,
    element: &Element<'_>,
) -> Result<(String, String), DecodeError> {
    let mut seq = Sequence::new(version, "AttachmentContent", &CONTENT);
    let (mut id, mut base64) = (String::new(), String::new());
    while let Some(child) = cursor.next_child(element.local)? {
        match seq.accept(&child)? {
            "Id" => id = trim_xml(&cursor.read_text(&child)?).to_owned(),
            _ => {
                base64 = cursor.read_text(&child)?;
                base64.retain(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'));
            }
        }
    }
    seq.finish()?;
    Ok((id, base64))
}

/// The decoded length of canonical (padded) base64 text, or `None` if the length is not a
/// multiple of four.
fn decoded_len(base64: &str) -> Option<u64> {
    let b = base64.as_bytes();
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let padding = b.iter().rev().take(2).take_while(|&&c| c == b'=').count();
    u64::try_from(b.len() / 4 * 3 - padding).ok()
}

/// Matches every header with the content of the same id (order may differ); any difference
/// in count, a duplicate or an unmatched id is a miscoordination.
pub(crate) fn pair(
    headers: Vec<Header>,
    contents: Vec<Content>,
) -> Result<Vec<Attachment>, DecodeError> {
    if headers.len() != contents.len() {
        return Err(DecodeError::AttachmentMismatch(format!(
            "заголовков {}, а содержимых {}",
            headers.len(),
            contents.len()
        )));
    }
    let mut by_id: HashMap<String, Vec<u8>> = HashMap::with_capacity(contents.len());
    for c in contents {
        if by_id.contains_key(&c.id) {
            return Err(DecodeError::AttachmentMismatch(format!(
                "повторяется Id содержимого {:?}",
                c.id
            )));
        }
        by_id.insert(c.id, c.data);
    }
    let mut attachments = Vec::with_capacity(headers.len());
    for h in headers {
        let data = by_id.remove(&h.content_id).ok_or_else(|| {
            DecodeError::AttachmentMismatch(format!(
                "нет содержимого для contentId {:?} (или он повторяется)",
                h.content_id
            ))
        })?;
        attachments.push(Attachment {
            content_id: h.content_id,
            mime_type: h.mime_type,
            data,
        });
    }
    Ok(attachments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(id: &str) -> Header {
        Header {
            content_id: id.into(),
            mime_type: "text/plain".into(),
        }
    }

    fn c(id: &str, data: &[u8]) -> Content {
        Content {
            id: id.into(),
            data: data.to_vec(),
        }
    }

    #[test]
    fn decoded_length_counts_padding() {
        assert_eq!(decoded_len(""), Some(0));
        assert_eq!(decoded_len("YQ=="), Some(1));
        assert_eq!(decoded_len("YWI="), Some(2));
        assert_eq!(decoded_len("YWJj"), Some(3));
        assert_eq!(decoded_len("YWJ"), None);
    }

    #[test]
    fn pairs_in_header_order_whatever_the_content_order() {
        let got = pair(vec![h("a"), h("b")], vec![c("b", b"2"), c("a", b"1")]).unwrap();
        assert_eq!(
            got.iter()
                .map(|a| (a.content_id.as_str(), a.data.as_slice()))
                .collect::<Vec<_>>(),
            [("a", b"1".as_slice()), ("b", b"2".as_slice())]
        );
    }

    #[test]
    fn mismatches_are_miscoordination() {
        for (headers, contents) in [
            (vec![h("a")], vec![]),
            (vec![], vec![c("a", b"")]),
            (vec![h("a")], vec![c("b", b"")]),
            (vec![h("a"), h("a")], vec![c("a", b""), c("b", b"")]),
            (vec![h("a"), h("b")], vec![c("a", b""), c("a", b"")]),
        ] {
            assert!(matches!(
                pair(headers, contents),
                Err(DecodeError::AttachmentMismatch(_))
            ));
        }
    }
}
