//! The plugin's settings (`[plugins.svo-status.config]` in the gateway config).

use std::time::Duration;

use gateway_plugin_sdk::duration::positive_duration;
use serde::Deserialize;

/// Settings, with the seeds' defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// How long a QR code and the showcase data behind it live: `"5m"` by the seeds; never zero.
    #[serde(default = "default_ttl", deserialize_with = "positive_duration")]
    pub qr_ttl: Duration,
    /// QR links are `<public_base_url>/somc2/<guid>`.
    #[serde(default = "default_base")]
    pub public_base_url: String,
    /// Where a citizen absent from the showcase requests a certificate of participation (MoD service form).
    #[serde(default = "default_form")]
    pub certificate_form_url: String,
    /// The adapter of the MoD showcase.
    #[serde(default = "default_adapter")]
    pub showcase_adapter: String,
    /// Pixels per QR module in the PNG.
    #[serde(default = "default_scale")]
    pub qr_scale: u32,
}

fn default_ttl() -> Duration {
    Duration::from_secs(300)
}
fn default_base() -> String {
    "https://www.gosuslugi.ru".into()
}
fn default_form() -> String {
    "https://www.gosuslugi.ru/600554/1/form".into()
}
fn default_adapter() -> String {
    "mod-showcase".into()
}
fn default_scale() -> u32 {
    6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_defaults() {
        let ttl = |json: &str| serde_json::from_str::<Settings>(json).map(|s| s.qr_ttl);
        assert_eq!(
            ttl(r#"{"qr_ttl": "1h"}"#).ok(),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            ttl(r#"{"qr_ttl": "1500ms"}"#).ok(),
            Some(Duration::from_millis(1500))
        );
        for bad in [
            r#"{"qr_ttl": "0s"}"#,
            r#"{"qr_ttl": "0ms"}"#,
            r#"{"qr_ttl": "5"}"#,
        ] {
            assert!(ttl(bad).is_err(), "{bad}: a QR code lives some time");
        }
        let s: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(s.qr_ttl, Duration::from_secs(300));
        assert!(
            serde_json::from_str::<Settings>(r#"{"qr_tll": "5m"}"#).is_err(),
            "unknown keys are refused"
        );
    }
}
