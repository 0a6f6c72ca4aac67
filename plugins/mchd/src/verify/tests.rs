//! The whole verification against a fake environment: a registry in memory, a schema check that refuses a
//! marker, and signatures that say who signed which bytes.

use std::cell::RefCell;
use std::collections::HashMap;

use super::*;
use crate::document::Person;
use crate::env::{Certified, Fetched, Listed};

const DIRECT: &str = include_str!("../../testdata/direct.xml");
const RETRUST: &str = include_str!("../../testdata/retrust.xml");
const DIRECT_NO: &str = "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60";
const RETRUST_NO: &str = "8d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
const ORG: &str = "1027700132195";
const HEAD: &str = "21098765479";
const EMPLOYEE: &str = "11223344595";
const ASSISTANT: &str = "30123456710";
const LIMITS: Limits = Limits {
    max_document_bytes: 64 * 1024,
    max_retrust_depth: 3,
};

/// A fake signature: who signed, a checksum of the content, and whether the CA is trusted.
fn sign(content: impl AsRef<[u8]>, snils: &str, trusted: bool) -> Vec<u8> {
    sign_as(content, snils, if trusted { "true" } else { "false" }, "")
}

/// A fake signature with every particular: `trust` is `true`, `false` or `revoked`; `organisation` the
/// ОГРН the certificate names (empty: none).
fn sign_as(content: impl AsRef<[u8]>, snils: &str, trust: &str, organisation: &str) -> Vec<u8> {
    format!(
        "{}|{snils}|{trust}|{organisation}",
        checksum(content.as_ref())
    )
    .into_bytes()
}

/// ASCII and А..я in windows-1251, as format 002 files are written.
fn cp1251(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            c if c.is_ascii() => c as u8,
            'А'..='я' => u8::try_from(c as u32 - 0x0410 + 0xC0).expect("one byte"),
            other => panic!("no windows-1251 byte for {other}"),
        })
        .collect()
}

fn checksum(content: &[u8]) -> u64 {
    content.iter().fold(17u64, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(*b))
    })
}

#[derive(Default)]
struct FakeEnv {
    docs: HashMap<String, (String, Vec<u8>, String)>,
    unavailable: bool,
    fetches: RefCell<u32>,
}

impl FakeEnv {
    fn register(self, number: &str, xml: &str, signer: &str, status: &str) -> Self {
        let signature = sign(xml, signer, true);
        self.register_signed(number, xml, signature, status)
    }

    /// Registers `xml` with any signature (the registry simulator does not check them either).
    fn register_signed(
        mut self,
        number: &str,
        xml: &str,
        signature: Vec<u8>,
        status: &str,
    ) -> Self {
        self.docs
            .insert(number.into(), (xml.into(), signature, status.into()));
        self
    }
}

impl Env for FakeEnv {
    fn today(&self) -> Date {
        Date::parse("2026-06-15").expect("date")
    }

    fn validate(&self, document: &[u8]) -> Result<Option<String>, Failure> {
        let text = String::from_utf8_lossy(document);
        Ok(text
            .contains("SCHEMA_BREAKER")
            .then(|| "element 'SCHEMA_BREAKER': not expected".into()))
    }

    fn verify_signature(
        &self,
        content: &[u8],
        signature: &[u8],
    ) -> Result<SignatureCheck, Failure> {
        let text = String::from_utf8_lossy(signature);
        let parts: Vec<&str> = text.split('|').collect();
        let [sum, snils, trust, organisation] = parts[..] else {
            return Ok(SignatureCheck::Bad("not a signature".into()));
        };
        if sum != checksum(content).to_string() {
            return Ok(SignatureCheck::Bad("does not match the content".into()));
        }
        match trust {
            "true" => {}
            "revoked" => return Ok(SignatureCheck::Revoked("revoked: by the CRL".into())),
            _ => return Ok(SignatureCheck::Untrusted("unknown CA".into())),
        }
        Ok(SignatureCheck::Valid(Certified {
            person: Person {
                snils: Some(snils.into()).filter(|s: &String| !s.is_empty()),
                inn: None,
            },
            organisation: Some(organisation.into()).filter(|o: &String| !o.is_empty()),
        }))
    }

