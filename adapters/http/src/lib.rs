//! What the adapters to HTTP registries (MoD showcase, ФНС МЧД registry, organisation profiles) share:
//!
//! - [`Endpoint`]: the adapter's config table, validated at `init`, and the URLs of its operations;
//! - [`JsonClient`]: one `POST` with a JSON body on a blocking `ureq` agent (the adapter's own pool thread),
//!   over TLS for an `https://` registry, with the credential header, bounded by the timeout and an answer
//!   size limit, returning the body of a `200` answer;
//! - the classification every adapter documents:
//!
//! | situation | error kind |
//! |---|---|
//! | connection refused, host unknown, HTTP 5xx / 429 / 408 | `unavailable` |
//! | no complete answer within `timeout_ms` | `timeout` |
//! | TLS handshake failed (untrusted server certificate, client certificate refused) | `failed` |
//! | HTTP 401 / 403 (credential refused), other HTTP status, an answer over the limit | `failed` |
//!
//! Messages name the registry, never the request or the answer: they end up in the gateway's logs, and both
//! carry personal data; nor the credential, which no message, `Debug` output or log line ever shows.
//! [`where_wrong`] describes a JSON error the same way.
//!
//! # The config table
//!
//! | key | meaning |
//! |---|---|
//! | `base_url` | `http://host[:port][/prefix]` or `https://…` (required) |
//! | `timeout_ms` | budget of one call, 1 to 60000 (the adapter's default otherwise) |
//! | `ca_file` | PEM CA certificates the registry's server certificate must chain to; they replace the system roots (`https` only) |
//! | `client_cert`, `client_key` | PEM certificate chain and unencrypted key (PKCS#8, PKCS#1 or SEC1) for mutual TLS; both or neither (`https` only) |
//! | `auth_header` | header carrying the credential (`Authorization`, `X-Api-Key`, ...) |
//! | `auth_value_env` | environment variable holding the credential, read once at `init` |
//! | `auth_value` | the credential itself (instead of `auth_value_env`; keep it out of files) |
//! | `allow_plain_credentials` | `true` to send the credential over `http://` (default `false`: refused) |
//!
//! Paths are absolute. TLS goes through the system's OpenSSL (`ureq`'s native-tls); without `ca_file` the
//! system trust store decides.
//!
//! # Layout
//! - `endpoint`: [`Endpoint`] and its validation.
//! - `tls`: the TLS files, read and checked with OpenSSL ([`TlsError`]).
//! - `credential`: the credential header ([`Credential`], [`CredentialError`]).
//! - `client`: [`JsonClient`], [`status_error`], [`transport_error`].
//! - this file: [`where_wrong`].

mod client;
mod credential;
mod endpoint;
mod tls;

#[cfg(test)]
#[path = "../tests/support/pki.rs"]
mod testing;

pub use client::{JsonClient, status_error, transport_error};
pub use credential::{Credential, CredentialError, Source as CredentialSource};
pub use endpoint::{Endpoint, MAX_TIMEOUT_MS};
pub use tls::{TlsError, TlsFiles};

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
