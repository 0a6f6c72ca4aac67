//! How queued envelopes and answers are kept in the store's opaque byte columns.
//!
//! A request waiting for its chain is kept as a small length-prefixed binary record (format, payload,
//! inherited namespaces, attachments, test flag, attachment references), written once and read once. An
//! answer is kept as the reply's payload bytes (kind `reply`), or, when the plugin attached files, as a
//! record of the payload and the files ([`QueuedReply`]); a rejection or status as a JSON object.

use gateway_host::{
    Attachment, AttachmentReference, Outcome, PayloadFormat, RejectCode, Rejection, Status,
};
use gateway_store::ResponseKind;

use crate::convert::reject_code_name;
use serde::{Deserialize, Serialize};

/// A request's payload as queued.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedEnvelope {
    pub format: PayloadFormat,
    pub payload: Vec<u8>,
    pub namespaces: Vec<(String, String)>,
    pub attachments: Vec<Attachment>,
    pub test_message: bool,
    /// `RefAttachmentHeaderList`: files named, not carried.
    pub references: Vec<AttachmentReference>,
}

/// The record's format: version 2 appends the references; version 1 (a request queued by an older node) has
/// none.
const MAGIC: &[u8; 4] = b"GQE2";
const MAGIC_V1: &[u8; 4] = b"GQE1";

fn put(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

fn put_opt(out: &mut Vec<u8>, b: Option<&[u8]>) {
    out.push(u8::from(b.is_some()));
    put(out, b.unwrap_or_default());
}

fn put_attachments(out: &mut Vec<u8>, attachments: &[Attachment]) {
    out.extend_from_slice(&(attachments.len() as u32).to_le_bytes());
    for a in attachments {
        put(out, a.content_id.as_bytes());
        put(out, a.mime_type.as_bytes());
        put(out, &a.data);
    }
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_le_bytes(self.0.get(..4)?.try_into().ok()?) as usize;
        let rest = self.0.get(4..)?;
        let (b, rest) = (rest.get(..len)?, rest.get(len..)?);
        self.0 = rest;
        Some(b)
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.take()?.to_vec()).ok()
    }
    fn count(&mut self) -> Option<usize> {
        let n = u32::from_le_bytes(self.0.get(..4)?.try_into().ok()?) as usize;
        self.0 = self.0.get(4..)?;
        Some(n)
    }
    fn flag(&mut self) -> Option<bool> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b == 1)
    }
    fn opt(&mut self) -> Option<Option<&'a [u8]>> {
        let present = self.flag()?;
        let b = self.take()?;
        Some(present.then_some(b))
    }
    fn attachments(&mut self) -> Option<Vec<Attachment>> {
        let n = self.count()?;
        let mut attachments = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            attachments.push(Attachment {
                content_id: self.string()?,
                mime_type: self.string()?,
                data: self.take()?.to_vec(),
            });
        }
        Some(attachments)
    }
    fn references(&mut self) -> Option<Vec<AttachmentReference>> {
        let n = self.count()?;
        let mut references = Vec::with_capacity(n.min(64));
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).ok();
        for _ in 0..n {
            references.push(AttachmentReference {
                uuid: self.string()?,
                file_name: match self.opt()? {
                    Some(b) => Some(text(b)?),
                    None => None,
                },
                hash: self.string()?,
                mime_type: self.string()?,
                signature_pkcs7: self.opt()?.map(<[u8]>::to_vec),
            });
        }
        Some(references)
    }
}

impl QueuedEnvelope {
    /// The record's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.payload.len() + 64);
        // Without references the record is written as version 1, which a node of the previous release still
        // reads (a rolling upgrade may hand it the request).
        let version_2 = !self.references.is_empty();
        out.extend_from_slice(if version_2 { MAGIC } else { MAGIC_V1 });
        out.push(match self.format {
            PayloadFormat::Xml => b'x',
            PayloadFormat::Json => b'j',
        });
        out.push(u8::from(self.test_message));
        put(&mut out, &self.payload);
        out.extend_from_slice(&(self.namespaces.len() as u32).to_le_bytes());
        for (p, u) in &self.namespaces {
            put(&mut out, p.as_bytes());
            put(&mut out, u.as_bytes());
        }
        put_attachments(&mut out, &self.attachments);
        if !version_2 {
            return out;
        }
        out.extend_from_slice(&(self.references.len() as u32).to_le_bytes());
        for r in &self.references {
            put(&mut out, r.uuid.as_bytes());
            put_opt(&mut out, r.file_name.as_deref().map(str::as_bytes));
            put(&mut out, r.hash.as_bytes());
            put(&mut out, r.mime_type.as_bytes());
            put_opt(&mut out, r.signature_pkcs7.as_deref());
        }
        out
    }

    /// Reads a record written by [`encode`](Self::encode).
    pub fn decode(b: &[u8]) -> Option<QueuedEnvelope> {
        let version_2 = match b.get(..4)? {
            m if m == MAGIC => true,
            m if m == MAGIC_V1 => false,
            _ => return None,
        };
        let format = match b.get(4)? {
            b'x' => PayloadFormat::Xml,
            b'j' => PayloadFormat::Json,
            _ => return None,
        };
        let test_message = *b.get(5)? == 1;
        let mut c = Cursor(b.get(6..)?);
        let payload = c.take()?.to_vec();
        let n = c.count()?;
        let mut namespaces = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            namespaces.push((c.string()?, c.string()?));
        }
        let attachments = c.attachments()?;
        let references = if version_2 {
            c.references()?
        } else {
            Vec::new()
        };
        Some(QueuedEnvelope {
            format,
            payload,
            namespaces,
            attachments,
            test_message,
            references,
        })
    }
}