    fn status(&self, number: &str) -> Result<Option<String>, Failure> {
        if self.unavailable {
            return Err(Failure::Unavailable("registry down".into()));
        }
        Ok(self.docs.get(number).map(|(_, _, status)| status.clone()))
    }

    fn fetch(&self, number: &str) -> Result<Option<Fetched>, Failure> {
        *self.fetches.borrow_mut() += 1;
        if self.unavailable {
            return Err(Failure::Unavailable("registry down".into()));
        }
        Ok(self.docs.get(number).map(|(xml, sig, _)| Fetched {
            xml: xml.clone().into_bytes(),
            signature: Some(sig.clone()),
        }))
    }

    fn by_representative(&self, _snils: &str) -> Result<Vec<Listed>, Failure> {
        Ok(Vec::new())
    }
}

fn inline(xml: impl AsRef<[u8]>, signer: &str) -> Subject {
    let xml = xml.as_ref().to_vec();
    let signature = sign(&xml, signer, true);
    Subject {
        organisation: ORG.into(),
        representative: EMPLOYEE.into(),
        source: Source::Inline { xml, signature },
    }
}

fn by_number(number: &str, representative: &str) -> Subject {
    Subject {
        organisation: ORG.into(),
        representative: representative.into(),
        source: Source::Number(number.into()),
    }
}

