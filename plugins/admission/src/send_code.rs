//! Sending a visitor an SMS code (the form of the organisation's page): at most `max_sends_per_phone` codes per
//! phone within `send_window` (each request a `sends` record tagged with the phone, written before the requests
//! are counted, so that requests at once cannot pass the limit together); a fresh 6-digit code for the
//! participant (`codes`, valid `code_ttl`, kept an hour longer); the SMS through the SMS gateway. If the SMS
//! gateway fails, the code is deleted again.

use gateway_plugin_sdk::host::store::{self, Put, PutResult};
use gateway_plugin_sdk::prelude::*;

use crate::check_code::code_key;
use crate::config::{Settings, ms};
use crate::failure::Failure;
use crate::letters::code_sms;
use crate::records::{CODES, Code, Mark, Participant, SENDS, phone_tag};
use crate::{codes, fields, repo};

/// Codes tried before giving up (each one held by another visitor of the participant).
const CODE_ATTEMPTS: usize = 5;

/// How long a code is kept past its validity, to tell an expired code from a wrong one.
const KEEP_EXPIRED_MS: u64 = 3_600_000;

/// What became of a request for a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sending {
    /// Sent to the phone, masked as the page shows it.
    Sent(String),
    /// The phone asked for too many codes lately.
    TooMany,
    /// The SMS gateway failed: nothing was sent.
    SmsFailed,
}

/// Sends a code for `participant` to `phone` (`+79…`).
pub fn send(
    participant: &Participant,
    phone: &str,
    settings: &Settings,
) -> Result<Sending, Failure> {
    let now = host::ids::now_ms();
    let window = ms(settings.send_window);
    let tag = phone_tag(phone);
    // The send is written before it is counted: of requests at once on any nodes, each counts the others, so
    // none slips past the limit. A refused request stays counted, as does one whose SMS fails.
    let send = Put::new(SENDS, host::ids::uuid())
        .tag(tag.clone())
        .at(now)
        .expires_at(now.saturating_add(window));
    store::put_json(send, &Mark {})?;
    let sent = store::query(
        SENDS,
        &tag,
        repo::recent(now, window),
        repo::count_limit(settings.max_sends_per_phone),
    )?;
    if repo::over_limit(sent.len(), settings.max_sends_per_phone) {
        return Ok(Sending::TooMany);
    }
    let valid_until = now.saturating_add(ms(settings.code_ttl));
    let record = Code {
        phone: phone.to_owned(),
        valid_until,
    };
    let mut issued = None;
    for _ in 0..CODE_ATTEMPTS {
        let code = codes::sms_code(&host::ids::uuid())
            .ok_or_else(|| PluginError::new("the host's UUID is not one"))?;
        let key = code_key(&participant.code, &code);
        let put = Put::new(CODES, &key)
            .at(now)
            .expires_at(valid_until.saturating_add(KEEP_EXPIRED_MS))
            .if_absent();
        if let PutResult::Written(_) = store::put_json(put, &record)? {
            issued = Some((key, code));
            break;
        }
    }
    let (key, code) =
        issued.ok_or_else(|| PluginError::new("no free SMS code for the participant"))?;
    let text = code_sms(&participant.name, &code, settings.code_minutes());
    let delivered: Result<serde_json::Value, _> = host::registry::call_json(
        &settings.sms_adapter,
        "send",
        &serde_json::json!({ "phone": phone, "text": text }),
    );
    match delivered {
        Ok(_) => Ok(Sending::Sent(fields::mask(phone))),
        Err(e) => {
            host::log::warn(&format!("the SMS with a code was not sent: {e}"));
            store::delete(CODES, &key)?;
            Ok(Sending::SmsFailed)
        }
    }
}
