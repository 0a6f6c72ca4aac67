//! The JSON API, a thin codec over the one intake: `/api/v1/messages` runs the chain and answers at once;
//! `/api/v1/send`, `/get`, `/ack`, `/find` are the JSON twins of the SMEV queue. Faults are `application/problem+json` whose `title` is the SMEV
//! fault name; a retryable failure answers 503 with `Retry-After`.

use std::sync::Arc;

use gateway_host::Outcome;
use gateway_store::{AckOutcome, Format, JournalQuery, QueuedResponse};
use hyper::body::Incoming as HttpBody;
use hyper::{Request as HttpRequest, Response};
use serde::de::DeserializeOwned;
use smev_envelope::json::{
    Accepted, AckCall, AttachmentBody, FindAnswer, FindCall, GetAnswer, GetCall, JournalRecord,
    MessageAnswer, MessageCall, Problem, QueuedAnswer, RejectionBody, SendCall, StatusBody,
    problem_type,
};
use smev_envelope::{Fault, FaultKind};

use crate::answers::{self, Answer};
use crate::app::App;
use crate::auth::ConnInfo;
use crate::call::Call;
use crate::convert::host_clark;
use crate::convert::reject_code_name;
use crate::edge;
use crate::error::{self, Failure};
use crate::intake::{self, Incoming, Payload, Protocol};
use crate::respond::{self, Body, problem, problem_response};

/// Authenticates and parses a JSON body.
async fn prepare<T: DeserializeOwned>(
    app: &App,
    conn: &ConnInfo,
    req: HttpRequest<HttpBody>,
) -> Result<(Call, T), Failure> {
    let caller = Call::authenticate(&app.edge.auth, conn, &req, &app.node)?;
    let body = respond::read_body(req, &app.edge.body_limits).await?;
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| Failure::client(Fault::invalid_content(vec![format!("JSON: {e}")])))?;
    if edge::json_depth(&value) > app.config.limits.max_depth {
        return Err(Failure::client(Fault::invalid_content(vec![format!(
            "JSON: nesting deeper than {} levels",
            app.config.limits.max_depth
        )])));
    }
    // serde would also read a struct from an array of its fields (`[null, null]`): a call is an object.
    if !value.is_object() {
        return Err(Failure::client(Fault::invalid_content(vec![
            "JSON: the body must be an object".into(),
        ])));
    }
    let call = serde_json::from_value(value)
        .map_err(|e| Failure::client(Fault::invalid_content(vec![format!("JSON: {e}")])))?;
    Ok((caller, call))
}

/// The JSON call as the intake takes it.
fn incoming(
    message_id: Option<String>,
    claimed_sender: Option<String>,
    reference_message_id: Option<String>,
    message_type: String,
    value: serde_json::Value,
    test_message: bool,
) -> Incoming {
    Incoming {
        protocol: Protocol::Json,
        message_id,
        claimed_sender,
        reference_message_id,
        transaction_code: None,
        eol: None,
        test_message,
        payload: Payload::Json {
            message_type,
            value,
        },
    }
}

