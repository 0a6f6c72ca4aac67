//! The adapter's config table: where the registry is, how long one call may take, how the connection is
//! secured (TLS with a configured CA, optionally a client certificate) and which credential header goes with
//! every request.

use std::path::PathBuf;
use std::time::Duration;

use gateway_adapter_abi::AdapterError;
use serde::Deserialize;
use ureq::http::Uri;
use ureq::tls::TlsConfig;

use crate::credential::Credential;
use crate::tls::TlsFiles;

/// Longest timeout accepted, in milliseconds.
pub const MAX_TIMEOUT_MS: u64 = 60_000;

/// The config table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    /// `http(s)://host[:port][/prefix]`.
    base_url: String,
    /// Budget of one call (connect, TLS handshake, send, wait, read), in milliseconds, 1 to
    /// [`MAX_TIMEOUT_MS`].
    timeout_ms: Option<u64>,
    /// PEM CA certificates the registry's server certificate must chain to, instead of the system roots.
    ca_file: Option<PathBuf>,
    /// PEM certificate (then its intermediates) the gateway presents for mutual TLS; with `client_key`.
    client_cert: Option<PathBuf>,
    /// PEM private key of `client_cert`, unencrypted.
    client_key: Option<PathBuf>,
    /// Name of the header carrying the credential (`Authorization`, `X-Api-Key`, ...).
    auth_header: Option<String>,
    /// The credential itself; prefer `auth_value_env`. Read as any JSON value so that a wrong type is refused
    /// without serde quoting it (a numeric token set through `GATEWAY__…` arrives as a number).
    auth_value: Option<serde_json::Value>,
    /// The environment variable holding the credential.
    auth_value_env: Option<String>,
    /// Allows a credential header over plain `http://` (e.g. to a registry on loopback).
    #[serde(default)]
    allow_plain_credentials: bool,
}

/// A validated registry endpoint. `Debug` never shows the credential.
#[derive(Debug, Clone)]
pub struct Endpoint {
    base_url: String,
    timeout: Duration,
    tls: Option<TlsConfig>,
    credential: Option<Credential>,
}

