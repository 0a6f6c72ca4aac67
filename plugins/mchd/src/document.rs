//! The parts of an EMCHD_1 power of attorney the checks need, read from a document that already passed the
//! schema (so required elements are present; anything missing still yields an error, never a panic).
//!
//! Direct power (`Документ/Довер`): `СвДов` (number, dates, retrust permission), principals `СвДоверит`,
//! representatives `СвУпПред`, powers `СвПолн`. Retrust (`Документ/Передов`): `СвПереДовер` (number, dates,
//! permission), the original `СвПервДовер` (its principals and number) and, for a retrust of a retrust,
//! `СвПередов` (the number of the power retrusted), the passing parties `СвПередПолн`, the receiving parties
//! `СвПолучПолн`, powers `СвПолн`.

use gateway_plugin_sdk::date::Date;
use gateway_plugin_sdk::identifiers::Kind as IdKind;

use crate::xml::Element;

/// The namespace of format EMCHD_1.
pub const NAMESPACE: &str = "urn://x-artefacts/EMCHD_1";
/// The value of `ВерсФорм` of format EMCHD_1.
pub const FORMAT: &str = "EMCHD_1";
/// The root element.
pub const ROOT: &str = "Доверенность";

/// `ПрПередов`: may the power be retrusted?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrustPermission {
    /// `1`: no retrust.
    Never,
    /// `2`: one retrust, which cannot be retrusted further.
    Once,
    /// `3`: retrust, and retrust of the retrust.
    Onward,
}

/// A person by the identifiers a certificate can carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    /// СНИЛС, 11 digits.
    pub snils: Option<String>,
    /// ИНН of a person, 12 digits.
    pub inn: Option<String>,
}

impl Person {
    /// Whether `other` is the same person: an identifier both name agrees (СНИЛС or ИНН), and none that both
    /// name differs (a certificate with the head's ИНН but another СНИЛС is someone else).
    pub fn same_as(&self, other: &Person) -> bool {
        let both = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => Some(a == b),
            _ => None,
        };
        let verdicts = [both(&self.snils, &other.snils), both(&self.inn, &other.inn)];
        verdicts.contains(&Some(true)) && !verdicts.contains(&Some(false))
    }
}

/// A party: a representative, or the party passing powers in a retrust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// A natural person (also a sole trader, identified as a person).
    Person(Person),
    /// An organisation (or a branch) and the people who act for it without a power of attorney.
    Organisation {
        /// ОГРН, if the document gives one.
        ogrn: Option<String>,
        /// Those who sign for it.
        heads: Vec<Person>,
    },
}

impl Party {
    /// Whether `other` is the same party.
    pub fn same_as(&self, other: &Party) -> bool {
        match (self, other) {
            (Party::Person(a), Party::Person(b)) => a.same_as(b),
            (
                Party::Organisation { ogrn: Some(a), .. },
                Party::Organisation { ogrn: Some(b), .. },
            ) => a == b,
            _ => false,
        }
    }

    /// The people whose signature stands for this party.
    pub fn signers(&self) -> Vec<Person> {
        match self {
            Party::Person(person) => vec![person.clone()],
            Party::Organisation { heads, .. } => heads.clone(),
        }
    }
}

/// A principal (`Доверит`, `ДоверитПерв`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// ОГРН of an organisation or ОГРНИП of a sole trader; none for foreign organisations and persons.
    pub ogrn: Option<String>,
    /// The organisation's name (`НаимОрг`, `НаимИП`, `НаимИО`), if given.
    pub name: Option<String>,
    /// Those who sign for the principal: the heads in `ЛицоБезДов`, the sole trader, the person.
    pub signers: Vec<Person>,
}

/// One machine-readable power (`МашПолн`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachinePower {
    /// `КодПолн`.
    pub code: String,
    /// `МнПолн`.
    pub mnemonic: Option<String>,
    /// Carries `ОгрСвПолн` restrictions.
    pub restricted: bool,
}

/// `СвПолн`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Powers {
    /// `ТипПолн` = 1: machine-readable powers.
    pub machine_readable: bool,
    /// `ПрСовмПолн` = 2: the representatives may act only jointly.
    pub joint: bool,
    /// The machine-readable powers.
    pub items: Vec<MachinePower>,
}

/// Direct power or retrust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `Довер`.
    Direct,
    /// `Передов`.
    Retrust {
        /// The number of the power this one retrusts: `СвПередов/@НомДоверN`, else `СвПервДовер/@НомДоверПерв`.
        parent: Option<String>,
        /// `СвПередПолн`: who passes the powers (and must sign).
        passing: Vec<Party>,
    },
}

/// An identifier found in the document, for the check-number check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    /// Its kind.
    pub kind: IdKind,
    /// The attribute it came from.
    pub attribute: String,
    /// The value as written.
    pub value: String,
}

