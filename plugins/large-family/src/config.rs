//! The plugin's settings (`[plugins.large-family.config]` in the gateway config), checked when the plugin is
//! loaded (`describe`), so that a typo stops the gateway at start rather than failing the first scan.

use serde::Deserialize;

/// Settings, with the seed's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The adapter of the data bank of large families. Default `large-family-bank`.
    #[serde(default = "default_adapter")]
    pub bank_adapter: String,
    /// Whether the answer names the children (last, first and middle names; never a birth date). The seed's
    /// screen shows the family, not the children: default `false`, the number of children only.
    #[serde(default)]
    pub show_children_names: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bank_adapter: default_adapter(),
            show_children_names: false,
        }
    }
}

fn default_adapter() -> String {
    "large-family-bank".into()
}

impl Settings {
    /// Reads the config JSON the host hands over (empty means all defaults).
    pub fn from_json(json: &str) -> Result<Settings, String> {
        let json = if json.trim().is_empty() { "{}" } else { json };
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_typos() {
        assert_eq!(Settings::from_json(""), Ok(Settings::default()));
        assert_eq!(
            Settings::from_json(r#"{"show_children_names": true}"#).map(|s| s.show_children_names),
            Ok(true)
        );
        let typo = Settings::from_json(r#"{"show_children_name": true}"#).expect_err("unknown key");
        assert!(typo.contains("show_children_name"), "{typo}");
    }
}
