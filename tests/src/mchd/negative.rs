//! The negative set: for one organisation and one employee, a case per check of the `mchd` plugin, each
//! breaking exactly that check (everything else about the case is valid), with the reason code the gateway
//! must answer. Among them an XML bomb, a truncated file, format 002, a wrong signature, a signature by an
//! untrusted CA and one by someone else.

use super::document::{Kind, Mchd, Organisation, Person, Power, Reference};
use super::{Kit, Signed, ids};

/// Where the scanned power of attorney comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Given in `OnBehalfOf`.
    Inline(Signed),
    /// By number, from the registry.
    Number(String),
}

/// A document to register in the registry simulator before the scan.
#[derive(Debug, Clone)]
pub struct Registered {
    pub xml: Vec<u8>,
    pub signature: Option<Vec<u8>>,
    pub status: &'static str,
}

impl Registered {
    fn signed(signed: &Signed, status: &'static str) -> Registered {
        Registered {
            xml: signed.xml.clone(),
            signature: Some(signed.signature.clone()),
            status,
        }
    }
}

/// One negative case.
#[derive(Debug, Clone)]
pub struct Case {
    /// What is broken.
    pub name: &'static str,
    /// The reason code the gateway must answer.
    pub reason: &'static str,
    /// The ОГРН scanned for.
    pub organisation: String,
    /// Who scans.
    pub scanner: Person,
    pub source: Source,
    /// Registered before the scan.
    pub registry: Vec<Registered>,
}

/// The parties of the set.
#[derive(Debug, Clone)]
pub struct Parties {
    /// The organisation scanned for.
    pub org: Organisation,
    /// Another organisation.
    pub other_org: Organisation,
    /// The employee who scans.
    pub employee: Person,
    /// A colleague (the receiver of retrusts, or the wrong representative).
    pub assistant: Person,
}

impl Parties {
    /// Fresh parties, made by `kit`.
    pub fn new(kit: &Kit) -> Parties {
        Parties {
            org: kit.organisation("ООО «Негатив»"),
            other_org: kit.organisation("АО «Посторонняя организация»"),
            employee: Person::new("Сканова", "Проверка", "Тестовна"),
            assistant: Person::new("Помощников", "Макет", "Ильич"),
        }
    }
}

