//! `SubmitApplicationRequest`: an organisation applies to the coordinator of its sphere (Приложение 1). Any
//! sender may submit (the route decides who reaches the plugin); the sender is recorded as the submitter.
//!
//! One live application per ОГРН: the `ogrn` index (keyed by the ОГРН's fingerprint: an ОГРНИП is a sole
//! trader's personal data) names the application holding it. The application is written first, then the index
//! is claimed with a conditional write (of two nodes claiming at once, one wins), so that an index entry's
//! application can always be read. A declined application gives the ОГРН up to a new one, and so does a missing
//! one once its entry is older than a minute; any other answers `DUPLICATE`, with the existing application's id
//! only for its own submitter. An application that did not get the ОГРН is deleted again.

use gateway_plugin_sdk::host::store::{self, Put, PutResult};
use gateway_plugin_sdk::prelude::*;

use crate::config::{Settings, ms};
use crate::failure::Failure;
use crate::fields::{self, Invalid};
use crate::messages::{ApplicationResponse, DUPLICATE, SubmitApplicationRequest};
use crate::records::{APPLICATIONS, Application, OGRN_INDEX, OgrnIndex, Role, Status};
use crate::{answer, repo};

/// Claims of the ОГРН tried before giving up (each one lost to a concurrent write).
const CLAIM_ATTEMPTS: usize = 3;

/// How old an index entry naming an application that is not found must be before a new application takes it
/// over: older than one submission can take between writing its application and claiming the index.
pub const ORPHAN_AFTER_MS: u64 = 60_000;

/// Handles one `SubmitApplicationRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, Failure> {
    let input: SubmitApplicationRequest = req.decode()?;
    let now = host::ids::now_ms();
    let application = match application(input, &req.sender, now) {
        Ok(application) => application,
        Err(invalid) => return answer(req, "ApplicationResponse", &refused(invalid)),
    };
    let id = host::ids::uuid();
    let expires = now.saturating_add(ms(settings.keep_applications));
    // The application first, then the index naming it: whoever finds the index finds its application too.
    let put = Put::new(APPLICATIONS, &id)
        .at(now)
        .expires_at(expires)
        .if_absent();
    if let PutResult::Conflict(_) = store::put_json(put, &application)? {
        return Err(PluginError::new("the host's new UUID names an application already").into());
    }
    let index_key = store::fingerprint(&application.ogrn);
    let claimed = claim(&index_key, &id, now, expires);
    if !matches!(claimed, Ok(None)) {
        // Not ours to keep: nobody will ever find it.
        if let Err(e) = store::delete(APPLICATIONS, &id) {
            host::log::warn(&format!(
                "an application that did not get its ОГРН was not deleted: {e:?}"
            ));
        }
    }
    if let Some(held) = claimed? {
        return answer(req, "ApplicationResponse", &duplicate(&held, &req.sender));
    }
    let response = ApplicationResponse {
        application_id: Some(id),
        status: Some(Status::Submitted.name()),
        message: Some("Заявка принята и передана координатору на рассмотрение".into()),
        ..ApplicationResponse::default()
    };
    answer(req, "ApplicationResponse", &response)
}

/// The application the request describes, its fields checked, submitted by `submitter` at `now`.
pub fn application(
    input: SubmitApplicationRequest,
    submitter: &str,
    now: u64,
) -> Result<Application, Invalid> {
    let (ogrn, inn) = fields::organisation_ids(&input.ogrn, &input.inn)?;
    let contact_phone = fields::phone(&input.contact_phone).ok_or_else(|| {
        Invalid::field(
            "ContactPhone",
            "Укажите российский номер телефона, например +7 8652 00-00-00",
        )
    })?;
    let mut application = Application {
        submitter: submitter.to_owned(),
        coordinator: input.coordinator,
        status: Status::Submitted,
        organisation_name: fields::text("OrganisationName", &input.organisation_name, 500)?,
        head_position: fields::text("HeadPosition", &input.head_position, 200)?,
        head_name: fields::text("HeadName", &input.head_name, 200)?,
        address: fields::text("Address", &input.address, 1000)?,
        ogrn,
        inn,
        email: fields::email_field("Email", &input.email)?,
        contact_position: fields::text("ContactPosition", &input.contact_position, 200)?,
        contact_name: fields::text("ContactName", &input.contact_name, 200)?,
        contact_phone,
        participant_code: None,
        history: Vec::new(),
    };
    application.record(Status::Submitted, now, Role::Applicant, None);
    Ok(application)
}

