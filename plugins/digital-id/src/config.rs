//! The plugin's settings (`[plugins.digital-id.config]`), checked when the plugin is loaded (`describe`).

use serde::Deserialize;

/// The age every age check answers: adult or not.
pub const ADULT: u8 = 18;

/// Settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The adapter of the Digital ID issuer. Default `digital-id-issuer`.
    #[serde(default = "default_adapter")]
    pub issuer_adapter: String,
    /// Ages an age check answers besides 18, e.g. `[21]` for a seller of strong drink; each 1 to 120.
    #[serde(default)]
    pub ages: Vec<u8>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            issuer_adapter: default_adapter(),
            ages: Vec::new(),
        }
    }
}

fn default_adapter() -> String {
    "digital-id-issuer".into()
}

impl Settings {
    /// Reads the config JSON the host hands over (empty means all defaults), and checks the ages.
    pub fn from_json(json: &str) -> Result<Settings, String> {
        let json = if json.trim().is_empty() { "{}" } else { json };
        let settings: Settings = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if let Some(bad) = settings.ages.iter().find(|a| !(1..=120).contains(*a)) {
            return Err(format!("ages: {bad} is not an age from 1 to 120"));
        }
        Ok(settings)
    }

    /// The ages an age check answers: 18, then the configured ones, each once, in order.
    pub fn checked_ages(&self) -> Vec<u8> {
        let mut ages = vec![ADULT];
        for &age in &self.ages {
            if !ages.contains(&age) {
                ages.push(age);
            }
        }
        ages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_typos() {
        assert_eq!(
            Settings::from_json("").map(|s| s.checked_ages()),
            Ok(vec![18])
        );
        assert_eq!(
            Settings::from_json(r#"{"ages": [21, 18, 21]}"#).map(|s| s.checked_ages()),
            Ok(vec![18, 21])
        );
        assert!(Settings::from_json(r#"{"ages": [0]}"#).is_err());
        assert!(Settings::from_json(r#"{"age": [21]}"#).is_err());
    }
}