/// The cases; `untrusted` is a second CA the gateway does not trust.
pub fn cases(kit: &Kit, untrusted: &Kit, p: &Parties) -> Vec<Case> {
    let valid = || Mchd::direct(&p.org, &p.employee);
    let inline =
        |name, reason, mchd: Mchd| case(p, name, reason, Source::Inline(kit.sign(&mchd)), vec![]);
    let registered = |name, reason, mchd: Mchd, status| {
        let signed = kit.sign(&mchd);
        case(
            p,
            name,
            reason,
            Source::Inline(signed.clone()),
            vec![Registered::signed(&signed, status)],
        )
    };
    let mut out = Vec::new();

    out.push(inline(
        "not registered in the ФНС registry",
        "MCHD_NOT_REGISTERED",
        valid(),
    ));
    out.push(raw(
        kit,
        p,
        "larger than the plugin accepts",
        "MCHD_TOO_LARGE",
        |xml| insert_after_declaration(xml, &format!("<!-- {} -->\n", "x".repeat(1_100_000))),
    ));
    out.push(raw(
        kit,
        p,
        "an XML bomb (DOCTYPE with nested entities)",
        "MCHD_UNSAFE_XML",
        |xml| {
            let bomb = bomb_doctype();
            insert_after_declaration(
                &replace(xml, "ВнНомДовер=\"ТЕСТ-", "ВнНомДовер=\"&lol9;"),
                &bomb,
            )
        },
    ));
    let truncated = {
        let signed = kit.sign(&valid());
        let half = signed.xml.len() / 2;
        Signed {
            xml: signed.xml[..half].to_vec(),
            signature: signed.signature,
        }
    };
    out.push(case(
        p,
        "a truncated file",
        "MCHD_MALFORMED",
        Source::Inline(truncated),
        vec![],
    ));
    let old = format_002(&p.org, &p.employee);
    let old_signature = kit.sign_as(&old, &p.org.head);
    out.push(case(
        p,
        "format 002 (windows-1251, text powers)",
        "MCHD_FORMAT_UNSUPPORTED",
        Source::Inline(Signed {
            xml: old,
            signature: old_signature,
        }),
        vec![],
    ));
    out.push(raw(
        kit,
        p,
        "not valid against the EMCHD_1 schema",
        "MCHD_SCHEMA_INVALID",
        |xml| replace(xml, "<СведСист>", "<НеизвестныйЭлемент/><СведСист>"),
    ));
    out.push(inline(
        "ИдФайл names another number",
        "MCHD_FILE_ID_MISMATCH",
        Mchd {
            file_id: Some(format!(
                "ON_EMCHD_{}_{}",
                ids::moscow_date(-10).replace('-', ""),
                uuid::Uuid::new_v4()
            )),
            ..valid()
        },
    ));
    let mut broken_head = valid();
    broken_head.principal.head.inn = ids::broken(&broken_head.principal.head.inn);
    out.push(inline(
        "the head's ИНН fails its check number",
        "MCHD_BAD_IDENTIFIER",
        broken_head,
    ));
    out.push(inline(
        "issued in the future",
        "MCHD_NOT_YET_VALID",
        Mchd {
            issued: ids::moscow_date(3),
            ..valid()
        },
    ));
    out.push(inline(
        "expired yesterday",
        "MCHD_EXPIRED",
        Mchd {
            issued: ids::moscow_date(-400),
            valid_until: ids::moscow_date(-1),
            ..valid()
        },
    ));
    out.push(inline(
        "issued by another organisation",
        "MCHD_PRINCIPAL_MISMATCH",
        Mchd::direct(&p.other_org, &p.employee),
    ));
    out.push(inline(
        "issued to another employee",
        "MCHD_REPRESENTATIVE_MISMATCH",
        Mchd::direct(&p.org, &p.assistant),
    ));
    out.push(inline(
        "no scanning power",
        "MCHD_POWER_MISSING",
        Mchd {
            powers: vec![Power::other()],
            ..valid()
        },
    ));
    out.push(inline(
        "joint exercise only",
        "MCHD_JOINT_POWER",
        Mchd {
            joint: true,
            ..valid()
        },
    ));
    out.push(inline(
        "a restricted scanning power",
        "MCHD_RESTRICTED_POWER",
        Mchd {
            powers: vec![Power {
                restricted: true,
                ..Power::scan()
            }],
            ..valid()
        },
    ));

    // The signature checks judge the registered document: each of these is registered as it is sent (the
    // simulated registry, unlike ФНС's, takes any signature).
    let registered_as_sent = |name, reason, xml: Vec<u8>, signature: Vec<u8>| {
        let signed = Signed { xml, signature };
        case(
            p,
            name,
            reason,
            Source::Inline(signed.clone()),
            vec![Registered::signed(&signed, "ACTIVE")],
        )
    };
    let signed = kit.sign(&valid());
    let other = kit.sign(&valid());
    out.push(registered_as_sent(
        "a wrong signature (over other bytes)",
        "MCHD_BAD_SIGNATURE",
        signed.xml,
        other.signature,
    ));
    let xml = valid().to_xml();
    let foreign = untrusted.sign_for(&xml, &p.org.head, &p.org.ogrn);
    out.push(registered_as_sent(
        "signed by the head, certificate from an untrusted CA",
        "MCHD_UNTRUSTED_SIGNER",
        xml,
        foreign,
    ));
    let xml = valid().to_xml();
    let by_employee = kit.sign_as(&xml, &p.employee);
    out.push(registered_as_sent(
        "signed by someone else (the employee)",
        "MCHD_WRONG_SIGNER",
        xml,
        by_employee,
    ));
    let xml = valid().to_xml();
    let head_of_another = kit.sign_for(&xml, &p.org.head, &p.other_org.ogrn);
    out.push(registered_as_sent(
        "signed by the head's person with a certificate of another organisation",
        "MCHD_SIGNER_ORGANISATION_MISMATCH",
        xml,
        head_of_another,
    ));
    let xml = valid().to_xml();
    let nobody = kit.sign_without_person(&xml, &p.org.ogrn);
    out.push(registered_as_sent(
        "signed with a certificate that names no person",
        "MCHD_SIGNER_UNIDENTIFIED",
        xml,
        nobody,
    ));
    // The security review's forgery: the number of an ACTIVE registered power, the scanning organisation as
    // principal, signed by a trusted head of yet another organisation who names himself its head.
    let genuine = valid();
    let genuine_signed = kit.sign(&genuine);
    let forged = Mchd {
        number: genuine.number.clone(),
        principal: Organisation {
            head: p.other_org.head.clone(),
            ..p.org.clone()
        },
        ..valid()
    };
    let forged_xml = forged.to_xml();
    let forged_signature = kit.sign_for(&forged_xml, &p.other_org.head, &p.other_org.ogrn);
    out.push(case(
        p,
        "a forgery reusing the number of a registered power",
        "MCHD_NOT_THE_REGISTERED_DOCUMENT",
        Source::Inline(Signed {
            xml: forged_xml,
            signature: forged_signature,
        }),
        vec![Registered::signed(&genuine_signed, "ACTIVE")],
    ));

    for (status, reason) in [
        ("CREATED", "MCHD_STATUS_CREATED"),
        ("EXPIRED", "MCHD_STATUS_EXPIRED"),
        ("REVOKED", "MCHD_STATUS_REVOKED"),
        ("PROCESSING", "MCHD_STATUS_PROCESSING"),
        ("REJECTED", "MCHD_STATUS_REJECTED"),
    ] {
        out.push(registered(
            "registry status other than ACTIVE",
            reason,
            valid(),
            status,
        ));
    }

    let unsigned = valid();
    out.push(case(
        p,
        "registered without a signature",
        "MCHD_SIGNATURE_MISSING",
        Source::Number(unsigned.number.clone()),
        vec![Registered {
            xml: unsigned.to_xml(),
            signature: None,
            status: "ACTIVE",
        }],
    ));

    // Retrusts: the assistant scans with a retrust from the employee.
    let retrust_case = |name, reason, parent: Mchd, parent_status| {
        let child = Mchd::retrust(&parent, &p.assistant);
        let registry = vec![
            Registered::signed(&kit.sign(&parent), parent_status),
            Registered::signed(&kit.sign(&child), "ACTIVE"),
        ];
        Case {
            scanner: p.assistant.clone(),
            ..case(
                p,
                name,
                reason,
                Source::Number(child.number.clone()),
                registry,
            )
        }
    };
    out.push(retrust_case(
        "a retrust of a power that forbids retrust",
        "MCHD_RETRUST_FORBIDDEN",
        Mchd {
            retrust: 1,
            ..valid()
        },
        "ACTIVE",
    ));
    out.push(retrust_case(
        "a retrust of a revoked power",
        "MCHD_PARENT_INVALID",
        valid(),
        "REVOKED",
    ));
    out.push(cycle(kit, p));
    out
}

