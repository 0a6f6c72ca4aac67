//! The operations of the document, their responses, and the links between them.

use serde_json::{Map, Value, json};

use super::component_ref;

/// The error responses, by name.
pub(super) fn responses() -> Value {
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {"application/problem+json": {"schema": component_ref("Problem")}}
        })
    };
    let mut unavailable = problem(
        "Try again later: a registry or the store is unavailable, or a plugin answered a status worth asking \
         again (`RequestStatus`, `SMEVFailure`, `DestinationOverflow`).",
    );
    unavailable["headers"] = json!({
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 1}
        }
    });
    json!({
        "BadRequest": problem("The body or a parameter is wrong (`InvalidContent`, `BusinessDataTypeIsNotSupported`, \
            `InvalidMessageIdFormat`, `UnknownMessageType`, ...), or a plugin refused it (`RequestRejected`, \
            `UNKNOWN_REQUEST_DESCRIPTION`)."),
        "Unauthorized": problem("No credentials, or none of a registered sender (`SenderIsNotRegistered`)."),
        "Forbidden": problem("The sender may not do this (`AccessDenied`, or a plugin's `ACCESS_DENIED`)."),
        "NotFound": problem("Nothing found (a plugin's `NO_DATA`, `TargetMessageIsNotFound`)."),
        "Conflict": problem("This sender already sent a message with this messageId (`MessageIsAlreadySent`)."),
        "TooLarge": problem("The body is larger than `[limits] max_body`."),
        "InternalError": problem("The gateway's own failure, which a retry will not mend."),
        "BadGateway": problem("A plugin failed to answer (`RequestRejected`, `FAILURE`)."),
        "Unavailable": unavailable
    })
}

fn response_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// A JSON body `schema`.
fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

/// A POST operation with a required JSON body and `responses`, with the named error responses added.
fn post(
    tag: &str,
    operation_id: &str,
    summary: &str,
    body: &str,
    mut responses: Map<String, Value>,
    errors: &[(&str, &str)],
) -> Value {
    for (status, name) in errors {
        responses.insert((*status).into(), response_ref(name));
    }
    json!({
        "post": {
            "tags": [tag],
            "operationId": operation_id,
            "summary": summary,
            "requestBody": {"required": true, "content": json_content(component_ref(body))},
            "responses": responses
        }
    })
}

/// A link to the journal entries of the message whose id is at `pointer` of a response body.
fn find_link(pointer: &str) -> Value {
    json!({"find": {
        "operationId": "findJournal",
        "description": "The journal entries of this message.",
        "requestBody": {"messageId": format!("$response.body#{pointer}")}
    }})
}

fn ok(description: &str, schema: Value) -> (String, Value) {
    (
        "200".into(),
        json!({"description": description, "content": json_content(schema)}),
    )
}

const AUTH_ERRORS: [(&str, &str); 2] = [("401", "Unauthorized"), ("413", "TooLarge")];
const SERVER_ERRORS: [(&str, &str); 2] = [("500", "InternalError"), ("503", "Unavailable")];

fn errors<'a>(specific: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("400", "BadRequest")];
    all.extend(AUTH_ERRORS);
    all.extend(specific);
    all.extend(SERVER_ERRORS);
    all
}

/// `POST /api/v1/messages`.
pub(super) fn messages() -> Value {
    let mut r = Map::from_iter([ok("The plugin's answer.", component_ref("MessageAnswer"))]);
    r["200"]["links"] = find_link("/originalMessageId");
    r.insert(
        "202".into(),
        json!({"description": "A plugin's status, not an error and not worth asking again soon.",
            "content": json_content(component_ref("StatusAnswer"))}),
    );
    post(
        "messages",
        "callMessage",
        "Runs the chain of the message's type now; its answer is the response",
        "MessageCall",
        r,
        &errors(&[
            ("403", "Forbidden"),
            ("404", "NotFound"),
            ("502", "BadGateway"),
        ]),
    )
}

/// `POST /api/v1/send`.
pub(super) fn send() -> Value {
    let r = Map::from_iter([(
        "202".into(),
        json!({"description": "Accepted and queued; the chain runs after this answer.",
            "content": json_content(component_ref("Accepted")), "links": find_link("/messageId")}),
    )]);
    post(
        "queue",
        "sendMessage",
        "Queues a message (the twin of SendRequest)",
        "SendCall",
        r,
        &errors(&[("403", "Forbidden"), ("409", "Conflict")]),
    )
}

