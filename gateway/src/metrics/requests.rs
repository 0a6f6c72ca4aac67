//! `gateway_requests_total` and `gateway_request_duration_seconds`: each request to an envelope endpoint, with
//! its labels noted where each becomes known, so that no handler carries them.
//!
//! [`observe`] wraps the serving of a request to a SOAP or JSON envelope endpoint in a task-local scope and
//! counts it when the answer is ready. Meanwhile the one place that knows each label notes it: the sender when it
//! is authenticated ([`crate::call::Call::authenticate`]), the operation when a SOAP request is decoded, the
//! message type when the intake finds its route, the fault when it becomes a response
//! ([`crate::respond::problem`], the SOAP fault). Notes outside a scope (another endpoint, a background job) are
//! dropped.
//!
//! | label | value |
//! |---|---|
//! | `endpoint` | the path (`/smev/1.3`, `/api/v1/messages`, ...), a SOAP operation after `#` once decoded (`/smev/1.3#SendRequest`) |
//! | `message_type` | the routed message type (Clark notation); empty before a route is found or for an unrouted type |
//! | `sender` | the authenticated sender's mnemonic; empty when none authenticated |
//! | `outcome` | `ok`, or the SMEV fault the request was answered with (`InvalidContent`, `BusinessDataTypeIsNotSupported`, ...) |
//!
//! A plugin's rejection or status on the synchronous JSON call is `ok` here (no fault): plugin outcomes are
//! `gateway_plugin_invocations_total`.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant};

use hyper::{Method, Request};
use smev_envelope::{FaultKind, Operation};

use super::record::{REQUEST_SECONDS, REQUESTS};

/// The envelope endpoints, each counted under its path.
const ENDPOINTS: [&str; 8] = [
    "/smev/1.1",
    "/smev/1.2",
    "/smev/1.3",
    "/api/v1/messages",
    "/api/v1/send",
    "/api/v1/get",
    "/api/v1/ack",
    "/api/v1/find",
];

tokio::task_local! {
    static CURRENT: RefCell<Labels>;
}

/// The labels of one request, as far as they are known.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Labels {
    endpoint: &'static str,
    operation: Option<&'static str>,
    message_type: Option<String>,
    sender: Option<String>,
    fault: Option<&'static str>,
}

impl Labels {
    /// The label pairs of `gateway_requests_total`.
    fn series(&self) -> [(&'static str, String); 4] {
        [
            ("endpoint", self.endpoint()),
            (
                "message_type",
                self.message_type.clone().unwrap_or_default(),
            ),
            ("sender", self.sender.clone().unwrap_or_default()),
            ("outcome", self.fault.unwrap_or("ok").to_owned()),
        ]
    }

    fn endpoint(&self) -> String {
        match self.operation {
            Some(op) => format!("{}#{op}", self.endpoint),
            None => self.endpoint.to_owned(),
        }
    }

    fn record(&self, elapsed: Duration) {
        ::metrics::counter!(REQUESTS, &self.series()).increment(1);
        ::metrics::histogram!(REQUEST_SECONDS, "endpoint" => self.endpoint())
            .record(elapsed.as_secs_f64());
    }
}

/// The envelope endpoint `method` `path` is, if it is one.
pub fn endpoint(method: &Method, path: &str) -> Option<&'static str> {
    if method != Method::POST {
        return None;
    }
    ENDPOINTS.iter().find(|e| **e == path).copied()
}

/// Serves `req` with `serve` and, when it is a request to an envelope endpoint, counts it with the labels noted
/// while it was served.
pub async fn observe<B, F, Fut>(req: Request<B>, serve: F) -> Fut::Output
where
    F: FnOnce(Request<B>) -> Fut,
    Fut: Future,
{
    let Some(endpoint) = endpoint(req.method(), req.uri().path()) else {
        return serve(req).await;
    };
    let serve = serve(req);
    let started = Instant::now();
    let labels = RefCell::new(Labels {
        endpoint,
        ..Labels::default()
    });
    let (answer, labels) = CURRENT
        .scope(labels, async {
            let answer = serve.await;
            (answer, CURRENT.with(RefCell::take))
        })
        .await;
    labels.record(started.elapsed());
    answer
}