fn refused(env: &FakeEnv, subject: &Subject) -> Refusal {
    match verify(env, LIMITS, subject) {
        Err(VerifyError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn registry() -> FakeEnv {
    FakeEnv::default()
        .register(DIRECT_NO, DIRECT, HEAD, "ACTIVE")
        .register(RETRUST_NO, RETRUST, EMPLOYEE, "ACTIVE")
}

#[test]
fn a_valid_direct_power_inline_and_by_number() {
    let env = registry();
    let verified = verify(&env, LIMITS, &inline(DIRECT, HEAD)).expect("valid");
    assert_eq!(verified.number, DIRECT_NO);
    assert_eq!(verified.organisation, ORG);
    assert_eq!(verified.organisation_name.as_deref(), Some("ООО «Пример»"));
    assert_eq!(verified.valid_until.to_string(), "2027-01-09");
    assert!(verified.parents.is_empty());
    assert_eq!(
        verify(&env, LIMITS, &by_number(DIRECT_NO, EMPLOYEE)),
        Ok(verified)
    );
}

#[test]
fn registry_answers() {
    let env = registry();
    assert_eq!(
        refused(
            &env,
            &by_number("00000000-0000-4000-8000-000000000000", EMPLOYEE)
        )
        .reason,
        Reason::NotRegistered
    );
    for (status, reason) in [
        ("CREATED", Reason::StatusCreated),
        ("EXPIRED", Reason::StatusExpired),
        ("REVOKED", Reason::StatusRevoked),
        ("PROCESSING", Reason::StatusProcessing),
        ("REJECTED", Reason::StatusRejected),
        ("SUSPENDED", Reason::StatusUnknown),
    ] {
        let env = FakeEnv::default().register(DIRECT_NO, DIRECT, HEAD, status);
        assert_eq!(
            refused(&env, &inline(DIRECT, HEAD)).reason,
            reason,
            "{status}"
        );
    }
    assert_eq!(
        refused(&FakeEnv::default(), &inline(DIRECT, HEAD)).reason,
        Reason::NotRegistered
    );
    let down = FakeEnv {
        unavailable: true,
        ..registry()
    };
    assert!(matches!(
        verify(&down, LIMITS, &inline(DIRECT, HEAD)),
        Err(VerifyError::Unavailable(_))
    ));
    assert!(matches!(
        verify(&down, LIMITS, &by_number(DIRECT_NO, EMPLOYEE)),
        Err(VerifyError::Unavailable(_))
    ));
}

#[test]
fn broken_files() {
    let env = registry();
    let bomb = DIRECT.replace(
        "<Доверенность ",
        "<!DOCTYPE Доверенность [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><Доверенность ",
    );
    let truncated = &DIRECT[..DIRECT.len() / 2];
    let old = cp1251(
        r#"<?xml version="1.0" encoding="windows-1251"?><Доверенность ВерсФорм="002" ИдФайл="x"/>"#,
    );
    let invalid = DIRECT.replace("</Документ>", "</Документ><SCHEMA_BREAKER/>");
    let huge = DIRECT.replace(
        "<Документ>",
        &format!("<!-- {} --><Документ>", "x".repeat(70 * 1024)),
    );
    for (xml, reason) in [
        (bomb.as_bytes(), Reason::UnsafeXml),
        (truncated.as_bytes(), Reason::Malformed),
        (old.as_slice(), Reason::FormatUnsupported),
        (invalid.as_bytes(), Reason::SchemaInvalid),
        (huge.as_bytes(), Reason::TooLarge),
        (
            b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>".as_slice(),
            Reason::Malformed,
        ),
    ] {
        assert_eq!(refused(&env, &inline(xml, HEAD)).reason, reason);
    }
}

#[test]
fn content_checks_in_order() {
    let env = registry();
    let cases = [
        (DIRECT.replace("ИдФайл=\"ON_EMCHD_20260110_3f2b", "ИдФайл=\"ON_EMCHD_20260110_0f2b"), Reason::FileIdMismatch),
        (DIRECT.replace("СНИЛС=\"210-987-654 79\"", "СНИЛС=\"210-987-654 78\""), Reason::BadIdentifier),
        (DIRECT.replace("ДатаВыдДовер=\"2026-01-10\"", "ДатаВыдДовер=\"2026-06-16\""), Reason::NotYetValid),
        (DIRECT.replace("СрокДейст=\"2027-01-09\"", "СрокДейст=\"2026-06-14\""), Reason::Expired),
        (DIRECT.replace("ОГРН=\"1027700132195\"", "ОГРН=\"1035001234564\""), Reason::PrincipalMismatch),
        (DIRECT.replace("СНИЛС=\"112-233-445 95\"", "СНИЛС=\"301-234-567 10\""), Reason::RepresentativeMismatch),
        (DIRECT.replace("КодПолн=\"GOSCAN_DELEGATE_SCAN\" МнПолн=\"GOSCAN_DELEGATE_SCAN\"", "КодПолн=\"OTHER_POWER\""), Reason::PowerMissing),
        (DIRECT.replace("ПрСовмПолн=\"1\"", "ПрСовмПолн=\"2\""), Reason::JointPower),
        (
            DIRECT.replace(
                "Право представителям юридических лиц сканировать документы у физических лиц\"/>",
                "x\"><ОгрСвПолн ИдОгр=\"1\" КодОгр=\"REGION\" НаимОгр=\"Регион\"><КодЗначОгр>77</КодЗначОгр></ОгрСвПолн></МашПолн>",
            ),
            Reason::RestrictedPower,
        ),
    ];
    for (xml, reason) in cases {
        assert_ne!(xml, DIRECT, "{reason:?}: the replacement must apply");
        assert_eq!(refused(&env, &inline(&xml, HEAD)).reason, reason);
    }
    assert_eq!(
        refused(&env, &by_number(DIRECT_NO, ASSISTANT)).reason,
        Reason::RepresentativeMismatch
    );
}

/// `DIRECT` registered with `signature` (ACTIVE), and the subject giving exactly that inline.
fn registered_with(signature: Vec<u8>) -> (FakeEnv, Subject) {
    let env = FakeEnv::default().register_signed(DIRECT_NO, DIRECT, signature.clone(), "ACTIVE");
    let subject = Subject {
        source: Source::Inline {
            xml: DIRECT.as_bytes().to_vec(),
            signature,
        },
        ..inline(DIRECT, HEAD)
    };
    (env, subject)
}

#[test]
fn signatures() {
    let (env, subject) = registered_with(Vec::new());
    assert_eq!(refused(&env, &subject).reason, Reason::SignatureMissing);
    let (env, subject) = registered_with(sign("other bytes", HEAD, true));
    assert_eq!(refused(&env, &subject).reason, Reason::BadSignature);
    let (env, subject) = registered_with(sign(DIRECT, HEAD, false));
    assert_eq!(refused(&env, &subject).reason, Reason::UntrustedSigner);
    let (env, subject) = registered_with(sign_as(DIRECT, HEAD, "revoked", ORG));
    assert_eq!(refused(&env, &subject).reason, Reason::CertificateRevoked);
    let (env, subject) = registered_with(sign(DIRECT, EMPLOYEE, true));
    assert_eq!(refused(&env, &subject).reason, Reason::WrongSigner);
    let (env, subject) = registered_with(sign_as(DIRECT, HEAD, "true", "1035001234564"));
    assert_eq!(
        refused(&env, &subject).reason,
        Reason::SignerOrganisationMismatch,
        "the head's СНИЛС on a certificate of another organisation"
    );
    let (env, subject) = registered_with(sign_as(DIRECT, "", "true", ORG));
    assert_eq!(refused(&env, &subject).reason, Reason::SignerUnidentified);
    let (env, subject) = registered_with(sign_as(DIRECT, HEAD, "true", ORG));
    verify(&env, LIMITS, &subject).expect("the head's certificate of the principal");
    let mut env = registry();
    env.docs.get_mut(DIRECT_NO).expect("registered").1.clear();
    assert_eq!(
        refused(&env, &by_number(DIRECT_NO, EMPLOYEE)).reason,
        Reason::SignatureMissing
    );
}

#[test]
fn an_inline_document_must_be_the_registered_one() {
    let env = registry();
    // The forgery of the security review: the number of an ACTIVE registered power, another organisation as
    // the principal, and a trusted signature of the one who signed the forgery.
    const OTHER_ORG: &str = "1035001234564";
    let forged_principal =
        DIRECT.replace("ОГРН=\"1027700132195\"", &format!("ОГРН=\"{OTHER_ORG}\""));
    let refusal = refused(
        &env,
        &Subject {
            organisation: OTHER_ORG.into(),
            ..inline(&forged_principal, HEAD)
        },
    );
    assert_eq!(refusal.reason, Reason::NotTheRegisteredDocument);
    assert!(refusal.detail.contains("файл"), "{}", refusal.detail);
    let variants = [
        (
            "another representative",
            DIRECT.replace("СНИЛС=\"112-233-445 95\"", "СНИЛС=\"301-234-567 10\""),
            ASSISTANT,
        ),
        (
            "changed validity",
            DIRECT.replace("СрокДейст=\"2027-01-09\"", "СрокДейст=\"2029-01-09\""),
            EMPLOYEE,
        ),
        (
            "changed powers",
            DIRECT.replace(
                "ПрСовмПолн=\"1\">",
                "ПрСовмПолн=\"1\"><МашПолн КодПолн=\"EXTRA_POWER\" НаимПолн=\"Ещё полномочие\"/>",
            ),
            EMPLOYEE,
        ),
    ];
    for (what, xml, representative) in variants {
        assert_ne!(xml, DIRECT, "{what}: the replacement must apply");
        let subject = Subject {
            representative: representative.into(),
            ..inline(&xml, HEAD)
        };
        assert_eq!(
            refused(&env, &subject).reason,
            Reason::NotTheRegisteredDocument,
            "{what}"
        );
    }
    // The registered bytes with another (valid, trusted) signature.
    let (_, mut subject) = registered_with(sign_as(DIRECT, HEAD, "true", "1035001234564"));
    let refusal = refused(&env, &subject);
    assert_eq!(refusal.reason, Reason::NotTheRegisteredDocument);
    assert!(refusal.detail.contains("подпись"), "{}", refusal.detail);
    subject.source = Source::Inline {
        xml: DIRECT.as_bytes().to_vec(),
        signature: Vec::new(),
    };
    assert_eq!(
        refused(&env, &subject).reason,
        Reason::NotTheRegisteredDocument
    );
    // Not registered at all.
    assert_eq!(
        refused(&FakeEnv::default(), &inline(DIRECT, HEAD)).reason,
        Reason::NotRegistered
    );
}

#[test]
fn a_valid_retrust_follows_its_parent() {
    let env = registry();
    let verified = verify(&env, LIMITS, &by_number(RETRUST_NO, ASSISTANT)).expect("valid retrust");
    assert_eq!(verified.number, RETRUST_NO);
    assert_eq!(verified.parents, vec![DIRECT_NO.to_owned()]);
    assert_eq!(verified.organisation_name.as_deref(), Some("ООО «Пример»"));
    // A retrust without its own principals takes the name from the parent.
    let bare = RETRUST.replace(
        &RETRUST[RETRUST.find("<СвДоверПерв").expect("present")
            ..RETRUST.find("</СвПервДовер>").expect("present")],
        "",
    );
    let env = FakeEnv::default()
        .register(DIRECT_NO, DIRECT, HEAD, "ACTIVE")
        .register(RETRUST_NO, &bare, EMPLOYEE, "ACTIVE");
    let verified = verify(&env, LIMITS, &by_number(RETRUST_NO, ASSISTANT)).expect("valid");
    assert_eq!(verified.organisation_name.as_deref(), Some("ООО «Пример»"));
    // Signed (and registered) by the head instead of the passing employee.
    let by_head = FakeEnv::default()
        .register(DIRECT_NO, DIRECT, HEAD, "ACTIVE")
        .register(RETRUST_NO, RETRUST, HEAD, "ACTIVE");
    assert_eq!(
        refused(
            &by_head,
            &Subject {
                representative: ASSISTANT.into(),
                ..inline(RETRUST, HEAD)
            }
        )
        .reason,
        Reason::WrongSigner
    );
}

#[test]
fn parents_that_forbid_retrust_or_are_invalid() {
    let never = DIRECT.replace("ПрПередов=\"2\"", "ПрПередов=\"1\"");
    let env = FakeEnv::default()
        .register(DIRECT_NO, &never, HEAD, "ACTIVE")
        .register(RETRUST_NO, RETRUST, EMPLOYEE, "ACTIVE");
    let refusal = refused(&env, &by_number(RETRUST_NO, ASSISTANT));
    assert_eq!(refusal.reason, Reason::RetrustForbidden);
    assert!(refusal.detail.contains(DIRECT_NO));

    let env = FakeEnv::default()
        .register(DIRECT_NO, DIRECT, HEAD, "REVOKED")
        .register(RETRUST_NO, RETRUST, EMPLOYEE, "ACTIVE");
    let refusal = refused(&env, &by_number(RETRUST_NO, ASSISTANT));
    assert_eq!(refusal.reason, Reason::ParentInvalid);
    assert!(
        refusal.detail.contains("MCHD_STATUS_REVOKED"),
        "{}",
        refusal.detail
    );

    let env = FakeEnv::default().register(RETRUST_NO, RETRUST, EMPLOYEE, "ACTIVE");
    let refusal = refused(&env, &by_number(RETRUST_NO, ASSISTANT));
    assert_eq!(refusal.reason, Reason::ParentInvalid);
    assert!(
        refusal.detail.contains("MCHD_NOT_REGISTERED"),
        "{}",
        refusal.detail
    );

    // The parent's representative is not the party that passed the powers on.
    let other = DIRECT
        .replace("СНИЛС=\"112-233-445 95\"", "СНИЛС=\"402-345-678 47\"")
        .replace("ИННФЛ=\"770312345678\"", "ИННФЛ=\"500301112216\"");
    let env = FakeEnv::default()
        .register(DIRECT_NO, &other, HEAD, "ACTIVE")
        .register(RETRUST_NO, RETRUST, EMPLOYEE, "ACTIVE");
    let refusal = refused(&env, &by_number(RETRUST_NO, ASSISTANT));
    assert_eq!(refusal.reason, Reason::ParentInvalid);
    assert!(
        refusal.detail.contains("MCHD_REPRESENTATIVE_MISMATCH"),
        "{}",
        refusal.detail
    );

    let orphan = RETRUST.replace(" НомДоверПерв=\"3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60\"", "");
    let env = FakeEnv::default().register(RETRUST_NO, &orphan, EMPLOYEE, "ACTIVE");
    assert_eq!(
        refused(&env, &by_number(RETRUST_NO, ASSISTANT)).reason,
        Reason::RetrustNoParent
    );
}

const SECOND_NO: &str = "11111111-2222-4333-8444-555555555555";

/// A retrust of the retrust: the assistant passes the powers on to a third employee.
fn second_level() -> String {
    RETRUST
        .replace(RETRUST_NO, SECOND_NO)
        .replace(
            "</СвПервДовер>",
            &format!(r#"</СвПервДовер><СвПередов ПрДовер="1" ФормДовер="1" ДатаВыдДовер="2026-02-01" СрокДейст="2026-12-31" НомДоверN="{RETRUST_NO}"/>"#),
        )
        .replace("ИННФЛ=\"771987654388\" СНИЛС=\"301-234-567 10\"", "ИННФЛ=\"500301112216\" СНИЛС=\"402-345-678 47\"")
        .replace("ИННФЛ=\"770312345678\" СНИЛС=\"112-233-445 95\"", "ИННФЛ=\"771987654388\" СНИЛС=\"301-234-567 10\"")
}

#[test]
fn a_second_retrust_needs_onward_permission_all_the_way_up() {
    let third = "40234567847";
    let middle = RETRUST.replace("ПрПередов=\"1\"", "ПрПередов=\"3\"");
    let chain = |root: &str| {
        FakeEnv::default()
            .register(DIRECT_NO, root, HEAD, "ACTIVE")
            .register(RETRUST_NO, &middle, EMPLOYEE, "ACTIVE")
            .register(SECOND_NO, &second_level(), ASSISTANT, "ACTIVE")
    };
    let onward = DIRECT.replace("ПрПередов=\"2\"", "ПрПередов=\"3\"");
    let verified = verify(&chain(&onward), LIMITS, &by_number(SECOND_NO, third))
        .expect("two retrusts allowed");
    assert_eq!(
        verified.parents,
        vec![RETRUST_NO.to_owned(), DIRECT_NO.to_owned()]
    );
    // The root allows one retrust only: the second level is refused (reported through the parent).
    let refusal = refused(&chain(DIRECT), &by_number(SECOND_NO, third));
    assert_eq!(refusal.reason, Reason::ParentInvalid);
    assert!(
        refusal.detail.contains("MCHD_RETRUST_FORBIDDEN"),
        "{}",
        refusal.detail
    );
    // Depth limit.
    let shallow = Limits {
        max_retrust_depth: 1,
        ..LIMITS
    };
    let env = chain(&onward);
    match verify(&env, shallow, &by_number(SECOND_NO, third)) {
        Err(VerifyError::Refused(r)) => assert_eq!(r.reason, Reason::RetrustTooDeep),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cycles_are_detected() {
    // The original names the second-level retrust as its parent: a loop of retrusts.
    let looping = RETRUST
        .replace(
            " НомДоверПерв=\"3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60\"",
            &format!(" НомДоверПерв=\"{SECOND_NO}\""),
        )
        .replace("ПрПередов=\"1\"", "ПрПередов=\"3\"");
    let second = second_level()
        .replace("ПрПередов=\"1\"", "ПрПередов=\"3\"")
        .replace(
            "ИННФЛ=\"500301112216\" СНИЛС=\"402-345-678 47\"",
            "ИННФЛ=\"770312345678\" СНИЛС=\"112-233-445 95\"",
        );
    let env = FakeEnv::default()
        .register(RETRUST_NO, &looping, EMPLOYEE, "ACTIVE")
        .register(SECOND_NO, &second, ASSISTANT, "ACTIVE");
    let refusal = refused(&env, &by_number(RETRUST_NO, ASSISTANT));
    assert_eq!(refusal.reason, Reason::RetrustCycle, "{refusal:?}");
    assert!(*env.fetches.borrow() <= 3, "the loop is not followed");
}