/// `POST /api/v1/get`.
pub(super) fn get() -> Value {
    let mut r = Map::from_iter([ok(
        "The next answer, or `{\"message\": null}`.",
        component_ref("GetAnswer"),
    )]);
    r["200"]["links"] = json!({"ack": {
        "operationId": "ackAnswer",
        "description": "Confirms this answer.",
        "requestBody": {"messageId": "$response.body#/message/messageId"}
    }});
    post(
        "queue",
        "getAnswer",
        "The next answer in the sender's queue (the twin of GetResponse); acknowledge it with /api/v1/ack",
        "GetCall",
        r,
        &errors(&[]),
    )
}

/// `POST /api/v1/ack`.
pub(super) fn ack() -> Value {
    post(
        "queue",
        "ackAnswer",
        "Confirms an answer was received (the twin of Ack)",
        "AckCall",
        Map::from_iter([ok(
            "Acknowledged (also when it was before).",
            json!({"type": "object", "additionalProperties": false, "required": ["acknowledged"],
                "properties": {"acknowledged": {"const": true}}}),
        )]),
        &errors(&[("404", "NotFound")]),
    )
}

/// `POST /api/v1/find`.
pub(super) fn find() -> Value {
    post(
        "queue",
        "findJournal",
        "The sender's own journal: metadata of its messages",
        "FindCall",
        Map::from_iter([ok("Entries, newest first.", component_ref("FindAnswer"))]),
        &errors(&[]),
    )
}

/// `GET /api/v1/reports`.
pub(super) fn reports() -> Value {
    let day = |description: &str| {
        json!({"in": "query", "name": description.split(':').next().unwrap_or(description), "required": false,
            "description": description, "schema": {"type": "string", "format": "date"}})
    };
    let mut responses = Map::from_iter([ok(
        "Report runs, newest first.",
        json!({"type": "object", "additionalProperties": false, "required": ["reports"],
            "properties": {"reports": {"type": "array", "items": report_record()}}}),
    )]);
    for (status, name) in [
        ("400", "BadRequest"),
        ("401", "Unauthorized"),
        ("403", "Forbidden"),
        ("500", "InternalError"),
        ("503", "Unavailable"),
    ] {
        responses.insert(status.into(), response_ref(name));
    }
    json!({
        "get": {
            "tags": ["operators"],
            "operationId": "listReports",
            "summary": "The report history, for the senders listed in `[reports] operators`",
            "parameters": [
                day("from: reports whose period ends on this day (YYYY-MM-DD) or later"),
                day("to: reports whose period starts on this day (YYYY-MM-DD) or earlier"),
                {"in": "query", "name": "org", "required": false, "description": "One organisation (ОГРН or ОГРНИП, check number checked).",
                    "schema": {"type": "string", "pattern": "^([0-9]{13}|[0-9]{15})$"}},
                {"in": "query", "name": "status", "required": false, "schema": {"enum": ["pending", "failed", "sent"]}},
                {"in": "query", "name": "limit", "required": false, "description": "At most this many (default 100).",
                    "schema": {"type": "integer", "minimum": 1, "maximum": gateway_store::MAX_REPORT_ROWS}}
            ],
            "responses": responses
        }
    })
}

fn report_record() -> Value {
    let opt = |t: &str| json!({"type": [t, "null"]});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "kind", "organisation", "periodFrom", "periodTo", "status", "attempts", "createdAt"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"enum": ["scheduled", "adhoc"]},
            "organisation": {"type": "string"},
            "periodFrom": {"type": "string", "format": "date"},
            "periodTo": {"type": "string", "format": "date"},
            "status": {"enum": ["pending", "failed", "sent"]},
            "attempts": {"type": "integer", "minimum": 0},
            "lastError": opt("string"),
            "nextAttemptAt": opt("string"),
            "leasedTo": opt("string"),
            "sentBy": opt("string"),
            "messageId": opt("string"),
            "recipient": opt("string"),
            "facts": opt("integer"),
            "smtpResponse": opt("string"),
            "sentAt": opt("string"),
            "createdAt": {"type": "string"}
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub(super) fn openapi() -> Value {
    json!({
        "get": {
            "tags": ["meta"],
            "operationId": "openApi",
            "summary": "This document (no authentication: it holds no secrets)",
            "security": [],
            "responses": {
                "200": {"description": "The OpenAPI 3.1 document of the JSON API.",
                    "content": {"application/json": {"schema": {"type": "object"}}}}
            }
        }
    })
}