/// `POST /api/v1/messages`: the chain runs now and its answer is the response.
pub async fn messages(
    app: &Arc<App>,
    conn: &ConnInfo,
    req: HttpRequest<HttpBody>,
) -> Response<Body> {
    let (caller, call) = match prepare::<MessageCall>(app, conn, req).await {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    let asked_id = call.message_id.clone();
    let incoming = incoming(
        call.message_id,
        call.sender,
        None,
        call.message_type,
        call.payload,
        call.test_message,
    );
    let accepted = match intake::accept(&app.engine, &app.config.smev, &caller, incoming).await {
        Ok(a) => a,
        Err(f) => return problem(&f, asked_id.as_deref()),
    };
    let message_id = accepted.message_id.clone();
    match accepted.run(&app.engine, &app.queue).await {
        Ok(result) => answer(result.outcome, &message_id),
        Err(f) => problem(&f, Some(&message_id)),
    }
}

/// The HTTP answer for a chain's outcome on the synchronous call, its status from the error table.
fn answer(outcome: Outcome, message_id: &str) -> Response<Body> {
    match outcome {
        Outcome::Reply(r) => match String::from_utf8(r.payload)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                serde_json::value::RawValue::from_string(text).map_err(|e| e.to_string())
            }) {
            Ok(payload) => respond::json(
                200,
                &MessageAnswer {
                    message_id: smev_envelope::new_message_id(),
                    original_message_id: message_id.to_owned(),
                    message_type: host_clark(&r.message_type),
                    payload,
                    attachments: r.attachments.into_iter().map(attachment_body).collect(),
                },
            ),
            Err(e) => problem(
                &Failure::internal_final("a plugin answered JSON that does not parse", &e),
                Some(message_id),
            ),
        },
        Outcome::Rejected(r) => rejection_problem(
            error::rejection_status(r.code),
            reject_code_name(r.code),
            &r.description,
            message_id,
        ),
        Outcome::Status(s) => match s.retry_after {
            // A retryable status (a registry is down, say): 503 with Retry-After, titled as what it is.
            Some(after) => {
                let p = Problem {
                    problem_type: problem_type("RequestStatus"),
                    title: "RequestStatus".into(),
                    status: error::status_status(true),
                    detail: s.description,
                    errors: Vec::new(),
                    code: Some(s.code.to_string()),
                    message_id: Some(message_id.to_owned()),
                };
                problem_response(&p, Some(after))
            }
            None => respond::json(
                error::status_status(false),
                &serde_json::json!({
                    "originalMessageId": message_id,
                    "status": StatusBody { code: s.code, description: s.description, retry_after_seconds: None, parameters: s.parameters },
                }),
            ),
        },
        Outcome::Proceed(_) | Outcome::Deny(_) => problem(
            &Failure::internal_final("a chain ended without an answer", &"proceed/deny"),
            Some(message_id),
        ),
    }
}

fn rejection_problem(
    status: u16,
    code: &str,
    description: &str,
    message_id: &str,
) -> Response<Body> {
    let p = Problem {
        problem_type: problem_type("RequestRejected"),
        title: "RequestRejected".into(),
        status,
        detail: description.to_owned(),
        errors: Vec::new(),
        code: Some(code.to_owned()),
        message_id: Some(message_id.to_owned()),
    };
    respond::respond(
        status,
        "application/problem+json",
        serde_json::to_vec(&p).unwrap_or_default(),
    )
}