/// A power of attorney, as far as the checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mchd {
    /// `ИдФайл`.
    pub file_id: String,
    /// `НомДовер`.
    pub number: String,
    /// `ДатаВыдДовер`.
    pub issued: Date,
    /// `СрокДейст`.
    pub valid_until: Date,
    /// `ПрПередов`.
    pub retrust: RetrustPermission,
    /// The principals (`СвДоверит`; in a retrust `СвДоверПерв`, which may be absent).
    pub principals: Vec<Principal>,
    /// The representatives (`СвУпПред`; in a retrust the receiving parties `СвПолучПолн`).
    pub representatives: Vec<Party>,
    /// `СвПолн`.
    pub powers: Powers,
    /// Direct or retrust.
    pub kind: Kind,
    /// Every ОГРН, ОГРНИП, ИНН and СНИЛС in the document.
    pub identifiers: Vec<Identifier>,
}

/// The `ВерсФорм` of a root element, if it is a power of attorney naming a format.
pub fn format_version(root: &Element) -> Option<&str> {
    (root.name == ROOT).then(|| root.attr("ВерсФорм")).flatten()
}

impl Mchd {
    /// Reads the model from the root element of a schema-valid document.
    pub fn read(root: &Element) -> Result<Mchd, String> {
        let document = required(root.child("Документ"), "Документ")?;
        let (info, kind_element) = if let Some(direct) = document.child("Довер") {
            (required(direct.child("СвДов"), "СвДов")?, direct)
        } else if let Some(retrust) = document.child("Передов") {
            (
                required(retrust.child("СвПереДовер"), "СвПереДовер")?,
                retrust,
            )
        } else {
            return Err("neither Довер nor Передов".into());
        };
        let direct = kind_element.name == "Довер";
        let principals = if direct {
            kind_element
                .children_named("СвДоверит")
                .filter_map(|p| p.child("Доверит"))
                .map(direct_principal)
                .collect()
        } else {
            kind_element
                .child("СвПервДовер")
                .map(|first| {
                    first
                        .children_named("СвДоверПерв")
                        .filter_map(|p| p.child("ДоверитПерв"))
                        .map(original_principal)
                        .collect()
                })
                .unwrap_or_default()
        };
        let representative_tag = if direct {
            "СвУпПред"
        } else {
            "СвПолучПолн"
        };
        let representatives = kind_element
            .children_named(representative_tag)
            .filter_map(|r| r.child("Пред"))
            .filter_map(representative)
            .collect();
        let kind = if direct {
            Kind::Direct
        } else {
            let parent = kind_element
                .child("СвПередов")
                .and_then(|e| e.attr("НомДоверN"))
                .or_else(|| {
                    kind_element
                        .child("СвПервДовер")
                        .and_then(|e| e.attr("НомДоверПерв"))
                })
                .map(str::to_owned);
            let passing = kind_element
                .children_named("СвПередПолн")
                .filter_map(|p| p.child("ПередПолн"))
                .filter_map(passing_party)
                .collect();
            Kind::Retrust { parent, passing }
        };
        Ok(Mchd {
            file_id: required(root.attr("ИдФайл"), "ИдФайл")?.to_owned(),
            number: required(info.attr("НомДовер"), "НомДовер")?.to_owned(),
            issued: date(info, "ДатаВыдДовер")?,
            valid_until: date(info, "СрокДейст")?,
            retrust: match required(info.attr("ПрПередов"), "ПрПередов")? {
                "1" => RetrustPermission::Never,
                "2" => RetrustPermission::Once,
                "3" => RetrustPermission::Onward,
                other => return Err(format!("ПрПередов `{other}`")),
            },
            principals,
            representatives,
            powers: powers(required(kind_element.child("СвПолн"), "СвПолн")?),
            kind,
            identifiers: identifiers(root),
        })
    }

    /// The number of the power this one retrusts; `None` for a direct power (or a retrust naming none).
    pub fn parent(&self) -> Option<&str> {
        match &self.kind {
            Kind::Direct => None,
            Kind::Retrust { parent, .. } => parent.as_deref(),
        }
    }
}

fn required<T>(value: Option<T>, what: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("{what} is missing"))
}

fn date(element: &Element, attribute: &str) -> Result<Date, String> {
    let text = required(element.attr(attribute), attribute)?;
    Date::parse(text).ok_or_else(|| format!("{attribute} `{text}` is not a date"))
}

/// A person from an element with `СНИЛС` and `ИННФЛ` attributes.
fn person(element: &Element) -> Person {
    Person {
        snils: element.attr("СНИЛС").map(snils_digits),
        inn: element.attr("ИННФЛ").map(|inn| inn.trim().to_owned()),
    }
}

/// The 11 digits of a СНИЛС as written in the document (`XXX-XXX-XXX YY` or `XXX-XXX-XXX-YY`).
pub fn snils_digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The people in `ЛицоБезДов` (ЛицоБезДовТип): a person, the people of a managing company, a sole trader.
fn heads<'a>(elements: impl Iterator<Item = &'a Element>) -> Vec<Person> {
    let mut out = Vec::new();
    for head in elements {
        if let Some(fl) = head.child("СвФЛ") {
            out.push(person(fl));
        }
        if let Some(company) = head.child("СВЮЛ") {
            out.extend(company.children_named("СвФЛ").map(person));
        }
        if let Some(ip) = head.child("СвИП") {
            out.push(person(ip));
        }
    }
    out
}

