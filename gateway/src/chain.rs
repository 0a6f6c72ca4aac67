//! Running a route's chain: policy steps in order, then the document plugin, all within the route's deadline.
//!
//! A policy step answers `proceed` (its notes go to later steps) or `deny` (the document plugin is then called
//! with the denial and renders its own answer, e.g. `MCHD_INVALID`); it may also answer directly. Facts are kept
//! only when every step passed and the document plugin replied with content. A plugin failure (trap, deadline,
//! memory cap, error) ends the chain with a `FAILURE` rejection that names the cause: the sender always gets an
//! answer, never an endless `SMEVFailure`.

use std::time::{Duration, Instant};

use gateway_host::{Fact, InvokeError, Outcome, PluginHost, RejectCode, Rejection, Request};

use crate::queued::QueuedEnvelope;
use crate::router::{Route, Router};
use crate::scan;

/// The request a chain's first step sees: `envelope` of `sender`'s `message_id` on `route`.
pub fn request(message_id: &str, route: &Route, sender: &str, envelope: QueuedEnvelope) -> Request {
    Request {
        message_id: message_id.to_owned(),
        message_type: crate::convert::host_qname(&route.message_type),
        format: envelope.format,
        payload: envelope.payload,
        namespaces: envelope.namespaces,
        attachments: envelope.attachments,
        references: envelope.references,
        sender: sender.to_owned(),
        test_message: envelope.test_message,
        annotations: Vec::new(),
        denial: None,
    }
}

/// Runs `route` for `request`: its chain, or for a scan route ([`crate::scan`]) the chain of the document the
/// QR text holds, its reply wrapped in the scan route's answer.
pub async fn run_route(
    host: &PluginHost,
    router: &Router,
    route: &Route,
    request: Request,
) -> ChainResult {
    let Some(scan) = &route.scan else {
        return run(host, route, request).await;
    };
    let format = request.format;
    let recognised = scan::qr_of(&request).and_then(|qr| {
        let document = scan.recognise(&qr)?;
        Some((document, router.route(&document.route)?, qr))
    });
    let Some((document, target, qr)) = recognised else {
        return answered(scan::unrecognised(&scan.answer, format));
    };
    let request = match scan::as_document(request, &target.message_type, qr.trim()) {
        Ok(r) => r,
        Err(why) => {
            tracing::warn!(route = %route.key, %why, "a scan request could not be passed on");
            return answered(scan::unrecognised(&scan.answer, format));
        }
    };
    let mut result = run(host, target, request).await;
    if let Outcome::Reply(reply) = result.outcome {
        result.outcome =
            Outcome::Reply(scan::wrapped(reply, &scan.answer, &document.document_type));
    }
    result
}

fn answered(reply: gateway_host::Reply) -> ChainResult {
    ChainResult {
        outcome: Outcome::Reply(reply),
        facts: Vec::new(),
        denied: None,
        failure: None,
    }
}

/// The result of a chain.
#[derive(Debug)]
pub struct ChainResult {
    /// A reply, rejection or status (never `proceed`/`deny`).
    pub outcome: Outcome,
    /// Facts to record (empty unless every step passed and the answer is a reply).
    pub facts: Vec<Fact>,
    /// The reason code of a policy denial, for the journal.
    pub denied: Option<String>,
    /// The plugin that failed, and how, for the journal.
    pub failure: Option<String>,
}

