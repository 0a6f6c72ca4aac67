//! `large-family`: the large-family certificate (удостоверение многодетной семьи), seed 002.
//!
//! A citizen, a sole trader or an organisation's employee scans the QR code of a family's electronic certificate
//! with Goscan (`VerifyCertificateRequest`); the plugin looks the certificate up in the data bank of large
//! families through the `large-family-bank` adapter and answers what the seed's screen shows. Scanning on
//! behalf of an organisation goes through the МЧД policy step first, as for every Goscan document.
//!
//! Layout: `config` (settings, checked at load), `messages` (the XSD's types and the adapter's answer),
//! `verify` (the scan).

mod config;
mod messages;
mod verify;

use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::messages::NS;

struct LargeFamily;

fn settings() -> Result<Settings, String> {
    Settings::from_json(&host::config::config_json())
}

impl Plugin for LargeFamily {
    fn describe() -> Description {
        // A typo in the config stops the gateway at start, not the first scan.
        if let Err(why) = settings() {
            panic!("invalid plugin config of large-family: {why}");
        }
        Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .accepts(QName::new(NS, "VerifyCertificateRequest"))
            .produces(QName::new(NS, "VerifyCertificateResponse"))
    }

    fn handle(req: Request) -> Result<Outcome, PluginError> {
        let settings = settings().map_err(PluginError::new)?;
        match req.message_type.local_name.as_str() {
            "VerifyCertificateRequest" => verify::handle(&req, &settings),
            other => Err(PluginError::new(format!(
                "large-family does not handle {other}"
            ))),
        }
    }
}

gateway_plugin_sdk::export_plugin!(LargeFamily);
