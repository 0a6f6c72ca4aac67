//! The plugin's own config table from the gateway config.

use serde::de::DeserializeOwned;

use crate::bindings::smev_gateway::plugin::config as wit;
use crate::error::ConfigError;

/// The plugin's config table as a JSON object (the operator's keys, unchanged).
pub fn config_json() -> String {
    wit::get()
}

/// The plugin's config table as `T`. Keys are matched as the operator wrote them (usually snake_case); no
/// case conversion applies. An absent table reads as `{}`.
pub fn config<T: DeserializeOwned>() -> Result<T, ConfigError> {
    parse(&config_json())
}

/// Checks the config table when the plugin is loaded: call it in `describe` with the type `handle` reads
/// (a check of your own, if any, in `check`). A table that does not read (a key spelt wrong, with
/// `#[serde(deny_unknown_fields)]`) or fails `check` stops the plugin from loading, and with it the gateway at
/// start and `gateway check`, naming `plugin` and the reason: a typo never waits for the first request.
///
/// # Panics
///
/// That is how a plugin refuses to load: the host reports the panic's message.
pub fn require<T: DeserializeOwned>(plugin: &str, check: impl FnOnce(&T) -> Result<(), String>) {
    let verdict = config::<T>()
        .map_err(|e| e.to_string())
        .and_then(|c| check(&c));
    if let Err(why) = verdict {
        panic!("invalid plugin config of {plugin}: {why}");
    }
}

fn parse<T: DeserializeOwned>(json: &str) -> Result<T, ConfigError> {
    let json = if json.trim().is_empty() { "{}" } else { json };
    serde_json::from_str(json).map_err(|error| ConfigError(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Settings {
        base_url: String,
        #[serde(default)]
        ttl_secs: u64,
    }

    #[test]
    fn config_parses_into_the_type_or_says_why_not() {
        let settings: Settings =
            parse(r#"{"base_url": "https://x", "ttl_secs": 300}"#).expect("valid");
        assert_eq!(
            settings,
            Settings {
                base_url: "https://x".into(),
                ttl_secs: 300
            }
        );
        let error = parse::<Settings>("{}").expect_err("missing base_url");
        assert!(error.0.contains("base_url"), "{error}");
        let empty: serde_json::Value = parse("").expect("empty means {}");
        assert_eq!(empty, serde_json::json!({}));
    }
}
