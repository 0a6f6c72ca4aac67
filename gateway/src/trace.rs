//! A trace id per request (an envelope, a page, a scrape): the span `request{trace_id}` every log line of its
//! handling carries — the gateway's own, the plugins' (`host::log`, emitted inside the invocation) and the
//! adapter host's around each registry call — and a queued request's chain, which runs later on another task,
//! carries the span of the request that accepted it. In JSON logs (`[log] format = "json"`) the id is the
//! `trace_id` field of `span`/`spans`. A caller that sends a W3C `traceparent` header has its trace id kept, so
//! the gateway's lines join the caller's trace; the id is returned in the `x-trace-id` response header.

use hyper::Request;
use tracing::Span;

/// The response header that carries the trace id.
pub const HEADER: &str = "x-trace-id";

/// The trace id of `req`: its `traceparent`'s, when it has a valid one, else a fresh random one (32 lower-case
/// hexadecimal digits, as W3C trace context writes it).
pub fn trace_id<B>(req: &Request<B>) -> String {
    req.headers()
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(from_traceparent)
        .unwrap_or_else(fresh)
}

/// A fresh random trace id.
pub fn fresh() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The span of one request with `trace_id`.
pub fn span(trace_id: &str) -> Span {
    tracing::info_span!("request", trace_id = %trace_id)
}

/// The span of a queued request's chain: the accepting request's when there is one (the chain runs right after
/// the acceptance), else a new trace naming the message (a request taken over after its node died).
pub fn chain_span(message_id: &str) -> Span {
    let current = Span::current();
    if current.is_none() {
        tracing::info_span!("request", trace_id = %fresh(), message_id = %message_id)
    } else {
        current
    }
}

/// The trace id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), unless malformed or all zeros.
fn from_traceparent(value: &str) -> Option<String> {
    let mut parts = value.trim().split('-');
    let (version, id, parent, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let valid = hex(version, 2)
        && version != "ff"
        && hex(id, 32)
        && hex(parent, 16)
        && hex(flags, 2)
        && id.bytes().any(|b| b != b'0')
        && (version != "00" || parts.next().is_none());
    valid.then(|| id.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_traceparent_gives_its_trace_id_and_anything_else_a_fresh_one() {
        assert_eq!(
            from_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        for bad in [
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "garbage",
        ] {
            assert_eq!(from_traceparent(bad), None, "{bad}");
        }
        let req = Request::get("/").body(()).unwrap();
        let id = trace_id(&req);
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
