//! The SOAP endpoints `/smev/1.1`, `/smev/1.2`, `/smev/1.3`: SendRequest is checked and acknowledged
//! synchronously, its chain runs afterwards ([`crate::pipeline`]); GetResponse hands out the sender's answers,
//! Ack confirms them, GetStatus reports processing events. Every fault is one the operation's WSDL lists.

use std::sync::Arc;

use gateway_store::{
    AckOutcome, Direction, Format, JournalEntry, NewRequest, PendingRequest, QueuedResponse,
};
use hyper::Request;
use hyper::Response;
use hyper::body::Incoming;
use smev_envelope::{
    Ack, Fault, FaultKind, GetResponse, GetStatus, InteractionStatus, MessageMetadata, MessageType,
    Operation, Party, RejectCode, Rejection, ResponseContent, ResponseMessage, SendRequest,
    SmevVersion, SoapRequest, StatusMessage,
};

use crate::app::App;
use crate::auth::{Sender, sha256_hex};
use crate::edge;
use crate::error::Failure;
use crate::http::{self, Body};
use crate::pipeline;
use crate::queued::{QueuedEnvelope, StoredNotice};
use crate::server::ConnInfo;
use crate::tokens::now_ms;

const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// Serves one SOAP request for version `v`.
pub async fn handle(
    app: &Arc<App>,
    conn: &ConnInfo,
    v: SmevVersion,
    req: Request<Incoming>,
) -> Response<Body> {
    let authorization = http::authorization(&req);
    let sender = match app
        .auth
        .authenticate(&conn.identity, authorization.as_deref())
    {
        Ok(s) => s,
        Err(f) => return fault(v, None, &f),
    };
    let body = match http::read_body(app, req).await {
        Ok(b) => b,
        Err(e) => {
            return fault(
                v,
                None,
                &Failure::of(FaultKind::InvalidContent, e.to_string()),
            );
        }
    };
    let decoded = match smev_envelope::decode_request(v, &body, &app.limits) {
        Ok(d) => d,
        Err(e) => {
            tracing::debug!(sender = %sender.mnemonic, error = %e, "undecodable SOAP request");
            return fault(v, None, &Failure::client(e.fault()));
        }
    };
    match decoded {
        SoapRequest::SendRequest(r) => {
            let op = Operation::SendRequest;
            match send_request(app, v, &sender, r).await {
                Ok(bytes) => ok(bytes),
                Err(f) => {
                    journal_fault(app, &sender, op, &f);
                    fault(v, Some(op), &f)
                }
            }
        }
        SoapRequest::GetResponse(r) => match get_response(app, v, &sender, r).await {
            Ok(bytes) => ok(bytes),
            Err(f) => fault(v, Some(Operation::GetResponse), &f),
        },
        SoapRequest::Ack(r) => match ack(app, v, &sender, r).await {
            Ok(bytes) => ok(bytes),
            Err(f) => fault(v, Some(Operation::Ack), &f),
        },
        SoapRequest::GetStatus(r) => match get_status(app, v, &sender, r).await {
            Ok(bytes) => ok(bytes),
            Err(f) => fault(v, Some(Operation::GetStatus), &f),
        },
    }
}

fn ok(bytes: Vec<u8>) -> Response<Body> {
    http::respond(200, SOAP_CONTENT_TYPE, bytes)
}

/// A SOAP fault response (HTTP 500, as SOAP 1.1 requires), limited to the faults `op` may raise.
fn fault(v: SmevVersion, op: Option<Operation>, f: &Failure) -> Response<Body> {
    let fault = match op {
        Some(op) => f.fault.clone().for_operation(op),
        None => f.fault.clone(),
    };
    http::respond(
        500,
        SOAP_CONTENT_TYPE,
        smev_envelope::encode_fault(v, &fault),
    )
}

fn journal_fault(app: &App, sender: &Sender, op: Operation, f: &Failure) {
    app.journal.append(JournalEntry {
        id: None,
        at: now_ms(),
        node: app.node.clone(),
        sender: sender.mnemonic.clone(),
        message_id: String::new(),
        direction: Direction::In,
        message_type: None,
        outcome: "fault".into(),
        detail: Some(format!("{op:?}: {}", f.fault.kind.name())),
        payload_sha256: None,
        duration_us: None,
    });
}

/// The gateway as a party of the exchange.
pub fn gateway_party(app: &App) -> Party {
    Party {
        mnemonic: app.config.smev.mnemonic.clone(),
        human_readable_name: app.config.smev.name.clone(),
    }
}

fn sender_party(s: &Sender) -> Party {
    Party {
        mnemonic: s.mnemonic.clone(),
        human_readable_name: s.name.clone(),
    }
}