/// Runs `route`'s chain on `request`.
pub async fn run(host: &PluginHost, route: &Route, mut request: Request) -> ChainResult {
    let started = Instant::now();
    let remaining = |started: Instant| route.deadline.saturating_sub(started.elapsed());
    let mut passed = true;
    for step in &route.policies {
        let left = remaining(started);
        if left.is_zero() {
            return failed(step, &InvokeError::DeadlineExceeded(route.deadline));
        }
        match host.invoke(step, request.clone(), left).await {
            Ok(inv) => match inv.outcome {
                Outcome::Proceed(notes) => request.annotations.extend(notes),
                Outcome::Deny(denial) => {
                    passed = false;
                    request.denial = Some(denial);
                    break;
                }
                terminal => {
                    return ChainResult {
                        outcome: terminal,
                        facts: Vec::new(),
                        denied: None,
                        failure: None,
                    };
                }
            },
            Err(e) => return failed(step, &e),
        }
    }
    // A plugin's own words: kept scrubbed and capped, as every plugin text in the journal.
    let denied = request
        .denial
        .as_ref()
        .map(|d| crate::journal::scrub(&d.code));
    let left = remaining(started);
    if left.is_zero() {
        return failed(
            &route.document,
            &InvokeError::DeadlineExceeded(route.deadline),
        );
    }
    match host.invoke(&route.document, request, left).await {
        Ok(inv) => match inv.outcome {
            Outcome::Proceed(_) | Outcome::Deny(_) => ChainResult {
                outcome: rejection(format!(
                    "Плагин {} нарушил контракт: документный плагин не может пропускать или отклонять шаг",
                    route.document
                )),
                facts: Vec::new(),
                denied,
                failure: Some(format!("{}: contract violation", route.document)),
            },
            outcome => {
                let keep = passed && matches!(outcome, Outcome::Reply(_));
                ChainResult {
                    outcome,
                    facts: if keep { inv.facts } else { Vec::new() },
                    denied,
                    failure: None,
                }
            }
        },
        Err(e) => failed(&route.document, &e),
    }
}

fn rejection(description: String) -> Outcome {
    Outcome::Rejected(Rejection {
        code: RejectCode::Failure,
        description,
    })
}

/// The answer for a plugin that failed: a retryable status when every instance is busy (the sender should
/// come back), otherwise a rejection naming the cause.
fn failed(plugin: &str, e: &InvokeError) -> ChainResult {
    let (text, journal) = describe_failure(plugin, e);
    tracing::warn!(plugin, cause = %journal, "plugin failed");
    let outcome = match e {
        InvokeError::Busy { .. } => Outcome::Status(gateway_host::Status {
            code: 503,
            description: text,
            retry_after: Some(Duration::from_secs(1)),
            parameters: Vec::new(),
        }),
        _ => rejection(text),
    };
    ChainResult {
        outcome,
        facts: Vec::new(),
        denied: None,
        failure: Some(journal),
    }
}

/// A Russian description for the sender and a short cause for the journal (the plugin's own words capped and
/// scrubbed of identifiers: the journal holds no payload values).
pub fn describe_failure(plugin: &str, e: &InvokeError) -> (String, String) {
    match e {
        InvokeError::DeadlineExceeded(d) => (
            format!(
                "Обработка прервана: плагин {plugin} не уложился в отведённое время ({} мс)",
                ms(*d)
            ),
            format!("{plugin}: deadline {} ms exceeded", ms(*d)),
        ),
        InvokeError::MemoryExhausted { limit } => (
            format!(
                "Обработка прервана: плагин {plugin} превысил лимит памяти ({} МиБ)",
                limit / (1 << 20)
            ),
            format!("{plugin}: memory cap {limit} bytes exhausted"),
        ),
        InvokeError::Trap { message } => (
            format!(
                "Обработка прервана: аварийное завершение плагина {plugin}: {}",
                short(message)
            ),
            format!("{plugin}: trap: {}", crate::journal::scrub(message)),
        ),
        InvokeError::PluginError(m) => (
            format!("Плагин {plugin} не смог обработать запрос: {}", short(m)),
            format!("{plugin}: error: {}", crate::journal::scrub(m)),
        ),
        InvokeError::Busy { limit } => (
            "Шлюз перегружен: все экземпляры плагинов заняты, повторите запрос позже".to_owned(),
            format!("{plugin}: all {limit} instances busy"),
        ),
        other => (
            format!("Плагин {plugin} недоступен"),
            format!("{plugin}: {other}"),
        ),
    }
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/// At most 300 characters of a message.
fn short(m: &str) -> String {
    if m.chars().count() <= 300 {
        m.to_owned()
    } else {
        m.chars().take(300).collect::<String>() + "…"
    }
}
