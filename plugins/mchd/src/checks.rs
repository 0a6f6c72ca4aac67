//! The checks on a power of attorney that need nothing but the document: file id, identifiers, dates,
//! principal, representative, powers, and whether the signer is who must sign. Each failure is its own
//! [`Reason`]; details name attributes and dates, never personal data.

use gateway_plugin_sdk::date::Date;

use crate::document::{Kind, Mchd, Party, Person, Principal};
use crate::env::Certified;
use crate::reason::{Reason, Refusal};

/// The power that allows scanning on behalf of the principal (seed 000).
pub const SCAN_POWER: &str = "GOSCAN_DELEGATE_SCAN";

/// `ИдФайл` must be `ON_EMCHD_…_<НомДовер>`.
pub fn file_id(mchd: &Mchd) -> Result<(), Refusal> {
    let id = mchd.file_id.to_ascii_lowercase();
    let suffix = format!("_{}", mchd.number.to_ascii_lowercase());
    if id.starts_with("on_emchd_") && id.ends_with(&suffix) {
        Ok(())
    } else {
        Err(Refusal::plain(Reason::FileIdMismatch))
    }
}

/// The document is the one asked for (by number, or as the parent of a retrust).
pub fn number(mchd: &Mchd, expected: Option<&str>) -> Result<(), Refusal> {
    match expected {
        Some(expected) if !expected.eq_ignore_ascii_case(&mchd.number) => Err(Refusal::new(
            Reason::NumberMismatch,
            format!("ожидалась доверенность {expected}"),
        )),
        _ => Ok(()),
    }
}

/// Every ОГРН, ОГРНИП, ИНН and СНИЛС passes its check number.
pub fn identifiers(mchd: &Mchd) -> Result<(), Refusal> {
    for id in &mchd.identifiers {
        if id.kind.check(&id.value).is_err() {
            return Err(Refusal::new(
                Reason::BadIdentifier,
                format!(
                    "атрибут {} не проходит проверку контрольного числа",
                    id.attribute
                ),
            ));
        }
    }
    Ok(())
}

/// `today` lies within `ДатаВыдДовер`..=`СрокДейст`.
pub fn dates(mchd: &Mchd, today: Date) -> Result<(), Refusal> {
    if today < mchd.issued {
        return Err(Refusal::new(
            Reason::NotYetValid,
            format!("действует с {}", mchd.issued),
        ));
    }
    if today > mchd.valid_until {
        return Err(Refusal::new(
            Reason::Expired,
            format!("действовала по {}", mchd.valid_until),
        ));
    }
    Ok(())
}

/// The principal whose ОГРН/ОГРНИП is `organisation`. A retrust may omit its original principals (the
/// parent's are then checked): `Ok(None)`.
pub fn principal<'a>(mchd: &'a Mchd, organisation: &str) -> Result<Option<&'a Principal>, Refusal> {
    if let Some(found) = mchd
        .principals
        .iter()
        .find(|p| p.ogrn.as_deref() == Some(organisation))
    {
        return Ok(Some(found));
    }
    let optional = matches!(mchd.kind, Kind::Retrust { .. }) && mchd.principals.is_empty();
    if optional {
        Ok(None)
    } else {
        Err(Refusal::plain(Reason::PrincipalMismatch))
    }
}

/// Who the representative must be.
#[derive(Debug, Clone, Copy)]
pub enum Expected<'a> {
    /// The scanning employee, by СНИЛС (11 digits).
    Employee(&'a str),
    /// For the parent of a retrust: one of the parties passing the powers on.
    AnyOf(&'a [Party]),
}

/// The representative (`СвУпПред`, or `СвПолучПолн` in a retrust) is the one expected.
pub fn representative(mchd: &Mchd, expected: Expected<'_>) -> Result<(), Refusal> {
    let found = match expected {
        Expected::Employee(snils) => mchd.representatives.iter().any(
            |party| matches!(party, Party::Person(Person { snils: Some(s), .. }) if s == snils),
        ),
        Expected::AnyOf(parties) => mchd
            .representatives
            .iter()
            .any(|party| parties.iter().any(|p| p.same_as(party))),
    };
    if found {
        Ok(())
    } else {
        Err(Refusal::plain(Reason::RepresentativeMismatch))
    }
}

/// A machine-readable `GOSCAN_DELEGATE_SCAN` (by code or mnemonic), exercisable alone and unrestricted.
pub fn powers(mchd: &Mchd) -> Result<(), Refusal> {
    let powers = &mchd.powers;
    let scan = powers
        .items
        .iter()
        .find(|p| p.code == SCAN_POWER || p.mnemonic.as_deref() == Some(SCAN_POWER));
    let Some(scan) = scan.filter(|_| powers.machine_readable) else {
        return Err(Refusal::plain(Reason::PowerMissing));
    };
    if powers.joint {
        return Err(Refusal::plain(Reason::JointPower));
    }
    if scan.restricted {
        return Err(Refusal::plain(Reason::RestrictedPower));
    }
    Ok(())
}

/// Who must sign, by what their certificate may say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Required {
    /// The people whose signature counts: the principal's heads (`ЛицоБезДов`) for a direct power, the
    /// passing parties (or their heads) for a retrust.
    pub people: Vec<Person>,
    /// The organisations (ОГРН/ОГРНИП) a signer's certificate may name: the principal for a direct power; the
    /// organisation scanned for and the passing organisations for a retrust.
    pub organisations: Vec<String>,
}

