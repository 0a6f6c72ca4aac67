//! Synthetic powers of attorney in the ФНС format EMCHD_1 (`schemas/fns-emchd/ON_EMCHD_1_928_00_01_01_01.xsd`):
//! a direct power (`Довер`) from an organisation to an employee, or a retrust (`Передов`) from one employee to
//! another. Every field a check looks at can be changed, so the negative set breaks one check at a time.

use super::ids;

/// An invented person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub last_name: String,
    pub first_name: String,
    pub middle_name: String,
    /// `XXX-XXX-XXX YY`.
    pub snils: String,
    /// 12 digits.
    pub inn: String,
}

impl Person {
    /// A person with these names and fresh random identifiers.
    pub fn new(last: &str, first: &str, middle: &str) -> Person {
        Person {
            last_name: last.into(),
            first_name: first.into(),
            middle_name: middle.into(),
            snils: ids::snils(),
            inn: ids::inn_person(),
        }
    }

    /// The СНИЛС as 11 digits.
    pub fn snils_digits(&self) -> String {
        ids::digits(&self.snils)
    }
}

/// An invented organisation and its head (who signs its powers of attorney).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub name: String,
    pub inn: String,
    pub kpp: String,
    pub ogrn: String,
    pub head: Person,
}

impl Organisation {
    /// An organisation with this name, fresh identifiers and a head.
    pub fn new(name: &str, head: Person) -> Organisation {
        let inn = ids::inn_organisation();
        let kpp = format!("{}01001", &inn[..4]);
        Organisation {
            name: name.into(),
            inn,
            kpp,
            ogrn: ids::ogrn(),
            head,
        }
    }
}

/// One machine-readable power (`МашПолн`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Power {
    pub code: String,
    pub mnemonic: Option<String>,
    pub name: String,
    /// Adds an `ОгрСвПолн` restriction.
    pub restricted: bool,
}

impl Power {
    /// `GOSCAN_DELEGATE_SCAN`, as the ЕПГУ issues it.
    pub fn scan() -> Power {
        Power {
            code: "GOSCAN_DELEGATE_SCAN".into(),
            mnemonic: Some("GOSCAN_DELEGATE_SCAN".into()),
            name: "Право представителям юридических лиц сканировать документы у физических лиц с дальнейшей передачей данных в системы юридических лиц по СМЭВ/СВОКС".into(),
            restricted: false,
        }
    }

    /// Some other power.
    pub fn other() -> Power {
        Power {
            code: "TEST_OTHER_POWER".into(),
            mnemonic: None,
            name: "Право подписывать документы (вымышленное полномочие)".into(),
            restricted: false,
        }
    }
}

/// Another power of attorney, as a retrust refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub number: String,
    pub issued: String,
    pub valid_until: String,
}

impl Reference {
    fn to(mchd: &Mchd) -> Reference {
        Reference {
            number: mchd.number.clone(),
            issued: mchd.issued.clone(),
            valid_until: mchd.valid_until.clone(),
        }
    }
}

/// Direct power or retrust.
// Test material made a few dozen times per test: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// From the organisation, signed by its head.
    Direct,
    /// From `passing` (the representative of the parent power), signed by `passing`.
    Retrust {
        /// `СвПервДовер`: the original power.
        original: Reference,
        /// `СвПередов`: the power retrusted, when it is not the original (a retrust of a retrust).
        intermediate: Option<Reference>,
        /// Who passes the powers on.
        passing: Person,
    },
}

/// A power of attorney to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mchd {
    /// `ВерсФорм`.
    pub version: String,
    /// `НомДовер`.
    pub number: String,
    /// `ИдФайл`; `None` renders `ON_EMCHD_<issued>_<number>`.
    pub file_id: Option<String>,
    /// `ДатаВыдДовер`.
    pub issued: String,
    /// `СрокДейст`.
    pub valid_until: String,
    /// `ПрПередов`: 1 no retrust, 2 once, 3 onward.
    pub retrust: u8,
    /// The principal.
    pub principal: Organisation,
    /// The representative (`СвУпПред`, or `СвПолучПолн` in a retrust).
    pub representative: Person,
    /// `ТипПолн`: 1 machine-readable.
    pub power_type: u8,
    /// `ПрСовмПолн` = 2.
    pub joint: bool,
    /// `МашПолн`.
    pub powers: Vec<Power>,
    pub kind: Kind,
}

