//! `svo-status`: the SVO participant status QR (seeds 001, 004).
//!
//! A citizen asks for a QR code (`IssueQrRequest`); the plugin asks the MoD showcase through the
//! `mod-showcase` adapter and, for a participant, issues a token holding the showcase data for `qr_ttl`
//! (5 minutes by the seeds) whose link `<public_base_url>/somc2/<guid>` it draws as a QR code. A repeat request
//! within that time returns the same QR without asking the showcase again. An employee verifies a scanned code
//! (`VerifyQrRequest`), for themselves or on behalf of an organisation (the МЧД policy step checks that).
//! Anyone who opens the link sees the page the plugin serves for `/somc2/<guid>` (contract 1.1.0 `page`).
//!
//! Layout: `config` (settings), `messages` (the XSD's types), `issue`, `verify`, `page` (the link's page and
//! its template `page.html`). Durations, `xs:dateTime`, GUIDs and the СНИЛС come from the SDK
//! (`gateway_plugin_sdk::{duration, date, guid, identifiers}`).

mod config;
mod issue;
mod messages;
mod page;
mod verify;

use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::messages::NS;

/// The token scope of SVO QR codes.
pub const SCOPE: &str = "svo-qr";

/// The QR link of token `guid`.
pub fn link(settings: &Settings, guid: &str) -> String {
    format!(
        "{}/somc2/{guid}",
        settings.public_base_url.trim_end_matches('/')
    )
}

struct SvoStatus;

impl Plugin for SvoStatus {
    fn describe() -> Description {
        host::config::require::<Settings>("svo-status", |_| Ok(()));
        Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .accepts(QName::new(NS, "IssueQrRequest"))
            .accepts(QName::new(NS, "VerifyQrRequest"))
            .produces(QName::new(NS, "IssueQrResponse"))
            .produces(QName::new(NS, "VerifyQrResponse"))
    }

    fn handle(req: Request) -> Result<Outcome, PluginError> {
        let settings: Settings =
            host::config::config().map_err(|e| PluginError::new(e.to_string()))?;
        match req.message_type.local_name.as_str() {
            "IssueQrRequest" => issue::handle(&req, &settings),
            "VerifyQrRequest" => verify::handle(&req, &settings),
            other => Err(PluginError::new(format!(
                "svo-status does not handle {other}"
            ))),
        }
    }
}

impl Pages for SvoStatus {
    /// `GET <prefix><guid>`: the page of the QR code `guid` (see `page`).
    fn render(req: PageRequest) -> Result<PageResponse, PluginError> {
        let lookup = |guid: &str| host::tokens::get(SCOPE, guid);
        Ok(page::render(&req, lookup).unwrap_or_else(|problem| {
            host::log::warn(&format!("somc2 page: {problem}"));
            page::unavailable()
        }))
    }
}

gateway_plugin_sdk::export_plugin!(SvoStatus, pages);
