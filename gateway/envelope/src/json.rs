//! The JSON envelopes of `/api/v1/*`: the synchronous call and the JSON twins of the SMEV queue, and
//! `application/problem+json` (RFC 9457) faults whose `title` is the SMEV fault name.
//!
//! A message type is written in Clark notation, `{namespace}LocalName`, the payload's root element. Field names
//! are camelCase; unknown fields are refused.

use serde::{Deserialize, Serialize};

use crate::fault::Fault;

/// `POST /api/v1/messages`: a synchronous call.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageCall {
    /// The caller's id for this message (a UUID); the gateway makes one when absent.
    #[serde(default)]
    pub message_id: Option<String>,
    /// The payload's type, `{namespace}LocalName`.
    #[serde(rename = "type")]
    pub message_type: String,
    /// The sender's mnemonic; if present it must be the authenticated sender.
    #[serde(default)]
    pub sender: Option<String>,
    /// The payload object.
    pub payload: serde_json::Value,
    /// A test message: the plugin must change no data and no facts are recorded.
    #[serde(default)]
    pub test_message: bool,
}

/// `200` answer of `POST /api/v1/messages`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageAnswer {
    /// The answer's own id.
    pub message_id: String,
    /// The id of the call it answers.
    pub original_message_id: String,
    /// The answer's type, `{namespace}LocalName`.
    #[serde(rename = "type")]
    pub message_type: String,
    /// The answer's payload, exactly as the plugin wrote it (field order kept, not parsed into a tree).
    pub payload: Box<serde_json::value::RawValue>,
    /// Files the plugin attached to the answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentBody>,
}

/// A file attached to an answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentBody {
    /// Its id, unique within the answer.
    pub content_id: String,
    /// Its MIME type.
    pub mime_type: String,
    /// Its bytes, base64 (standard alphabet, padded).
    pub data: String,
}

/// `POST /api/v1/send`: queue a message (the twin of SendRequest).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendCall {
    /// The caller's id for this message (a UUID); the gateway makes one when absent.
    #[serde(default)]
    pub message_id: Option<String>,
    /// The payload's type.
    #[serde(rename = "type")]
    pub message_type: String,
    /// If present, must be the authenticated sender.
    #[serde(default)]
    pub sender: Option<String>,
    /// The root of the chain this message belongs to.
    #[serde(default)]
    pub reference_message_id: Option<String>,
    pub payload: serde_json::Value,
    #[serde(default)]
    pub test_message: bool,
}

/// `202` answer of `POST /api/v1/send`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Accepted {
    pub message_id: String,
    /// Always `accepted`.
    pub status: String,
    /// When the gateway accepted it (RFC 3339).
    pub received_at: String,
}

/// `POST /api/v1/get`: the next answer in the sender's queue (the twin of GetResponse).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetCall {
    /// Only answers of this type (`{namespace}LocalName`); absent means any.
    #[serde(default, rename = "type")]
    pub message_type: Option<String>,
}

/// Answer of `POST /api/v1/get`: `{"message": null}` when the queue is empty.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAnswer {
    pub message: Option<QueuedAnswer>,
}

/// One answer from the queue.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedAnswer {
    /// The answer's id: acknowledge it with `/api/v1/ack`.
    pub message_id: String,
    /// The request it answers.
    pub original_message_id: String,
    #[serde(rename = "type")]
    pub message_type: String,
    /// `reply`, `rejected` or `status`.
    pub kind: String,
    /// A reply's payload (JSON requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
    /// A reply's payload as XML text (requests sent as SOAP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_xml: Option<String>,
    /// Files attached to a reply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection: Option<RejectionBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusBody>,
    /// How many times this answer has been handed out (more than 1: a redelivery).
    pub deliveries: u32,
    /// RFC 3339.
    pub created_at: String,
}

/// A rejection (`RequestRejected`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RejectionBody {
    /// `ACCESS_DENIED`, `NO_DATA`, `UNKNOWN_REQUEST_DESCRIPTION`, `FAILURE`.
    pub code: String,
    pub description: String,
}

/// A status (`RequestStatus`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody {
    pub code: i32,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<(String, String)>,
}

/// `POST /api/v1/ack`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AckCall {
    /// The answer's id.
    pub message_id: String,
}

/// `POST /api/v1/find`: the sender's own journal.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FindCall {
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default, rename = "type")]
    pub message_type: Option<String>,
    /// From this instant (RFC 3339), inclusive.
    #[serde(default)]
    pub from: Option<String>,
    /// Up to this instant (RFC 3339), exclusive.
    #[serde(default)]
    pub to: Option<String>,
    /// At most this many entries (default 100, at most 1000), newest first.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Answer of `POST /api/v1/find`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FindAnswer {
    pub entries: Vec<JournalRecord>,
}

/// A journal entry: metadata only, never content.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalRecord {
    /// RFC 3339.
    pub at: String,
    pub message_id: String,
    /// `in` or `out`.
    pub direction: String,
    #[serde(rename = "type")]
    pub message_type: String,
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_sha256: Option<String>,
}

/// `application/problem+json` (RFC 9457).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `urn:smev-gateway:fault:<FaultName>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The SMEV fault name, e.g. `InvalidContent`, or `RequestRejected` for a plugin's refusal.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// A human-readable explanation.
    pub detail: String,
    /// Validator messages, for `InvalidContent`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// The reject code of a `RequestRejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The call's message id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// The `type` URI of a problem named `title`.
pub fn problem_type(title: &str) -> String {
    format!("urn:smev-gateway:fault:{title}")
}

impl Problem {
    /// The problem for an SMEV fault.
    pub fn from_fault(f: &Fault, status: u16) -> Problem {
        Problem {
            problem_type: problem_type(f.kind.name()),
            title: f.kind.name().to_owned(),
            status,
            detail: f.message.clone(),
            errors: f.validation_errors().to_vec(),
            code: None,
            message_id: None,
        }
    }
}