impl Mchd {
    /// A direct power from `principal` to `representative` with the scanning power, valid from ten days ago
    /// for a year, retrust allowed once.
    pub fn direct(principal: &Organisation, representative: &Person) -> Mchd {
        Mchd {
            version: "EMCHD_1".into(),
            number: uuid::Uuid::new_v4().to_string(),
            file_id: None,
            issued: ids::moscow_date(-10),
            valid_until: ids::moscow_date(365),
            retrust: 2,
            principal: principal.clone(),
            representative: representative.clone(),
            power_type: 1,
            joint: false,
            powers: vec![Power::scan()],
            kind: Kind::Direct,
        }
    }

    /// A retrust of `parent` by its representative to `receiver`, with the scanning power, no further retrust.
    pub fn retrust(parent: &Mchd, receiver: &Person) -> Mchd {
        let (original, intermediate) = match &parent.kind {
            Kind::Direct => (Reference::to(parent), None),
            Kind::Retrust { original, .. } => (original.clone(), Some(Reference::to(parent))),
        };
        Mchd {
            number: uuid::Uuid::new_v4().to_string(),
            file_id: None,
            issued: ids::moscow_date(-5),
            valid_until: ids::moscow_date(180),
            retrust: 1,
            representative: receiver.clone(),
            kind: Kind::Retrust {
                original,
                intermediate,
                passing: parent.representative.clone(),
            },
            ..parent.clone()
        }
    }

    /// Who must sign it: the head for a direct power, the passing party for a retrust.
    pub fn signer(&self) -> &Person {
        match &self.kind {
            Kind::Direct => &self.principal.head,
            Kind::Retrust { passing, .. } => passing,
        }
    }

    /// `ИдФайл`.
    pub fn file_id(&self) -> String {
        self.file_id
            .clone()
            .unwrap_or_else(|| format!("ON_EMCHD_{}_{}", self.issued.replace('-', ""), self.number))
    }

