//! Running the chains of queued requests after SendRequest has been acknowledged, and taking over requests
//! whose node died (their lease ran out).
//!
//! A request is leased to the node that accepted it; that node runs its chain at once, on a bounded number of
//! workers, and commits the answer, facts, status event and journal entries in one transaction that also
//! clears the request's payload. If the node dies first, another node claims the request when the lease ends.

use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

use gateway_host::Outcome;
use gateway_store::{
    Direction, Finished, JournalEntry, NewRequest, NewResponse, NewStatusEvent, PendingRequest,
    ResponseKind,
};
use smev_envelope::QName;

use crate::app::App;
use crate::auth::sha256_hex;
use crate::chain::{self, ChainResult};
use crate::convert::{host_clark, store_facts};
use crate::journal;
use crate::queued::{QueuedEnvelope, outcome_body};
use crate::tokens::now_ms;

/// Runs `pending`'s chain on a worker and commits the result.
pub fn spawn(app: &Arc<App>, pending: PendingRequest) {
    let app2 = app.clone();
    let span = crate::trace::chain_span(&pending.request.message_id);
    app.tracker.spawn(
        async move {
            let Ok(_permit) = app2.queue.workers.clone().acquire_owned().await else {
                return;
            };
            process(&app2, pending).await;
        }
        .instrument(span),
    );
}

/// Runs one request's chain and commits its result.
pub async fn process(app: &App, p: PendingRequest) {
    let started = std::time::Instant::now();
    let r = &p.request;
    let envelope = r.payload.as_deref().and_then(QueuedEnvelope::decode);
    let route = app.engine.router.route(&r.message_type).cloned();
    let (result, response_type) = match (envelope, route) {
        (Some(envelope), Some(route)) => {
            let request = chain::request(&r.message_id, &route, &r.sender, envelope);
            (
                chain::run_route(&app.engine.host, &app.engine.router, &route, request).await,
                route.response_type.clone(),
            )
        }
        (None, _) => (
            unanswerable(
                gateway_host::RejectCode::Failure,
                "Содержимое запроса утрачено",
            ),
            unknown_type(&r.message_type),
        ),
        (_, None) => (
            unanswerable(
                gateway_host::RejectCode::UnknownRequestDescription,
                "Вид сведений больше не обслуживается шлюзом",
            ),
            unknown_type(&r.message_type),
        ),
    };
    let finished = finished(app, r, result, &response_type, started.elapsed());
    match app.queue.store.finish_request(&finished).await {
        Ok(gateway_store::FinishOutcome::Finished) => {
            crate::metrics::record::facts_recorded(&finished.facts)
        }
        Ok(_) => {}
        // The lease runs out and this node or another takes the request over.
        Err(e) => {
            tracing::error!(error = %e, message_id = %r.message_id, "could not commit a chain's result; it will be retried")
        }
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
    p: &NewRequest,
    result: ChainResult,
    response_type: &QName,
    elapsed: Duration,
) -> Finished {
    let now = now_ms();
    let response_id = smev_envelope::new_message_id();
    let (kind, body) = outcome_body(&result.outcome);
    let (response_type, purge_at) = match &result.outcome {
        Outcome::Reply(r) => (host_clark(&r.message_type), r.expires_at.map(|t| t as i64)),
        _ => (response_type.to_string(), None),
    };
    let detail = result.denied.clone().or(result.failure.clone());
    let journal = vec![JournalEntry {
        message_type: Some(response_type.clone()),
        detail,
        payload_sha256: Some(sha256_hex(&body)),
        duration_us: Some(elapsed.as_micros() as i64),
        ..journal::entry(
            &app.node,
            &p.sender,
            &response_id,
            Direction::Out,
            outcome_name(&result.outcome),
        )
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

/// Periodically claims requests whose lease ran out (their node died) and runs them here, on the version of the
/// gateway current then.
pub async fn recovery_loop(live: Arc<crate::live::Live>) {
    let started = live.current();
    let every = started.config.queue.recovery_interval.get();
    let lease = started.config.queue.lease.get();
    drop(started);
    loop {
        let shutdown = live.shared().shutdown.clone();
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(every) => {}
        }
        let app = live.current();
        match app.queue.store.claim_requests(lease, 64).await {
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
