//! `admission`: the regional QR admission system (Stavropol region, seed 003), namespace
//! `urn://gateway/admission/1.0`.
//!
//! Organisations in public places (participants) apply to the coordinator of their sphere (culture, sport,
//! trade: `SubmitApplicationRequest`), who approves or declines (`ApplicationDecisionRequest`); the operator
//! (the regional IT centre) registers an approved one (`RegisterParticipantRequest`) and the plugin mails it its
//! QR code, the link `<public_base_url>/admission/<participant code>`. `ApplicationStatusRequest` tells where an
//! application is.
//!
//! A visitor either shows a personal QR code (`IssueVisitorQrRequest`, 5 minutes) that the staff scans
//! (`CheckVisitorRequest`: the register of confirmed diagnoses answers admit or refuse, never the diagnosis), or
//! scans the organisation's QR code at the entrance, enters a mobile number on the page it opens (this plugin's
//! `page` export, contract 1.1.0), gets an SMS code and shows it; the staff checks it (`CheckCodeRequest`).
//! Every visit is registered. When a health authority reports a confirmed case (`CaseReportRequest`), the
//! visitors who were at the same participants around the same time are notified, by e-mail or SMS, once per
//! case. Personal data is kept only as configured, then deleted: every store record holding it expires.
//!
//! Layout: `config` (settings, checked at load; roles), `messages` (the XSD's types and `Result` codes),
//! `records` (the store's collections and values), `fields` (checks of what people type), `codes` (participant
//! and SMS codes), `repo` (reading and rewriting records, queries page by page, counting for the limits),
//! `failure` (unavailable dependencies), `letters` (mail and SMS texts), one module per request (`submit`,
//! `decide`, `register`, `status`, `visitor_qr`, `check_visitor`, `check_code`, `cases`) with `visits` and
//! `contacts` (contact tracing, pure), and the page (`page`, its template `page.html`, and `send_code`). Store
//! and mail are the contract 1.3.0 interfaces (`gateway_plugin_sdk::host::{store, mail}`).

mod cases;
mod check_code;
mod check_visitor;
mod codes;
mod config;
mod contacts;
mod decide;
mod failure;
mod fields;
mod letters;
mod messages;
mod page;
mod records;
mod register;
mod repo;
mod send_code;
mod status;
mod submit;
mod visitor_qr;
mod visits;

use gateway_plugin_sdk::prelude::*;
use serde::Serialize;

use crate::config::Settings;
use crate::failure::Failure;
use crate::messages::NS;

/// The token scope of visitors' personal QR codes.
pub const SCOPE: &str = "visitor-qr";

/// The requests and their answers.
const MESSAGES: [(&str, &str); 8] = [
    ("SubmitApplicationRequest", "ApplicationResponse"),
    ("ApplicationDecisionRequest", "ApplicationResponse"),
    ("RegisterParticipantRequest", "ParticipantResponse"),
    ("ApplicationStatusRequest", "ApplicationStatusResponse"),
    ("IssueVisitorQrRequest", "VisitorQrResponse"),
    ("CheckVisitorRequest", "AdmissionResponse"),
    ("CheckCodeRequest", "AdmissionResponse"),
    ("CaseReportRequest", "CaseReportResponse"),
];

/// A reply of the answer type `local_name` holding `value`.
pub(crate) fn answer<T: Serialize>(
    req: &Request,
    local_name: &str,
    value: &T,
) -> Result<Outcome, Failure> {
    Ok(req.reply(QName::new(NS, local_name), value)?)
}

fn settings() -> Result<Settings, PluginError> {
    host::config::config().map_err(|e| PluginError::new(e.to_string()))
}

struct Admission;

impl Plugin for Admission {
    fn describe() -> Description {
        // A typo in the config stops the gateway at start, not the first request.
        host::config::require::<Settings>("admission", Settings::check);
        let mut description = Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
        for (request, response) in MESSAGES {
            description = description.accepts(QName::new(NS, request));
            let response = QName::new(NS, response);
            if !description.produces.contains(&response) {
                description = description.produces(response);
            }
        }
        description
    }

    fn handle(req: Request) -> Result<Outcome, PluginError> {
        let settings = settings()?;
        let handled = match req.message_type.local_name.as_str() {
            "SubmitApplicationRequest" => submit::handle(&req, &settings),
            "ApplicationDecisionRequest" => decide::handle(&req, &settings),
            "RegisterParticipantRequest" => register::handle(&req, &settings),
            "ApplicationStatusRequest" => status::handle(&req, &settings),
            "IssueVisitorQrRequest" => visitor_qr::handle(&req, &settings),
            "CheckVisitorRequest" => check_visitor::handle(&req, &settings),
            "CheckCodeRequest" => check_code::handle(&req, &settings),
            "CaseReportRequest" => cases::handle(&req, &settings),
            other => {
                return Err(PluginError::new(format!(
                    "admission does not handle {other}"
                )));
            }
        };
        handled.or_else(Failure::into_outcome)
    }
}

impl Pages for Admission {
    /// `GET|POST <prefix><participant code>`: the organisation's registration page (see `page`).
    fn render(req: PageRequest) -> Result<PageResponse, PluginError> {
        let settings = settings()?;
        let sent = |participant: &records::Participant, phone: &str| {
            send_code::send(participant, phone, &settings)
        };
        Ok(
            page::render(&req, repo::participant, sent).unwrap_or_else(|failure| {
                if let Failure::Plugin(error) = &failure {
                    host::log::warn(&format!("admission page: {error}"));
                }
                page::unavailable()
            }),
        )
    }
}

gateway_plugin_sdk::export_plugin!(Admission, pages);
