//! The JSON API: `/api/v1/messages` runs the chain and answers at once; `/api/v1/send`, `/get`, `/ack`,
//! `/find` are the JSON twins of the SMEV queue. Faults are `application/problem+json` whose `title` is the SMEV
//! fault name; a retryable failure answers 503 with `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use gateway_host::{Outcome, PayloadFormat, Request};
use gateway_store::{
    AckOutcome, Direction, Format, JournalEntry, JournalQuery, NewRequest, QueuedResponse,
};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{Request as HttpRequest, Response};
use serde::de::DeserializeOwned;
use smev_envelope::json::{
    Accepted, AckCall, FindAnswer, FindCall, GetAnswer, GetCall, JournalRecord, MessageAnswer,
    MessageCall, Problem, QueuedAnswer, RejectionBody, SendCall, StatusBody, problem_type,
};
use smev_envelope::{Fault, FaultKind, QName};

use crate::app::App;
use crate::auth::{Sender, sha256_hex};
use crate::chain;
use crate::edge;
use crate::error::Failure;
use crate::http::{self, Body};
use crate::pipeline::{outcome_name, store_facts, to_host_qname};
use crate::queued::{QueuedEnvelope, StoredNotice, reject_code_name};
use crate::router::Route;
use crate::server::ConnInfo;
use crate::soap::accept_and_run;
use crate::tokens::now_ms;

/// A problem response for `f`.
pub fn problem(f: &Failure, message_id: Option<&str>) -> Response<Body> {
    let mut p = Problem::from_fault(&f.fault, f.http_status());
    p.message_id = message_id.map(str::to_owned);
    problem_response(&p, f.retry_after)
}

/// `p` as `application/problem+json`, with `Retry-After` (whole seconds, at least 1) when given.
fn problem_response(p: &Problem, retry_after: Option<Duration>) -> Response<Body> {
    let mut r = http::respond(
        p.status,
        "application/problem+json",
        serde_json::to_vec(p).unwrap_or_default(),
    );
    if let Some(after) = retry_after {
        r.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(after.as_secs().max(1)));
    }
    r
}

/// Authenticates and parses a JSON body.
async fn prepare<T: DeserializeOwned>(
    app: &App,
    conn: &ConnInfo,
    req: HttpRequest<Incoming>,
) -> Result<(Arc<Sender>, T), Failure> {
    let authorization = http::authorization(&req);
    let sender = app
        .auth
        .authenticate(&conn.identity, authorization.as_deref())?;
    let body = http::read_body(app, req).await.map_err(|e| match e {
        http::BodyError::TooLarge { .. } => Failure {
            status: Some(413),
            ..Failure::of(FaultKind::InvalidContent, e.to_string())
        },
        other => Failure::of(FaultKind::InvalidContent, other.to_string()),
    })?;
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| Failure::client(Fault::invalid_content(vec![format!("JSON: {e}")])))?;
    if edge::json_depth(&value) > app.config.limits.max_depth {
        return Err(Failure::client(Fault::invalid_content(vec![format!(
            "JSON: nesting deeper than {} levels",
            app.config.limits.max_depth
        )])));
    }
    let call = serde_json::from_value(value)
        .map_err(|e| Failure::client(Fault::invalid_content(vec![format!("JSON: {e}")])))?;
    Ok((sender, call))
}

/// Checks what is common to `/messages` and `/send`: ids, sender, route, rights, schema, identifiers.
fn admit(
    app: &App,
    sender: &Sender,
    message_id: Option<&str>,
    claimed_sender: Option<&str>,
    message_type: &str,
    payload: &serde_json::Value,
) -> Result<(String, Arc<Route>), Failure> {
    let message_id = match message_id {
        Some(id) => {
            smev_envelope::check_message_id(id, false)?;
            id.to_owned()
        }
        None => smev_envelope::new_message_id(),
    };
    if claimed_sender.is_some_and(|s| s != sender.mnemonic) {
        return Err(Failure::of(
            FaultKind::AccessDenied,
            "Поле sender не совпадает с аутентифицированным отправителем",
        ));
    }
    let qname: QName = message_type.parse().map_err(|_| {
        Failure::client(Fault::invalid_content(vec![format!(
            "type `{message_type}` is not `{{namespace}}LocalName`"
        )]))
    })?;
    let Some(route) = app.router.route(message_type).cloned() else {
        return Err(Failure::client(Fault::business_data_type_not_supported(
            &qname,
        )));
    };
    if !sender.may_send(message_type) {
        return Err(Failure::of(
            FaultKind::AccessDenied,
            "Отправителю не разрешено направлять сведения этого вида",
        ));
    }
    if !payload.is_object() {
        return Err(Failure::client(Fault::invalid_content(vec![
            "payload must be a JSON object".into(),
        ])));
    }
    edge::check_json(&route, &app.schemas, payload)?;
    Ok((message_id, route))
}