/// `POST /api/v1/send`: queued as SendRequest is; the answer is fetched with `/get`.
pub async fn send(app: &Arc<App>, conn: &ConnInfo, req: HttpRequest<HttpBody>) -> Response<Body> {
    let (caller, call) = match prepare::<SendCall>(app, conn, req).await {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    let asked_id = call.message_id.clone();
    let incoming = incoming(
        call.message_id,
        call.sender,
        call.reference_message_id,
        call.message_type,
        call.payload,
        call.test_message,
    );
    let accepted = match intake::accept(&app.engine, &app.config.smev, &caller, incoming).await {
        Ok(a) => a,
        Err(f) => return problem(&f, asked_id.as_deref()),
    };
    let (message_id, received_at) = (accepted.message_id.clone(), accepted.received_at);
    if let Err(f) = accepted.queue(app).await {
        return problem(&f, Some(&message_id));
    }
    respond::json(
        202,
        &Accepted {
            message_id,
            status: "accepted".into(),
            received_at: rfc3339(received_at),
        },
    )
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn parse_time(s: &str) -> Result<i64, Failure> {
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|e| {
            Failure::client(Fault::invalid_content(vec![format!(
                "`{s}` is not an RFC 3339 time: {e}"
            )]))
        })
}

/// `POST /api/v1/get`.
pub async fn get(app: &Arc<App>, conn: &ConnInfo, req: HttpRequest<HttpBody>) -> Response<Body> {
    let (caller, call) = match prepare::<GetCall>(app, conn, req).await {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    if let Some(t) = &call.message_type
        && !app.engine.router.selects(t)
    {
        return problem(
            &Failure::of(
                FaultKind::UnknownMessageType,
                "Шлюз не формирует ответов указанного вида",
            ),
            None,
        );
    }
    let taken = app
        .queue
        .store
        .take_response(
            &caller.sender.mnemonic,
            call.message_type.as_deref(),
            app.config.queue.redelivery_after.get(),
        )
        .await;
    match taken {
        Ok(None) => respond::json(200, &GetAnswer { message: None }),
        Ok(Some(q)) => respond::json(
            200,
            &GetAnswer {
                message: Some(queued_answer(&q)),
            },
        ),
        Err(e) => problem(&Failure::from(e), None),
    }
}

fn queued_answer(q: &QueuedResponse) -> QueuedAnswer {
    let mut a = QueuedAnswer {
        message_id: q.id.clone(),
        original_message_id: q.request_message_id.clone(),
        message_type: q.response_type.clone(),
        kind: q.kind.as_str().into(),
        payload: None,
        payload_xml: None,
        attachments: Vec::new(),
        rejection: None,
        status: None,
        deliveries: q.deliveries,
        created_at: rfc3339(q.created_at),
    };
    match answers::read(q) {
        Answer::Reply {
            format,
            body,
            attachments,
        } => {
            match format {
                Format::Json => a.payload = serde_json::from_slice(body).ok(),
                _ => a.payload_xml = Some(String::from_utf8_lossy(body).into_owned()),
            }
            a.attachments = attachments.into_iter().map(attachment_body).collect();
        }
        Answer::Status {
            code,
            description,
            retry_after_ms,
            parameters,
        } => {
            a.status = Some(StatusBody {
                code,
                description,
                retry_after_seconds: retry_after_ms.map(|ms| ms.div_ceil(1000)),
                parameters,
            })
        }
        Answer::Rejected { code, description } => {
            a.kind = "rejected".into();
            a.rejection = Some(RejectionBody {
                code: reject_code_name(code).into(),
                description,
            })
        }
    }
    a
}

/// A file attached to an answer, as JSON carries it.
fn attachment_body(a: gateway_host::Attachment) -> AttachmentBody {
    use base64::Engine;
    AttachmentBody {
        content_id: a.content_id,
        mime_type: a.mime_type,
        data: base64::engine::general_purpose::STANDARD.encode(a.data),
    }
}

/// `POST /api/v1/ack`.
pub async fn ack(app: &Arc<App>, conn: &ConnInfo, req: HttpRequest<HttpBody>) -> Response<Body> {
    let (caller, call) = match prepare::<AckCall>(app, conn, req).await {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    match app
        .queue
        .store
        .ack_response(&caller.sender.mnemonic, &call.message_id)
        .await
    {
        Ok(AckOutcome::Acked | AckOutcome::AlreadyAcked) => {
            respond::json(200, &serde_json::json!({"acknowledged": true}))
        }
        Ok(AckOutcome::NotFound) => problem(
            &Failure::of(
                FaultKind::TargetMessageIsNotFound,
                "Сообщение, получение которого подтверждается, не найдено",
            ),
            Some(&call.message_id),
        ),
        Err(e) => problem(&Failure::from(e), Some(&call.message_id)),
    }
}

/// `POST /api/v1/find`.
pub async fn find(app: &Arc<App>, conn: &ConnInfo, req: HttpRequest<HttpBody>) -> Response<Body> {
    let (caller, call) = match prepare::<FindCall>(app, conn, req).await {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    let from = match call.from.as_deref().map(parse_time).transpose() {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    let to = match call.to.as_deref().map(parse_time).transpose() {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    let q = JournalQuery {
        message_id: call.message_id,
        message_type: call.message_type,
        from_ms: from,
        to_ms: to,
        limit: Some(call.limit.unwrap_or(100).min(1000)),
    };
    match app
        .queue
        .store
        .find_journal(&caller.sender.mnemonic, &q)
        .await
    {
        Ok(entries) => respond::json(
            200,
            &FindAnswer {
                entries: entries
                    .into_iter()
                    .map(|e| JournalRecord {
                        at: rfc3339(e.at),
                        message_id: e.message_id,
                        direction: e.direction.as_str().into(),
                        message_type: e.message_type.unwrap_or_default(),
                        outcome: e.outcome,
                        detail: e.detail,
                        payload_sha256: e.payload_sha256,
                    })
                    .collect(),
            },
        ),
        Err(e) => problem(&Failure::from(e), None),
    }
}
