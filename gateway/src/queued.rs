//! How queued envelopes and answers are kept in the store's opaque byte columns.
//!
//! A request waiting for its chain is kept as a small length-prefixed binary record (format, payload,
//! inherited namespaces, attachments, test flag), written once and read once. An answer is kept as the reply's
//! payload bytes (kind `reply`) or a JSON object for a rejection or status.

use gateway_host::{Attachment, Outcome, PayloadFormat, RejectCode, Rejection, Status};
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
}

const MAGIC: &[u8; 4] = b"GQE1";

fn put(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
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
}

impl QueuedEnvelope {
    /// The record's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.payload.len() + 64);
        out.extend_from_slice(MAGIC);
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
        out.extend_from_slice(&(self.attachments.len() as u32).to_le_bytes());
        for a in &self.attachments {
            put(&mut out, a.content_id.as_bytes());
            put(&mut out, a.mime_type.as_bytes());
            put(&mut out, &a.data);
        }
        out
    }

    /// Reads a record written by [`encode`](Self::encode).
    pub fn decode(b: &[u8]) -> Option<QueuedEnvelope> {
        if b.get(..4)? != MAGIC {
            return None;
        }
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
        let n = c.count()?;
        let mut attachments = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            attachments.push(Attachment {
                content_id: c.string()?,
                mime_type: c.string()?,
                data: c.take()?.to_vec(),
            });
        }
        Some(QueuedEnvelope {
            format,
            payload,
            namespaces,
            attachments,
            test_message,
        })
    }
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
        Outcome::Reply(r) => (ResponseKind::Reply, r.payload.clone()),
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
    }
}
