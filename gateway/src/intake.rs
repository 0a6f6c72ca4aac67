//! One acceptance path for every envelope, whatever codec brought it: SOAP `SendRequest`, JSON `/send` and
//! the synchronous JSON `/messages` all call [`accept`], which checks the message ids, the message's life,
//! who sends it, its route and the sender's right to it, and the payload at the edge (schema, identifiers).
//! What it accepted is then queued ([`Accepted::queue`]: stored, leased to this node, its chain started) or
//! run at once ([`Accepted::run`]). Every refusal is a [`Failure`], whose fault and status the error table
//! decides.

use std::sync::Arc;

use gateway_host::{Attachment, PayloadFormat};
use gateway_store::{Direction, Format, NewRequest};
use smev_envelope::{Fault, FaultKind, QName, SmevVersion};

use crate::app::{App, Engine, Queue};
use crate::auth::sha256_hex;
use crate::call::Call;
use crate::chain::{self, ChainResult};
use crate::config::SmevConfig;
use crate::edge;
use crate::error::Failure;
use crate::pipeline;
use crate::queued::QueuedEnvelope;
use crate::router::Route;
use crate::tokens::now_ms;

/// The codec an envelope came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// SOAP, SMEV 3 of this version.
    Soap(SmevVersion),
    /// The JSON API.
    Json,
}

impl Protocol {
    /// What the store records as the request's SMEV version (`1.3`, ..., or `json`).
    pub fn version_name(self) -> &'static str {
        match self {
            Protocol::Soap(v) => v.as_str(),
            Protocol::Json => "json",
        }
    }
}

/// The payload as the codec decoded it.
#[derive(Debug)]
pub enum Payload {
    /// An XML payload: its root element's name and bytes as received, the same as a standalone document (for
    /// the schema check), the namespaces it inherits, the attachments, and the files it names by reference.
    Xml {
        root: QName,
        xml: Vec<u8>,
        standalone: Vec<u8>,
        namespaces: Vec<(String, String)>,
        attachments: Vec<Attachment>,
        references: Vec<gateway_host::AttachmentReference>,
    },
    /// A JSON payload and the message type the caller named (`{namespace}LocalName`).
    Json {
        message_type: String,
        value: serde_json::Value,
    },
}

/// An envelope as it arrives, before any check.
#[derive(Debug)]
pub struct Incoming {
    /// Its codec.
    pub protocol: Protocol,
    /// The sender's MessageID; the JSON API may leave it out (one is made).
    pub message_id: Option<String>,
    /// The sender the caller claims to be (JSON `sender`): must be the authenticated one.
    pub claimed_sender: Option<String>,
    /// ReferenceMessageID.
    pub reference_message_id: Option<String>,
    /// TransactionCode.
    pub transaction_code: Option<String>,
    /// The end of the message's life (SMEV `EOL`).
    pub eol: Option<jiff::Timestamp>,
    /// SMEV `TestMessage`.
    pub test_message: bool,
    /// The payload.
    pub payload: Payload,
}

/// An envelope every check passed, ready to be queued or run.
#[derive(Debug)]
pub struct Accepted {
    /// The MessageID (the sender's, or made for it).
    pub message_id: String,
    /// Its route.
    pub route: Arc<Route>,
    /// The call that brought it: who sent it, since when.
    pub call: Call,
    /// When it was accepted (unix ms).
    pub received_at: i64,
    protocol: Protocol,
    reference_message_id: Option<String>,
    transaction_code: Option<String>,
    envelope: QueuedEnvelope,
}

/// A scan request is held to the rules of the document its QR holds, as if sent as that document's request:
/// the sender must be allowed that type, and the request as it goes on must pass that route's schema and
/// identifier checks. A QR no document recognises passes (it is answered `QR_NOT_RECOGNISED`).
async fn scan_checks(
    engine: &Engine,
    sender: &crate::auth::Sender,
    route: &Route,
    scan: &crate::scan::Scan,
    envelope: &QueuedEnvelope,
) -> Result<(), Failure> {
    let request = gateway_host::Request::new(
        "",
        sender.mnemonic.clone(),
        crate::convert::host_qname(&route.message_type),
        envelope.format,
        envelope.payload.clone(),
    );
    let Some(qr) = crate::scan::qr_of(&request) else {
        return Ok(());
    };
    let Some(target) = scan
        .recognise(&qr)
        .and_then(|d| engine.router.route(&d.route))
    else {
        return Ok(());
    };
    if !sender.may_send(&target.key) {
        return Err(Failure::of(
            FaultKind::AccessDenied,
            "Отправителю не разрешено направлять сведения вида, документ которого содержит QR-код",
        ));
    }
    let converted = crate::scan::as_document(request, &target.message_type, qr.trim())
        .map_err(|why| Failure::client(Fault::invalid_content(vec![why])))?;
    let checked = match converted.format {
        PayloadFormat::Xml => edge::check_xml(target, &engine.schemas, converted.payload).await,
        PayloadFormat::Json => {
            let value: serde_json::Value = serde_json::from_slice(&converted.payload)
                .map_err(|e| Failure::client(Fault::invalid_content(vec![e.to_string()])))?;
            edge::check_json(target, &engine.schemas, &value)
        }
    };
    checked.map_err(Failure::client)
}

