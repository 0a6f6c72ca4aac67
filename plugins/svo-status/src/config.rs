//! The plugin's settings (`[plugins.svo-status.config]` in the gateway config).

use std::time::Duration;

use serde::Deserialize;

/// Settings, with the seeds' defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// How long a QR code and the showcase data behind it live: `"5m"` by the seeds.
    #[serde(default = "default_ttl", deserialize_with = "duration")]
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

/// `"300ms"`, `"5m"`, `"1h"`: one number and a unit.
fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s)
        .ok_or_else(|| serde::de::Error::custom(format!("`{s}` is not a duration like \"5m\"")))
}

/// Parses `<number><ms|s|m|h>`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let n: u64 = s[..split].parse().ok()?;
    match &s[split..] {
        "ms" => Some(Duration::from_millis(n)),
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n * 60)),
        "h" => Some(Duration::from_secs(n * 3600)),
        _ => None,
    }
    .filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_defaults() {
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1500ms"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration("5"), None);
        let s: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(s.qr_ttl, Duration::from_secs(300));
        assert!(
            serde_json::from_str::<Settings>(r#"{"qr_tll": "5m"}"#).is_err(),
            "unknown keys are refused"
        );
    }
}
