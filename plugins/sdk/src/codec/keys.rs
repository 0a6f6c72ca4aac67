//! Key case conversion between the tree (PascalCase, as XML element names) and JSON (camelCase).

use serde_json::{Map, Value};

/// JSON → tree: upper-cases the first letter of every object key and drops null members (absent and null
/// mean the same to an `Option`), recursively.
pub(crate) fn from_json_keys(value: Value) -> Value {
    rename_keys(value, upper_first)
}

/// Tree → JSON: lower-cases the first letter of every object key and drops null members, recursively.
pub(crate) fn to_json_keys(value: Value) -> Value {
    rename_keys(value, lower_first)
}

fn rename_keys(value: Value, rename: fn(&str) -> String) -> Value {
    match value {
        Value::Object(members) => {
            let mut renamed = Map::with_capacity(members.len());
            for (key, member) in members {
                if !member.is_null() {
                    renamed.insert(rename(&key), rename_keys(member, rename));
                }
            }
            Value::Object(renamed)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| rename_keys(item, rename))
                .collect(),
        ),
        scalar => scalar,
    }
}

/// `snils` → `Snils`; non-letters and empty keys are kept.
pub(crate) fn upper_first(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `Snils` → `snils`; non-letters and empty keys are kept.
pub(crate) fn lower_first(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn first_letters_change_case_and_nothing_else() {
        assert_eq!(upper_first("innFl"), "InnFl");
        assert_eq!(lower_first("InnFl"), "innFl");
        assert_eq!(upper_first("фио"), "Фио");
        assert_eq!(lower_first("OGRN"), "oGRN");
        assert_eq!(upper_first(""), "");
        assert_eq!(upper_first("$text"), "$text");
    }

    #[test]
    fn keys_are_renamed_recursively_and_nulls_dropped() {
        let tree = json!({"Person": {"Snils": "1", "Middle": null}, "Items": [{"Code": "a"}, "b"]});
        let json = to_json_keys(tree.clone());
        assert_eq!(
            json,
            json!({"person": {"snils": "1"}, "items": [{"code": "a"}, "b"]})
        );
        assert_eq!(
            from_json_keys(json),
            json!({"Person": {"Snils": "1"}, "Items": [{"Code": "a"}, "b"]})
        );
    }
}