impl Endpoint {
    /// Reads the config table of adapter `adapter` (named in messages); `timeout_ms` defaults to
    /// `default_timeout_ms`. Refused as `invalid`, with the reason: unknown keys; a URL that is not
    /// `http(s)://host…` without a query, or carries `user:password@`; a timeout outside 1 to [`MAX_TIMEOUT_MS`]; TLS keys (`ca_file`,
    /// `client_cert`, `client_key`) with an `http://` URL; a TLS file that is not an absolute path, cannot
    /// be read, is not PEM, or (client certificate) does not match its key or has expired; one of
    /// `client_cert`/`client_key` without the other; an incomplete or malformed credential (see
    /// [`Credential::from_keys`]), or one over `http://` without `allow_plain_credentials = true`.
    /// The credential's environment variable is read here, once.
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
        // Checked before any message quotes the URL.
        let authority = base_url
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next());
        if authority.flatten().is_some_and(|a| a.contains('@')) {
            return Err(invalid(
                "base_url must not carry credentials (user:password@host); use auth_header".into(),
            ));
        }
        let uri: Uri = base_url
            .parse()
            .map_err(|e| invalid(format!("base_url `{base_url}` is not a URL: {e}")))?;
        let https = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => {
                return Err(invalid(format!(
                    "base_url `{base_url}` must start with http:// or https://"
                )));
            }
        };
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
        let files = TlsFiles {
            ca_file: table.ca_file.as_deref(),
            client_cert: table.client_cert.as_deref(),
            client_key: table.client_key.as_deref(),
        };
        let tls = if https {
            Some(files.load().map_err(|e| invalid(e.to_string()))?)
        } else if files.any() {
            return Err(invalid(format!(
                "ca_file, client_cert and client_key need an https:// base_url, not `{base_url}`"
            )));
        } else {
            None
        };
        let auth_value = match &table.auth_value {
            None => None,
            Some(serde_json::Value::String(value)) => Some(value.as_str()),
            Some(_) => {
                return Err(invalid(
                    "auth_value must be a string (quote it, also when it is set through the environment)"
                        .into(),
                ));
            }
        };
        let credential = Credential::from_keys(
            table.auth_header.as_deref(),
            auth_value,
            table.auth_value_env.as_deref(),
            |name: &str| std::env::var_os(name),
        )
        .map_err(|e| invalid(e.to_string()))?;
        if let Some(credential) = &credential
            && !https
            && !table.allow_plain_credentials
        {
            return Err(invalid(format!(
                "auth_header `{}` over http:// would send the credential unencrypted: use an https:// \
                 base_url, or set allow_plain_credentials = true (a registry on loopback)",
                credential.name()
            )));
        }
        Ok(Endpoint {
            base_url,
            timeout: Duration::from_millis(timeout_ms),
            tls,
            credential,
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

    /// Whether the registry is reached over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The credential header's name, if one is sent.
    pub fn credential_header(&self) -> Option<&str> {
        self.credential.as_ref().map(|c| c.name().as_str())
    }

    /// The TLS settings of an `https://` endpoint.
    pub(crate) fn tls(&self) -> Option<&TlsConfig> {
        self.tls.as_ref()
    }

    /// The credential sent with every request.
    pub(crate) fn credential(&self) -> Option<&Credential> {
        self.credential.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Pki;
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
        assert!(!e.is_tls());
        assert_eq!(e.credential_header(), None);
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
    fn https_trusts_the_system_roots_or_the_configured_ca() {
        let e = Endpoint::from_json("test", json!({"base_url": "https://registry.local"}), 800)
            .expect("valid");
        assert!(e.is_tls());
        let pki = Pki::new();
        let e = Endpoint::from_json(
            "test",
            json!({
                "base_url": "https://127.0.0.1:8443/api",
                "ca_file": pki.ca,
                "client_cert": pki.client_cert,
                "client_key": pki.client_key,
                "auth_header": "X-Api-Key",
                "auth_value": "k",
            }),
            800,
        )
        .expect("valid");
        assert!(e.tls().and_then(TlsConfig::client_cert).is_some());
        assert_eq!(e.credential_header(), Some("x-api-key"));
    }

    #[test]
    fn refuses_bad_configurations_with_reasons() {
        assert!(refused(json!(null)).contains("required"));
        assert!(refused(json!({})).contains("base_url"));
        assert!(refused(json!({"base_url": "http://x", "extra": 1})).contains("unknown field"));
        assert!(refused(json!({"base_url": "not a url"})).contains("not a URL"));
        assert!(refused(json!({"base_url": "ftp://x"})).contains("http:// or https://"));
        assert!(refused(json!({"base_url": "/relative"})).contains("http://"));
        assert!(refused(json!({"base_url": "http://x/?a=1"})).contains("query"));
        let userinfo = refused(json!({"base_url": "https://gw:hunter2@x/api"}));
        assert!(
            userinfo.contains("must not carry credentials"),
            "{userinfo}"
        );
        assert!(!userinfo.contains("hunter2"), "{userinfo}");
        assert!(refused(json!({"base_url": "http://x", "timeout_ms": 0})).contains("timeout_ms"));
        assert!(
            refused(json!({"base_url": "http://x", "timeout_ms": 60_001})).contains("timeout_ms")
        );
    }

    #[test]
    fn tls_keys_need_https_and_readable_files() {
        let pki = Pki::new();
        let plain = refused(json!({"base_url": "http://x", "ca_file": pki.ca}));
        assert!(plain.contains("need an https:// base_url"), "{plain}");
        let relative = refused(json!({"base_url": "https://x", "ca_file": "ca.pem"}));
        assert!(relative.contains("absolute"), "{relative}");
        let half = refused(json!({"base_url": "https://x", "client_cert": pki.client_cert}));
        assert!(half.contains("both or neither"), "{half}");
    }

    #[test]
    fn a_credential_needs_https_unless_plain_credentials_are_allowed() {
        let plain = json!({"base_url": "http://127.0.0.1:8090", "auth_header": "X-Api-Key", "auth_value": "k"});
        let message = refused(plain.clone());
        assert!(message.contains("allow_plain_credentials"), "{message}");
        assert!(!message.contains("\"k\""), "{message}");
        let mut allowed = plain;
        allowed["allow_plain_credentials"] = json!(true);
        let e = Endpoint::from_json("test", allowed, 800).expect("allowed");
        assert_eq!(e.credential_header(), Some("x-api-key"));
    }

    #[test]
    fn credential_errors_never_echo_the_value() {
        let base = || json!({"base_url": "https://x", "auth_header": "X-Api-Key"});
        let mut numeric = base();
        numeric["auth_value"] = json!(918_273_645);
        let message = refused(numeric);
        assert!(message.contains("must be a string"), "{message}");
        assert!(!message.contains("918273645"), "{message}");
        let mut padded = base();
        padded["auth_value"] = json!(" hunter2 ");
        let message = refused(padded);
        assert!(
            message.contains("whitespace") && !message.contains("hunter2"),
            "{message}"
        );
        let mut unset = base();
        unset["auth_value_env"] = json!("GATEWAY_ADAPTER_HTTP_TEST_NEVER_SET");
        let message = refused(unset);
        assert!(
            message.contains("`GATEWAY_ADAPTER_HTTP_TEST_NEVER_SET`"),
            "{message}"
        );
        let debug = format!(
            "{:?}",
            Endpoint::from_json(
                "test",
                json!({"base_url": "https://x", "auth_header": "X-Api-Key", "auth_value": "hunter2"}),
                800
            )
            .expect("valid")
        );
        assert!(!debug.contains("hunter2"), "{debug}");
    }
}