/// A reply with files attached, as stored: NUL, `GQR1`, the payload, the files. A reply without files is stored
/// as its payload bytes alone; a payload never starts with NUL (the host hands on UTF-8 XML or JSON text), so
/// the two cannot be taken for each other. (A node of the previous release would hand such a record on as it
/// is: upgrade every node before a plugin attaches files.)
const REPLY_MAGIC: &[u8; 5] = b"\0GQR1";

/// The stored body of a reply: its payload, with its files when it has any.
pub fn reply_body(payload: &[u8], attachments: &[Attachment]) -> Vec<u8> {
    if attachments.is_empty() {
        return payload.to_vec();
    }
    let size: usize = attachments.iter().map(|a| a.data.len() + 64).sum();
    let mut out = Vec::with_capacity(payload.len() + size + 8);
    out.extend_from_slice(REPLY_MAGIC);
    put(&mut out, payload);
    put_attachments(&mut out, attachments);
    out
}

/// A stored reply's payload and files; `None` for a damaged record.
pub fn read_reply(body: &[u8]) -> Option<(&[u8], Vec<Attachment>)> {
    let Some(record) = body.strip_prefix(REPLY_MAGIC) else {
        return Some((body, Vec::new()));
    };
    let mut c = Cursor(record);
    let payload = c.take()?;
    let attachments = c.attachments()?;
    c.0.is_empty().then_some((payload, attachments))
}

/// A stored rejection or status.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StoredNotice {
    /// `ACCESS_DENIED`, `NO_DATA`, `UNKNOWN_REQUEST_DESCRIPTION`, `FAILURE` (rejections).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_code: Option<String>,
    /// Status code (statuses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<(String, String)>,
}

/// The store's `kind` and body for an outcome (reply, rejected or status).
pub fn outcome_body(o: &Outcome) -> (ResponseKind, Vec<u8>) {
    match o {
        Outcome::Reply(r) => (ResponseKind::Reply, reply_body(&r.payload, &r.attachments)),
        Outcome::Rejected(r) => (ResponseKind::Rejected, notice_json(&rejection_notice(r))),
        Outcome::Status(s) => (ResponseKind::Status, notice_json(&status_notice(s))),
        Outcome::Proceed(_) | Outcome::Deny(_) => (
            ResponseKind::Rejected,
            notice_json(&rejection_notice(&Rejection {
                code: RejectCode::Failure,
                description: "no answer".into(),
            })),
        ),
    }
}

fn notice_json(n: &StoredNotice) -> Vec<u8> {
    serde_json::to_vec(n).unwrap_or_default()
}

fn rejection_notice(r: &Rejection) -> StoredNotice {
    StoredNotice {
        reject_code: Some(reject_code_name(r.code).into()),
        status_code: None,
        description: r.description.clone(),
        retry_after_ms: None,
        parameters: Vec::new(),
    }
}

fn status_notice(s: &Status) -> StoredNotice {
    StoredNotice {
        reject_code: None,
        status_code: Some(s.code),
        description: s.description.clone(),
        retry_after_ms: s.retry_after.map(|d| d.as_millis() as u64),
        parameters: s.parameters.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trip() {
        let e = QueuedEnvelope {
            format: PayloadFormat::Xml,
            payload: b"<a xmlns='urn:x'/>".to_vec(),
            namespaces: vec![
                ("p".into(), "urn:p".into()),
                (String::new(), "urn:d".into()),
            ],
            attachments: vec![Attachment {
                content_id: "c1".into(),
                mime_type: "application/pdf".into(),
                data: vec![0, 1, 2],
            }],
            test_message: true,
            references: vec![
                AttachmentReference {
                    uuid: "u-1".into(),
                    file_name: Some("скан.pdf".into()),
                    hash: "h".into(),
                    mime_type: "application/pdf".into(),
                    signature_pkcs7: Some(vec![0x30, 0x80]),
                },
                AttachmentReference {
                    uuid: "u-2".into(),
                    file_name: None,
                    hash: "h2".into(),
                    mime_type: "image/png".into(),
                    signature_pkcs7: None,
                },
            ],
        };
        assert_eq!(QueuedEnvelope::decode(&e.encode()), Some(e.clone()));
        let bytes = e.encode();
        for cut in 0..bytes.len() {
            assert_eq!(
                QueuedEnvelope::decode(&bytes[..cut]),
                None,
                "truncated at {cut}"
            );
        }
        // Without references the record is version 1, as the previous release wrote and reads it.
        let no_references = QueuedEnvelope {
            references: Vec::new(),
            ..e
        };
        let v1 = no_references.encode();
        assert_eq!(&v1[..4], MAGIC_V1);
        assert_eq!(QueuedEnvelope::decode(&v1), Some(no_references));
    }

    #[test]
    fn replies_keep_their_files() {
        let files = vec![Attachment {
            content_id: "text".into(),
            mime_type: "text/plain".into(),
            data: "скан".as_bytes().to_vec(),
        }];
        let body = reply_body(b"<r/>", &files);
        assert_eq!(read_reply(&body), Some((b"<r/>".as_slice(), files)));
        assert_eq!(reply_body(b"{}", &[]), b"{}");
        assert_eq!(read_reply(b"{}"), Some((b"{}".as_slice(), Vec::new())));
        assert_eq!(read_reply(&body[..body.len() - 1]), None);
    }
}
