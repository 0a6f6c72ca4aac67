//! The plugin's settings (`[plugins.scan-report.config]`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// Settings, with defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Whose signature is attached, in the genitive: «отсоединённая электронная подпись …» (the seeds:
    /// «Минцифры России»). Default «оператора сервиса».
    pub signed_by: String,
    /// The start of the file names: `<prefix>_<ОГРН>_<from>_<to>.xlsx`. Default `scan-report`.
    pub file_prefix: String,
    /// What the report calls each document type, added to (or replacing) the bundled names of `svo-status`,
    /// `large-family` and `digital-id`; a type without a name shows as recorded.
    pub document_type_names: BTreeMap<String, String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            signed_by: "оператора сервиса".into(),
            file_prefix: "scan-report".into(),
            document_type_names: BTreeMap::new(),
        }
    }
}

/// The bundled document types' names.
const BUNDLED_NAMES: &[(&str, &str)] = &[
    ("svo-status", "Статус участника СВО"),
    ("large-family", "Удостоверение многодетной семьи"),
    ("digital-id", "Цифровой ID"),
];

impl Settings {
    /// Every document type's name: the bundled ones, then the configured ones over them.
    pub fn type_names(&self) -> BTreeMap<String, String> {
        let mut names: BTreeMap<String, String> = BUNDLED_NAMES
            .iter()
            .map(|(code, name)| ((*code).to_owned(), (*name).to_owned()))
            .collect();
        names.extend(self.document_type_names.clone());
        names
    }
}

impl Settings {
    /// Checks the prefix: latin letters, digits, `-` and `_` only (it becomes part of file names).
    pub fn check(&self) -> Result<(), String> {
        let p = &self.file_prefix;
        if p.is_empty()
            || p.len() > 64
            || !p
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "file_prefix `{p}`: use 1–64 latin letters, digits, `-` or `_`"
            ));
        }
        if self.signed_by.trim().is_empty() || self.signed_by.chars().any(char::is_control) {
            return Err("signed_by must be a non-empty line of text".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_plain() {
        assert!(Settings::default().check().is_ok());
        let bad = Settings {
            file_prefix: "../x".into(),
            ..Settings::default()
        };
        assert!(bad.check().is_err());
    }
}