/// The application that holds an ОГРН.
#[derive(Debug)]
pub struct Held {
    pub id: String,
    /// `None`: the index names an application not (yet) found, claimed less than [`ORPHAN_AFTER_MS`] ago.
    pub application: Option<Application>,
}

/// Claims the index entry `key` (the ОГРН's fingerprint) for the application `id`, written already: `None` when
/// claimed, or the application holding it.
fn claim(key: &str, id: &str, now: u64, expires: u64) -> Result<Option<Held>, Failure> {
    let index = OgrnIndex {
        application_id: id.to_owned(),
    };
    let mut expected = 0;
    for _ in 0..CLAIM_ATTEMPTS {
        let put = Put::new(OGRN_INDEX, key)
            .at(now)
            .expires_at(expires)
            .if_version(expected);
        match store::put_json(put, &index)? {
            PutResult::Written(_) => return Ok(None),
            PutResult::Conflict(None) => expected = 0,
            PutResult::Conflict(Some(item)) => {
                let holder: OgrnIndex = item.json()?;
                let application = repo::application(&holder.application_id)?.map(|s| s.value);
                if takes_over(application.as_ref(), item.at, now) {
                    expected = item.version;
                } else {
                    return Ok(Some(Held {
                        id: holder.application_id,
                        application,
                    }));
                }
            }
        }
    }
    Err(
        PluginError::new("Заявку не удалось принять из-за одновременной подачи: повторите запрос")
            .into(),
    )
}

/// Whether an index entry claimed at `claimed_at` for the application `holder` (`None`: not found) may be taken
/// over at `now`: a declined application gives its ОГРН up; a missing one only when the entry is older than
/// [`ORPHAN_AFTER_MS`] (its application expired or was lost). A fresh entry whose application is not found may be
/// a submission still in progress (one that claims before it writes, as earlier versions did): a duplicate.
pub fn takes_over(holder: Option<&Application>, claimed_at: u64, now: u64) -> bool {
    match holder {
        Some(application) => gives_up(application),
        None => now.saturating_sub(claimed_at) > ORPHAN_AFTER_MS,
    }
}

/// Whether an application lets a new one take its ОГРН: only a declined one does.
pub fn gives_up(application: &Application) -> bool {
    application.status == Status::Declined
}

/// The `DUPLICATE` answer: the existing application's id and status only for its own submitter.
pub fn duplicate(held: &Held, sender: &str) -> ApplicationResponse {
    let Some(application) = &held.application else {
        return ApplicationResponse {
            result: Some(DUPLICATE),
            message: Some(
                "Заявка организации с этим ОГРН уже подаётся; повторите запрос позже, если она не будет принята"
                    .into(),
            ),
            ..ApplicationResponse::default()
        };
    };
    let own = application.submitter == sender;
    let message = if application.status == Status::Registered {
        "Организация с этим ОГРН уже зарегистрирована в системе допуска"
    } else {
        "Заявка организации с этим ОГРН уже подана и рассматривается; новую заявку можно подать, только если \
         прежняя отклонена"
    };
    ApplicationResponse {
        application_id: own.then(|| held.id.clone()),
        status: own.then(|| application.status.name()),
        result: Some(DUPLICATE),
        message: Some(message.into()),
    }
}

