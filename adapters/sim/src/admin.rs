//! The control API under `/__`: change faults, read and reset counters.
//!
//! - `GET /__config` → `{"<service>": {"latencyMs": N, "failureRate": F}, ...}`
//! - `POST /__config` `{"service": "mod-showcase", "latencyMs": 0, "failureRate": 0.0}` → the service's new
//!   settings; either setting may be left out to keep it.
//! - `GET /__stats` → `{"<service>": {"calls": N, "found": N, "notFound": N, "failures": N}, ...}`
//! - `POST /__reset` → every counter back to zero; answers the zeroed stats.
//! - `GET /__sms` → what the SMS gateway sent, newest first (its own `GET /sms/v1/sent`, outside faults and
//!   counters).

use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::faults::Faults;
use crate::simulator::Simulator;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigChange {
    service: String,
    latency_ms: Option<u64>,
    failure_rate: Option<f64>,
}

/// Answers `/__<command>`.
pub(crate) fn handle(
    sim: &Simulator,
    method: &Method,
    command: &str,
    body: &[u8],
) -> (StatusCode, Value) {
    match (method, command) {
        (&Method::GET, "config") => (
            StatusCode::OK,
            per_service(sim, |slot| json!(slot.faults.get())),
        ),
        (&Method::POST, "config") => change_config(sim, body),
        (&Method::GET, "stats") => (StatusCode::OK, stats(sim)),
        (&Method::GET, "sms") => sim
            .peek(crate::services::sms::NAME, method, "v1/sent")
            .unwrap_or_else(|| error(StatusCode::NOT_FOUND, "no SMS gateway")),
        (&Method::POST, "reset") => {
            sim.slots.iter().for_each(|slot| slot.counters.reset());
            (StatusCode::OK, stats(sim))
        }
        (_, "config" | "stats" | "reset" | "sms") => {
            error(StatusCode::METHOD_NOT_ALLOWED, "wrong method")
        }
        _ => error(
            StatusCode::NOT_FOUND,
            format!("no control route /__{command}"),
        ),
    }
}

fn change_config(sim: &Simulator, body: &[u8]) -> (StatusCode, Value) {
    let change: ConfigChange = match serde_json::from_slice(body) {
        Ok(change) => change,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"service\", \"latencyMs\", \"failureRate\"}}: {e}"),
            );
        }
    };
    let Some(slot) = sim.slot(&change.service) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no simulated service `{}`", change.service),
        );
    };
    let current = slot.faults.get();
    let next = Faults {
        latency_ms: change.latency_ms.unwrap_or(current.latency_ms),
        failure_rate: change.failure_rate.unwrap_or(current.failure_rate),
    };
    if let Err(reason) = next.validate() {
        return error(StatusCode::BAD_REQUEST, reason);
    }
    slot.faults.set(next);
    tracing::info!(service = %change.service, latency_ms = next.latency_ms, failure_rate = next.failure_rate, "faults changed");
    (
        StatusCode::OK,
        json!({ "service": change.service, "latencyMs": next.latency_ms, "failureRate": next.failure_rate }),
    )
}

fn stats(sim: &Simulator) -> Value {
    per_service(sim, |slot| json!(slot.counters.snapshot()))
}

fn per_service(sim: &Simulator, value: impl Fn(&crate::simulator::Slot) -> Value) -> Value {
    let map: Map<String, Value> = sim
        .slots
        .iter()
        .map(|slot| (slot.service.name().to_owned(), value(slot)))
        .collect();
    Value::Object(map)
}

fn error(status: StatusCode, message: impl Into<String>) -> (StatusCode, Value) {
    (status, json!({ "error": message.into() }))
}
