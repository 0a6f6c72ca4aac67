//! The simulator's start-up settings.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use hyper::header::{HeaderMap, HeaderName, HeaderValue};

use crate::faults::Faults;

/// What [`run`](crate::run) needs to start.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Directory with one fixture file per simulated registry (e.g. `mod-showcase.json`).
    pub fixtures: PathBuf,
    /// Faults every service starts with; `POST /__config` changes them per service at run time.
    pub faults: Faults,
    /// Serve HTTPS instead of plain HTTP.
    pub tls: Option<SimTls>,
    /// A header every service request must carry; others are answered `401`.
    pub required_header: Option<RequiredHeader>,
    /// Also run the mail sink (SMTP) on this address; `GET /__mail` lists what it received.
    pub smtp: Option<std::net::SocketAddr>,
}

/// HTTPS: the server's certificate and key, and optionally the CA client certificates must chain to.
#[derive(Debug, Clone, PartialEq)]
pub struct SimTls {
    /// PEM certificate chain of the server.
    pub cert: PathBuf,
    /// PEM private key of `cert`.
    pub key: PathBuf,
    /// PEM CA certificates; when set, clients without a certificate of theirs are refused (mutual TLS).
    pub client_ca: Option<PathBuf>,
}

/// A header every service request must carry with exactly this value, like a registry's API key. The control
/// API (`/__...`) does not ask for it. `Debug` hides the value.
#[derive(Clone, PartialEq)]
pub struct RequiredHeader {
    name: HeaderName,
    value: HeaderValue,
}

impl fmt::Debug for RequiredHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequiredHeader")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

impl RequiredHeader {
    /// `name: value`; refused when either cannot be an HTTP header (the message never quotes the value).
    pub fn new(name: &str, value: &str) -> Result<RequiredHeader, String> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid header name"))?;
        if value.is_empty() || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(format!(
                "the value of the required header `{name}` must be non-empty printable ASCII"
            ));
        }
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            format!("the value of the required header `{name}` is not a valid header value")
        })?;
        value.set_sensitive(true);
        Ok(RequiredHeader { name, value })
    }

    /// Reads `NAME=VALUE` (the command line's form).
    pub fn parse(spec: &str) -> Result<RequiredHeader, String> {
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| "expected NAME=VALUE".to_owned())?;
        RequiredHeader::new(name, value)
    }

    /// The header's name.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// Whether `headers` carry the header with the required value (one occurrence, exactly).
    pub(crate) fn admits(&self, headers: &HeaderMap) -> bool {
        let mut values = headers.get_all(&self.name).iter();
        matches!((values.next(), values.next()), (Some(v), None) if v.as_bytes() == self.value.as_bytes())
    }
}

impl SimConfig {
    /// Fixtures from `fixtures`, no faults, plain HTTP, no required header.
    pub fn new(fixtures: impl Into<PathBuf>) -> SimConfig {
        SimConfig {
            fixtures: fixtures.into(),
            faults: Faults::NONE,
            tls: None,
            required_header: None,
            smtp: None,
        }
    }

    /// The same, with a latency for every service.
    pub fn with_latency(mut self, latency: Duration) -> SimConfig {
        self.faults.latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// The same, with a failure rate (0 to 1) for every service.
    pub fn with_failure_rate(mut self, rate: f64) -> SimConfig {
        self.faults.failure_rate = rate;
        self
    }

    /// The same, served over HTTPS.
    pub fn with_tls(mut self, tls: SimTls) -> SimConfig {
        self.tls = Some(tls);
        self
    }

    /// The same, requiring `header` on every service request.
    pub fn with_required_header(mut self, header: RequiredHeader) -> SimConfig {
        self.required_header = Some(header);
        self
    }

    /// The same, with the mail sink on `addr`.
    pub fn with_smtp(mut self, addr: std::net::SocketAddr) -> SimConfig {
        self.smtp = Some(addr);
        self
    }

    /// Checks the fault ranges. (The TLS files are checked when the server is built.)
    pub fn validate(&self) -> Result<(), String> {
        self.faults.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_required_header_is_parsed_and_matched_exactly() {
        let header = RequiredHeader::parse("X-Api-Key=sim-key").expect("valid");
        assert_eq!(header.name(), "x-api-key");
        let mut headers = HeaderMap::new();
        assert!(!header.admits(&headers));
        headers.insert("x-api-key", HeaderValue::from_static("other"));
        assert!(!header.admits(&headers));
        headers.insert("X-API-KEY", HeaderValue::from_static("sim-key"));
        assert!(header.admits(&headers));
        headers.append("x-api-key", HeaderValue::from_static("sim-key"));
        assert!(!header.admits(&headers), "a repeated header is refused");
        // The value may itself contain `=`.
        let bearer = RequiredHeader::parse("Authorization=Bearer a=b").expect("valid");
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("Bearer a=b"));
        assert!(bearer.admits(&headers));
    }

    #[test]
    fn malformed_headers_are_refused_without_echoing_the_value() {
        assert!(RequiredHeader::parse("no-equals-sign").is_err());
        assert!(RequiredHeader::parse("bad name=x").is_err());
        assert!(RequiredHeader::parse("X-Api-Key=").is_err());
        let err = RequiredHeader::parse("X-Api-Key=secret\u{7}").expect_err("control character");
        assert!(!err.contains("secret"), "{err}");
        let debug = format!(
            "{:?}",
            RequiredHeader::parse("X-Api-Key=secret").expect("valid")
        );
        assert!(!debug.contains("secret"), "{debug}");
    }
}
