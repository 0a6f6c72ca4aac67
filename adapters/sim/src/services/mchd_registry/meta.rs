//! What the registry indexes of a power of attorney (EMCHD_1, UTF-8), read with quick-xml: its number and
//! dates, the principal, the representatives' СНИЛС and the machine-readable power codes. The simulator does
//! not validate documents (the gateway does); it only needs these to answer `status`, `fetch` and
//! `by-representative`.

use anyhow::{Context, bail};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::services::digits_only;

/// The indexed particulars of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// `НомДовер`, lower case.
    pub number: String,
    /// `ДатаВыдДовер`.
    pub issued_on: String,
    /// `СрокДейст`.
    pub valid_until: String,
    /// ОГРН or ОГРНИП of the (first) principal.
    pub principal_ogrn: Option<String>,
    /// The principal's name.
    pub principal_name: Option<String>,
    /// СНИЛС (11 digits) of each representative (`СвУпПред`, or `СвПолучПолн` in a retrust).
    pub representatives: Vec<String>,
    /// `КодПолн` and `МнПолн` of every `МашПолн`.
    pub powers: Vec<String>,
}

/// Reads the particulars of `xml`.
pub fn read(xml: &[u8]) -> anyhow::Result<Meta> {
    let text = std::str::from_utf8(xml).context("the document is not UTF-8")?;
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut meta = Meta::default();
    loop {
        let event = reader
            .read_event()
            .with_context(|| format!("not well-formed XML (byte {})", reader.error_position()))?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                visit(&mut meta, &path, &name, &start)?;
                path.push(name);
            }
            Event::Empty(start) => {
                let name = start.local_name().as_ref().to_owned();
                visit(&mut meta, &path, &name, &start)?;
            }
            Event::End(_) => {
                path.pop();
            }
            Event::DocType(_) => bail!("DOCTYPE is not allowed"),
            Event::Eof => break,
            _ => {}
        }
    }
    if meta.number.is_empty() || meta.issued_on.is_empty() || meta.valid_until.is_empty() {
        bail!(
            "no СвДов/СвПереДовер with НомДовер, ДатаВыдДовер and СрокДейст: not an EMCHD_1 power of attorney"
        );
    }
    Ok(meta)
}

fn visit(
    meta: &mut Meta,
    path: &[String],
    name: &str,
    start: &BytesStart<'_>,
) -> anyhow::Result<()> {
    let within = |ancestor: &str| path.iter().any(|p| p == ancestor);
    let attr = |key: &str| attribute(start, key);
    match name {
        "СвДов" | "СвПереДовер" => {
            meta.number = attr("НомДовер")?.unwrap_or_default().to_ascii_lowercase();
            meta.issued_on = attr("ДатаВыдДовер")?.unwrap_or_default();
            meta.valid_until = attr("СрокДейст")?.unwrap_or_default();
        }
        "СвРосОрг" if within("СвДоверит") && meta.principal_ogrn.is_none() => {
            meta.principal_ogrn = attr("ОГРН")?;
            meta.principal_name = attr("НаимОрг")?;
        }
        "РосОргДовер" if within("ДоверитПерв") && meta.principal_ogrn.is_none() =>
        {
            meta.principal_ogrn = attr("ОГРН")?;
            meta.principal_name = attr("НаимОрг")?;
        }
        "ИПДовер"
            if (within("СвДоверит") || within("ДоверитПерв")) && meta.principal_ogrn.is_none() =>
        {
            meta.principal_ogrn = attr("ОГРНИП")?;
            meta.principal_name = attr("НаимИП")?;
        }
        "СведФизЛ" | "СведИП" if within("СвУпПред") || within("СвПолучПолн") => {
            if let Some(snils) = attr("СНИЛС")? {
                meta.representatives.push(digits_only(&snils));
            }
        }
        "МашПолн" => {
            meta.powers.extend(attr("КодПолн")?);
            meta.powers.extend(attr("МнПолн")?);
        }
        _ => {}
    }
    Ok(())
}