/// `POST /api/v1/messages`.
pub async fn messages(
    app: &Arc<App>,
    conn: &ConnInfo,
    req: HttpRequest<Incoming>,
) -> Response<Body> {
    let started = std::time::Instant::now();
    let (sender, call) = match prepare::<MessageCall>(app, conn, req).await {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    let (message_id, route) = match admit(
        app,
        &sender,
        call.message_id.as_deref(),
        call.sender.as_deref(),
        &call.message_type,
        &call.payload,
    ) {
        Ok(x) => x,
        Err(f) => return problem(&f, call.message_id.as_deref()),
    };
    let payload = serde_json::to_vec(&call.payload).unwrap_or_default();
    let digest = sha256_hex(&payload);
    let request = Request {
        message_id: message_id.clone(),
        message_type: to_host_qname(&route.message_type),
        format: PayloadFormat::Json,
        payload,
        namespaces: Vec::new(),
        attachments: Vec::new(),
        sender: sender.mnemonic.clone(),
        test_message: call.test_message,
        annotations: Vec::new(),
        denial: None,
    };
    let result = chain::run(&app.host, &route, request).await;
    if !result.facts.is_empty()
        && !call.test_message
        && let Err(e) = app.store.record_facts(&store_facts(result.facts)).await
    {
        return problem(&Failure::from(e), Some(&message_id));
    }
    app.journal.append(JournalEntry {
        id: None,
        at: now_ms(),
        node: app.node.clone(),
        sender: sender.mnemonic.clone(),
        message_id: message_id.clone(),
        direction: Direction::In,
        message_type: Some(route.key.clone()),
        outcome: outcome_name(&result.outcome).into(),
        detail: result.denied.or(result.failure),
        payload_sha256: Some(digest),
        duration_us: Some(started.elapsed().as_micros() as i64),
    });
    answer(result.outcome, &message_id)
}

/// The HTTP answer for a chain's outcome on the synchronous call.
fn answer(outcome: Outcome, message_id: &str) -> Response<Body> {
    match outcome {
        Outcome::Reply(r) => match String::from_utf8(r.payload)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                serde_json::value::RawValue::from_string(text).map_err(|e| e.to_string())
            }) {
            Ok(payload) => http::json(
                200,
                &MessageAnswer {
                    message_id: smev_envelope::new_message_id(),
                    original_message_id: message_id.to_owned(),
                    message_type: crate::router::clark(
                        &r.message_type.namespace,
                        &r.message_type.local,
                    ),
                    payload,
                },
            ),
            Err(e) => problem(
                &Failure::internal("a plugin answered JSON that does not parse", &e),
                Some(message_id),
            ),
        },
        Outcome::Rejected(r) => {
            let code = reject_code_name(r.code);
            let status = match r.code {
                gateway_host::RejectCode::AccessDenied => 403,
                gateway_host::RejectCode::NoData => 404,
                gateway_host::RejectCode::UnknownRequestDescription => 400,
                gateway_host::RejectCode::Failure => 502,
            };
            rejection_problem(status, code, &r.description, message_id)
        }
        Outcome::Status(s) => match s.retry_after {
            // A retryable status (a registry is down, say): 503 with Retry-After, titled as what it is.
            Some(after) => {
                let p = Problem {
                    problem_type: problem_type("RequestStatus"),
                    title: "RequestStatus".into(),
                    status: 503,
                    detail: s.description,
                    errors: Vec::new(),
                    code: Some(s.code.to_string()),
                    message_id: Some(message_id.to_owned()),
                };
                problem_response(&p, Some(after))
            }
            None => http::json(
                202,
                &serde_json::json!({
                    "originalMessageId": message_id,
                    "status": StatusBody { code: s.code, description: s.description, retry_after_seconds: None, parameters: s.parameters },
                }),
            ),
        },
        Outcome::Proceed(_) | Outcome::Deny(_) => problem(
            &Failure::internal("a chain ended without an answer", &"proceed/deny"),
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
    http::respond(
        status,
        "application/problem+json",
        serde_json::to_vec(&p).unwrap_or_default(),
    )
}

/// `POST /api/v1/send`.
pub async fn send(app: &Arc<App>, conn: &ConnInfo, req: HttpRequest<Incoming>) -> Response<Body> {
    let (sender, call) = match prepare::<SendCall>(app, conn, req).await {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    let (message_id, route) = match admit(
        app,
        &sender,
        call.message_id.as_deref(),
        call.sender.as_deref(),
        &call.message_type,
        &call.payload,
    ) {
        Ok(x) => x,
        Err(f) => return problem(&f, call.message_id.as_deref()),
    };
    if let Some(r) = &call.reference_message_id
        && let Err(f) = smev_envelope::check_message_id(r, false)
    {
        return problem(&Failure::client(f), Some(&message_id));
    }
    let blob = QueuedEnvelope {
        format: PayloadFormat::Json,
        payload: serde_json::to_vec(&call.payload).unwrap_or_default(),
        namespaces: Vec::new(),
        attachments: Vec::new(),
        test_message: call.test_message,
    }
    .encode();
    let received_at = now_ms();
    let new = NewRequest {
        message_id: message_id.clone(),
        sender: sender.mnemonic.clone(),
        message_type: route.key.clone(),
        smev_version: "json".into(),
        format: Format::Json,
        reference_message_id: call.reference_message_id,
        transaction_code: None,
        reply_to: Some(sender.mnemonic.clone()),
        test_message: call.test_message,
        received_at,
        payload_sha256: Some(sha256_hex(&blob)),
        payload: Some(blob),
    };
    if let Err(f) = accept_and_run(app, new).await {
        return problem(&f, Some(&message_id));
    }
    http::json(
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
pub async fn get(app: &Arc<App>, conn: &ConnInfo, req: HttpRequest<Incoming>) -> Response<Body> {
    let (sender, call) = match prepare::<GetCall>(app, conn, req).await {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    if let Some(t) = &call.message_type
        && !app.router.produces(t)
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
        .store
        .take_response(
            &sender.mnemonic,
            call.message_type.as_deref(),
            app.config.queue.redelivery_after.get(),
        )
        .await;
    match taken {
        Ok(None) => http::json(200, &GetAnswer { message: None }),
        Ok(Some(q)) => http::json(
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
        rejection: None,
        status: None,
        deliveries: q.deliveries,
        created_at: rfc3339(q.created_at),
    };
    let body = q.body.as_slice();
    match q.kind.as_str() {
        "reply" if q.format == Format::Json => a.payload = serde_json::from_slice(body).ok(),
        "reply" => a.payload_xml = Some(String::from_utf8_lossy(body).into_owned()),
        _ => {
            let n: Option<StoredNotice> = serde_json::from_slice(body).ok();
            match (q.kind.as_str(), n) {
                ("status", Some(n)) => {
                    a.status = Some(StatusBody {
                        code: n.status_code.unwrap_or(0),
                        description: n.description,
                        retry_after_seconds: n.retry_after_ms.map(|ms| ms.div_ceil(1000)),
                        parameters: n.parameters,
                    })
                }
                (_, Some(n)) => {
                    a.rejection = Some(RejectionBody {
                        code: n.reject_code.unwrap_or_else(|| "NO_DATA".into()),
                        description: n.description,
                    })
                }
                (_, None) => {
                    a.kind = "rejected".into();
                    a.rejection = Some(RejectionBody {
                        code: "NO_DATA".into(),
                        description: "Данные ответа удалены по истечении срока хранения".into(),
                    })
                }
            }
        }
    }
    a
}

/// `POST /api/v1/ack`.
pub async fn ack(app: &Arc<App>, conn: &ConnInfo, req: HttpRequest<Incoming>) -> Response<Body> {
    let (sender, call) = match prepare::<AckCall>(app, conn, req).await {
        Ok(x) => x,
        Err(f) => return problem(&f, None),
    };
    match app
        .store
        .ack_response(&sender.mnemonic, &call.message_id)
        .await
    {
        Ok(AckOutcome::Acked | AckOutcome::AlreadyAcked) => {
            http::json(200, &serde_json::json!({"acknowledged": true}))
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
pub async fn find(app: &Arc<App>, conn: &ConnInfo, req: HttpRequest<Incoming>) -> Response<Body> {
    let (sender, call) = match prepare::<FindCall>(app, conn, req).await {
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
    match app.store.find_journal(&sender.mnemonic, &q).await {
        Ok(entries) => http::json(
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
