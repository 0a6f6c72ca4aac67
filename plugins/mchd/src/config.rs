//! The plugin's settings (`[plugins.<name>.config]` in the gateway config).
//!
//! One component serves two roles, chosen by `role`, because a route's chain ends with a document plugin and a
//! policy step may not: load it twice, once as the policy step of the scanning routes and once as the
//! service answering `VerifyMchdRequest` and `ListScanOrganisationsRequest`:
//!
//! ```toml
//! [plugins.mchd]                    # chain = ["mchd", "svo-status"] in the scanning routes
//! path = "plugins/mchd.wasm"
//! adapters = ["mchd-registry"]
//! [plugins.mchd.config]
//! role = "policy"
//! cache_ttl = "5m"             # registered documents
//! status_cache_ttl = "30s"     # registry statuses: a revocation counts within this time
//!
//! [plugins.mchd-service]            # chain = ["mchd-service"]
//! path = "plugins/mchd.wasm"
//! adapters = ["mchd-registry"]
//! [plugins.mchd-service.config]
//! role = "service"
//! ```

use std::time::Duration;

use gateway_plugin_sdk::duration::duration;
use gateway_plugin_sdk::prelude::QName;
use serde::Deserialize;

use crate::verify::Limits;

/// What the loaded component does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The policy step before the document plugin of every scanning route (the default).
    #[default]
    Policy,
    /// The document plugin of `VerifyMchdRequest` and `ListScanOrganisationsRequest`.
    Service,
}

/// Settings, with their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `"policy"` (default) or `"service"`.
    #[serde(default)]
    pub role: Role,
    /// Policy role: the message types (`{namespace}LocalName`) of the scanning routes this step precedes.
    /// Default: every bundled scanning request (the SVO status `VerifyQrRequest`, the large-family
    /// `VerifyCertificateRequest`, the Digital ID `VerifyDigitalIdRequest`).
    #[serde(default = "default_scan_types")]
    pub scan_types: Vec<String>,
    /// The adapter of the ФНС registry of powers of attorney. Default `mchd-registry`.
    #[serde(default = "default_adapter")]
    pub registry_adapter: String,
    /// How long registered documents fetched from the registry are kept in the gateway's shared token store;
    /// `"0s"` turns the cache off. Default `"5m"`. A cached document holds the names and СНИЛС in it; it is
    /// deleted with its token when this time is up.
    #[serde(default = "default_cache_ttl", deserialize_with = "duration")]
    pub cache_ttl: Duration,
    /// How long a registry status is kept (never longer than `cache_ttl`): a revocation takes effect at most
    /// this long after the registry records it. Default `"30s"`.
    #[serde(default = "default_status_ttl", deserialize_with = "duration")]
    pub status_cache_ttl: Duration,
    /// The `Retry-After` of the answer given while the registry is unavailable. Default `"30s"`.
    #[serde(default = "default_retry_after", deserialize_with = "duration")]
    pub retry_after: Duration,
    /// The most retrust links followed up to the original power of attorney. Default 3.
    #[serde(default = "default_depth")]
    pub max_retrust_depth: usize,
    /// The largest МЧД file accepted, in bytes. Default 1 MiB.
    #[serde(default = "default_max_bytes")]
    pub max_document_bytes: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            role: Role::default(),
            scan_types: default_scan_types(),
            registry_adapter: default_adapter(),
            cache_ttl: default_cache_ttl(),
            status_cache_ttl: default_status_ttl(),
            retry_after: default_retry_after(),
            max_retrust_depth: default_depth(),
            max_document_bytes: default_max_bytes(),
        }
    }
}

