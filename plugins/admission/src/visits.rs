//! Registering a visit (`visits`), and the admission answers the staff at the entrance reads. A visit holds
//! personal data and expires after `keep_visits`; it is tagged with its participant and the visitor's СНИЛС and
//! phone, under which contacts of a case are looked for.

use gateway_plugin_sdk::host::store::{self, Put};
use gateway_plugin_sdk::prelude::*;

use crate::config::{Settings, ms};
use crate::failure::Failure;
use crate::messages::{ADMIT, AdmissionResponse, PARTICIPANT_UNKNOWN, REFUSE};
use crate::records::{Decision, VISITS, Visit};

/// Writes `visit`, made at `now`; its id.
pub fn register(visit: &Visit, now: u64, settings: &Settings) -> Result<String, Failure> {
    let id = host::ids::uuid();
    let put = visit
        .tags()
        .into_iter()
        .fold(Put::new(VISITS, &id), Put::tag)
        .at(now)
        .expires_at(now.saturating_add(ms(settings.keep_visits)))
        .if_absent();
    store::put_json(put, visit)?;
    Ok(id)
}

/// The answer for a registered visit: admit or refuse, never why.
pub fn decided(decision: Decision, visit_id: String) -> AdmissionResponse {
    let (result, message) = match decision {
        Decision::Admit => (ADMIT, "Допуск разрешён"),
        Decision::Refuse => (REFUSE, "Допуск не разрешён"),
    };
    AdmissionResponse {
        result,
        visit_id: Some(visit_id),
        message: message.into(),
    }
}

/// An answer without a visit: `result` with the staff's `message`.
pub fn refused(result: &'static str, message: &str) -> AdmissionResponse {
    AdmissionResponse {
        result,
        visit_id: None,
        message: message.into(),
    }
}

/// The answer for a participant code that names no participant.
pub fn participant_unknown() -> AdmissionResponse {
    refused(
        PARTICIPANT_UNKNOWN,
        "Организация с таким кодом не зарегистрирована в системе допуска",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_never_say_why() {
        let admit = decided(Decision::Admit, "v-1".into());
        assert_eq!(
            (admit.result, admit.message.as_str()),
            ("ADMIT", "Допуск разрешён")
        );
        let refuse = decided(Decision::Refuse, "v-2".into());
        assert_eq!(
            (
                refuse.result,
                refuse.visit_id.as_deref(),
                refuse.message.as_str()
            ),
            ("REFUSE", Some("v-2"), "Допуск не разрешён")
        );
        assert_eq!(participant_unknown().visit_id, None);
    }
}
