//! Running the chains of queued requests after SendRequest has been acknowledged, and taking over requests
//! whose node died (their lease ran out).
//!
//! A request is leased to the node that accepted it; that node runs its chain at once, on a bounded number of
//! workers, and commits the answer, facts, status event and journal entries in one transaction that also
//! clears the request's payload. If the node dies first, another node claims the request when the lease ends.

use std::sync::Arc;
use std::time::Duration;

use gateway_host::{Outcome, Request};
use gateway_store::{
    Direction, Fact, Finished, JournalEntry, NewResponse, NewStatusEvent, PendingRequest,
    ResponseKind,
};
use smev_envelope::QName;

use crate::app::App;
use crate::auth::sha256_hex;
use crate::chain::{self, ChainResult};
use crate::queued::{QueuedEnvelope, outcome_body};
use crate::tokens::now_ms;

/// Runs `pending`'s chain on a worker and commits the result.
pub fn spawn(app: &Arc<App>, pending: PendingRequest) {
    let app2 = app.clone();
    app.tracker.spawn(async move {
        let Ok(_permit) = app2.workers.clone().acquire_owned().await else {
            return;
        };
        process(&app2, pending).await;
    });
}

/// Runs one request's chain and commits its result.
pub async fn process(app: &App, p: PendingRequest) {
    let started = std::time::Instant::now();
    let envelope = p.payload.as_deref().and_then(QueuedEnvelope::decode);
    let route = app.router.route(&p.message_type).cloned();
    let (result, response_type) = match (envelope, route) {
        (Some(env), Some(route)) => {
            let request = Request {
                message_id: p.message_id.clone(),
                message_type: to_host_qname(&route.message_type),
                format: env.format,
                payload: env.payload,
                namespaces: env.namespaces,
                attachments: env.attachments,
                sender: p.sender.clone(),
                test_message: env.test_message,
                annotations: Vec::new(),
                denial: None,
            };
            (
                chain::run(&app.host, &route, request).await,
                route.response_type.clone(),
            )
        }
        (None, _) => (
            unanswerable(
                gateway_host::RejectCode::Failure,
                "Содержимое запроса утрачено",
            ),
            unknown_type(&p.message_type),
        ),
        (_, None) => (
            unanswerable(
                gateway_host::RejectCode::UnknownRequestDescription,
                "Вид сведений больше не обслуживается шлюзом",
            ),
            unknown_type(&p.message_type),
        ),
    };
    let finished = finished(app, &p, result, &response_type, started.elapsed());
    if let Err(e) = app.store.finish_request(&finished).await {
        // The lease runs out and this node or another takes the request over.
        tracing::error!(error = %e, message_id = %p.message_id, "could not commit a chain's result; it will be retried");
    }
}

fn unanswerable(code: gateway_host::RejectCode, text: &str) -> ChainResult {
    ChainResult {
        outcome: Outcome::Rejected(gateway_host::Rejection {
            code,
            description: text.into(),
        }),
        facts: Vec::new(),
        denied: None,
        failure: Some(text.into()),
    }
}

fn unknown_type(clark: &str) -> QName {
    clark.parse().unwrap_or(QName {
        namespace: String::new(),
        local: "Unknown".into(),
    })
}

/// Converts a QName of the envelope crate to the host's.
pub fn to_host_qname(q: &QName) -> gateway_host::QName {
    gateway_host::QName {
        namespace: q.namespace.clone(),
        local: q.local.clone(),
    }
}

/// The facts of a chain, as the store keeps them; an attribute `id` holding a UUID becomes the fact's id.
pub fn store_facts(facts: Vec<gateway_host::Fact>) -> Vec<Fact> {
    let now = now_ms();
    facts
        .into_iter()
        .map(|f| Fact {
            // A plugin that shows the fact's id to the sender (a scan id) passes it as the attribute `id`.
            id: f
                .attributes
                .iter()
                .find(|(k, v)| k == "id" && uuid::Uuid::parse_str(v).is_ok())
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            kind: f.kind,
            organisation: f.organisation,
            document_type: f.document_type,
            occurred_at: f.occurred_at as i64,
            attributes: serde_json::Value::Object(
                f.attributes
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect(),
            )
            .to_string(),
            recorded_at: now,
        })
        .collect()
}

/// The journal outcome name of an outcome.
pub fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Reply(_) => "replied",
        Outcome::Rejected(_) => "rejected",
        Outcome::Status(_) => "status",
        Outcome::Proceed(_) | Outcome::Deny(_) => "invalid",
    }
}

fn finished(
    app: &App,
    p: &PendingRequest,
    result: ChainResult,
    response_type: &QName,
    elapsed: Duration,
) -> Finished {
    let now = now_ms();
    let response_id = smev_envelope::new_message_id();
    let (kind, body) = outcome_body(&result.outcome);
    let (response_type, purge_at) = match &result.outcome {
        Outcome::Reply(r) => (
            crate::router::clark(&r.message_type.namespace, &r.message_type.local),
            r.expires_at.map(|t| t as i64),
        ),
        _ => (response_type.to_string(), None),
    };
    let detail = result.denied.clone().or(result.failure.clone());
    let journal = vec![JournalEntry {
        id: None,
        at: now,
        node: app.node.clone(),
        sender: p.sender.clone(),
        message_id: response_id.clone(),
        direction: Direction::Out,
        message_type: Some(response_type.clone()),
        outcome: outcome_name(&result.outcome).into(),
        detail,
        payload_sha256: Some(sha256_hex(&body)),
        duration_us: Some(elapsed.as_micros() as i64),
    }];
    Finished {
        sender: p.sender.clone(),
        message_id: p.message_id.clone(),
        response: Some(NewResponse {
            id: response_id,
            response_type,
            kind,
            body,
            format: p.format,
            created_at: now,
            purge_at,
        }),
        status_event: Some(NewStatusEvent {
            id: uuid::Uuid::new_v4().to_string(),
            category: "responseIsQueued".into(),
            details: Some(match kind {
                ResponseKind::Reply => "Ответ сформирован и поставлен в очередь".into(),
                ResponseKind::Rejected => "Запрос отклонён, отказ поставлен в очередь".into(),
                ResponseKind::Status => "Статус обработки поставлен в очередь".into(),
            }),
            fault_code: None,
            fault_description: None,
            created_at: now,
        }),
        facts: store_facts(result.facts),
        journal,
    }
}

/// Periodically claims requests whose lease ran out (their node died) and runs them here.
pub async fn recovery_loop(app: Arc<App>) {
    let every = app.config.queue.recovery_interval.get();
    let lease = app.config.queue.lease.get();
    loop {
        tokio::select! {
            () = app.shutdown.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
        match app.store.claim_requests(lease, 64).await {
            Ok(claimed) => {
                if !claimed.is_empty() {
                    tracing::info!(
                        count = claimed.len(),
                        "taking over requests whose lease ran out"
                    );
                }
                for p in claimed {
                    spawn(&app, p);
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not look for requests to take over"),
        }
    }
}
