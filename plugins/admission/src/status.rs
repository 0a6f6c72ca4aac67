//! `ApplicationStatusRequest`: where an application is, with its history. Visible to its submitter, to the
//! coordinators of its sphere, and to operators once it is approved or registered; to anyone else it is
//! `NOT_FOUND`, the same answer as for an id that does not exist.

use gateway_plugin_sdk::date::rfc3339;
use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::failure::Failure;
use crate::messages::{ApplicationIdRequest, ApplicationStatusResponse, Event, NOT_FOUND};
use crate::records::Application;
use crate::{answer, repo};

/// Handles one `ApplicationStatusRequest`.
pub fn handle(req: &Request, settings: &Settings) -> Result<Outcome, Failure> {
    let input: ApplicationIdRequest = req.decode()?;
    let found = match repo::application_id(&input.application_id) {
        Some(id) => repo::application(&id)?.map(|stored| (id, stored.value)),
        None => None,
    };
    let response = match found {
        Some((id, application)) if visible(&application, &req.sender, settings) => {
            status(id, application)
        }
        _ => ApplicationStatusResponse {
            application_id: input.application_id.trim().to_owned(),
            result: Some(NOT_FOUND),
            message: Some("Заявка не найдена".into()),
            ..ApplicationStatusResponse::default()
        },
    };
    answer(req, "ApplicationStatusResponse", &response)
}

/// Whether `sender` may see `application`.
pub fn visible(application: &Application, sender: &str, settings: &Settings) -> bool {
    application.submitter == sender
        || settings
            .spheres_of(sender)
            .contains(&application.coordinator)
        || (settings.is_operator(sender) && crate::register::operator_sees(application.status))
}

/// The answer showing `application`.
pub fn status(id: String, application: Application) -> ApplicationStatusResponse {
    ApplicationStatusResponse {
        application_id: id,
        status: Some(application.status.name()),
        organisation_name: Some(application.organisation_name),
        ogrn: Some(application.ogrn),
        participant_code: application.participant_code,
        history: application
            .history
            .into_iter()
            .map(|event| Event {
                status: event.status.name(),
                at: rfc3339(event.at),
                by: event.by.name(),
                reason: event.reason,
            })
            .collect(),
        result: None,
        message: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::records::{Role, Sphere, Status};

    fn application(status: Status) -> Application {
        let mut app = Application {
            submitter: "MUSEUM_IS".into(),
            coordinator: Sphere::Culture,
            status: Status::Submitted,
            organisation_name: "Музей".into(),
            head_position: "Директор".into(),
            head_name: "Иванов".into(),
            address: "Ставрополь".into(),
            ogrn: "1027700132195".into(),
            inn: "7707083893".into(),
            email: "m@example.ru".into(),
            contact_position: "Администратор".into(),
            contact_name: "Петрова".into(),
            contact_phone: "+79990001122".into(),
            participant_code: None,
            history: Vec::new(),
        };
        app.record(Status::Submitted, 1_796_470_200_000, Role::Applicant, None);
        if status != Status::Submitted {
            app.record(
                status,
                1_796_470_260_000,
                Role::Coordinator,
                Some("ok".into()),
            );
        }
        app
    }

    #[test]
    fn who_sees_an_application() {
        let settings = config::example();
        let submitted = application(Status::Submitted);
        assert!(visible(&submitted, "MUSEUM_IS", &settings), "the submitter");
        assert!(
            visible(&submitted, "MINKULT_SK", &settings),
            "its coordinator"
        );
        assert!(
            !visible(&submitted, "MINSPORT_SK", &settings),
            "another sphere's coordinator"
        );
        assert!(
            !visible(&submitted, "RIAC_SK", &settings),
            "the operator before approval"
        );
        assert!(!visible(&submitted, "MINZDRAV_SK", &settings));
        assert!(visible(
            &application(Status::Approved),
            "RIAC_SK",
            &settings
        ));
        assert!(visible(
            &application(Status::Registered),
            "RIAC_SK",
            &settings
        ));
        assert!(!visible(
            &application(Status::Declined),
            "RIAC_SK",
            &settings
        ));
    }

    #[test]
    fn the_answer_shows_the_history_without_the_contact_person() {
        let response = status("id-1".into(), application(Status::Declined));
        assert_eq!(response.status, Some("DECLINED"));
        assert_eq!(
            response.history,
            [
                Event {
                    status: "SUBMITTED",
                    at: "2026-12-05T11:30:00Z".into(),
                    by: "applicant",
                    reason: None
                },
                Event {
                    status: "DECLINED",
                    at: "2026-12-05T11:31:00Z".into(),
                    by: "coordinator",
                    reason: Some("ok".into())
                },
            ]
        );
        assert!(!format!("{response:?}").contains("Петрова"));
    }
}
