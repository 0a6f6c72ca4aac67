//! The plugin's settings (`[plugins.admission.config]`), checked when the plugin is loaded (`describe`), and
//! who is who among the senders: coordinators by sphere, operators, health authorities.

use std::time::Duration;

use gateway_plugin_sdk::duration::{self, duration, positive_duration};
use gateway_plugin_sdk::host::store::MAX_QUERY;
use serde::Deserialize;

use crate::records::Sphere;

/// Settings, with the seed's defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the gateway's pages are reached from outside: organisation QR codes encode
    /// `<public_base_url>/admission/<participant code>`. Required.
    pub public_base_url: String,
    /// The coordinators of each sphere (sender mnemonics): they approve or decline its applications.
    #[serde(default)]
    pub coordinators: Coordinators,
    /// The operator (the regional IT centre): registers approved participants.
    #[serde(default)]
    pub operators: Vec<String>,
    /// The health authorities: report confirmed cases.
    #[serde(default)]
    pub health_authorities: Vec<String>,
    /// The adapter of the SMS gateway. Default `sms`.
    #[serde(default = "default_sms_adapter")]
    pub sms_adapter: String,
    /// The adapter of the register of confirmed diagnoses. Default `diagnosis-register`.
    #[serde(default = "default_register_adapter")]
    pub register_adapter: String,
    /// How long a visitor's personal QR code lives. Default `5m`.
    #[serde(
        default = "default_visitor_qr_ttl",
        deserialize_with = "positive_duration"
    )]
    pub visitor_qr_ttl: Duration,
    /// How long an SMS code is valid. Default `10m`.
    #[serde(default = "default_code_ttl", deserialize_with = "positive_duration")]
    pub code_ttl: Duration,
    /// SMS codes one phone may ask for within `send_window` (the next request is refused; refused requests count
    /// too). Default 3, at most 999.
    #[serde(default = "default_max_sends")]
    pub max_sends_per_phone: u32,
    /// Default `1h`.
    #[serde(
        default = "default_send_window",
        deserialize_with = "positive_duration"
    )]
    pub send_window: Duration,
    /// Wrong codes tried at one participant within `wrong_code_window` before codes are refused there: with N, the
    /// check after N wrong ones is refused (and counts as one). Default 5, at most 999.
    #[serde(default = "default_max_wrong_codes")]
    pub max_wrong_codes: u32,
    /// Default `15m`.
    #[serde(
        default = "default_wrong_code_window",
        deserialize_with = "positive_duration"
    )]
    pub wrong_code_window: Duration,
    /// A visit of another visitor to the same participant from this long before a visit of an ill visitor is a
    /// contact. Default `2h`.
    #[serde(default = "default_contact", deserialize_with = "duration")]
    pub contact_before: Duration,
    /// … and up to this long after it. Default `2h`.
    #[serde(default = "default_contact", deserialize_with = "duration")]
    pub contact_after: Duration,
    /// How long visits are kept (and how far back an ill visitor's visits are looked for). Default `21d`.
    #[serde(
        default = "default_keep_visits",
        deserialize_with = "duration::positive_duration"
    )]
    pub keep_visits: Duration,
    /// How long applications are kept. Default `365d`.
    #[serde(
        default = "default_keep_applications",
        deserialize_with = "duration::positive_duration"
    )]
    pub keep_applications: Duration,
    /// How long the record that a contact was notified of a case is kept. Default `30d`.
    #[serde(
        default = "default_keep_cases",
        deserialize_with = "duration::positive_duration"
    )]
    pub keep_cases: Duration,
}

/// The coordinators of the three spheres.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinators {
    /// The ministry of culture.
    #[serde(default)]
    pub culture: Vec<String>,
    /// The ministry of sport.
    #[serde(default)]
    pub sport: Vec<String>,
    /// The trade committee.
    #[serde(default)]
    pub trade: Vec<String>,
}

impl Coordinators {
    /// The senders coordinating `sphere`.
    pub fn of(&self, sphere: Sphere) -> &[String] {
        match sphere {
            Sphere::Culture => &self.culture,
            Sphere::Sport => &self.sport,
            Sphere::Trade => &self.trade,
        }
    }
}

