//! `gateway plugin call`: one plugin, alone, with one payload, as `extism call` runs a module: for trying a
//! plugin while writing it, without routes, senders or a store.
//!
//! The plugin is loaded with the host's limits and capabilities from a gateway config: its `[plugins.NAME]`
//! entry (config table, adapters it may call, memory) when the config has one, the adapters of the config
//! (their `base_url` pointing at the simulator, say), the schemas and the trust store. Tokens live in memory for
//! the call. The outcome is printed; facts the plugin recorded are listed, not written.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use gateway_host::{Outcome, PayloadFormat, QName, Request};

use crate::app::{Components, load_plugins};
use crate::check::offline_services;
use crate::config::{Config, PluginConfig};

/// What to call.
#[derive(Debug, Clone)]
pub struct CallArgs {
    /// The component (`.wasm`).
    pub file: PathBuf,
    /// The plugin's name in the config (`[plugins.NAME]`); default: the entry whose path is `file`, else the
    /// file's stem.
    pub name: Option<String>,
    /// The message type, `{namespace}LocalName`.
    pub message_type: String,
    /// The payload: a JSON object, or an XML element (starting with `<`).
    pub payload: String,
    /// The sender the plugin is told about.
    pub sender: String,
    /// The call's deadline.
    pub deadline: Duration,
}

/// Calls the plugin and describes the outcome.
pub async fn run(config: &Config, args: &CallArgs) -> anyhow::Result<String> {
    let message_type: QName = args
        .message_type
        .parse::<smev_envelope::QName>()
        .map(|q| QName::new(q.namespace, q.local))
        .map_err(|_| anyhow::anyhow!("--type must be {{namespace}}LocalName"))?;
    let file = std::fs::canonicalize(&args.file)
        .with_context(|| format!("plugin file {}", args.file.display()))?;
    let (name, entry) = plugin_entry(config, &file, args.name.as_deref());
    let mut only = config.clone();
    only.plugins = std::collections::BTreeMap::from([(
        name.clone(),
        PluginConfig {
            path: file,
            ..entry
        },
    )]);
    only.pages.clear();
    let components = Components::load(&only)?;
    let allowed = only
        .plugins
        .iter()
        .map(|(n, p)| (n.clone(), p.adapters.clone()))
        .collect();
    let services = offline_services(&components, allowed, "plugin-call").await?;
    let host = load_plugins(&only, services).await?;
    let payload = args.payload.trim();
    let format = if payload.starts_with('<') {
        PayloadFormat::Xml
    } else {
        serde_json::from_str::<serde_json::Value>(payload)
            .context("--payload is neither XML (starting with <) nor a JSON object")?;
        PayloadFormat::Json
    };
    let request = Request::new(
        smev_envelope::new_message_id(),
        args.sender.clone(),
        message_type,
        format,
        payload.as_bytes().to_vec(),
    );
    let invocation = host
        .invoke(&name, request, args.deadline)
        .await
        .map_err(|e| anyhow::anyhow!("plugin {name}: {e}"))?;
    let mut out = String::new();
    match invocation.outcome {
        Outcome::Reply(reply) => {
            out.push_str(&format!(
                "reply {}\n{}\n",
                crate::convert::host_clark(&reply.message_type),
                pretty(&reply.payload)
            ));
            for a in &reply.attachments {
                out.push_str(&format!(
                    "attachment {} ({}, {} bytes)\n",
                    a.content_id,
                    a.mime_type,
                    a.data.len()
                ));
            }
        }
        Outcome::Rejected(r) => {
            out.push_str(&format!("rejected {:?}: {}\n", r.code, r.description))
        }
        Outcome::Status(s) => out.push_str(&format!(
            "status {}: {} (retry after {:?})\n",
            s.code, s.description, s.retry_after
        )),
        Outcome::Proceed(notes) => out.push_str(&format!("proceed {notes:?}\n")),
        Outcome::Deny(d) => out.push_str(&format!("deny {}: {}\n", d.code, d.message)),
    }
    for f in &invocation.facts {
        out.push_str(&format!(
            "fact {} of {} ({}), not written\n",
            f.kind, f.organisation, f.document_type
        ));
    }
    out.push_str(&format!("took {} ms\n", invocation.elapsed.as_millis()));
    Ok(out)
}

/// The plugin's name and entry: the one named, or the one whose path is `file`, or a bare entry named after
/// the file's stem (no config, no adapters).
fn plugin_entry(
    config: &Config,
    file: &std::path::Path,
    name: Option<&str>,
) -> (String, PluginConfig) {
    let by_path = || {
        config.plugins.iter().find(|(_, p)| {
            std::fs::canonicalize(config.resolve(&p.path)).is_ok_and(|path| path == file)
        })
    };
    let found = match name {
        Some(n) => config.plugins.get_key_value(n),
        None => by_path(),
    };
    match found {
        Some((n, p)) => (n.clone(), p.clone()),
        None => {
            let stem = name.map(str::to_owned).unwrap_or_else(|| {
                file.file_stem()
                    .map(|s| s.to_string_lossy().replace('_', "-"))
                    .unwrap_or_else(|| "plugin".into())
            });
            (
                stem,
                PluginConfig {
                    path: file.to_path_buf(),
                    memory: None,
                    adapters: Vec::new(),
                    read_scopes: Vec::new(),
                    config: toml::Table::new(),
                },
            )
        }
    }
}

fn pretty(payload: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(payload).into_owned())
}

/// Refuses a config the call cannot use.
pub fn check(args: &CallArgs) -> anyhow::Result<()> {
    if args.deadline.is_zero() {
        bail!("--deadline must be positive");
    }
    Ok(())
}
