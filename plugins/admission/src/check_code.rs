//! `CheckCodeRequest`: the staff of a participant checks the SMS code a visitor shows. A code is used once (of
//! two checks at once, one admits). Wrong codes are counted per participant: every check first writes an
//! attempt (`wrong-codes`), then counts the attempts within `wrong_code_window`, its own among them; past
//! `max_wrong_codes` the code is not even looked at (`TOO_MANY_ATTEMPTS`, the attempt kept), so six digits
//! cannot be guessed, not even by checks sent at once. A code that exists takes its attempt back, so right codes
//! never use up the budget. A code is kept an hour past its validity, so an expired code is told from a wrong
//! one.

use gateway_plugin_sdk::host::store::{self, Put};
use gateway_plugin_sdk::prelude::*;

use crate::config::{Settings, ms};
use crate::failure::Failure;
use crate::messages::{
    AdmissionResponse, CODE_EXPIRED, CODE_WRONG, CheckCodeRequest, TOO_MANY_ATTEMPTS,
};
use crate::records::{CODES, Code, Decision, Mark, Via, Visit, WRONG_CODES, participant_tag};
use crate::{answer, fields, repo, visits};

/// Handles one `CheckCodeRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, Failure> {
    let input: CheckCodeRequest = req.decode()?;
    let reply = |response: AdmissionResponse| answer(req, "AdmissionResponse", &response);
    let Some(participant) = repo::participant_named(&input.participant_code)? else {
        return reply(visits::participant_unknown());
    };
    let now = host::ids::now_ms();
    let window = ms(settings.wrong_code_window);
    let tag = participant_tag(&participant.code);
    // The attempt is written before it is counted and before the code is looked at: of checks at once on any
    // nodes, each counts the others, so none slips past the limit. A code that exists gives it back below.
    let attempt = host::ids::uuid();
    let put = Put::new(WRONG_CODES, &attempt)
        .tag(tag.clone())
        .at(now)
        .expires_at(now.saturating_add(window));
    store::put_json(put, &Mark {})?;
    let tried = store::query(
        WRONG_CODES,
        &tag,
        repo::recent(now, window),
        repo::count_limit(settings.max_wrong_codes),
    )?;
    if repo::over_limit(tried.len(), settings.max_wrong_codes) {
        // The attempt stays: a refused check counts too.
        return reply(visits::refused(
            TOO_MANY_ATTEMPTS,
            "Слишком много неверных кодов: проверка кодов временно приостановлена, попробуйте позже",
        ));
    }
    let found = match fields::sms_code(&input.code) {
        Some(code) => {
            let key = code_key(&participant.code, &code);
            store::get_json::<Code>(CODES, &key)?.map(|stored| (key, stored.value))
        }
        None => None,
    };
    let Some((key, code)) = found else {
        // A wrong code: its attempt stays, counted for `wrong_code_window`.
        return reply(code_wrong());
    };
    // A code that was sent is no guess (right, expired or used a moment ago): it uses up none of the budget.
    store::delete(WRONG_CODES, &attempt)?;
    // Deleted either way: an expired code is of no further use, a valid one is used now.
    let used = store::delete(CODES, &key)?;
    if expired(&code, now) {
        return reply(visits::refused(
            CODE_EXPIRED,
            "Срок действия кода истёк: попросите посетителя запросить новый код",
        ));
    }
    if !used {
        // Another check used it a moment ago.
        return reply(code_wrong());
    }
    let visit = Visit {
        participant: participant.code,
        snils: None,
        phone: Some(code.phone),
        email: None,
        via: Via::Sms,
        decision: Decision::Admit,
    };
    let id = visits::register(&visit, now, settings)?;
    reply(visits::decided(Decision::Admit, id))
}

/// The key of an SMS code sent for a participant.
pub fn code_key(participant: &str, code: &str) -> String {
    format!("{participant}/{code}")
}

/// Whether a code is past its validity at `now`.
pub fn expired(code: &Code, now: u64) -> bool {
    now > code.valid_until
}

fn code_wrong() -> AdmissionResponse {
    visits::refused(CODE_WRONG, "Неверный код")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_validity() {
        assert_eq!(code_key("7KX2M9QD", "012345"), "7KX2M9QD/012345");
        let code = Code {
            phone: "+79990001122".into(),
            valid_until: 100,
        };
        assert!(!expired(&code, 99) && !expired(&code, 100));
        assert!(expired(&code, 101));
    }
}