fn case(
    p: &Parties,
    name: &'static str,
    reason: &'static str,
    source: Source,
    registry: Vec<Registered>,
) -> Case {
    Case {
        name,
        reason,
        organisation: p.org.ogrn.clone(),
        scanner: p.employee.clone(),
        source,
        registry,
    }
}

/// A valid direct power whose XML is changed by `edit`, then signed by the head (so only the edit is wrong).
fn raw(
    kit: &Kit,
    p: &Parties,
    name: &'static str,
    reason: &'static str,
    edit: impl Fn(&[u8]) -> Vec<u8>,
) -> Case {
    let xml = edit(&Mchd::direct(&p.org, &p.employee).to_xml());
    let signature = kit.sign_as(&xml, &p.org.head);
    case(
        p,
        name,
        reason,
        Source::Inline(Signed { xml, signature }),
        vec![],
    )
}

/// Two retrusts that name each other as parent.
fn cycle(kit: &Kit, p: &Parties) -> Case {
    let root = Mchd {
        retrust: 3,
        ..Mchd::direct(&p.org, &p.employee)
    };
    let mut first = Mchd {
        retrust: 3,
        ..Mchd::retrust(&root, &p.assistant)
    };
    let second = Mchd {
        retrust: 3,
        ..Mchd::retrust(&first, &p.employee)
    };
    if let Kind::Retrust { original, .. } = &mut first.kind {
        *original = Reference {
            number: second.number.clone(),
            issued: second.issued.clone(),
            valid_until: second.valid_until.clone(),
        };
    }
    let registry = vec![
        Registered::signed(&kit.sign(&first), "ACTIVE"),
        Registered::signed(&kit.sign(&second), "ACTIVE"),
    ];
    Case {
        scanner: p.assistant.clone(),
        ..case(
            p,
            "retrusts that name each other",
            "MCHD_RETRUST_CYCLE",
            Source::Number(first.number.clone()),
            registry,
        )
    }
}

fn replace(xml: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(xml.to_vec()).expect("utf-8");
    assert!(text.contains(from), "`{from}` is in the document");
    text.replacen(from, to, 1).into_bytes()
}

fn insert_after_declaration(xml: &[u8], insert: &str) -> Vec<u8> {
    let text = String::from_utf8(xml.to_vec()).expect("utf-8");
    let at = text.find("?>\n").expect("an XML declaration") + 3;
    format!("{}{insert}{}", &text[..at], &text[at..]).into_bytes()
}

/// The "billion laughs": ten levels of ten-fold entities.
fn bomb_doctype() -> String {
    let mut out = String::from("<!DOCTYPE Доверенность [\n  <!ENTITY lol0 \"lol\">\n");
    for level in 1..10 {
        let refs = format!("&lol{};", level - 1).repeat(10);
        out.push_str(&format!("  <!ENTITY lol{level} \"{refs}\">\n"));
    }
    out.push_str("]>\n");
    out
}

