//! The host's configuration ([`HostConfig`]) and what it needs to load a plugin ([`PluginSpec`]).

use std::path::PathBuf;
use std::time::Duration;

use crate::error::SetupError;

/// The default memory cap of a plugin instance: 64 MiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 64 << 20;

/// The largest memory cap the host accepts: 4 GiB (the 32-bit address space of a WebAssembly memory).
pub const MAX_MEMORY_LIMIT: u64 = 4 << 30;

/// How the plugin host sizes its engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostConfig {
    /// How many plugin instances may exist at once (across all plugins); every in-flight invocation holds one.
    /// The pooling allocator reserves memory, tables and stacks for this many up front. Default 1000.
    pub max_instances: u32,
    /// The largest memory cap any plugin may have, in bytes; each pool slot is sized for it. Default 64 MiB.
    pub max_memory_per_instance: u64,
    /// How often the epoch ticker advances the engine's epoch; the granularity of plugin deadlines and of
    /// the time slices after which a running plugin yields to other tasks. Default 1 ms.
    pub epoch_tick: Duration,
    /// A directory for compiled plugins (wasmtime's cache), so that a restart does not compile again.
    /// Default none (compile at every start).
    pub cache_dir: Option<PathBuf>,
    /// How many files, and bytes in all, a plugin may attach to one reply (`attachments.attach`). Default 16
    /// files, 5 MiB: the gateway sets its `[limits]` for request attachments here too.
    pub reply_attachments: AttachmentLimits,
}

/// Limits of the files attached to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// The most files.
    pub max_files: usize,
    /// The most bytes, all files together.
    pub max_bytes: usize,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        Self {
            max_files: 16,
            max_bytes: 5 << 20,
        }
    }
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            max_instances: 1000,
            max_memory_per_instance: DEFAULT_MEMORY_LIMIT,
            epoch_tick: Duration::from_millis(1),
            cache_dir: None,
            reply_attachments: AttachmentLimits::default(),
        }
    }
}

impl HostConfig {
    /// Checks the values: at least one instance, a memory size between 64 KiB and 4 GiB, a tick between 100 µs
    /// and 1 s.
    pub fn validate(&self) -> Result<(), SetupError> {
        if self.max_instances == 0 {
            return Err(SetupError::InvalidConfig(
                "max_instances must be at least 1".into(),
            ));
        }
        if !(64 << 10..=MAX_MEMORY_LIMIT).contains(&self.max_memory_per_instance) {
            return Err(SetupError::InvalidConfig(format!(
                "max_memory_per_instance must be between 64 KiB and 4 GiB, not {} bytes",
                self.max_memory_per_instance
            )));
        }
        if self.epoch_tick < Duration::from_micros(100) || self.epoch_tick > Duration::from_secs(1)
        {
            return Err(SetupError::InvalidConfig(format!(
                "epoch_tick must be between 100µs and 1s, not {:?}",
                self.epoch_tick
            )));
        }
        Ok(())
    }
}

/// What the host needs to load one plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginSpec {
    /// The name the gateway's config gives the plugin; routes and invocations use it.
    pub name: String,
    /// The component file (`.wasm`).
    pub path: PathBuf,
    /// The plugin's memory cap in bytes (at most [`HostConfig::max_memory_per_instance`]).
    pub memory_limit: u64,
    /// The plugin's config table as a JSON object, handed to the plugin by the `config` interface.
    pub config_json: String,
}

impl PluginSpec {
    /// A spec with the default memory cap ([`DEFAULT_MEMORY_LIMIT`]) and an empty config (`{}`).
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            path: path.into(),
            memory_limit: DEFAULT_MEMORY_LIMIT,
            config_json: "{}".into(),
        }
    }

    /// Sets the memory cap.
    pub fn with_memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// Sets the config JSON.
    pub fn with_config_json(mut self, json: impl Into<String>) -> Self {
        self.config_json = json.into();
        self
    }

    /// Checks the spec against the host's limits: a non-empty name, a memory cap within
    /// `max_memory_per_instance`, a config that is a JSON object.
    pub(crate) fn check(&self, host: &HostConfig) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("the plugin name is empty".into());
        }
        if self.memory_limit < 64 << 10 {
            return Err(format!(
                "memory_limit {} is below one WebAssembly page (64 KiB)",
                self.memory_limit
            ));
        }
        if self.memory_limit > host.max_memory_per_instance {
            return Err(format!(
                "memory_limit {} exceeds the host's max_memory_per_instance {}",
                self.memory_limit, host.max_memory_per_instance
            ));
        }
        match serde_json::from_str::<serde_json::Value>(&self.config_json) {
            Ok(serde_json::Value::Object(_)) => Ok(()),
            Ok(_) => Err("config_json is not a JSON object".into()),
            Err(error) => Err(format!("config_json is not valid JSON: {error}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bounds_are_checked() {
        assert!(HostConfig::default().validate().is_ok());
        let bad = [
            HostConfig {
                max_instances: 0,
                ..HostConfig::default()
            },
            HostConfig {
                max_memory_per_instance: 1024,
                ..HostConfig::default()
            },
            HostConfig {
                max_memory_per_instance: 8 << 30,
                ..HostConfig::default()
            },
            HostConfig {
                epoch_tick: Duration::ZERO,
                ..HostConfig::default()
            },
            HostConfig {
                epoch_tick: Duration::from_secs(2),
                ..HostConfig::default()
            },
        ];
        for config in bad {
            assert!(config.validate().is_err(), "{config:?}");
        }
    }

    #[test]
    fn specs_are_checked_against_the_host() {
        let host = HostConfig::default();
        assert!(PluginSpec::new("p", "p.wasm").check(&host).is_ok());
        assert!(PluginSpec::new(" ", "p.wasm").check(&host).is_err());
        assert!(
            PluginSpec::new("p", "p.wasm")
                .with_memory_limit(host.max_memory_per_instance + 1)
                .check(&host)
                .is_err()
        );
        assert!(
            PluginSpec::new("p", "p.wasm")
                .with_memory_limit(1)
                .check(&host)
                .is_err()
        );
        assert!(
            PluginSpec::new("p", "p.wasm")
                .with_config_json("[1]")
                .check(&host)
                .is_err()
        );
        assert!(
            PluginSpec::new("p", "p.wasm")
                .with_config_json("{")
                .check(&host)
                .is_err()
        );
        assert!(
            PluginSpec::new("p", "p.wasm")
                .with_config_json(r#"{"a": 1}"#)
                .check(&host)
                .is_ok()
        );
    }
}
