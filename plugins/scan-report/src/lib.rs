//! `scan-report`: the layout and the texts of the scan reports e-mailed to organisations (seeds 000, 001).
//!
//! The gateway's report scheduler asks this plugin, for each report, with a `ReportLayoutRequest` (JSON):
//! the organisation (ОГРН/ОГРНИП and name), the period, the time zone and the number of facts. The plugin
//! answers a `ReportLayoutResponse`: file names, the worksheet's name, title lines, the seed's columns (№,
//! scan id, organisation ОГРН, date of scan, time of scan) with their formats, and the e-mail's subject and
//! body in Russian. The host streams the facts into the workbook, signs, zips and sends: keys, SMTP and
//! files never reach the plugin.
//!
//! The message type is not meant for senders: the gateway invokes the plugin by name
//! (`[reports] plugin = "scan-report"`), with no route.
//!
//! Layout: `messages` (the request and the answer), `layout` (the texts and columns), `settings`.

mod layout;
mod messages;
mod settings;

use gateway_plugin_sdk::prelude::*;

use crate::messages::{LayoutRequest, NS};
use crate::settings::Settings;

struct ScanReport;

impl Plugin for ScanReport {
    fn describe() -> Description {
        host::config::require::<Settings>("scan-report", Settings::check);
        Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            .accepts(QName::new(NS, "ReportLayoutRequest"))
            .produces(QName::new(NS, "ReportLayoutResponse"))
    }

    fn handle(req: Request) -> Result<Outcome, PluginError> {
        let settings: Settings =
            host::config::config().map_err(|e| PluginError::new(e.to_string()))?;
        settings.check().map_err(PluginError::new)?;
        let input: LayoutRequest = req.decode()?;
        let answer = layout::layout(&input, &settings).map_err(PluginError::new)?;
        Ok(req.reply(QName::new(NS, "ReportLayoutResponse"), &answer)?)
    }
}

gateway_plugin_sdk::export_plugin!(ScanReport);
