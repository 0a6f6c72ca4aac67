//! The simulator proper: the services with their faults and counters, and request dispatch.
//!
//! Requests to `/<service>/...` go through fault injection (count, latency, maybe 503) to the service. The
//! control API (`/__...`, [`admin`](crate::admin)) is dispatched by the server before this.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use crate::faults::{FaultSwitch, Faults};
use crate::services::{ReplyKind, Service};
use crate::stats::{Counters, Tally};

/// One simulated registry and its run-time state.
pub(crate) struct Slot {
    pub(crate) service: Box<dyn Service>,
    pub(crate) faults: FaultSwitch,
    pub(crate) counters: Counters,
}

/// All simulated registries.
pub(crate) struct Simulator {
    pub(crate) slots: Vec<Slot>,
}

impl Simulator {
    pub(crate) fn new(services: Vec<Box<dyn Service>>, faults: Faults) -> Simulator {
        let slots = services
            .into_iter()
            .map(|service| Slot {
                service,
                faults: FaultSwitch::new(faults),
                counters: Counters::default(),
            })
            .collect();
        Simulator { slots }
    }

    pub(crate) fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|slot| slot.service.name() == name)
    }

    /// Answers one request.
    /// Asks service `name` directly, outside faults and counters (the control API's views of a service).
    pub(crate) fn peek(
        &self,
        name: &str,
        method: &Method,
        rest: &str,
    ) -> Option<(StatusCode, Value)> {
        let reply = self.slot(name)?.service.handle(method, rest, b"");
        Some((reply.status, reply.body))
    }

    pub(crate) async fn dispatch(
        &self,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> (StatusCode, Value) {
        let trimmed = path.trim_start_matches('/');
        let (name, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        let Some(slot) = self.slot(name) else {
            return (
                StatusCode::NOT_FOUND,
                json!({ "error": format!("no simulated service at {path}") }),
            );
        };
        slot.counters.count(Tally::Call);
        let faults = slot.faults.get();
        if !faults.latency().is_zero() {
            tokio::time::sleep(faults.latency()).await;
        }
        if slot.faults.roll_failure(&faults) {
            slot.counters.count(Tally::Failure);
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "error": "simulated failure" }),
            );
        }
        let reply = slot.service.handle(method, rest, body);
        match reply.kind {
            ReplyKind::Found => slot.counters.count(Tally::Found),
            ReplyKind::NotFound => slot.counters.count(Tally::NotFound),
            ReplyKind::Other => {}
        }
        (reply.status, reply.body)
    }
}