/// Those who must sign a document found for `organisation` (the principal asked about).
pub fn required_signers(
    mchd: &Mchd,
    principal: Option<&Principal>,
    organisation: &str,
) -> Required {
    match &mchd.kind {
        Kind::Direct => Required {
            people: principal.map(|p| p.signers.clone()).unwrap_or_default(),
            organisations: principal.and_then(|p| p.ogrn.clone()).into_iter().collect(),
        },
        Kind::Retrust { passing, .. } => Required {
            people: passing.iter().flat_map(Party::signers).collect(),
            organisations: std::iter::once(organisation.to_owned())
                .chain(passing.iter().filter_map(|party| match party {
                    Party::Organisation { ogrn, .. } => ogrn.clone(),
                    Party::Person(_) => None,
                }))
                .collect(),
        },
    }
}

/// The signer, as the certificate names them, is one who must sign: the certificate names a person (СНИЛС or
/// ИНН), any organisation it names (ОГРН, ОГРНИП) is one of `required`'s, and the person is one of
/// `required`'s. The document's words about the signer count only as the list of who may sign.
pub fn signer(required: &Required, certificate: &Certified) -> Result<(), Refusal> {
    let person = &certificate.person;
    if person.snils.is_none() && person.inn.is_none() {
        return Err(Refusal::plain(Reason::SignerUnidentified));
    }
    if let Some(organisation) = &certificate.organisation
        && !required.organisations.iter().any(|o| o == organisation)
    {
        return Err(Refusal::plain(Reason::SignerOrganisationMismatch));
    }
    if required.people.iter().any(|p| p.same_as(person)) {
        Ok(())
    } else {
        Err(Refusal::plain(Reason::WrongSigner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{MachinePower, RetrustPermission};
    use crate::xml::dom;

    fn direct() -> Mchd {
        let root = dom::parse(include_str!("../testdata/direct.xml")).expect("xml");
        Mchd::read(&root).expect("readable")
    }

    fn retrust() -> Mchd {
        let root = dom::parse(include_str!("../testdata/retrust.xml")).expect("xml");
        Mchd::read(&root).expect("readable")
    }

    fn reason<T: std::fmt::Debug>(result: Result<T, Refusal>) -> Reason {
        result.expect_err("refused").reason
    }

    fn date(text: &str) -> Date {
        Date::parse(text).expect("date")
    }

    #[test]
    fn the_sample_passes_every_check() {
        let m = direct();
        file_id(&m).expect("file id");
        number(&m, Some("3F2B8C1E-7A4D-4E2B-9C3A-1B2C3D4E5F60")).expect("number, any case");
        number(&m, None).expect("no expectation");
        identifiers(&m).expect("identifiers");
        dates(&m, date("2026-01-10")).expect("first day");
        dates(&m, date("2027-01-09")).expect("last day");
        let p = principal(&m, "1027700132195").expect("principal");
        representative(&m, Expected::Employee("11223344595")).expect("representative");
        powers(&m).expect("powers");
        let signers = required_signers(&m, p, "1027700132195");
        signer(&signers, &certified(Some("21098765479"), None, None)).expect("by СНИЛС");
        signer(&signers, &certified(None, Some("500100732259"), None)).expect("by ИНН");
        signer(
            &signers,
            &certified(Some("21098765479"), None, Some("1027700132195")),
        )
        .expect("a certificate of the principal's head");
    }

    fn certified(snils: Option<&str>, inn: Option<&str>, organisation: Option<&str>) -> Certified {
        Certified {
            person: Person {
                snils: snils.map(Into::into),
                inn: inn.map(Into::into),
            },
            organisation: organisation.map(Into::into),
        }
    }

    #[test]
    fn the_signer_is_judged_by_the_certificate() {
        let m = direct();
        let signers = required_signers(
            &m,
            principal(&m, "1027700132195").expect("principal"),
            "1027700132195",
        );
        assert_eq!(
            reason(signer(
                &signers,
                &certified(None, None, Some("1027700132195"))
            )),
            Reason::SignerUnidentified,
            "a certificate naming no person shows nobody"
        );
        assert_eq!(
            reason(signer(
                &signers,
                &certified(Some("21098765479"), None, Some("1035001234564"))
            )),
            Reason::SignerOrganisationMismatch,
            "the head's СНИЛС on a certificate of another organisation"
        );
        assert_eq!(
            reason(signer(
                &signers,
                &certified(Some("40234567847"), None, Some("1027700132195"))
            )),
            Reason::WrongSigner,
            "a colleague's certificate of the same organisation"
        );
    }

    #[test]
    fn each_broken_check_has_its_reason() {
        let mut m = direct();
        m.file_id = "ON_EMCHD_20260110_00000000-0000-4000-8000-000000000000".into();
        assert_eq!(reason(file_id(&m)), Reason::FileIdMismatch);
        m.file_id = format!("OTHER_{}", m.number);
        assert_eq!(reason(file_id(&m)), Reason::FileIdMismatch);
        assert_eq!(
            reason(number(
                &direct(),
                Some("00000000-0000-4000-8000-000000000000")
            )),
            Reason::NumberMismatch
        );

        let mut m = direct();
        m.identifiers[0].value = "7703123458".into();
        let refusal = identifiers(&m).expect_err("bad ИНН");
        assert_eq!(refusal.reason, Reason::BadIdentifier);
        assert!(
            refusal.detail.contains("ИННЮЛ") && !refusal.detail.contains("7703123458"),
            "{}",
            refusal.detail
        );

        assert_eq!(
            reason(dates(&direct(), date("2026-01-09"))),
            Reason::NotYetValid
        );
        assert_eq!(
            reason(dates(&direct(), date("2027-01-10"))),
            Reason::Expired
        );
        assert_eq!(
            reason(principal(&direct(), "1035001234564")),
            Reason::PrincipalMismatch
        );
        assert_eq!(
            reason(representative(&direct(), Expected::Employee("30123456710"))),
            Reason::RepresentativeMismatch
        );
        let stranger = certified(Some("40234567847"), Some("500301112216"), None);
        assert_eq!(
            reason(signer(
                &required_signers(&direct(), direct().principals.first(), "1027700132195"),
                &stranger
            )),
            Reason::WrongSigner
        );
        assert_eq!(
            reason(signer(&Required::default(), &stranger)),
            Reason::WrongSigner
        );
    }

    #[test]
    fn powers_must_be_machine_readable_alone_and_unrestricted() {
        let mut m = direct();
        m.powers.items[0].code = "OTHER_POWER".into();
        powers(&m).expect("the mnemonic is enough");
        m.powers.items[0].mnemonic = None;
        assert_eq!(reason(powers(&m)), Reason::PowerMissing);

        let mut m = direct();
        m.powers.machine_readable = false;
        assert_eq!(reason(powers(&m)), Reason::PowerMissing);

        let mut m = direct();
        m.powers.joint = true;
        assert_eq!(reason(powers(&m)), Reason::JointPower);

        let mut m = direct();
        m.powers.items[0].restricted = true;
        assert_eq!(reason(powers(&m)), Reason::RestrictedPower);
        m.powers.items.push(MachinePower {
            code: "OTHER".into(),
            mnemonic: None,
            restricted: true,
        });
        m.powers.items[0].restricted = false;
        powers(&m).expect("restrictions on other powers do not matter");
    }

    #[test]
    fn a_retrust_is_signed_by_the_passing_party_and_may_omit_principals() {
        let mut m = retrust();
        assert_eq!(m.retrust, RetrustPermission::Never);
        let p = principal(&m, "1027700132195").expect("given and matching");
        let signers = required_signers(&m, p, "1027700132195");
        signer(&signers, &certified(Some("11223344595"), None, None))
            .expect("the passing employee");
        signer(
            &signers,
            &certified(Some("11223344595"), None, Some("1027700132195")),
        )
        .expect("the passing employee's certificate of the principal");
        assert_eq!(
            reason(signer(
                &signers,
                &certified(Some("11223344595"), None, Some("1035001234564"))
            )),
            Reason::SignerOrganisationMismatch
        );
        assert_eq!(
            reason(signer(
                &signers,
                &certified(Some("21098765479"), None, None)
            )),
            Reason::WrongSigner,
            "the head did not pass these powers"
        );
        assert_eq!(
            reason(principal(&m, "1035001234564")),
            Reason::PrincipalMismatch
        );
        m.principals.clear();
        assert_eq!(principal(&m, "1035001234564"), Ok(None));
        representative(&m, Expected::Employee("30123456710")).expect("the receiving party");
        let Kind::Retrust { passing, .. } = &m.kind else {
            panic!("a retrust")
        };
        representative(&direct(), Expected::AnyOf(passing))
            .expect("the parent's representative passed it on");
        assert_eq!(
            reason(representative(&retrust(), Expected::AnyOf(passing))),
            Reason::RepresentativeMismatch
        );
    }
}