impl Settings {
    /// Reads a config JSON and checks it, as `host::config::require` does at load (for the unit tests).
    #[cfg(test)]
    pub fn from_json(json: &str) -> Result<Settings, String> {
        let json = if json.trim().is_empty() { "{}" } else { json };
        let settings: Settings = serde_json::from_str(json).map_err(|e| e.to_string())?;
        settings.check()?;
        Ok(settings)
    }

    /// What serde cannot say: a usable base URL, at least one coordinator, limits of at least one.
    pub fn check(&self) -> Result<(), String> {
        let base = self.base_url();
        let scheme = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"));
        if scheme.is_none_or(|rest| rest.is_empty() || rest.contains(char::is_whitespace)) {
            return Err(format!(
                "public_base_url: `{}` is not an http(s) URL",
                self.public_base_url
            ));
        }
        if Sphere::ALL
            .iter()
            .all(|&sphere| self.coordinators.of(sphere).is_empty())
        {
            return Err("coordinators: name at least one sender (culture, sport or trade)".into());
        }
        // A limit is counted with one query of at most MAX_QUERY records: the one past the limit must fit.
        let most = MAX_QUERY - 1;
        for (name, max) in [
            ("max_sends_per_phone", self.max_sends_per_phone),
            ("max_wrong_codes", self.max_wrong_codes),
        ] {
            if !(1..=most).contains(&max) {
                return Err(format!("{name}: from 1 to {most}, not {max}"));
            }
        }
        Ok(())
    }

    /// `public_base_url` without one trailing `/`.
    pub fn base_url(&self) -> &str {
        let url = self.public_base_url.trim();
        url.strip_suffix('/').unwrap_or(url)
    }

    /// The spheres `sender` coordinates (empty: no coordinator).
    pub fn spheres_of(&self, sender: &str) -> Vec<Sphere> {
        Sphere::ALL
            .into_iter()
            .filter(|&sphere| self.coordinators.of(sphere).iter().any(|s| s == sender))
            .collect()
    }

    /// Whether `sender` is an operator.
    pub fn is_operator(&self, sender: &str) -> bool {
        self.operators.iter().any(|s| s == sender)
    }

    /// Whether `sender` is a health authority.
    pub fn is_health_authority(&self, sender: &str) -> bool {
        self.health_authorities.iter().any(|s| s == sender)
    }

    /// The SMS code's lifetime in whole minutes, rounded up (what the SMS tells).
    pub fn code_minutes(&self) -> u64 {
        self.code_ttl.as_secs().div_ceil(60).max(1)
    }
}

/// A duration in milliseconds (saturating).
pub fn ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn default_sms_adapter() -> String {
    "sms".into()
}
fn default_register_adapter() -> String {
    "diagnosis-register".into()
}
fn default_visitor_qr_ttl() -> Duration {
    Duration::from_secs(5 * 60)
}
fn default_code_ttl() -> Duration {
    Duration::from_secs(10 * 60)
}
fn default_max_sends() -> u32 {
    3
}
fn default_send_window() -> Duration {
    Duration::from_secs(3600)
}
fn default_max_wrong_codes() -> u32 {
    5
}
fn default_wrong_code_window() -> Duration {
    Duration::from_secs(15 * 60)
}
fn default_contact() -> Duration {
    Duration::from_secs(2 * 3600)
}
fn default_keep_visits() -> Duration {
    Duration::from_secs(21 * 86_400)
}
fn default_keep_applications() -> Duration {
    Duration::from_secs(365 * 86_400)
}
fn default_keep_cases() -> Duration {
    Duration::from_secs(30 * 86_400)
}

