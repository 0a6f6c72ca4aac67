//! `digital-id`: the MAX messenger's Digital ID (Цифровой ID), seed 002.
//!
//! A citizen shows a short-lived QR code of their passport or of their age confirmation; a scanner (a private
//! person, a sole trader, or an organisation's employee with a power of attorney) sends it
//! (`VerifyDigitalIdRequest`), and the plugin asks the issuer through the `digital-id-issuer` adapter what it
//! says. See `verify` for the answers.
//!
//! Layout: `config` (settings, checked at load), `messages` (the XSD's types and the adapter's answer),
//! `verify` (the scan, the age arithmetic).

mod config;
mod messages;
mod verify;

use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::messages::NS;

struct DigitalId;

fn settings() -> Result<Settings, String> {
    Settings::from_json(&host::config::config_json())
}

impl Plugin for DigitalId {
    fn describe() -> Description {
        // A typo in the config stops the gateway at start, not the first scan.
        if let Err(why) = settings() {
            panic!("invalid plugin config of digital-id: {why}");
        }
        Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .accepts(QName::new(NS, "VerifyDigitalIdRequest"))
            .produces(QName::new(NS, "VerifyDigitalIdResponse"))
    }

    fn handle(req: Request) -> Result<Outcome, PluginError> {
        let settings = settings().map_err(PluginError::new)?;
        match req.message_type.local_name.as_str() {
            "VerifyDigitalIdRequest" => verify::handle(&req, &settings),
            other => Err(PluginError::new(format!(
                "digital-id does not handle {other}"
            ))),
        }
    }
}

gateway_plugin_sdk::export_plugin!(DigitalId);