fn direct_principal(principal: &Element) -> Principal {
    if let Some(org) = principal.child("РосОргДовер") {
        let details = org.child("СвРосОрг");
        Principal {
            ogrn: details.and_then(|d| d.attr("ОГРН")).map(str::to_owned),
            name: details.and_then(|d| d.attr("НаимОрг")).map(str::to_owned),
            signers: heads(org.children_named("ЛицоБезДов")),
        }
    } else if let Some(ip) = principal.child("ИПДовер") {
        Principal {
            ogrn: ip.attr("ОГРНИП").map(str::to_owned),
            name: ip.attr("НаимИП").map(str::to_owned),
            signers: vec![person(ip)],
        }
    } else if let Some(foreign) = principal.child("ИнОргДовер") {
        Principal {
            ogrn: None,
            name: foreign
                .child("СвИнОрг")
                .and_then(|d| d.attr("НаимИО"))
                .map(str::to_owned),
            signers: foreign.children_named("СвРукОП").map(person).collect(),
        }
    } else {
        Principal {
            ogrn: None,
            name: None,
            signers: principal.child("ФЛДовер").map(person).into_iter().collect(),
        }
    }
}

fn original_principal(principal: &Element) -> Principal {
    let (ogrn, name) = if let Some(org) = principal.child("РосОргДовер") {
        (org.attr("ОГРН"), org.attr("НаимОрг"))
    } else if let Some(ip) = principal.child("ИПДовер") {
        (ip.attr("ОГРНИП"), ip.attr("НаимИП"))
    } else {
        (
            None,
            principal.child("ИнОргДовер").and_then(|o| o.attr("НаимИО")),
        )
    };
    Principal {
        ogrn: ogrn.map(str::to_owned),
        name: name.map(str::to_owned),
        signers: Vec::new(),
    }
}

/// `Пред` (СвУпПредТип): a person, a sole trader, or an organisation, a branch, a foreign organisation.
fn representative(element: &Element) -> Option<Party> {
    if let Some(fl) = element.child("СведФизЛ") {
        return Some(Party::Person(person(fl)));
    }
    if let Some(ip) = element.child("СведИП") {
        return Some(Party::Person(person(ip)));
    }
    element
        .child("СведОрг")
        .or_else(|| element.child("СведФилиал"))
        .or_else(|| element.child("СведИО"))
        .map(|org| Party::Organisation {
            ogrn: org.attr("ОГРН").map(str::to_owned),
            heads: Vec::new(),
        })
}

/// `ПередПолн`: the party passing powers in a retrust.
fn passing_party(element: &Element) -> Option<Party> {
    if let Some(fl) = element.child("ФЛПерПолн") {
        return Some(Party::Person(person(fl)));
    }
    if let Some(ip) = element.child("ИППерПолн") {
        return Some(Party::Person(person(ip)));
    }
    if let Some(org) = element.child("РосОргПерПолн") {
        return Some(Party::Organisation {
            ogrn: org
                .child("СвРосОрг")
                .and_then(|d| d.attr("ОГРН"))
                .map(str::to_owned),
            heads: heads(org.children_named("ЛицоБезДов")),
        });
    }
    if let Some(branch) = element.child("ФилПерПолн") {
        return Some(Party::Organisation {
            ogrn: branch
                .child("СвФил")
                .and_then(|d| d.attr("ОГРН"))
                .map(str::to_owned),
            heads: branch.child("СвРукФил").map(person).into_iter().collect(),
        });
    }
    element
        .child("ИнПерПолн")
        .map(|foreign| Party::Organisation {
            ogrn: None,
            heads: foreign.children_named("СвРукОП").map(person).collect(),
        })
}

fn powers(element: &Element) -> Powers {
    Powers {
        machine_readable: element.attr("ТипПолн") == Some("1"),
        joint: element.attr("ПрСовмПолн") == Some("2"),
        items: element
            .children_named("МашПолн")
            .map(|power| MachinePower {
                code: power.attr("КодПолн").unwrap_or_default().to_owned(),
                mnemonic: power.attr("МнПолн").map(str::to_owned),
                restricted: power.child("ОгрСвПолн").is_some(),
            })
            .collect(),
    }
}

/// Every attribute holding an identifier with a check number, anywhere in the document.
fn identifiers(root: &Element) -> Vec<Identifier> {
    let kind_of = |name: &str| match name {
        "ОГРН" => Some(IdKind::Ogrn),
        "ОГРНИП" => Some(IdKind::Ogrnip),
        "ИННЮЛ" => Some(IdKind::InnOrganisation),
        "ИННФЛ" => Some(IdKind::InnPerson),
        "СНИЛС" => Some(IdKind::Snils),
        _ => None,
    };
    root.descendants()
        .into_iter()
        .flat_map(|element| element.attributes.iter())
        .filter_map(|(name, value)| {
            kind_of(name).map(|kind| Identifier {
                kind,
                attribute: name.clone(),
                value: value.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