/// Checks `incoming` from `sender`.
pub async fn accept(
    engine: &Engine,
    smev: &SmevConfig,
    call: &Call,
    incoming: Incoming,
) -> Result<Accepted, Failure> {
    let sender = &call.sender;
    let message_id = match incoming.message_id {
        Some(id) => {
            let require_v1 = matches!(incoming.protocol, Protocol::Soap(_)) && smev.require_uuid_v1;
            smev_envelope::check_message_id(&id, require_v1)?;
            id
        }
        None => smev_envelope::new_message_id(),
    };
    if let Some(reference) = &incoming.reference_message_id {
        smev_envelope::check_message_id(reference, false)?;
    }
    if incoming
        .eol
        .is_some_and(|eol| eol <= jiff::Timestamp::now())
    {
        return Err(Failure::of(
            FaultKind::EndOfLifeReached,
            "Срок жизни сообщения (EOL) истёк до его приёма",
        ));
    }
    if incoming
        .claimed_sender
        .as_deref()
        .is_some_and(|s| s != sender.mnemonic)
    {
        return Err(Failure::of(
            FaultKind::AccessDenied,
            "Поле sender не совпадает с аутентифицированным отправителем",
        ));
    }
    let root = match &incoming.payload {
        Payload::Xml { root, .. } => root.clone(),
        Payload::Json { message_type, .. } => message_type.parse().map_err(|_| {
            Failure::client(Fault::invalid_content(vec![format!(
                "type `{message_type}` is not `{{namespace}}LocalName`"
            )]))
        })?,
    };
    let key = root.to_string();
    let Some(route) = engine.router.route(&key).cloned() else {
        return Err(Failure::client(Fault::business_data_type_not_supported(
            &root,
        )));
    };
    crate::metrics::requests::message_type(&route.key);
    if !sender.may_send(&key) {
        return Err(Failure::of(
            FaultKind::AccessDenied,
            "Отправителю не разрешено направлять сведения этого вида",
        ));
    }
    let envelope = match incoming.payload {
        Payload::Xml {
            xml,
            standalone,
            namespaces,
            attachments,
            references,
            ..
        } => {
            edge::check_xml(&route, &engine.schemas, standalone).await?;
            QueuedEnvelope {
                format: PayloadFormat::Xml,
                payload: xml,
                namespaces,
                attachments,
                test_message: incoming.test_message,
                references,
            }
        }
        Payload::Json { value, .. } => {
            if !value.is_object() {
                return Err(Failure::client(Fault::invalid_content(vec![
                    "payload must be a JSON object".into(),
                ])));
            }
            edge::check_json(&route, &engine.schemas, &value)?;
            QueuedEnvelope {
                format: PayloadFormat::Json,
                payload: serde_json::to_vec(&value).unwrap_or_default(),
                namespaces: Vec::new(),
                attachments: Vec::new(),
                test_message: incoming.test_message,
                references: Vec::new(),
            }
        }
    };
    if let Some(scan) = &route.scan {
        scan_checks(engine, sender, &route, scan, &envelope).await?;
    }
    Ok(Accepted {
        message_id,
        route,
        call: call.clone(),
        received_at: now_ms(),
        protocol: incoming.protocol,
        reference_message_id: incoming.reference_message_id,
        transaction_code: incoming.transaction_code,
        envelope,
    })
}

impl Accepted {
    /// Stores the request, leased to this node, and starts its chain (SMEV timing: the sender is answered
    /// now, the chain's answer is fetched later). A MessageID this sender used before is
    /// `MessageIsAlreadySent`.
    pub async fn queue(self, app: &Arc<App>) -> Result<(), Failure> {
        let blob = self.envelope.encode();
        let request = NewRequest {
            message_id: self.message_id,
            sender: self.call.sender.mnemonic.clone(),
            message_type: self.route.key.clone(),
            smev_version: self.protocol.version_name().into(),
            format: match self.protocol {
                Protocol::Soap(_) => Format::Xml,
                Protocol::Json => Format::Json,
            },
            reference_message_id: self.reference_message_id,
            transaction_code: self.transaction_code,
            reply_to: Some(self.call.sender.mnemonic.clone()),
            test_message: self.envelope.test_message,
            received_at: self.received_at,
            payload_sha256: Some(sha256_hex(&blob)),
            payload: Some(blob),
        };
        let lease = app.config.queue.lease.get();
        app.queue.store.accept_request(&request, lease).await?;
        let lease_until = request.received_at + lease.as_millis() as i64;
        pipeline::spawn(
            app,
            gateway_store::PendingRequest {
                request,
                lease_until,
                attempts: 1,
            },
        );
        Ok(())
    }

    /// Runs the chain now (the synchronous JSON call): records its facts (unless a test message) and journals
    /// the call.
    pub async fn run(self, engine: &Engine, queue: &Queue) -> Result<ChainResult, Failure> {
        let digest = sha256_hex(&self.envelope.payload);
        let test_message = self.envelope.test_message;
        let request = chain::request(
            &self.message_id,
            &self.route,
            &self.call.sender.mnemonic,
            self.envelope,
        );
        let mut result = chain::run_route(&engine.host, &engine.router, &self.route, request).await;
        if !test_message {
            let facts = crate::convert::store_facts(std::mem::take(&mut result.facts));
            if !facts.is_empty() {
                queue.store.record_facts(&facts).await?;
                crate::metrics::record::facts_recorded(&facts);
            }
        }
        queue.journal.append(gateway_store::JournalEntry {
            message_type: Some(self.route.key.clone()),
            detail: result.denied.clone().or(result.failure.clone()),
            payload_sha256: Some(digest),
            duration_us: Some(self.call.elapsed_us()),
            ..self.call.entry(
                &self.message_id,
                Direction::In,
                crate::pipeline::outcome_name(&result.outcome),
            )
        });
        Ok(result)
    }
}