    /// The XML file (UTF-8).
    pub fn to_xml(&self) -> Vec<u8> {
        let body = match &self.kind {
            Kind::Direct => self.direct_body(),
            Kind::Retrust { .. } => self.retrust_body(),
        };
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Доверенность xmlns="urn://x-artefacts/EMCHD_1" ВерсФорм="{version}" ПрЭлФорм="00000000" ИдФайл="{file_id}">
  <Документ>
{body}  </Документ>
</Доверенность>
"#,
            version = esc(&self.version),
            file_id = esc(&self.file_id()),
        )
        .into_bytes()
    }

    fn info(&self, element: &str) -> String {
        format!(
            r#"      <{element} ВидДовер="1" ПрПередов="{retrust}" ВнНомДовер="ТЕСТ-{short}" НомДовер="{number}" ДатаВыдДовер="{issued}" СрокДейст="{until}">
        <СведСист>https://m4d.nalog.gov.ru/emchd/check-status?guid={number}</СведСист>
      </{element}>
"#,
            retrust = self.retrust,
            short = &self.number[..8],
            number = self.number,
            issued = self.issued,
            until = self.valid_until,
        )
    }

    fn direct_body(&self) -> String {
        let org = &self.principal;
        format!(
            r#"    <Довер>
{info}      <СвДоверит ТипДоверит="1">
        <Доверит>
          <РосОргДовер ЕИОУК="0" ЕИОФЛ="1" ЕИОИП="0">
            <СвРосОрг НаимОрг="{name}" ИННЮЛ="{inn}" КПП="{kpp}" ОГРН="{ogrn}"/>
            <ЛицоБезДов ПолнЮЛ="1">
              <СвФЛ ИННФЛ="{head_inn}" СНИЛС="{head_snils}" Должность="Генеральный директор">
{head}              </СвФЛ>
            </ЛицоБезДов>
          </РосОргДовер>
        </Доверит>
      </СвДоверит>
      <СвУпПред ТипПред="3">
        <Пред>
{representative}        </Пред>
      </СвУпПред>
{powers}    </Довер>
"#,
            info = self.info("СвДов"),
            name = esc(&org.name),
            inn = org.inn,
            kpp = org.kpp,
            ogrn = org.ogrn,
            head_inn = org.head.inn,
            head_snils = org.head.snils,
            head = fio("                ", &org.head),
            representative = self.representative_xml(),
            powers = self.powers_xml(),
        )
    }

    fn retrust_body(&self) -> String {
        let Kind::Retrust {
            original,
            intermediate,
            passing,
        } = &self.kind
        else {
            return String::new();
        };
        let org = &self.principal;
        let intermediate = intermediate
            .as_ref()
            .map(|r| {
                format!(
                    "      <СвПередов ПрДовер=\"1\" ФормДовер=\"1\" ДатаВыдДовер=\"{}\" СрокДейст=\"{}\" НомДоверN=\"{}\"/>\n",
                    r.issued, r.valid_until, r.number
                )
            })
            .unwrap_or_default();
        format!(
            r#"    <Передов ПрНалПередов="{has_intermediate}">
      <СвПервДовер ПрДовер="1" ФормДовер="1" ДатаВыдДовер="{original_issued}" СрокДейст="{original_valid_until}" НомДоверПерв="{original_number}">
        <СвДоверПерв ТипДоверит="1">
          <ДоверитПерв>
            <РосОргДовер НаимОрг="{name}" ИННЮЛ="{inn}" КПП="{kpp}" ОГРН="{ogrn}"/>
          </ДоверитПерв>
        </СвДоверПерв>
      </СвПервДовер>
{intermediate}{info}      <СвПередПолн ТипПерПолн="3">
        <ПередПолн>
          <ФЛПерПолн ИННФЛ="{passing_inn}" СНИЛС="{passing_snils}">
{passing}          </ФЛПерПолн>
        </ПередПолн>
      </СвПередПолн>
      <СвПолучПолн ТипПред="3">
        <Пред>
{representative}        </Пред>
      </СвПолучПолн>
{powers}    </Передов>
"#,
            has_intermediate = u8::from(!intermediate.is_empty()),
            original_issued = original.issued,
            original_valid_until = original.valid_until,
            original_number = original.number,
            name = esc(&org.name),
            inn = org.inn,
            kpp = org.kpp,
            ogrn = org.ogrn,
            info = self.info("СвПереДовер"),
            passing_inn = passing.inn,
            passing_snils = passing.snils,
            passing = fio("            ", passing),
            representative = self.representative_xml(),
            powers = self.powers_xml(),
        )
    }

    fn representative_xml(&self) -> String {
        let p = &self.representative;
        format!(
            "          <СведФизЛ ИННФЛ=\"{}\" СНИЛС=\"{}\">\n{}          </СведФизЛ>\n",
            p.inn,
            p.snils,
            fio("            ", p)
        )
    }

    fn powers_xml(&self) -> String {
        let mut out = format!(
            "      <СвПолн ТипПолн=\"{}\" ПрСовмПолн=\"{}\">\n",
            self.power_type,
            if self.joint { 2 } else { 1 }
        );
        if self.power_type == 0 {
            out.push_str("        <ТекстПолн>Представлять интересы доверителя (текстовое полномочие)</ТекстПолн>\n");
        }
        for power in &self.powers {
            let mnemonic = power
                .mnemonic
                .as_ref()
                .map(|m| format!(" МнПолн=\"{}\"", esc(m)))
                .unwrap_or_default();
            let head = format!(
                "        <МашПолн КодПолн=\"{}\"{mnemonic} НаимПолн=\"{}\"",
                esc(&power.code),
                esc(&power.name)
            );
            if power.restricted {
                out.push_str(&format!(
                    "{head}>\n          <ОгрСвПолн ИдОгр=\"1\" КодОгр=\"TEST_REGION\" НаимОгр=\"Регион\"><КодЗначОгр>77</КодЗначОгр></ОгрСвПолн>\n        </МашПолн>\n"
                ));
            } else {
                out.push_str(&format!("{head}/>\n"));
            }
        }
        out.push_str("      </СвПолн>\n");
        out
    }
}

fn fio(indent: &str, p: &Person) -> String {
    format!(
        "{indent}<СведФЛ>\n{indent}  <ФИО Фамилия=\"{}\" Имя=\"{}\" Отчество=\"{}\"/>\n{indent}</СведФЛ>\n",
        esc(&p.last_name),
        esc(&p.first_name),
        esc(&p.middle_name)
    )
}

/// Escapes text for an attribute value.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
