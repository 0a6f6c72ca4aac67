//! The plugin's settings (`[plugins.scan-report.config]`).

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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            signed_by: "оператора сервиса".into(),
            file_prefix: "scan-report".into(),
        }
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