/// The answer to a refused field.
pub fn refused(invalid: Invalid) -> ApplicationResponse {
    ApplicationResponse {
        result: Some(invalid.result),
        message: Some(invalid.message),
        ..ApplicationResponse::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{INVALID_FIELD, INVALID_INN, INVALID_OGRN};
    use crate::records::Sphere;

    fn request() -> SubmitApplicationRequest {
        SubmitApplicationRequest {
            coordinator: Sphere::Culture,
            organisation_name: " ГБУК «Театр драмы» ".into(),
            head_position: "Директор".into(),
            head_name: "Иванов Иван Иванович".into(),
            address: "355000, г. Ставрополь, пр. Карла Маркса, 1".into(),
            ogrn: "1027700132195".into(),
            inn: "7707083893".into(),
            email: "teatr@example.ru".into(),
            contact_position: "Администратор".into(),
            contact_name: "Петрова Анна".into(),
            contact_phone: "8 (8652) 23-45-67".into(),
        }
    }

    #[test]
    fn a_valid_application_is_submitted_by_the_sender() {
        let app = application(request(), "THEATRE_IS", 7).expect("valid");
        assert_eq!(
            (app.submitter.as_str(), app.status),
            ("THEATRE_IS", Status::Submitted)
        );
        assert_eq!(app.organisation_name, "ГБУК «Театр драмы»");
        assert_eq!(app.contact_phone, "+78652234567");
        assert_eq!(app.history.len(), 1);
        assert_eq!((app.history[0].at, app.history[0].by), (7, Role::Applicant));
    }

    /// A change to the valid request.
    type Change<'a> = &'a dyn Fn(&mut SubmitApplicationRequest);

    #[test]
    fn wrong_fields_are_answered_with_their_codes() {
        let refused = |change: Change| {
            let mut req = request();
            change(&mut req);
            application(req, "S", 1).expect_err("refused")
        };
        assert_eq!(
            refused(&|r| r.ogrn = "1027700132196".into()).result,
            INVALID_OGRN
        );
        assert_eq!(
            refused(&|r| r.inn = "7707083894".into()).result,
            INVALID_INN
        );
        assert_eq!(
            refused(&|r| r.inn = "500100732259".into()).result,
            INVALID_INN
        );
        let fields: [(Change, &str); 3] = [
            (&|r| r.email = "teatr@".into(), "Email"),
            (&|r| r.contact_phone = "12345".into(), "ContactPhone"),
            (&|r| r.head_name = " ".into(), "HeadName"),
        ];
        for (change, field) in fields {
            let invalid = refused(change);
            assert_eq!(invalid.result, INVALID_FIELD);
            assert!(invalid.message.contains(field), "{}", invalid.message);
        }
    }

    #[test]
    fn duplicates_show_the_existing_application_to_its_submitter_only() {
        let held = Held {
            id: "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60".into(),
            application: Some(application(request(), "THEATRE_IS", 1).expect("valid")),
        };
        let own = duplicate(&held, "THEATRE_IS");
        assert_eq!(own.result, Some(DUPLICATE));
        assert_eq!(own.application_id.as_deref(), Some(held.id.as_str()));
        assert_eq!(own.status, Some("SUBMITTED"));
        let other = duplicate(&held, "SOMEONE_ELSE");
        assert_eq!((other.application_id, other.status), (None, None));
        assert!(other.message.expect("a message").contains("уже подана"));
        let mut declined = held.application.clone().expect("held");
        assert!(!gives_up(&declined));
        declined.record(Status::Declined, 2, Role::Coordinator, Some("нет".into()));
        assert!(gives_up(&declined));
        // An application not found yet: a duplicate, telling nobody an id or a status.
        let pending = Held {
            id: held.id.clone(),
            application: None,
        };
        let answer = duplicate(&pending, "THEATRE_IS");
        assert_eq!(answer.result, Some(DUPLICATE));
        assert_eq!((answer.application_id, answer.status), (None, None));
    }

    #[test]
    fn an_index_entry_is_taken_over_only_from_a_declined_or_long_missing_application() {
        let now = 10 * ORPHAN_AFTER_MS;
        let submitted = application(request(), "THEATRE_IS", 1).expect("valid");
        let mut declined = submitted.clone();
        declined.record(Status::Declined, 2, Role::Coordinator, Some("нет".into()));
        let mut registered = submitted.clone();
        registered.record(Status::Registered, 2, Role::Operator, None);
        assert!(!takes_over(Some(&submitted), 0, now));
        assert!(!takes_over(Some(&registered), 0, now));
        assert!(takes_over(Some(&declined), now, now), "whatever its age");
        // A fresh entry whose application is not found: a submission in progress somewhere, left alone.
        assert!(!takes_over(None, now, now));
        assert!(!takes_over(None, now - ORPHAN_AFTER_MS, now));
        assert!(takes_over(None, now - ORPHAN_AFTER_MS - 1, now));
        assert!(!takes_over(None, now + 5_000, now), "a clock ahead");
    }
}
