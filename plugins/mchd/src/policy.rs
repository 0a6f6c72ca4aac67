//! The policy step of the scanning routes. Without `OnBehalfOf` the scan is a private person's: it goes on
//! with no notes. With it, the power of attorney is verified: on success the step proceeds with the notes
//! below for the document plugin (which records the scan fact for the organisation); on a failed check it
//! denies with the reason code and a Russian message (the document plugin renders `MCHD_INVALID`); while the
//! registry is unavailable it answers a retryable status itself, so a scan is never counted unverified.

use gateway_plugin_sdk::prelude::*;

use crate::config::Settings;
use crate::env::Env;
use crate::reason::{CHECK_FAILED, Refusal};
use crate::subject;
use crate::verify::{self, Verified, VerifyError};

/// Note: the ОГРН/ОГРНИП of the organisation the power of attorney was verified for (the document plugins read
/// it through the SDK's `goscan::scanned_for`).
pub use gateway_plugin_sdk::goscan::ORGANISATION_NOTE;
/// Note: the number of the verified power of attorney.
pub const MCHD_NOTE: &str = "goscan.mchd";
/// Note: the scanning employee's СНИЛС, 11 digits.
pub const SCANNER_NOTE: &str = "goscan.scanner";

/// The business status code of "the registry is unavailable, ask again later".
pub const REGISTRY_UNAVAILABLE: i32 = 503;

/// Handles one envelope of a scanning route.
pub fn handle(req: &Request, settings: &Settings, env: &dyn Env) -> Result<Outcome, PluginError> {
    let subject = match subject::on_behalf_of(req.format, &req.payload)? {
        Ok(Some(subject)) => subject,
        Ok(None) => return Ok(Outcome::Proceed(Vec::new())),
        Err(refusal) => return Ok(deny(&refusal)),
    };
    let result = verify::verify(env, settings.limits(), &subject);
    decide(result, &subject.representative, settings)
}

/// The outcome for a verification result.
pub fn decide(
    result: Result<Verified, VerifyError>,
    scanner: &str,
    settings: &Settings,
) -> Result<Outcome, PluginError> {
    match result {
        Ok(verified) => Ok(Outcome::proceed([
            (ORGANISATION_NOTE, verified.organisation),
            (MCHD_NOTE, verified.number),
            (SCANNER_NOTE, scanner.to_owned()),
        ])),
        Err(VerifyError::Refused(refusal)) => Ok(deny(&refusal)),
        Err(VerifyError::Unavailable(_)) => Ok(unavailable(settings)),
        // The cause is in the gateway's log (`host_env`); the sender learns only that the check failed.
        Err(VerifyError::Failed(_)) => Err(PluginError::new(CHECK_FAILED)),
    }
}

/// A denial with the refusal's code and message.
pub fn deny(refusal: &Refusal) -> Outcome {
    Outcome::deny("", refusal.reason.code(), refusal.message())
}

/// The retryable status while the registry (or another dependency) is unavailable (`host_env` has logged
/// why).
pub fn unavailable(settings: &Settings) -> Outcome {
    Outcome::status(
        REGISTRY_UNAVAILABLE,
        "Реестр машиночитаемых доверенностей ФНС временно недоступен. Повторите запрос позже.",
        Some(settings.retry_after_ms()),
    )
}

#[cfg(test)]
mod tests {
    use gateway_plugin_sdk::date::Date;

    use super::*;
    use crate::document::RetrustPermission;
    use crate::reason::Reason;

    fn verified() -> Verified {
        Verified {
            number: "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60".into(),
            organisation: "1027700132195".into(),
            organisation_name: None,
            issued: Date::parse("2026-01-10").expect("date"),
            valid_until: Date::parse("2027-01-09").expect("date"),
            retrust: RetrustPermission::Never,
            parents: Vec::new(),
        }
    }

    #[test]
    fn success_proceeds_with_the_notes() {
        let outcome = decide(Ok(verified()), "11223344595", &Settings::default()).expect("outcome");
        assert_eq!(
            outcome,
            Outcome::proceed([
                (ORGANISATION_NOTE, "1027700132195"),
                (MCHD_NOTE, "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60"),
                (SCANNER_NOTE, "11223344595"),
            ])
        );
    }

    #[test]
    fn refusals_deny_with_their_code_and_failures_fail() {
        let refusal = Refusal::new(Reason::StatusRevoked, "");
        let Outcome::Deny(denial) = decide(
            Err(VerifyError::Refused(refusal)),
            "x",
            &Settings::default(),
        )
        .expect("outcome") else {
            panic!("a denial");
        };
        assert_eq!(
            (denial.code.as_str(), denial.message.as_str()),
            ("MCHD_STATUS_REVOKED", "Доверенность отозвана")
        );
        assert!(
            decide(
                Err(VerifyError::Failed("broken".into())),
                "x",
                &Settings::default()
            )
            .is_err()
        );
    }
}
