//! The adapter's configuration table and its validation.

use std::time::Duration;

use gateway_adapter_abi::AdapterError;
use serde::Deserialize;
use ureq::http::Uri;

/// Longest timeout accepted, in milliseconds.
pub const MAX_TIMEOUT_MS: u64 = 60_000;

/// Configuration, e.g. `{"base_url": "http://127.0.0.1:8090", "timeout_ms": 800}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the registry is: `http://host[:port][/prefix]`. Operations go to
    /// `<base_url>/mchd-registry/v1/<operation>`. Plain HTTP only: this build carries no TLS.
    pub base_url: String,
    /// Budget of one call (connect, send, wait, read), in milliseconds, 1 to 60 000. Default 800.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    800
}

impl Config {
    /// Reads and validates the configuration JSON.
    pub fn from_json(value: serde_json::Value) -> Result<Config, AdapterError> {
        if value.is_null() {
            return Err(AdapterError::invalid(
                "mchd-registry adapter: configuration is required (base_url)",
            ));
        }
        let config: Config = serde_json::from_value(value).map_err(|e| {
            AdapterError::invalid(format!("mchd-registry adapter configuration: {e}"))
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the URL and the timeout.
    pub fn validate(&self) -> Result<(), AdapterError> {
        let invalid = |what: String| {
            Err(AdapterError::invalid(format!(
                "mchd-registry adapter: {what}"
            )))
        };
        let uri: Uri = match self.base_url.parse() {
            Ok(uri) => uri,
            Err(e) => return invalid(format!("base_url `{}` is not a URL: {e}", self.base_url)),
        };
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return invalid("base_url uses https, but this build has no TLS support".into());
            }
            _ => {
                return invalid(format!(
                    "base_url `{}` must start with http://",
                    self.base_url
                ));
            }
        }
        if uri.host().is_none_or(str::is_empty) {
            return invalid(format!("base_url `{}` has no host", self.base_url));
        }
        if uri.query().is_some() {
            return invalid(format!(
                "base_url `{}` must not have a query",
                self.base_url
            ));
        }
        if !(1..=MAX_TIMEOUT_MS).contains(&self.timeout_ms) {
            return invalid(format!(
                "timeout_ms must be between 1 and {MAX_TIMEOUT_MS}, not {}",
                self.timeout_ms
            ));
        }
        Ok(())
    }

    /// The endpoint of `operation`.
    pub fn url(&self, operation: &str) -> String {
        format!(
            "{}/mchd-registry/v1/{operation}",
            self.base_url.trim_end_matches('/')
        )
    }

    /// The timeout as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gateway_adapter_abi::ErrorKind;
    use serde_json::json;

    fn refused(value: serde_json::Value) -> String {
        let err = Config::from_json(value).expect_err("refused");
        assert_eq!(err.kind, ErrorKind::Invalid);
        err.message
    }

    #[test]
    fn accepts_the_documented_example_and_defaults_the_timeout() {
        let c = Config::from_json(json!({"base_url": "http://127.0.0.1:8090", "timeout_ms": 500}))
            .expect("valid");
        assert_eq!(c.timeout(), Duration::from_millis(500));
        assert_eq!(
            c.url("status"),
            "http://127.0.0.1:8090/mchd-registry/v1/status"
        );
        let c = Config::from_json(json!({"base_url": "http://fns.local/api/"})).expect("valid");
        assert_eq!(c.timeout_ms, 800);
        assert_eq!(
            c.url("fetch"),
            "http://fns.local/api/mchd-registry/v1/fetch"
        );
    }

    #[test]
    fn refuses_bad_configurations_with_reasons() {
        assert!(refused(json!(null)).contains("required"));
        assert!(refused(json!({})).contains("base_url"));
        assert!(refused(json!({"base_url": "http://x", "extra": 1})).contains("unknown field"));
        assert!(refused(json!({"base_url": "not a url"})).contains("not a URL"));
        assert!(refused(json!({"base_url": "ftp://x"})).contains("http://"));
        assert!(refused(json!({"base_url": "https://x"})).contains("TLS"));
        assert!(refused(json!({"base_url": "http://x/?a=1"})).contains("query"));
        assert!(refused(json!({"base_url": "http://x", "timeout_ms": 0})).contains("timeout_ms"));
        assert!(
            refused(json!({"base_url": "http://x", "timeout_ms": 60_001})).contains("timeout_ms")
        );
    }
}