/// Settings for the unit tests of other modules: every role filled.
#[cfg(test)]
pub fn example() -> Settings {
    Settings::from_json(
        r#"{"public_base_url": "https://dopusk.example.ru/",
            "coordinators": {"culture": ["MINKULT_SK"], "sport": ["MINSPORT_SK"], "trade": ["KOMTORG_SK"]},
            "operators": ["RIAC_SK"], "health_authorities": ["MINZDRAV_SK"]}"#,
    )
    .expect("the example settings are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"public_base_url": "https://dopusk.example.ru/", "coordinators": {"culture": ["MINKULT_SK"]}}"#;

    #[test]
    fn defaults_follow_the_seed() {
        let s = Settings::from_json(MINIMAL).expect("valid");
        assert_eq!(s.base_url(), "https://dopusk.example.ru");
        assert_eq!(
            (s.sms_adapter.as_str(), s.register_adapter.as_str()),
            ("sms", "diagnosis-register")
        );
        assert_eq!(s.visitor_qr_ttl, Duration::from_secs(300));
        assert_eq!(
            (s.code_ttl, s.code_minutes()),
            (Duration::from_secs(600), 10)
        );
        assert_eq!(
            (s.max_sends_per_phone, s.send_window),
            (3, Duration::from_secs(3600))
        );
        assert_eq!(
            (s.max_wrong_codes, s.wrong_code_window),
            (5, Duration::from_secs(900))
        );
        assert_eq!(
            (s.contact_before, s.contact_after),
            (Duration::from_secs(7200), Duration::from_secs(7200))
        );
        assert_eq!(s.keep_visits, Duration::from_secs(21 * 86_400));
        assert_eq!(s.keep_applications, Duration::from_secs(365 * 86_400));
        assert_eq!(s.keep_cases, Duration::from_secs(30 * 86_400));
        assert!(s.operators.is_empty() && s.health_authorities.is_empty());
    }

    #[test]
    fn roles_come_from_the_lists() {
        let s = Settings::from_json(
            r#"{"public_base_url": "http://127.0.0.1:8080",
                "coordinators": {"culture": ["MK", "BOTH"], "sport": ["MS", "BOTH"], "trade": []},
                "operators": ["OP"], "health_authorities": ["MZ"]}"#,
        )
        .expect("valid");
        assert_eq!(s.spheres_of("BOTH"), [Sphere::Culture, Sphere::Sport]);
        assert_eq!(s.spheres_of("MS"), [Sphere::Sport]);
        assert!(s.spheres_of("OP").is_empty());
        assert!(s.is_operator("OP") && !s.is_operator("MK"));
        assert!(s.is_health_authority("MZ") && !s.is_health_authority("OP"));
    }

    #[test]
    fn retentions_read_days() {
        let s = Settings::from_json(
            r#"{"public_base_url": "https://x.ru", "coordinators": {"trade": ["KT"]},
                "keep_visits": "14d", "code_ttl": "90s", "contact_before": "0s"}"#,
        )
        .expect("valid");
        assert_eq!(s.keep_visits, Duration::from_secs(14 * 86_400));
        assert_eq!(s.code_minutes(), 2, "rounded up");
        assert_eq!(s.contact_before, Duration::ZERO);
    }

    #[test]
    fn mistakes_stop_the_plugin_from_loading() {
        for bad in [
            r#"{"coordinators": {"culture": ["MK"]}}"#,
            r#"{"public_base_url": "ftp://x", "coordinators": {"culture": ["MK"]}}"#,
            r#"{"public_base_url": "https://", "coordinators": {"culture": ["MK"]}}"#,
            r#"{"public_base_url": "https://x.ru"}"#,
            r#"{"public_base_url": "https://x.ru", "coordinators": {"culture": []}}"#,
            r#"{"public_base_url": "https://x.ru", "coordinators": {"health": ["MZ"]}}"#,
            r#"{"public_base_url": "https://x.ru", "coordinators": {"culture": ["MK"]}, "operator": ["OP"]}"#,
            r#"{"public_base_url": "https://x.ru", "coordinators": {"culture": ["MK"]}, "code_ttl": "0s"}"#,
            r#"{"public_base_url": "https://x.ru", "coordinators": {"culture": ["MK"]}, "max_wrong_codes": 0}"#,
            r#"{"public_base_url": "https://x.ru", "coordinators": {"culture": ["MK"]}, "max_wrong_codes": 1000}"#,
            r#"{"public_base_url": "https://x.ru", "coordinators": {"culture": ["MK"]}, "max_sends_per_phone": 0}"#,
        ] {
            assert!(Settings::from_json(bad).is_err(), "{bad}");
        }
        assert_eq!(ms(Duration::from_secs(2)), 2000);
        let most = r#"{"public_base_url": "https://x.ru", "coordinators": {"culture": ["MK"]},
                       "max_wrong_codes": 999, "max_sends_per_phone": 999}"#;
        assert!(Settings::from_json(most).is_ok());
    }
}
