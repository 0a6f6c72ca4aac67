//! The gateway's side of the report runner's traits: layouts from the reporting plugin (invoked by name,
//! with a deadline, like any plugin call) and profiles from the profile adapter.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use gateway_adapter_host::Adapters;
use gateway_host::{Outcome, PayloadFormat, PluginHost, QName, Request};
use gateway_reports::ReportError;
use gateway_reports::layout::{self, LayoutRequest};
use gateway_reports::sources::{Layouts, Profile, Profiles};
use serde::Deserialize;

/// The sender mnemonic plugins see on the gateway's own report requests.
pub const REPORTS_SENDER: &str = "GATEWAY-REPORTS";

/// Layouts from the reporting plugin.
pub struct PluginLayouts {
    host: Arc<PluginHost>,
    plugin: String,
    deadline: Duration,
}

impl PluginLayouts {
    /// Layouts from `plugin` on `host`, each within `deadline`.
    pub fn new(host: Arc<PluginHost>, plugin: String, deadline: Duration) -> PluginLayouts {
        PluginLayouts {
            host,
            plugin,
            deadline,
        }
    }
}

#[async_trait]
impl Layouts for PluginLayouts {
    async fn layout(&self, request: &LayoutRequest) -> Result<Vec<u8>, ReportError> {
        let payload =
            serde_json::to_vec(request).map_err(|e| ReportError::Layout(e.to_string()))?;
        let req = Request::new(
            smev_envelope::new_message_id(),
            REPORTS_SENDER,
            QName::new(layout::NAMESPACE, layout::REQUEST),
            PayloadFormat::Json,
            payload,
        );
        let invocation = self
            .host
            .invoke(&self.plugin, req, self.deadline)
            .await
            .map_err(|e| {
                let (_, cause) = crate::chain::describe_failure(&self.plugin, &e);
                ReportError::Layout(cause)
            })?;
        match invocation.outcome {
            Outcome::Reply(r) if r.message_type.local == layout::RESPONSE => Ok(r.payload),
            Outcome::Reply(r) => Err(ReportError::Layout(format!(
                "plugin {} answered {{{}}}{} instead of {}",
                self.plugin,
                r.message_type.namespace,
                r.message_type.local,
                layout::RESPONSE
            ))),
            Outcome::Rejected(r) => Err(ReportError::Layout(format!(
                "plugin {} refused: {}",
                self.plugin, r.description
            ))),
            other => Err(ReportError::Layout(format!(
                "plugin {} gave no layout: {other:?}",
                self.plugin
            ))),
        }
    }
}

/// Profiles from the profile adapter (operation `profile`, see `adapters/org-profile`).
pub struct AdapterProfiles {
    adapters: Arc<Adapters>,
    adapter: String,
}

impl AdapterProfiles {
    /// Profiles from adapter `adapter`.
    pub fn new(adapters: Arc<Adapters>, adapter: String) -> AdapterProfiles {
        AdapterProfiles { adapters, adapter }
    }
}

#[derive(Deserialize)]
struct Answer {
    found: bool,
    #[serde(default)]
    profile: Option<ProfileBody>,
}

#[derive(Deserialize)]
struct ProfileBody {
    name: String,
    email: String,
}

#[async_trait]
impl Profiles for AdapterProfiles {
    async fn profile(&self, organisation: &str) -> Result<Option<Profile>, ReportError> {
        let input = serde_json::json!({ "ogrn": organisation })
            .to_string()
            .into_bytes();
        let output = self
            .adapters
            .call(&self.adapter, "profile", input)
            .await
            .map_err(|e| ReportError::Profile(format!("adapter {}: {e}", self.adapter)))?;
        let answer: Answer = serde_json::from_slice(&output).map_err(|e| {
            ReportError::Profile(format!(
                "adapter {} answered malformed JSON: {e}",
                self.adapter
            ))
        })?;
        match (answer.found, answer.profile) {
            (true, Some(p)) => Ok(Some(Profile {
                name: p.name,
                email: p.email,
            })),
            (true, None) => Err(ReportError::Profile(format!(
                "adapter {} found no profile body",
                self.adapter
            ))),
            (false, _) => Ok(None),
        }
    }
}
