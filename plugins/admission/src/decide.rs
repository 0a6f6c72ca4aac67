//! `ApplicationDecisionRequest`: the coordinator of an application's sphere approves or declines it (a reason
//! is required to decline). A sender that coordinates no sphere is `FORBIDDEN`; an application of another
//! sphere is `NOT_FOUND`, as one that does not exist, so that its existence does not leak. Only a submitted
//! application is decided (`WRONG_STATE` otherwise). The write is conditional on the version read; a concurrent
//! change is read again once.

use gateway_plugin_sdk::host::store::{self, PutResult};
use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::failure::Failure;
use crate::fields::{self, Invalid};
use crate::messages::{
    ApplicationDecisionRequest, ApplicationResponse, Decision, FORBIDDEN, NOT_FOUND, WRONG_STATE,
};
use crate::records::{APPLICATIONS, Application, Role, Status};
use crate::submit::refused;
use crate::{answer, repo};

/// Reads of the application tried (the first, and one after a concurrent change).
const ATTEMPTS: usize = 2;

/// Handles one `ApplicationDecisionRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, Failure> {
    let input: ApplicationDecisionRequest = req.decode()?;
    let reply = |response: ApplicationResponse| answer(req, "ApplicationResponse", &response);
    let spheres = settings.spheres_of(&req.sender);
    if spheres.is_empty() {
        return reply(refusal(
            FORBIDDEN,
            None,
            "Решение по заявке принимает только координатор",
        ));
    }
    let Some(id) = repo::application_id(&input.application_id) else {
        return reply(not_found());
    };
    let reason = match reason(input.decision, input.reason.as_deref()) {
        Ok(reason) => reason,
        Err(invalid) => return reply(refused(invalid)),
    };
    for _ in 0..ATTEMPTS {
        let Some(stored) = repo::application(&id)? else {
            return reply(not_found());
        };
        if !spheres.contains(&stored.value.coordinator) {
            return reply(not_found());
        }
        let mut application = stored.value.clone();
        let status = match decide(
            &mut application,
            input.decision,
            reason.clone(),
            host::ids::now_ms(),
        ) {
            Ok(status) => status,
            Err(current) => {
                return reply(refusal(
                    WRONG_STATE,
                    Some(current),
                    "Решение уже принято: заявка не в статусе SUBMITTED",
                ));
            }
        };
        let put = repo::rewrite(APPLICATIONS, &id, &stored);
        if let PutResult::Written(_) = store::put_json(put, &application)? {
            return reply(ApplicationResponse {
                application_id: Some(id),
                status: Some(status.name()),
                message: Some(match status {
                    Status::Approved => "Заявка одобрена и передана оператору".into(),
                    _ => "Заявка отклонена".into(),
                }),
                ..ApplicationResponse::default()
            });
        }
    }
    Err(PluginError::new("Заявка одновременно изменена другим запросом: повторите решение").into())
}

/// The reason recorded: required (non-empty) to decline, optional to approve.
pub fn reason(decision: Decision, reason: Option<&str>) -> Result<Option<String>, Invalid> {
    match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(reason) => fields::text("Reason", reason, 2000).map(Some),
        None if decision == Decision::Decline => Err(Invalid::field(
            "Reason",
            "Укажите причину отклонения заявки",
        )),
        None => Ok(None),
    }
}

/// Applies the coordinator's decision to a submitted application: the new status, or the current one when the
/// application is not submitted.
pub fn decide(
    application: &mut Application,
    decision: Decision,
    reason: Option<String>,
    now: u64,
) -> Result<Status, Status> {
    if application.status != Status::Submitted {
        return Err(application.status);
    }
    let status = match decision {
        Decision::Approve => Status::Approved,
        Decision::Decline => Status::Declined,
    };
    application.record(status, now, Role::Coordinator, reason);
    Ok(status)
}

fn not_found() -> ApplicationResponse {
    refusal(NOT_FOUND, None, "Заявка не найдена")
}

fn refusal(result: &'static str, status: Option<Status>, message: &str) -> ApplicationResponse {
    ApplicationResponse {
        status: status.map(Status::name),
        result: Some(result),
        message: Some(message.into()),
        ..ApplicationResponse::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Sphere;

    fn submitted() -> Application {
        let mut app = Application {
            submitter: "S".into(),
            coordinator: Sphere::Trade,
            status: Status::Submitted,
            organisation_name: "ИП Сидоров".into(),
            head_position: "Индивидуальный предприниматель".into(),
            head_name: "Сидоров С. С.".into(),
            address: "Ставрополь".into(),
            ogrn: "304500116000157".into(),
            inn: "500100732259".into(),
            email: "s@example.ru".into(),
            contact_position: "ИП".into(),
            contact_name: "Сидоров С. С.".into(),
            contact_phone: "+79990000000".into(),
            participant_code: None,
            history: Vec::new(),
        };
        app.record(Status::Submitted, 1, Role::Applicant, None);
        app
    }

    #[test]
    fn only_a_submitted_application_is_decided() {
        let mut app = submitted();
        assert_eq!(
            decide(&mut app, Decision::Approve, None, 5),
            Ok(Status::Approved)
        );
        assert_eq!(
            app.history.last().map(|e| (e.status, e.at, e.by)),
            Some((Status::Approved, 5, Role::Coordinator))
        );
        assert_eq!(
            decide(&mut app, Decision::Decline, Some("x".into()), 6),
            Err(Status::Approved)
        );
        assert_eq!(app.history.len(), 2, "nothing recorded");
        let mut declined = submitted();
        assert_eq!(
            decide(
                &mut declined,
                Decision::Decline,
                Some("Неполные сведения".into()),
                5
            ),
            Ok(Status::Declined)
        );
        assert_eq!(
            declined.history[1].reason.as_deref(),
            Some("Неполные сведения")
        );
    }

    #[test]
    fn declining_needs_a_reason() {
        assert_eq!(reason(Decision::Approve, None), Ok(None));
        assert_eq!(reason(Decision::Approve, Some(" ")), Ok(None));
        assert_eq!(
            reason(Decision::Decline, Some(" Нет лицензии ")),
            Ok(Some("Нет лицензии".into()))
        );
        let missing = reason(Decision::Decline, Some("  ")).expect_err("required");
        assert!(missing.message.contains("Reason"), "{}", missing.message);
        assert!(reason(Decision::Decline, None).is_err());
    }
}
