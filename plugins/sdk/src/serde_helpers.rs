//! Field helpers for payload types.
//!
//! - [`one_or_many`]: a `Vec` field that accepts a single value too
//!   (`#[serde(default, deserialize_with = "gateway_plugin_sdk::serde_helpers::one_or_many")]`). The SDK's
//!   own decoder ([`Request::decode`](crate::bindings::smev_gateway::plugin::types::Request::decode)) already
//!   does this for every `Vec`; the helper is for types also read with plain `serde_json` or another
//!   deserializer.
//! - [`base64`]: binary data as a base64 string (`xs:base64Binary`)
//!   (`#[serde(with = "gateway_plugin_sdk::serde_helpers::base64")]`).

use serde::{Deserialize, Deserializer};

/// Deserializes a list from a list, a single value, or null (empty).
pub fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
        None(()),
    }
    Ok(match OneOrMany::<T>::deserialize(deserializer)? {
        OneOrMany::Many(items) => items,
        OneOrMany::One(item) => vec![item],
        OneOrMany::None(()) => Vec::new(),
    })
}

/// Binary data as standard base64 (RFC 4648, with padding). Decoding ignores ASCII whitespace, which XML
/// writers use to wrap long `xs:base64Binary` values.
pub mod base64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer, de};

    /// Serializes bytes as a base64 string.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    /// Deserializes bytes from a base64 string.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD
            .decode(compact.as_bytes())
            .map_err(|error| de::Error::custom(format!("invalid base64: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Listed {
        #[serde(default, deserialize_with = "super::one_or_many")]
        items: Vec<String>,
    }

    #[test]
    fn one_or_many_accepts_all_three_shapes() {
        let many: Listed = serde_json::from_value(json!({"items": ["a", "b"]})).expect("many");
        assert_eq!(many.items, ["a", "b"]);
        let one: Listed = serde_json::from_value(json!({"items": "a"})).expect("one");
        assert_eq!(one.items, ["a"]);
        let none: Listed = serde_json::from_value(json!({"items": null})).expect("null");
        assert!(none.items.is_empty());
        let absent: Listed = serde_json::from_value(json!({})).expect("absent");
        assert!(absent.items.is_empty());
        assert!(serde_json::from_value::<Listed>(json!({"items": {"x": 1}})).is_err());
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Blob {
        #[serde(with = "super::base64")]
        data: Vec<u8>,
    }

    #[test]
    fn base64_round_trips_and_tolerates_wrapping() {
        let blob = Blob {
            data: vec![0, 1, 2, 250, 255],
        };
        let value = serde_json::to_value(&blob).expect("serialize");
        assert_eq!(value, json!({"data": "AAEC+v8="}));
        let wrapped: Blob =
            serde_json::from_value(json!({"data": "AAE\n C+v8="})).expect("wrapped");
        assert_eq!(wrapped, blob);
        assert!(serde_json::from_value::<Blob>(json!({"data": "***"})).is_err());
    }
}
