//! The service role: `VerifyMchdRequest` (the same verification as the policy step, answered as a document)
//! and `ListScanOrganisationsRequest` (the organisations an employee may scan for, from the registry).

use gateway_plugin_sdk::date::Date;
use gateway_plugin_sdk::identifiers;
use gateway_plugin_sdk::prelude::*;

use crate::checks::SCAN_POWER;
use crate::config::Settings;
use crate::env::{Env, Failure, Listed};
use crate::messages::{
    GOSCAN_NS, ListScanOrganisationsRequest, ListScanOrganisationsResponse, MCHD_NS,
    ScanOrganisation, VerifyMchdRequest, VerifyMchdResponse,
};
use crate::policy::unavailable;
use crate::reason::{CHECK_FAILED, Refusal};
use crate::subject;
use crate::verify::{self, VerifyError};

/// Handles `VerifyMchdRequest`.
pub fn verify_mchd(
    req: &Request,
    settings: &Settings,
    env: &dyn Env,
) -> Result<Outcome, PluginError> {
    let input: VerifyMchdRequest = req.decode()?;
    let answer_type = QName::new(MCHD_NS, "VerifyMchdResponse");
    let subject = match subject::subject(
        &input.organisation,
        &input.representative,
        input.mchd_number.as_deref(),
        input.mchd,
    ) {
        Ok(subject) => subject,
        Err(refusal) => return Ok(req.reply(answer_type, &invalid(&refusal))?),
    };
    let answer = match verify::verify(env, settings.limits(), &subject) {
        Ok(v) => VerifyMchdResponse {
            result: "VALID",
            number: Some(v.number),
            organisation: Some(v.organisation),
            organisation_name: v.organisation_name,
            issued_on: Some(v.issued.to_string()),
            valid_until: Some(v.valid_until.to_string()),
            retrust_of: v.parents,
            ..VerifyMchdResponse::default()
        },
        Err(VerifyError::Refused(refusal)) => invalid(&refusal),
        Err(VerifyError::Unavailable(_)) => return Ok(unavailable(settings)),
        // The cause is in the gateway's log (`host_env`); the sender learns only that the check failed.
        Err(VerifyError::Failed(_)) => return Err(PluginError::new(CHECK_FAILED)),
    };
    Ok(req.reply(answer_type, &answer)?)
}

fn invalid(refusal: &Refusal) -> VerifyMchdResponse {
    VerifyMchdResponse {
        result: "INVALID",
        reason_code: Some(refusal.reason.code().to_owned()),
        message: Some(refusal.message()),
        ..VerifyMchdResponse::default()
    }
}

/// Handles `ListScanOrganisationsRequest`.
pub fn list_organisations(
    req: &Request,
    settings: &Settings,
    env: &dyn Env,
) -> Result<Outcome, PluginError> {
    let input: ListScanOrganisationsRequest = req.decode()?;
    let Ok(snils) = identifiers::normalize_snils(input.scanner.trim()) else {
        return Ok(Outcome::rejected(
            RejectCode::UnknownRequestDescription,
            "СНИЛС сотрудника указан неверно",
        ));
    };
    let listed = match env.by_representative(&snils) {
        Ok(listed) => listed,
        Err(Failure::Unavailable(_)) => return Ok(unavailable(settings)),
        Err(Failure::Failed(_)) => return Err(PluginError::new(CHECK_FAILED)),
    };
    let answer = ListScanOrganisationsResponse {
        organisation: scanning_organisations(listed, env.today()),
    };
    Ok(req.reply(
        QName::new(GOSCAN_NS, "ListScanOrganisationsResponse"),
        &answer,
    )?)
}

/// The organisations with an active scanning power valid today, one entry each (the power valid longest),
/// by name. The powers themselves are verified in full when the employee scans.
pub fn scanning_organisations(listed: Vec<Listed>, today: Date) -> Vec<ScanOrganisation> {
    let mut out: Vec<ScanOrganisation> = Vec::new();
    for power in listed {
        let (Some(issued), Some(until)) = (
            Date::parse(&power.issued_on),
            Date::parse(&power.valid_until),
        ) else {
            continue;
        };
        let Some(ogrn) = power
            .principal_ogrn
            .filter(|o| identifiers::check_ogrn_or_ogrnip(o).is_ok())
        else {
            continue;
        };
        let usable = power.status == "ACTIVE"
            && issued <= today
            && today <= until
            && power.powers.iter().any(|p| p == SCAN_POWER);
        if !usable {
            continue;
        }
        let entry = ScanOrganisation {
            name: power.principal_name,
            ogrn,
            mchd_number: power.number,
            issued_on: issued.to_string(),
            valid_until: until.to_string(),
        };
        match out.iter_mut().find(|o| o.ogrn == entry.ogrn) {
            Some(existing) if existing.valid_until < entry.valid_until => *existing = entry,
            Some(_) => {}
            None => out.push(entry),
        }
    }
    out.sort_by(|a, b| (&a.name, &a.ogrn).cmp(&(&b.name, &b.ogrn)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(
        number: &str,
        ogrn: &str,
        name: &str,
        status: &str,
        until: &str,
        powers: &[&str],
    ) -> Listed {
        Listed {
            number: number.into(),
            status: status.into(),
            principal_ogrn: Some(ogrn.into()),
            principal_name: Some(name.into()),
            issued_on: "2026-01-10".into(),
            valid_until: until.into(),
            powers: powers.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn only_active_current_scanning_powers_one_per_organisation() {
        let today = Date::parse("2026-06-15").expect("date");
        let scan = [SCAN_POWER];
        let list = vec![
            listed(
                "a",
                "1027700132195",
                "ООО «Пример»",
                "ACTIVE",
                "2027-01-09",
                &scan,
            ),
            listed(
                "b",
                "1027700132195",
                "ООО «Пример»",
                "ACTIVE",
                "2028-01-09",
                &scan,
            ),
            listed(
                "c",
                "1035001234564",
                "АО «Образец»",
                "ACTIVE",
                "2026-06-15",
                &scan,
            ),
            listed(
                "d",
                "1177746123455",
                "ПАО «Отозванное»",
                "REVOKED",
                "2027-01-09",
                &scan,
            ),
            listed(
                "e",
                "1177746123455",
                "ПАО «Отозванное»",
                "ACTIVE",
                "2026-06-14",
                &scan,
            ),
            listed(
                "f",
                "1177746123455",
                "ПАО «Отозванное»",
                "ACTIVE",
                "2027-01-09",
                &["OTHER_POWER"],
            ),
            listed(
                "g",
                "1177746123456",
                "Неверный ОГРН",
                "ACTIVE",
                "2027-01-09",
                &scan,
            ),
        ];
        let got = scanning_organisations(list, today);
        let summary: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|o| {
                (
                    o.ogrn.as_str(),
                    o.mchd_number.as_str(),
                    o.valid_until.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("1035001234564", "c", "2026-06-15"),
                ("1027700132195", "b", "2028-01-09")
            ],
            "sorted by name, the longest-valid power per organisation"
        );
    }
}