fn attribute(start: &BytesStart<'_>, key: &str) -> anyhow::Result<Option<String>> {
    for attribute in start.attributes() {
        let attribute = attribute.context("a malformed attribute")?;
        if attribute.key.local_name().as_ref() == key {
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .context("an attribute value with an unknown entity")?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIRECT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Доверенность xmlns="urn://x-artefacts/EMCHD_1" ВерсФорм="EMCHD_1" ПрЭлФорм="00000000" ИдФайл="ON_EMCHD_1_3F2B8C1E-7A4D-4E2B-9C3A-1B2C3D4E5F60">
  <Документ><Довер>
    <СвДов ВидДовер="1" ПрПередов="1" ВнНомДовер="1" НомДовер="3F2B8C1E-7A4D-4E2B-9C3A-1B2C3D4E5F60" ДатаВыдДовер="2026-01-10" СрокДейст="2027-01-09"><СведСист>x</СведСист></СвДов>
    <СвДоверит ТипДоверит="1"><Доверит><РосОргДовер ЕИОУК="0" ЕИОФЛ="1" ЕИОИП="0">
      <СвРосОрг НаимОрг="ООО «Пример» &amp; Ко" КПП="770301001" ОГРН="1027700132195"/>
      <ЛицоБезДов ПолнЮЛ="1"><СвФЛ СНИЛС="210-987-654 79"><СведФЛ><ФИО Фамилия="А" Имя="Б"/></СведФЛ></СвФЛ></ЛицоБезДов>
    </РосОргДовер></Доверит></СвДоверит>
    <СвУпПред ТипПред="3"><Пред><СведФизЛ СНИЛС="112-233-445 95"><СведФЛ><ФИО Фамилия="В" Имя="Г"/></СведФЛ></СведФизЛ></Пред></СвУпПред>
    <СвПолн ТипПолн="1" ПрСовмПолн="1"><МашПолн КодПолн="GOSCAN_DELEGATE_SCAN" НаимПолн="x"/></СвПолн>
  </Довер></Документ>
</Доверенность>"#;

    #[test]
    fn a_direct_power_is_indexed() {
        let meta = read(DIRECT.as_bytes()).expect("indexed");
        assert_eq!(
            meta,
            Meta {
                number: "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60".into(),
                issued_on: "2026-01-10".into(),
                valid_until: "2027-01-09".into(),
                principal_ogrn: Some("1027700132195".into()),
                principal_name: Some("ООО «Пример» & Ко".into()),
                representatives: vec!["11223344595".into()],
                powers: vec!["GOSCAN_DELEGATE_SCAN".into()],
            }
        );
    }

    #[test]
    fn a_retrust_is_indexed_by_its_own_number_and_receiving_party() {
        let retrust = r#"<Доверенность><Документ><Передов ПрНалПередов="0">
            <СвПервДовер НомДоверПерв="11111111-1111-4111-8111-111111111111" ДатаВыдДовер="2026-01-01" СрокДейст="2027-01-01">
              <СвДоверПерв ТипДоверит="1"><ДоверитПерв><РосОргДовер НаимОрг="АО" КПП="770301001" ОГРН="1035001234564"/></ДоверитПерв></СвДоверПерв>
            </СвПервДовер>
            <СвПереДовер НомДовер="22222222-2222-4222-8222-222222222222" ДатаВыдДовер="2026-02-01" СрокДейст="2026-12-31"/>
            <СвПередПолн><ПередПолн><ФЛПерПолн СНИЛС="112-233-445 95"/></ПередПолн></СвПередПолн>
            <СвПолучПолн><Пред><СведФизЛ СНИЛС="301-234-567 10"/></Пред></СвПолучПолн>
            <СвПолн><МашПолн КодПолн="A_POWER" МнПолн="GOSCAN_DELEGATE_SCAN"/></СвПолн>
          </Передов></Документ></Доверенность>"#;
        let meta = read(retrust.as_bytes()).expect("indexed");
        assert_eq!(meta.number, "22222222-2222-4222-8222-222222222222");
        assert_eq!(meta.issued_on, "2026-02-01");
        assert_eq!(meta.principal_ogrn.as_deref(), Some("1035001234564"));
        assert_eq!(meta.representatives, vec!["30123456710".to_string()]);
        assert_eq!(
            meta.powers,
            vec!["A_POWER".to_string(), "GOSCAN_DELEGATE_SCAN".to_string()]
        );
    }

    #[test]
    fn other_documents_are_refused() {
        for bad in [
            &b"<a/>"[..],
            b"<a><b>",
            b"\xFF\xFE",
            br#"<!DOCTYPE a [<!ENTITY x "y">]><a/>"#,
        ] {
            assert!(read(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
