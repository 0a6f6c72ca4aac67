use super::*;
use crate::xml::dom;

const DIRECT: &str = include_str!("../../testdata/direct.xml");
const RETRUST: &str = include_str!("../../testdata/retrust.xml");

fn read(text: &str) -> Mchd {
    Mchd::read(&dom::parse(text).expect("well-formed")).expect("readable")
}

#[test]
fn a_direct_power_is_read_completely() {
    let root = dom::parse(DIRECT).expect("well-formed");
    assert_eq!(format_version(&root), Some(FORMAT));
    let m = Mchd::read(&root).expect("readable");
    assert_eq!(m.number, "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60");
    assert!(m.file_id.ends_with(&m.number));
    assert_eq!(
        (m.issued.to_string(), m.valid_until.to_string()),
        ("2026-01-10".into(), "2027-01-09".into())
    );
    assert_eq!(m.retrust, RetrustPermission::Once);
    assert_eq!(m.kind, Kind::Direct);
    assert_eq!(m.parent(), None);
    let head = Person {
        snils: Some("21098765479".into()),
        inn: Some("500100732259".into()),
    };
    assert_eq!(
        m.principals,
        vec![Principal {
            ogrn: Some("1027700132195".into()),
            name: Some("ООО «Пример»".into()),
            signers: vec![head]
        }]
    );
    assert_eq!(
        m.representatives,
        vec![Party::Person(Person {
            snils: Some("11223344595".into()),
            inn: Some("770312345678".into())
        })]
    );
    assert!(m.powers.machine_readable && !m.powers.joint);
    assert_eq!(m.powers.items.len(), 1);
    assert_eq!(m.powers.items[0].code, "GOSCAN_DELEGATE_SCAN");
    assert!(!m.powers.items[0].restricted);
    let kinds: Vec<(&str, &str)> = m
        .identifiers
        .iter()
        .map(|i| (i.attribute.as_str(), i.value.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("ИННЮЛ", "7703123457"),
            ("ОГРН", "1027700132195"),
            ("ИННФЛ", "500100732259"),
            ("СНИЛС", "210-987-654 79"),
            ("ИННФЛ", "770312345678"),
            ("СНИЛС", "112-233-445 95"),
        ]
    );
}

#[test]
fn a_retrust_names_its_parent_and_the_passing_party() {
    let m = read(RETRUST);
    assert_eq!(m.number, "8d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6");
    assert_eq!(m.retrust, RetrustPermission::Never);
    assert_eq!(m.parent(), Some("3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60"));
    let Kind::Retrust { passing, .. } = &m.kind else {
        panic!("a retrust")
    };
    let employee = Party::Person(Person {
        snils: Some("11223344595".into()),
        inn: Some("770312345678".into()),
    });
    assert_eq!(passing, &vec![employee.clone()]);
    assert_eq!(m.principals.len(), 1);
    assert_eq!(m.principals[0].ogrn.as_deref(), Some("1027700132195"));
    assert!(m.principals[0].signers.is_empty());
    assert_eq!(
        m.representatives[0].signers()[0].snils.as_deref(),
        Some("30123456710")
    );
    // The parent's representative is the retrust's passing party.
    assert!(read(DIRECT).representatives[0].same_as(&employee));
}

#[test]
fn a_retrust_of_a_retrust_names_the_intermediate_power() {
    let text = RETRUST.replace(
        "</СвПервДовер>",
        r#"</СвПервДовер><СвПередов ПрДовер="2" ФормДовер="1" ДатаВыдДовер="2026-01-20" СрокДейст="2027-01-09" НомДоверN="11111111-2222-4333-8444-555555555555"/>"#,
    );
    assert_eq!(
        read(&text).parent(),
        Some("11111111-2222-4333-8444-555555555555")
    );
}

#[test]
fn parties_match_by_snils_inn_or_ogrn() {
    let a = Person {
        snils: Some("1".into()),
        inn: None,
    };
    let b = Person {
        snils: Some("1".into()),
        inn: Some("2".into()),
    };
    let c = Person {
        snils: None,
        inn: Some("2".into()),
    };
    assert!(a.same_as(&b) && b.same_as(&c) && !a.same_as(&c));
    assert!(
        !Person::default().same_as(&Person::default()),
        "nothing known, nothing matched"
    );
    let org = |ogrn: Option<&str>| Party::Organisation {
        ogrn: ogrn.map(Into::into),
        heads: vec![],
    };
    assert!(org(Some("1027700132195")).same_as(&org(Some("1027700132195"))));
    assert!(!org(None).same_as(&org(None)));
    assert!(!org(Some("1")).same_as(&Party::Person(a)));
}

#[test]
fn other_formats_are_recognised_and_missing_parts_reported() {
    let old = dom::parse(r#"<Доверенность ВерсФорм="002" ИдФайл="x"><Документ/></Доверенность>"#)
        .expect("xml");
    assert_eq!(format_version(&old), Some("002"));
    let other = dom::parse(r#"<Файл ВерсФорм="5.01"/>"#).expect("xml");
    assert_eq!(format_version(&other), None);
    let err = Mchd::read(&old).expect_err("nothing inside");
    assert!(err.contains("Довер"), "{err}");
    let bad_date = DIRECT.replace(r#"СрокДейст="2027-01-09""#, r#"СрокДейст="2027-02-30""#);
    let err = Mchd::read(&dom::parse(&bad_date).expect("xml")).expect_err("bad date");
    assert!(err.contains("СрокДейст"), "{err}");
}

#[test]
fn a_person_is_the_same_only_when_no_identifier_disagrees() {
    let person = |snils: Option<&str>, inn: Option<&str>| Person {
        snils: snils.map(Into::into),
        inn: inn.map(Into::into),
    };
    let head = person(Some("21098765479"), Some("500100732259"));
    assert!(head.same_as(&person(Some("21098765479"), None)));
    assert!(head.same_as(&person(None, Some("500100732259"))));
    assert!(head.same_as(&head));
    assert!(
        !head.same_as(&person(Some("40234567847"), Some("500100732259"))),
        "the head's ИНН with another СНИЛС is someone else"
    );
    assert!(!head.same_as(&person(None, None)));
    assert!(!person(None, Some("500100732259")).same_as(&person(Some("21098765479"), None)));
}
