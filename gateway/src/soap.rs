//! The SOAP endpoints `/smev/1.1`, `/smev/1.2`, `/smev/1.3`, a thin codec over the one intake: SendRequest is
//! decoded (from plain XML, or from MTOM's `multipart/related` with its attachments) and given to
//! [`crate::intake`] (checked, queued, acknowledged; its chain runs afterwards);
//! a sender registered with a signing certificate must sign each request ([`crate::caller_signature`]), and
//! answers are signed as `SMEVSignature` when `[crypto]` has a key;
//! GetResponse hands out the sender's answers as [`crate::answers`] reads them, Ack confirms them, GetStatus
//! reports processing events. Every fault is one the operation's WSDL lists, with the status of the error
//! table.

use std::sync::Arc;

use gateway_store::{AckOutcome, Direction, Format, JournalEntry, QueuedResponse};
use hyper::Request;
use hyper::Response;
use hyper::body::Incoming as HttpBody;
use smev_envelope::{
    Ack, FaultKind, GetResponse, GetStatus, InteractionStatus, MessageMetadata, MessageType,
    Operation, Party, Rejection, ResponseContent, ResponseMessage, SendRequest, SmevVersion,
    SoapRequest, StatusMessage,
};

use crate::answers::{self, Answer};
use crate::app::App;
use crate::auth::ConnInfo;
use crate::auth::Sender;
use crate::call::Call;
use crate::caller_signature;
use crate::error::Failure;
use crate::intake::{self, Incoming, Payload, Protocol};
use crate::respond::{self, Body};

const SOAP_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// Serves one SOAP request for version `v`.
pub async fn handle(
    app: &Arc<App>,
    conn: &ConnInfo,
    v: SmevVersion,
    req: Request<HttpBody>,
) -> Response<Body> {
    let call = match Call::authenticate(&app.edge.auth, conn, &req, &app.node) {
        Ok(c) => c,
        Err(f) => return fault(v, None, &f),
    };
    let content_type = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = match respond::read_body(req, &app.edge.body_limits).await {
        Ok(b) => b,
        Err(e) => return fault(v, None, &Failure::from(e)),
    };
    // MTOM: the envelope and its attachments' parts become the plain envelope the decoder reads. A client that
    // asks in MTOM gets its answer's attachments as MTOM parts too.
    let mtom = smev_envelope::mtom::is_multipart(&content_type);
    let body = if mtom {
        match smev_envelope::mtom::resolve(&content_type, &body) {
            Ok(envelope) => bytes::Bytes::from(envelope),
            Err(e) => return fault(v, None, &Failure::client(e.fault())),
        }
    } else {
        body
    };
    let decoded = match smev_envelope::decode_request(v, &body, &app.edge.limits) {
        Ok(d) => d,
        Err(e) => {
            tracing::debug!(sender = %call.sender.mnemonic, error = %e, "undecodable SOAP request");
            return fault(v, None, &Failure::client(e.fault()));
        }
    };
    crate::metrics::requests::operation(decoded.operation());
    let policy = caller_signature::Policy {
        now: jiff::Timestamp::now().as_second(),
        timestamp_window: app.config.smev.signed_timestamp_window.get(),
    };
    if let Err(f) = caller_signature::check(&call.sender, &decoded, &body, policy) {
        let op = decoded.operation();
        if op == Operation::SendRequest {
            journal_fault(app, &call, op, &f);
        }
        return fault(v, Some(op), &f);
    }
    match decoded {
        SoapRequest::SendRequest(r) => {
            let op = Operation::SendRequest;
            let answer = send_request(app, v, &call, *r).await;
            match answer.and_then(|b| signed(app, b, "</smev:SendRequestResponse>")) {
                Ok(bytes) => ok(bytes),
                Err(f) => {
                    journal_fault(app, &call, op, &f);
                    fault(v, Some(op), &f)
                }
            }
        }
        SoapRequest::GetResponse(r) => match get_response(app, v, &call, r, mtom)
            .await
            .and_then(|a| Ok((signed(app, a.envelope, "</smev:ResponseMessage>")?, a.parts)))
        {
            Ok((bytes, parts)) if parts.is_empty() => ok(bytes),
            Ok((bytes, parts)) => {
                let parts: Vec<(&str, &[u8])> = parts
                    .iter()
                    .map(|a| (a.mime_type.as_str(), a.data.as_slice()))
                    .collect();
                let (content_type, body) = smev_envelope::mtom::package(&bytes, &parts);
                respond::respond_typed(200, &content_type, body)
            }
            Err(f) => fault(v, Some(Operation::GetResponse), &f),
        },
        SoapRequest::Ack(r) => match ack(app, v, &call, r).await {
            Ok(bytes) => ok(bytes),
            Err(f) => fault(v, Some(Operation::Ack), &f),
        },
        SoapRequest::GetStatus(r) => match get_status(app, v, &call, r)
            .await
            .and_then(|b| signed(app, b, "</smev:SmevAsyncProcessingMessage>"))
        {
            Ok(bytes) => ok(bytes),
            Err(f) => fault(v, Some(Operation::GetStatus), &f),
        },
    }
}

