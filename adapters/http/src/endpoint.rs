//! The adapter's config table: where the registry is and how long one call may take.

use std::time::Duration;

use gateway_adapter_abi::AdapterError;
use serde::Deserialize;
use ureq::http::Uri;

/// Longest timeout accepted, in milliseconds.
pub const MAX_TIMEOUT_MS: u64 = 60_000;

/// The config table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// `http://host[:port][/prefix]`. Plain HTTP only: this build carries no TLS.
    base_url: String,
    /// Budget of one call (connect, send, wait, read), in milliseconds, 1 to [`MAX_TIMEOUT_MS`].
    timeout_ms: Option<u64>,
}

/// A validated registry endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base_url: String,
    timeout: Duration,
}

impl Endpoint {
    /// Reads `{"base_url": "...", "timeout_ms": N}` of adapter `adapter` (named in messages); `timeout_ms`
    /// defaults to `default_timeout_ms`. Unknown keys, a URL that is not `http://host…` without a query, and a
    /// timeout outside 1 to [`MAX_TIMEOUT_MS`] are `invalid`.
    pub fn from_json(
        adapter: &str,
        value: serde_json::Value,
        default_timeout_ms: u64,
    ) -> Result<Endpoint, AdapterError> {
        let invalid = |what: String| AdapterError::invalid(format!("{adapter} adapter: {what}"));
        if value.is_null() {
            return Err(invalid("configuration is required (base_url)".into()));
        }
        let table: Table = serde_json::from_value(value)
            .map_err(|e| AdapterError::invalid(format!("{adapter} adapter configuration: {e}")))?;
        let base_url = table.base_url;
        let uri: Uri = base_url
            .parse()
            .map_err(|e| invalid(format!("base_url `{base_url}` is not a URL: {e}")))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(invalid(
                    "base_url uses https, but this build has no TLS support".into(),
                ));
            }
            _ => {
                return Err(invalid(format!(
                    "base_url `{base_url}` must start with http://"
                )));
            }
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(invalid(format!("base_url `{base_url}` has no host")));
        }
        if uri.query().is_some() {
            return Err(invalid(format!(
                "base_url `{base_url}` must not have a query"
            )));
        }
        let timeout_ms = table.timeout_ms.unwrap_or(default_timeout_ms);
        if !(1..=MAX_TIMEOUT_MS).contains(&timeout_ms) {
            return Err(invalid(format!(
                "timeout_ms must be between 1 and {MAX_TIMEOUT_MS}, not {timeout_ms}"
            )));
        }
        Ok(Endpoint {
            base_url,
            timeout: Duration::from_millis(timeout_ms),
        })
    }

    /// `<base_url>/<path>` (one slash between them).
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}/{}",
            self.base_url.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// The budget of one call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;
    use serde_json::json;

    fn refused(value: serde_json::Value) -> String {
        let err = Endpoint::from_json("test", value, 800).expect_err("refused");
        assert_eq!(err.kind, ErrorKind::Invalid);
        assert!(err.message.starts_with("test adapter"), "{}", err.message);
        err.message
    }

    #[test]
    fn accepts_a_url_and_defaults_the_timeout() {
        let e = Endpoint::from_json(
            "test",
            json!({"base_url": "http://127.0.0.1:8090", "timeout_ms": 500}),
            800,
        )
        .expect("valid");
        assert_eq!(e.timeout(), Duration::from_millis(500));
        assert_eq!(
            e.url("mod-showcase/v1/lookup"),
            "http://127.0.0.1:8090/mod-showcase/v1/lookup"
        );
        let e = Endpoint::from_json(
            "test",
            json!({"base_url": "http://registry.local/api/"}),
            800,
        )
        .expect("valid");
        assert_eq!(e.timeout(), Duration::from_millis(800));
        assert_eq!(e.url("/x/v1/y"), "http://registry.local/api/x/v1/y");
    }

    #[test]
    fn refuses_bad_configurations_with_reasons() {
        assert!(refused(json!(null)).contains("required"));
        assert!(refused(json!({})).contains("base_url"));
        assert!(refused(json!({"base_url": "http://x", "extra": 1})).contains("unknown field"));
        assert!(refused(json!({"base_url": "not a url"})).contains("not a URL"));
        assert!(refused(json!({"base_url": "ftp://x"})).contains("http://"));
        assert!(refused(json!({"base_url": "https://x"})).contains("TLS"));
        assert!(refused(json!({"base_url": "/relative"})).contains("http://"));
        assert!(refused(json!({"base_url": "http://x/?a=1"})).contains("query"));
        assert!(refused(json!({"base_url": "http://x", "timeout_ms": 0})).contains("timeout_ms"));
        assert!(
            refused(json!({"base_url": "http://x", "timeout_ms": 60_001})).contains("timeout_ms")
        );
    }
}