fn default_scan_types() -> Vec<String> {
    vec![
        "{urn://gateway/svo-status/1.0}VerifyQrRequest".into(),
        "{urn://gateway/large-family/1.0}VerifyCertificateRequest".into(),
        "{urn://gateway/digital-id/1.0}VerifyDigitalIdRequest".into(),
    ]
}
fn default_adapter() -> String {
    "mchd-registry".into()
}
fn default_cache_ttl() -> Duration {
    Duration::from_secs(300)
}
fn default_status_ttl() -> Duration {
    Duration::from_secs(30)
}
fn default_retry_after() -> Duration {
    Duration::from_secs(30)
}
fn default_depth() -> usize {
    3
}
fn default_max_bytes() -> usize {
    1 << 20
}

impl Settings {
    /// Parses and checks the config JSON.
    pub fn from_json(json: &str) -> Result<Settings, String> {
        let json = if json.trim().is_empty() { "{}" } else { json };
        let settings: Settings = serde_json::from_str(json).map_err(|e| e.to_string())?;
        for name in &settings.scan_types {
            QName::from_clark(name)
                .ok_or_else(|| format!("scan_types: `{name}` is not `{{namespace}}LocalName`"))?;
        }
        if settings.role == Role::Policy && settings.scan_types.is_empty() {
            return Err(
                "scan_types must name at least one message type for the policy role".into(),
            );
        }
        if settings.registry_adapter.trim().is_empty() {
            return Err("registry_adapter is empty".into());
        }
        if settings.max_document_bytes == 0 {
            return Err("max_document_bytes must be positive".into());
        }
        Ok(settings)
    }

    /// The verification limits.
    pub fn limits(&self) -> Limits {
        Limits {
            max_document_bytes: self.max_document_bytes,
            max_retrust_depth: self.max_retrust_depth,
        }
    }

    /// How long a registry status is kept: `status_cache_ttl`, at most `cache_ttl`.
    pub fn status_ttl(&self) -> Duration {
        self.status_cache_ttl.min(self.cache_ttl)
    }

    /// `retry_after` in milliseconds.
    pub fn retry_after_ms(&self) -> u64 {
        u64::try_from(self.retry_after.as_millis()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let s = Settings::from_json("").expect("defaults");
        assert_eq!(s, Settings::default());
        assert_eq!(s.role, Role::Policy);
        assert_eq!(s.cache_ttl, Duration::from_secs(300));
        assert_eq!(
            s.status_ttl(),
            Duration::from_secs(30),
            "statuses are kept shorter"
        );
        let short = Settings::from_json(r#"{"cache_ttl": "10s"}"#).expect("valid");
        assert_eq!(
            short.status_ttl(),
            Duration::from_secs(10),
            "never longer than cache_ttl"
        );
        assert_eq!(s.retry_after_ms(), 30_000);
        let s = Settings::from_json(
            r#"{"role": "service", "cache_ttl": "0s", "retry_after": "1500ms", "max_retrust_depth": 1,
                "scan_types": ["{urn://a}B", "{urn://c}D"], "registry_adapter": "fns"}"#,
        )
        .expect("valid");
        assert_eq!(
            (s.role, s.cache_ttl, s.retry_after_ms()),
            (Role::Service, Duration::ZERO, 1500)
        );
        assert_eq!(
            s.limits(),
            Limits {
                max_document_bytes: 1 << 20,
                max_retrust_depth: 1
            }
        );
        assert_eq!(s.scan_types.len(), 2);
    }

    #[test]
    fn mistakes_are_refused_with_reasons() {
        for (json, expected) in [
            (r#"{"rol": "policy"}"#, "unknown field"),
            (r#"{"role": "both"}"#, "unknown variant"),
            (r#"{"cache_ttl": "5 minutes"}"#, "duration"),
            (r#"{"scan_types": ["VerifyQrRequest"]}"#, "LocalName"),
            (r#"{"scan_types": []}"#, "at least one"),
            (r#"{"registry_adapter": " "}"#, "empty"),
            (r#"{"max_document_bytes": 0}"#, "positive"),
        ] {
            let err = Settings::from_json(json).expect_err(json);
            assert!(err.contains(expected), "{json}: {err}");
        }
    }
}