/// `answer` signed as `SMEVSignature` when the gateway has a key; `parent_close` is the closing tag of the
/// signed element's parent, where the schemas put the signature.
fn signed(app: &App, answer: Vec<u8>, parent_close: &str) -> Result<Vec<u8>, Failure> {
    match &app.edge.answer_signer {
        Some(signer) => signer
            .sign(answer, parent_close)
            .map_err(|e| Failure::internal("signing the answer", &e)),
        None => Ok(answer),
    }
}

fn ok(bytes: Vec<u8>) -> Response<Body> {
    respond::respond(200, SOAP_CONTENT_TYPE, bytes)
}

/// A SOAP fault response (its status from the error table: 500, as SOAP 1.1 requires), limited to the faults
/// `op` may raise.
fn fault(v: SmevVersion, op: Option<Operation>, f: &Failure) -> Response<Body> {
    let fault = match op {
        Some(op) => f.fault.clone().for_operation(op),
        None => f.fault.clone(),
    };
    crate::metrics::requests::fault(fault.kind);
    respond::respond(
        f.soap_status(),
        SOAP_CONTENT_TYPE,
        smev_envelope::encode_fault(v, &fault),
    )
}

fn journal_fault(app: &App, call: &Call, op: Operation, f: &Failure) {
    app.queue.journal.append(JournalEntry {
        detail: Some(format!("{op:?}: {}", f.fault.kind.name())),
        ..call.entry("", Direction::In, "fault")
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
    call: &Call,
    r: SendRequest,
) -> Result<Vec<u8>, Failure> {
    let sender = &call.sender;
    let now = jiff::Timestamp::now();
    let incoming = Incoming {
        protocol: Protocol::Soap(v),
        message_id: Some(r.message_id.clone()),
        claimed_sender: None,
        reference_message_id: r.reference_message_id.clone(),
        transaction_code: r.transaction_code.clone(),
        eol: r.eol,
        test_message: r.test_message,
        payload: Payload::Xml {
            root: r.payload.root.clone(),
            standalone: r.payload.standalone(),
            xml: r.payload.xml,
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
            references: r
                .references
                .into_iter()
                .map(|r| gateway_host::AttachmentReference {
                    uuid: r.uuid,
                    file_name: r.file_name,
                    hash: r.hash,
                    mime_type: r.mime_type,
                    signature_pkcs7: r.signature_pkcs7,
                })
                .collect(),
        },
    };
    intake::accept(&app.engine, &app.config.smev, call, incoming)
        .await?
        .queue(app)
        .await?;
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

/// A GetResponse's answer: the envelope, and the attachments' bytes when they travel as MTOM parts (then the
/// envelope names them with `xop:Include`s).
struct GetResponseAnswer {
    envelope: Vec<u8>,
    parts: Vec<smev_envelope::Attachment>,
}

async fn get_response(
    app: &App,
    v: SmevVersion,
    call: &Call,
    r: GetResponse,
    mtom: bool,
) -> Result<GetResponseAnswer, Failure> {
    let sender = &call.sender;
    let selector = r.selector.map(|q| q.to_string());
    if let Some(t) = &selector
        && !app.engine.router.selects(t)
    {
        return Err(Failure::of(
            FaultKind::UnknownMessageType,
            "Шлюз не формирует ответов указанного вида",
        ));
    }
    let taken = app
        .queue
        .store
        .take_response(
            &sender.mnemonic,
            selector.as_deref(),
            app.config.queue.redelivery_after.get(),
        )
        .await?;
    let Some(q) = taken else {
        return Ok(GetResponseAnswer {
            envelope: smev_envelope::encode_get_response_response(v, None),
            parts: Vec::new(),
        });
    };
    journal_delivery(app, call, &q);
    let msg = response_message(app, sender, &q);
    let with_parts =
        mtom && !msg.attachments.is_empty() && matches!(msg.content, ResponseContent::Primary(_));
    Ok(if with_parts {
        GetResponseAnswer {
            envelope: smev_envelope::encode_get_response_response_mtom(v, Some(&msg)),
            parts: msg.attachments,
        }
    } else {
        GetResponseAnswer {
            envelope: smev_envelope::encode_get_response_response(v, Some(&msg)),
            parts: Vec::new(),
        }
    })
}

fn journal_delivery(app: &App, call: &Call, q: &QueuedResponse) {
    let outcome = if q.deliveries > 1 {
        "redelivered"
    } else {
        "delivered"
    };
    app.queue.journal.append(JournalEntry {
        message_type: Some(q.response_type.clone()),
        ..call.entry(&q.id, Direction::Out, outcome)
    });
}

/// Wraps a JSON answer (of a request sent through `/api/v1/send`) so that it can travel in
/// `MessagePrimaryContent`.
const JSON_WRAPPER_NS: &str = "urn://gateway/json-payload/1.0";

/// The content of `q`'s answer and the files attached to it.
fn response_content(q: &QueuedResponse) -> (ResponseContent, Vec<smev_envelope::Attachment>) {
    let (content, attachments) = match answers::read(q) {
        Answer::Reply {
            format,
            body,
            attachments,
        } => {
            let content = match format {
                Format::Xml => ResponseContent::Primary(body.to_vec()),
                Format::Json => {
                    let text = String::from_utf8_lossy(body);
                    let escaped = quick_xml::escape::escape(text.as_ref());
                    ResponseContent::Primary(
                        format!("<JsonPayload xmlns=\"{JSON_WRAPPER_NS}\">{escaped}</JsonPayload>")
                            .into_bytes(),
                    )
                }
            };
            (content, attachments)
        }
        Answer::Status {
            code,
            description,
            retry_after_ms,
            mut parameters,
        } => {
            if let Some(ms) = retry_after_ms {
                parameters.push(("RetryAfterSeconds".into(), ms.div_ceil(1000).to_string()));
            }
            let status = ResponseContent::Status {
                code,
                description,
                parameters,
            };
            (status, Vec::new())
        }
        Answer::Rejected { code, description } => {
            let rejected = ResponseContent::Rejected(vec![Rejection {
                code: crate::convert::reject_code(code),
                description,
            }]);
            (rejected, Vec::new())
        }
    };
    let attachments = attachments
        .into_iter()
        .map(|a| smev_envelope::Attachment {
            content_id: a.content_id,
            mime_type: a.mime_type,
            data: a.data,
        })
        .collect();
    (content, attachments)
}

fn response_message(app: &App, sender: &Sender, q: &QueuedResponse) -> ResponseMessage {
    let (content, attachments) = response_content(q);
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
        content,
        metadata: MessageMetadata {
            message_id: Some(q.id.clone()),
            message_type: MessageType::Response,
            sender: Some(gateway_party(app)),
            sending_timestamp: created,
            recipient: Some(sender_party(sender)),
            delivery_timestamp: Some(jiff::Timestamp::now()),
            status: Some(InteractionStatus::MessageIsDelivered),
        },
        attachments,
    }
}

async fn ack(app: &App, v: SmevVersion, call: &Call, a: Ack) -> Result<Vec<u8>, Failure> {
    let sender = &call.sender;
    match app
        .queue
        .store
        .ack_response(&sender.mnemonic, &a.message_id)
        .await?
    {
        AckOutcome::Acked | AckOutcome::AlreadyAcked => {
            app.queue.journal.append(JournalEntry {
                detail: a.accepted.filter(|x| !x).map(|_| "accepted=false".into()),
                ..call.entry(&a.message_id, Direction::In, "acked")
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
    call: &Call,
    _r: GetStatus,
) -> Result<Vec<u8>, Failure> {
    let sender = &call.sender;
    let event = app.queue.store.take_status_event(&sender.mnemonic).await?;
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