async fn send_request(
    app: &Arc<App>,
    v: SmevVersion,
    sender: &Sender,
    r: SendRequest,
) -> Result<Vec<u8>, Failure> {
    smev_envelope::check_message_id(&r.message_id, app.config.smev.require_uuid_v1)?;
    if let Some(reference) = &r.reference_message_id {
        smev_envelope::check_message_id(reference, false)?;
    }
    let now = jiff::Timestamp::now();
    if r.eol.is_some_and(|eol| eol <= now) {
        return Err(Failure::of(
            FaultKind::EndOfLifeReached,
            "Срок жизни сообщения (EOL) истёк до его приёма",
        ));
    }
    let key = r.payload.root.to_string();
    let Some(route) = app.router.route(&key).cloned() else {
        return Err(Failure::client(Fault::business_data_type_not_supported(
            &r.payload.root,
        )));
    };
    if !sender.may_send(&key) {
        return Err(Failure::of(
            FaultKind::AccessDenied,
            "Отправителю не разрешено направлять сведения этого вида",
        ));
    }
    edge::check_xml(&route, &app.schemas, r.payload.standalone()).await?;
    let envelope = QueuedEnvelope {
        format: gateway_host::PayloadFormat::Xml,
        payload: r.payload.xml,
        namespaces: r.payload.inherited_namespaces,
        attachments: r
            .attachments
            .into_iter()
            .map(|a| gateway_host::Attachment {
                content_id: a.content_id,
                mime_type: a.mime_type,
                data: a.data,
            })
            .collect(),
        test_message: r.test_message,
    };
    let blob = envelope.encode();
    let received_at = now_ms();
    let new = NewRequest {
        message_id: r.message_id.clone(),
        sender: sender.mnemonic.clone(),
        message_type: key,
        smev_version: v.as_str().into(),
        format: Format::Xml,
        reference_message_id: r.reference_message_id.clone(),
        transaction_code: r.transaction_code.clone(),
        reply_to: Some(sender.mnemonic.clone()),
        test_message: r.test_message,
        received_at,
        payload_sha256: Some(sha256_hex(&blob)),
        payload: Some(blob),
    };
    accept_and_run(app, new).await?;
    let md = MessageMetadata {
        message_id: Some(r.message_id),
        message_type: MessageType::Request,
        sender: Some(sender_party(sender)),
        sending_timestamp: now,
        recipient: Some(gateway_party(app)),
        delivery_timestamp: None,
        status: Some(InteractionStatus::RequestIsQueued),
    };
    Ok(smev_envelope::encode_send_request_response(v, &md))
}

/// Stores an accepted request (leased to this node) and starts its chain.
pub async fn accept_and_run(app: &Arc<App>, new: NewRequest) -> Result<(), Failure> {
    app.store
        .accept_request(&new, app.config.queue.lease.get())
        .await?;
    pipeline::spawn(
        app,
        PendingRequest {
            message_id: new.message_id,
            sender: new.sender,
            message_type: new.message_type,
            smev_version: new.smev_version,
            format: new.format,
            reference_message_id: new.reference_message_id,
            transaction_code: new.transaction_code,
            reply_to: new.reply_to,
            test_message: new.test_message,
            received_at: new.received_at,
            payload: new.payload,
            payload_sha256: new.payload_sha256,
            lease_until: new.received_at + app.config.queue.lease.get().as_millis() as i64,
            attempts: 1,
        },
    );
    Ok(())
}

async fn get_response(
    app: &App,
    v: SmevVersion,
    sender: &Sender,
    r: GetResponse,
) -> Result<Vec<u8>, Failure> {
    let selector = r.selector.map(|q| q.to_string());
    if let Some(t) = &selector
        && !app.router.produces(t)
    {
        return Err(Failure::of(
            FaultKind::UnknownMessageType,
            "Шлюз не формирует ответов указанного вида",
        ));
    }
    let taken = app
        .store
        .take_response(
            &sender.mnemonic,
            selector.as_deref(),
            app.config.queue.redelivery_after.get(),
        )
        .await?;
    let Some(q) = taken else {
        return Ok(smev_envelope::encode_get_response_response(v, None));
    };
    journal_delivery(app, sender, &q);
    let msg = response_message(app, sender, &q);
    Ok(smev_envelope::encode_get_response_response(v, Some(&msg)))
}

fn journal_delivery(app: &App, sender: &Sender, q: &QueuedResponse) {
    app.journal.append(JournalEntry {
        id: None,
        at: now_ms(),
        node: app.node.clone(),
        sender: sender.mnemonic.clone(),
        message_id: q.id.clone(),
        direction: Direction::Out,
        message_type: Some(q.response_type.clone()),
        outcome: if q.deliveries > 1 {
            "redelivered".into()
        } else {
            "delivered".into()
        },
        detail: None,
        payload_sha256: None,
        duration_us: None,
    });
}