/// A power of attorney in the old format 002 (windows-1251, text powers only), as the ФНС accepted before
/// EMCHD_1. Simplified, but recognisable by its `ВерсФорм`.
pub fn format_002(org: &Organisation, representative: &Person) -> Vec<u8> {
    let number = uuid::Uuid::new_v4();
    let text = format!(
        r#"<?xml version="1.0" encoding="windows-1251"?>
<Доверенность ВерсФорм="002" ИдФайл="ON_DOVER_{number}" ПрЭлФорм="00000000">
  <Документ КНД="1110301" НомДовер="{number}" ДатаВыдДовер="{issued}" СрокДейст="{until}">
    <СвДоверит><РосОргДовер НаимОрг="{name}" ИННЮЛ="{inn}" КПП="{kpp}" ОГРН="{ogrn}"/></СвДоверит>
    <СвУпПред><СведФизЛ ИННФЛ="{rep_inn}" СНИЛС="{rep_snils}"><ФИО Фамилия="{last}" Имя="{first}"/></СведФизЛ></СвУпПред>
    <СвПолн><ТекстПолн>Сканировать документы граждан от имени организации</ТекстПолн></СвПолн>
  </Документ>
</Доверенность>
"#,
        issued = ids::moscow_date(-10),
        until = ids::moscow_date(365),
        name = org.name,
        inn = org.inn,
        kpp = org.kpp,
        ogrn = org.ogrn,
        rep_inn = representative.inn,
        rep_snils = representative.snils,
        last = representative.last_name,
        first = representative.first_name,
    );
    cp1251(&text)
}

/// ASCII, Cyrillic, «» and № in windows-1251.
fn cp1251(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            c if c.is_ascii() => c as u8,
            'А'..='я' => (c as u32 - 0x0410 + 0xC0) as u8,
            'Ё' => 0xA8,
            'ё' => 0xB8,
            '«' => 0xAB,
            '»' => 0xBB,
            '№' => 0xB9,
            other => panic!("no windows-1251 byte for {other:?} in the test material"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::check::{openssl_verify, xmllint};
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_case_has_its_own_reason_and_breaks_only_its_check() {
        let kit = Kit::new();
        let untrusted = Kit::with_ca_name("Недоверенный УЦ");
        let parties = Parties::new(&kit);
        let cases = cases(&kit, &untrusted, &parties);
        let reasons: HashSet<&str> = cases.iter().map(|c| c.reason).collect();
        assert_eq!(reasons.len(), cases.len(), "one case per reason");
        assert!(cases.len() >= 25, "{}", cases.len());
        for case in &cases {
            let Source::Inline(signed) = &case.source else {
                continue;
            };
            let content_only = [
                "MCHD_NOT_REGISTERED",
                "MCHD_FILE_ID_MISMATCH",
                "MCHD_BAD_IDENTIFIER",
                "MCHD_NOT_YET_VALID",
                "MCHD_EXPIRED",
                "MCHD_PRINCIPAL_MISMATCH",
                "MCHD_REPRESENTATIVE_MISMATCH",
                "MCHD_POWER_MISSING",
                "MCHD_JOINT_POWER",
                "MCHD_RESTRICTED_POWER",
                "MCHD_STATUS_REVOKED",
            ];
            if content_only.contains(&case.reason) {
                xmllint(&signed.xml).unwrap_or_else(|e| panic!("{}: {e}", case.name));
                openssl_verify(&signed.xml, &signed.signature, kit.ca_pem(), None)
                    .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            }
        }
        let by_reason = |reason: &str| cases.iter().find(|c| c.reason == reason).expect("present");
        let Source::Inline(schema) = &by_reason("MCHD_SCHEMA_INVALID").source else {
            panic!("inline")
        };
        assert!(
            xmllint(&schema.xml).is_err(),
            "the schema case is invalid for xmllint too"
        );
        let Source::Inline(bad) = &by_reason("MCHD_BAD_SIGNATURE").source else {
            panic!("inline")
        };
        assert!(openssl_verify(&bad.xml, &bad.signature, kit.ca_pem(), None).is_err());
        let Source::Inline(foreign) = &by_reason("MCHD_UNTRUSTED_SIGNER").source else {
            panic!("inline")
        };
        assert!(openssl_verify(&foreign.xml, &foreign.signature, kit.ca_pem(), None).is_err());
        let Source::Inline(bomb) = &by_reason("MCHD_UNSAFE_XML").source else {
            panic!("inline")
        };
        assert!(String::from_utf8_lossy(&bomb.xml).contains("<!ENTITY lol9"));
        let Source::Inline(old) = &by_reason("MCHD_FORMAT_UNSUPPORTED").source else {
            panic!("inline")
        };
        assert!(
            std::str::from_utf8(&old.xml).is_err(),
            "format 002 is windows-1251"
        );
    }
}
