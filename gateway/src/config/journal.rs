//! `[journal]`: how long the audit trail is kept.

use serde::Deserialize;

use super::units::Dur;

/// `[journal]`: the audit trail of every message in and out (ids, types, outcomes, digests; no content).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JournalConfig {
    /// Entries older than this are deleted by the sweep (`[queue] sweep_interval`), in short batches.
    /// Default `365d`.
    pub retention: Dur,
}

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            retention: Dur::days(365),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_reads_a_duration_defaults_to_a_year_and_refuses_unknown_keys() {
        let c: JournalConfig = toml::from_str("retention = \"30d\"").expect("parses");
        assert_eq!(
            c.retention.get(),
            std::time::Duration::from_secs(30 * 86_400)
        );
        let d: JournalConfig = toml::from_str("").expect("parses");
        assert_eq!(
            d.retention.get(),
            std::time::Duration::from_secs(365 * 86_400)
        );
        assert!(toml::from_str::<JournalConfig>("keep = \"30d\"").is_err());
    }
}
