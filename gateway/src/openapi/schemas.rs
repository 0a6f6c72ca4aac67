//! The document's own schemas: the envelopes of the calls (one branch per routed type), the answers, the
//! queue's and the journal's records, and the problem object.

use serde_json::{Value, json};

use super::{Names, Surface, UUID_PATTERN, component_ref};

/// The envelopes of `/messages` and `/send` (one branch per routed type) and the synchronous answer.
pub(super) fn envelopes(surface: &Surface<'_>, names: &Names) -> Vec<(&'static str, Value)> {
    let payload = |message_type: &str| match names.by_type.get(message_type) {
        Some(name)
            if surface
                .requests
                .get(message_type)
                .is_some_and(Option::is_some) =>
        {
            component_ref(name)
        }
        _ => {
            json!({"type": "object", "description": "Not checked against a JSON Schema (`schema_check = false`)."})
        }
    };
    let envelope = |message_type: &str, queued: bool| {
        let mut properties = json!({
            "messageId": {
                "type": ["string", "null"],
                "pattern": UUID_PATTERN,
                "description": "The caller's id for this message (a UUID, lower case); the gateway makes one when absent."
            },
            "type": {"const": message_type},
            "sender": {
                "type": ["string", "null"],
                "description": "The sender's mnemonic; when present it must be the authenticated sender (else 403)."
            },
            "payload": payload(message_type),
            "testMessage": {
                "type": "boolean",
                "default": false,
                "description": "A test message: the plugins change no data and no facts are recorded."
            }
        });
        if queued {
            properties["referenceMessageId"] = json!({
                "type": ["string", "null"],
                "pattern": UUID_PATTERN,
                "description": "The root of the chain of messages this one belongs to."
            });
        }
        json!({
            "title": message_type,
            "type": "object",
            "additionalProperties": false,
            "required": ["type", "payload"],
            "properties": properties
        })
    };
    let call = |queued: bool, description: &str| {
        let branches: Vec<Value> = surface
            .requests
            .keys()
            .map(|t| envelope(t, queued))
            .collect();
        if branches.is_empty() {
            // No route: every call is refused (400), whatever its type.
            json!({"description": description, "type": "object", "required": ["type", "payload"], "properties": {
                "type": {"type": "string"}, "payload": {"type": "object"}}})
        } else {
            json!({"description": description, "oneOf": branches})
        }
    };
    let mut answer = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["messageId", "originalMessageId", "type", "payload"],
        "properties": {
            "messageId": {"type": "string", "pattern": UUID_PATTERN, "description": "The answer's own id."},
            "originalMessageId": {"type": "string", "description": "The id of the call it answers."},
            "type": {"type": "string", "description": "The answer's type, `{namespace}LocalName`."},
            "payload": {"description": "The answer's payload, exactly as the plugin wrote it."},
            "attachments": {"type": "array", "items": component_ref("Attachment"),
                "description": "Files the plugin attached to the answer."}
        }
    });
    if !surface.answers.is_empty() {
        let known: Vec<&str> = surface.answers.keys().copied().collect();
        let mut branches: Vec<Value> = surface
            .answers
            .keys()
            .filter_map(|t| names.by_type.get(*t).map(|name| (t, name)))
            .map(|(t, name)| json!({"properties": {"type": {"const": t}, "payload": component_ref(name)}}))
            .collect();
        branches.push(json!({"properties": {"type": {"not": {"enum": known}}}}));
        answer["oneOf"] = Value::Array(branches);
    }
    vec![
        (
            "MessageCall",
            call(
                false,
                "A synchronous call: one envelope per routed message type, its `payload` checked against the type's schema.",
            ),
        ),
        (
            "SendCall",
            call(
                true,
                "A message to queue (the twin of SendRequest); the answer is fetched with `/api/v1/get`.",
            ),
        ),
        ("MessageAnswer", answer),
    ]
}