/// Wraps a JSON answer (of a request sent through `/api/v1/send`) so that it can travel in
/// `MessagePrimaryContent`.
const JSON_WRAPPER_NS: &str = "urn://gateway/json-payload/1.0";

fn response_content(q: &QueuedResponse) -> ResponseContent {
    match q.kind.as_str() {
        "reply" if q.format == Format::Xml => ResponseContent::Primary(q.body.clone()),
        "reply" => {
            let text = String::from_utf8_lossy(&q.body).into_owned();
            let escaped = quick_xml::escape::escape(text.as_str());
            ResponseContent::Primary(
                format!("<JsonPayload xmlns=\"{JSON_WRAPPER_NS}\">{escaped}</JsonPayload>")
                    .into_bytes(),
            )
        }
        kind => {
            let notice: Option<StoredNotice> = serde_json::from_slice(&q.body).ok();
            let notice = notice.unwrap_or(StoredNotice {
                reject_code: Some("NO_DATA".into()),
                status_code: None,
                description: "Данные ответа удалены по истечении срока хранения".into(),
                retry_after_ms: None,
                parameters: Vec::new(),
            });
            if kind == "status" {
                let mut parameters = notice.parameters.clone();
                if let Some(ms) = notice.retry_after_ms {
                    parameters.push(("RetryAfterSeconds".into(), ms.div_ceil(1000).to_string()));
                }
                ResponseContent::Status {
                    code: notice.status_code.unwrap_or(0),
                    description: notice.description,
                    parameters,
                }
            } else {
                let code = match notice.reject_code.as_deref() {
                    Some("ACCESS_DENIED") => RejectCode::AccessDenied,
                    Some("UNKNOWN_REQUEST_DESCRIPTION") => RejectCode::UnknownRequestDescription,
                    Some("FAILURE") => RejectCode::Failure,
                    _ => RejectCode::NoData,
                };
                ResponseContent::Rejected(vec![Rejection {
                    code,
                    description: notice.description,
                }])
            }
        }
    }
}

fn response_message(app: &App, sender: &Sender, q: &QueuedResponse) -> ResponseMessage {
    let created =
        jiff::Timestamp::from_millisecond(q.created_at).unwrap_or_else(|_| jiff::Timestamp::now());
    ResponseMessage {
        original_message_id: q.request_message_id.clone(),
        original_transaction_code: q.transaction_code.clone(),
        reference_message_id: q.reference_message_id.clone(),
        response_message_id: q.id.clone(),
        to: q
            .reply_to
            .clone()
            .unwrap_or_else(|| sender.mnemonic.clone()),
        content: response_content(q),
        metadata: MessageMetadata {
            message_id: Some(q.id.clone()),
            message_type: MessageType::Response,
            sender: Some(gateway_party(app)),
            sending_timestamp: created,
            recipient: Some(sender_party(sender)),
            delivery_timestamp: Some(jiff::Timestamp::now()),
            status: Some(InteractionStatus::MessageIsDelivered),
        },
        attachments: Vec::new(),
    }
}

async fn ack(app: &App, v: SmevVersion, sender: &Sender, a: Ack) -> Result<Vec<u8>, Failure> {
    match app
        .store
        .ack_response(&sender.mnemonic, &a.message_id)
        .await?
    {
        AckOutcome::Acked | AckOutcome::AlreadyAcked => {
            app.journal.append(JournalEntry {
                id: None,
                at: now_ms(),
                node: app.node.clone(),
                sender: sender.mnemonic.clone(),
                message_id: a.message_id.clone(),
                direction: Direction::In,
                message_type: None,
                outcome: "acked".into(),
                detail: a.accepted.filter(|x| !x).map(|_| "accepted=false".into()),
                payload_sha256: None,
                duration_us: None,
            });
            Ok(smev_envelope::encode_ack_response(v))
        }
        AckOutcome::NotFound => Err(Failure::of(
            FaultKind::TargetMessageIsNotFound,
            "Сообщение, получение которого подтверждается, не найдено",
        )),
    }
}

async fn get_status(
    app: &App,
    v: SmevVersion,
    sender: &Sender,
    _r: GetStatus,
) -> Result<Vec<u8>, Failure> {
    let event = app.store.take_status_event(&sender.mnemonic).await?;
    let msg = event.map(|e| StatusMessage {
        original_message_id: e.original_message_id,
        category: InteractionStatus::parse(&e.category)
            .unwrap_or(InteractionStatus::UnderProcessing),
        details: e.details,
        fault: e
            .fault_code
            .map(|c| (c, e.fault_description.unwrap_or_default())),
    });
    smev_envelope::encode_get_status_response(v, msg.as_ref())
        .map_err(|e| Failure::internal("encoding GetStatusResponse", &e))
}