fn note(f: impl FnOnce(&mut Labels)) {
    let _ = CURRENT.try_with(|labels| f(&mut labels.borrow_mut()));
}

/// Notes the authenticated sender.
pub fn sender(mnemonic: &str) {
    note(|l| l.sender = Some(mnemonic.to_owned()));
}

/// Notes the decoded SOAP operation.
pub fn operation(op: Operation) {
    note(|l| l.operation = Some(op.name()));
}

/// Notes the routed message type (the route's key, Clark notation).
pub fn message_type(key: &str) {
    note(|l| l.message_type = Some(key.to_owned()));
}

/// Notes the fault the request is answered with.
pub fn fault(kind: FaultKind) {
    note(|l| l.fault = Some(kind.name()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_envelope_endpoints_are_counted() {
        assert_eq!(endpoint(&Method::POST, "/smev/1.3"), Some("/smev/1.3"));
        assert_eq!(
            endpoint(&Method::POST, "/api/v1/messages"),
            Some("/api/v1/messages")
        );
        for (method, path) in [
            (Method::GET, "/smev/1.3"),
            (Method::GET, "/metrics"),
            (Method::POST, "/api/v1/reload"),
            (Method::POST, "/smev/9.9"),
            (Method::GET, "/somc2/x"),
        ] {
            assert_eq!(endpoint(&method, path), None, "{method} {path}");
        }
    }

    #[tokio::test]
    async fn labels_noted_within_the_scope_are_the_series() {
        let labels = CURRENT
            .scope(
                RefCell::new(Labels {
                    endpoint: "/smev/1.3",
                    ..Labels::default()
                }),
                async {
                    sender("A");
                    operation(Operation::SendRequest);
                    message_type("{urn:t}Request");
                    fault(FaultKind::InvalidContent);
                    CURRENT.with(RefCell::take)
                },
            )
            .await;
        let series = labels.series().map(|(k, v)| format!("{k}={v}"));
        assert_eq!(
            series,
            [
                "endpoint=/smev/1.3#SendRequest",
                "message_type={urn:t}Request",
                "sender=A",
                "outcome=InvalidContent",
            ]
        );
        // Outside a scope a note goes nowhere (and does not panic).
        sender("B");
    }

    #[test]
    fn a_request_without_notes_is_ok_from_no_one() {
        let l = Labels {
            endpoint: "/api/v1/get",
            ..Labels::default()
        };
        assert_eq!(
            l.series().map(|(_, v)| v),
            ["/api/v1/get", "", "", "ok"].map(str::to_owned)
        );
    }

    #[tokio::test]
    async fn an_observed_request_is_counted_once() {
        let handle = super::super::install().expect("the recorder installs");
        let before = count(&handle.render());
        let request = |method: Method| {
            Request::builder()
                .method(method)
                .uri("/api/v1/find")
                .body(())
                .expect("a request")
        };
        let answer = observe(request(Method::POST), |_| async {
            sender("unit-test-sender");
            fault(FaultKind::AccessDenied);
            42
        })
        .await;
        assert_eq!(answer, 42);
        observe(request(Method::GET), |_| async {
            sender("unit-test-sender");
            fault(FaultKind::AccessDenied);
        })
        .await;
        assert_eq!(count(&handle.render()) - before, 1);
    }

    /// The value of the unit test's series in `text`.
    fn count(text: &str) -> u64 {
        text.lines()
            .find(|l| {
                l.starts_with("gateway_requests_total{")
                    && l.contains("sender=\"unit-test-sender\"")
                    && l.contains("outcome=\"AccessDenied\"")
                    && l.contains("endpoint=\"/api/v1/find\"")
            })
            .and_then(|l| l.rsplit(' ').next())
            .map_or(0, |v| v.parse().expect("a count"))
    }
}
