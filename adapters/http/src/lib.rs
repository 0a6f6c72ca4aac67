//! What the adapters to HTTP registries (MoD showcase, ФНС МЧД registry, organisation profiles) share:
//!
//! - [`Endpoint`]: the adapter's config table `{"base_url": "http://host[:port][/prefix]", "timeout_ms": N}`,
//!   validated, and the URLs of its operations;
//! - [`JsonClient`]: one `POST` with a JSON body on a blocking `ureq` agent (the adapter's own pool thread),
//!   bounded by the timeout and an answer size limit, returning the body of a `200` answer;
//! - the classification every adapter documents:
//!
//! | situation | error kind |
//! |---|---|
//! | connection refused, host unknown, HTTP 5xx / 429 / 408 | `unavailable` |
//! | no complete answer within `timeout_ms` | `timeout` |
//! | other HTTP status, an answer over the limit | `failed` |
//!
//! Messages name the registry, never the request or the answer: they end up in the gateway's logs, and both
//! carry personal data. [`where_wrong`] describes a JSON error the same way.
//!
//! # Layout
//! - `endpoint`: [`Endpoint`] and its validation.
//! - `client`: [`JsonClient`], [`status_error`], [`transport_error`].
//! - this file: [`where_wrong`].

mod client;
mod endpoint;

pub use client::{JsonClient, status_error, transport_error};
pub use endpoint::{Endpoint, MAX_TIMEOUT_MS};

/// Describes a JSON error by its class and position, without quoting the document (serde's messages may
/// echo values, i.e. personal data).
pub fn where_wrong(error: &serde_json::Error) -> String {
    let class = match error.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "unexpected structure",
        serde_json::error::Category::Eof => "truncated",
    };
    format!(
        "{class} at line {}, column {}",
        error.line(),
        error.column()
    )
}

#[cfg(test)]
mod tests {
    use super::where_wrong;

    #[test]
    fn json_errors_are_described_without_their_values() {
        let err = serde_json::from_str::<u8>(r#""Petrov Petr""#).expect_err("not a number");
        let described = where_wrong(&err);
        assert_eq!(described, "unexpected structure at line 1, column 13");
        let err = serde_json::from_str::<serde_json::Value>("{").expect_err("truncated");
        assert!(where_wrong(&err).starts_with("truncated"));
    }
}