/// The schemas every gateway's document has.
pub(super) fn common(surface: &Surface<'_>) -> Vec<(&'static str, Value)> {
    let nullable_string =
        |description: &str| json!({"type": ["string", "null"], "description": description});
    vec![
        (
            "Attachment",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["contentId", "mimeType", "data"],
                "properties": {
                    "contentId": {"type": "string", "description": "Its id, unique within the answer."},
                    "mimeType": {"type": "string"},
                    "data": {"type": "string", "contentEncoding": "base64", "description": "Its bytes, base64 (standard alphabet, padded)."}
                }
            }),
        ),
        (
            "Status",
            json!({
                "type": "object",
                "description": "A plugin's `RequestStatus`.",
                "additionalProperties": false,
                "required": ["code", "description"],
                "properties": {
                    "code": {"type": "integer", "format": "int32"},
                    "description": {"type": "string"},
                    "retryAfterSeconds": {"type": "integer", "minimum": 0, "description": "When to ask again."},
                    "parameters": {
                        "type": "array",
                        "description": "Name and value pairs.",
                        "items": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}], "items": false, "minItems": 2}
                    }
                }
            }),
        ),
        (
            "StatusAnswer",
            json!({
                "type": "object",
                "description": "A plugin's status that is not an error and not worth asking again soon.",
                "additionalProperties": false,
                "required": ["originalMessageId", "status"],
                "properties": {
                    "originalMessageId": {"type": "string"},
                    "status": component_ref("Status")
                }
            }),
        ),
        (
            "Accepted",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["messageId", "status", "receivedAt"],
                "properties": {
                    "messageId": {"type": "string"},
                    "status": {"const": "accepted"},
                    "receivedAt": {"type": "string", "format": "date-time"}
                }
            }),
        ),
        (
            "GetCall",
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "type": {
                        "description": "Only answers of this type: an answer type, or the request type they answer \
                            (SMEV's MessageTypeSelector). Absent or null: any. Another type is `UnknownMessageType` (400).",
                        "anyOf": [{"type": "null"}, {"enum": surface.selectable.iter().collect::<Vec<_>>()}]
                    }
                }
            }),
        ),
        (
            "GetAnswer",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["message"],
                "properties": {
                    "message": {"description": "The next answer, or null when the queue is empty.",
                        "anyOf": [{"type": "null"}, component_ref("QueuedAnswer")]}
                }
            }),
        ),
        (
            "QueuedAnswer",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["messageId", "originalMessageId", "type", "kind", "deliveries", "createdAt"],
                "properties": {
                    "messageId": {"type": "string", "description": "The answer's id: acknowledge it with `/api/v1/ack`."},
                    "originalMessageId": {"type": "string", "description": "The request it answers."},
                    "type": {"type": "string"},
                    "kind": {"enum": ["reply", "rejected", "status"]},
                    "payload": {"description": "A reply's payload (requests sent as JSON)."},
                    "payloadXml": {"type": "string", "description": "A reply's payload as XML text (requests sent as SOAP)."},
                    "attachments": {"type": "array", "items": component_ref("Attachment")},
                    "rejection": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["code", "description"],
                        "properties": {
                            "code": {"enum": ["ACCESS_DENIED", "NO_DATA", "UNKNOWN_REQUEST_DESCRIPTION", "FAILURE"]},
                            "description": {"type": "string"}
                        }
                    },
                    "status": component_ref("Status"),
                    "deliveries": {"type": "integer", "minimum": 1, "description": "More than 1: a redelivery."},
                    "createdAt": {"type": "string", "format": "date-time"}
                }
            }),
        ),
        (
            "AckCall",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["messageId"],
                "properties": {"messageId": {"type": "string", "description": "The answer's id."}}
            }),
        ),
        (
            "FindCall",
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "messageId": nullable_string("Entries of this message."),
                    "type": nullable_string("Entries of this message type."),
                    "from": {"type": ["string", "null"], "format": "date-time", "description": "From this instant (RFC 3339), inclusive."},
                    "to": {"type": ["string", "null"], "format": "date-time", "description": "Up to this instant (RFC 3339), exclusive."},
                    "limit": {"type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX,
                        "description": "At most this many entries, newest first (default 100; more than 1000 is 1000)."}
                }
            }),
        ),
        (
            "FindAnswer",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["entries"],
                "properties": {"entries": {"type": "array", "items": component_ref("JournalRecord")}}
            }),
        ),
        (
            "JournalRecord",
            json!({
                "type": "object",
                "description": "A journal entry: metadata only, never content.",
                "additionalProperties": false,
                "required": ["at", "messageId", "direction", "type", "outcome"],
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "messageId": {"type": "string"},
                    "direction": {"enum": ["in", "out"]},
                    "type": {"type": "string"},
                    "outcome": {"type": "string"},
                    "detail": {"type": "string"},
                    "payloadSha256": {"type": "string"}
                }
            }),
        ),
        (
            "Problem",
            json!({
                "type": "object",
                "description": "RFC 9457 problem details. `title` is the SMEV fault name (`InvalidContent`, \
                    `AccessDenied`, ...), or `RequestRejected` / `RequestStatus` for a plugin's answer.",
                "required": ["type", "title", "status", "detail"],
                "properties": {
                    "type": {"type": "string", "description": "`urn:smev-gateway:fault:<title>`, or `about:blank`."},
                    "title": {"type": "string"},
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "detail": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "string"}, "description": "Validator messages, for `InvalidContent`."},
                    "code": {"type": "string", "description": "The reject code of a `RequestRejected`, the status code of a `RequestStatus`."},
                    "messageId": {"type": "string", "description": "The call's message id, when known."}
                }
            }),
        ),
    ]
}
