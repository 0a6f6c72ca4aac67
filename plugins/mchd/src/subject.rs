//! What a request asks to verify: `OnBehalfOf` found anywhere in a payload of any document type (XML or
//! JSON), or the fields of `VerifyMchdRequest`. Identifiers are checked here too (the gateway's edge checks
//! them only where a route says so); problems are `MCHD_REQUEST_INVALID`.

use gateway_plugin_sdk::prelude::{CodecError, PayloadFormat};
use gateway_plugin_sdk::{codec, guid, identifiers};
use serde_json::Value;

use crate::messages::{InlineMchd, OnBehalfOf};
use crate::reason::{Reason, Refusal};
use crate::verify::{Source, Subject};

/// The element (XML) or key (JSON, `onBehalfOf`) that names the organisation scanned for.
pub const ON_BEHALF_OF: &str = "OnBehalfOf";

/// The `OnBehalfOf` of a payload: `Ok(None)` when there is none (a scan as a private person).
pub fn on_behalf_of(
    format: PayloadFormat,
    payload: &[u8],
) -> Result<Result<Option<Subject>, Refusal>, CodecError> {
    let tree = codec::to_tree(format, payload)?;
    let mut found = Vec::new();
    collect(&tree, &mut found);
    Ok(match found.as_slice() {
        [] => Ok(None),
        [one] => from_tree(one).map(Some),
        _ => Err(invalid(
            "OnBehalfOf встречается в запросе более одного раза",
        )),
    })
}

/// Every value under the key `OnBehalfOf`, depth first.
fn collect<'a>(value: &'a Value, found: &mut Vec<&'a Value>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                if key == ON_BEHALF_OF {
                    match member {
                        Value::Array(items) => found.extend(items.iter()),
                        other => found.push(other),
                    }
                } else {
                    collect(member, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, found)),
        _ => {}
    }
}

fn from_tree(value: &Value) -> Result<Subject, Refusal> {
    // serde's messages may quote values (personal data): say only where the structure is wrong.
    let wire: OnBehalfOf = serde_json::from_value(value.clone()).map_err(|e| {
        invalid(&format!(
            "OnBehalfOf заполнен неверно (строка {}, позиция {})",
            e.line(),
            e.column()
        ))
    })?;
    subject(
        &wire.organisation,
        &wire.scanner,
        wire.mchd_number.as_deref(),
        wire.mchd,
    )
}

/// A subject from its parts, checked: the ОГРН/ОГРНИП and the СНИЛС pass their check numbers, exactly one
/// form of the power of attorney is given, a number is a GUID.
pub fn subject(
    organisation: &str,
    snils: &str,
    number: Option<&str>,
    inline: Option<InlineMchd>,
) -> Result<Subject, Refusal> {
    let organisation = organisation.trim();
    identifiers::check_ogrn_or_ogrnip(organisation)
        .map_err(|e| invalid(&format!("ОГРН/ОГРНИП организации: {e}")))?;
    let representative = identifiers::normalize_snils(snils.trim())
        .map_err(|e| invalid(&format!("СНИЛС сотрудника: {e}")))?;
    let source = match (number, inline) {
        (Some(number), None) => match guid::normalize(number.trim()) {
            Some(number) => Source::Number(number),
            None => return Err(invalid("номер доверенности должен быть GUID")),
        },
        (None, Some(InlineMchd { xml, signature })) => Source::Inline { xml, signature },
        (None, None) => {
            return Err(invalid(
                "не указаны ни номер доверенности, ни сама доверенность",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(invalid(
                "укажите либо номер доверенности, либо саму доверенность",
            ));
        }
    };
    Ok(Subject {
        organisation: organisation.to_owned(),
        representative,
        source,
    })
}

fn invalid(detail: &str) -> Refusal {
    Refusal::new(Reason::RequestInvalid, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUID: &str = "3F2B8C1E-7A4D-4E2B-9C3A-1B2C3D4E5F60";

    fn xml(inner: &str) -> Vec<u8> {
        format!(
            r#"<s:VerifyQrRequest xmlns:s="urn://gateway/svo-status/1.0" xmlns:g="urn://gateway/goscan/1.0"><s:Qr>x</s:Qr>{inner}</s:VerifyQrRequest>"#
        )
        .into_bytes()
    }

    fn found(format: PayloadFormat, payload: &[u8]) -> Result<Option<Subject>, Refusal> {
        on_behalf_of(format, payload).expect("well-formed")
    }

    #[test]
    fn found_in_xml_and_json_by_number_or_inline() {
        let by_number = xml(&format!(
            "<g:OnBehalfOf><g:Organisation>1027700132195</g:Organisation><g:Scanner>112-233-445 95</g:Scanner><g:MchdNumber>{GUID}</g:MchdNumber></g:OnBehalfOf>"
        ));
        let subject = found(PayloadFormat::Xml, &by_number)
            .expect("valid")
            .expect("present");
        assert_eq!(subject.organisation, "1027700132195");
        assert_eq!(subject.representative, "11223344595");
        assert_eq!(subject.source, Source::Number(GUID.to_ascii_lowercase()));

        let json = br#"{"qr": "x", "deep": {"onBehalfOf": {"organisation": "304500116100019", "scanner": "11223344595",
            "mchd": {"xml": "PGEvPg==", "signature": "AQI="}}}}"#;
        let subject = found(PayloadFormat::Json, json)
            .expect("valid")
            .expect("present");
        assert_eq!(subject.organisation, "304500116100019");
        assert_eq!(
            subject.source,
            Source::Inline {
                xml: b"<a/>".to_vec(),
                signature: vec![1, 2]
            }
        );
    }

    #[test]
    fn absent_means_a_private_person() {
        assert_eq!(found(PayloadFormat::Xml, &xml("")), Ok(None));
        assert_eq!(found(PayloadFormat::Json, br#"{"qr": "x"}"#), Ok(None));
    }

    #[test]
    fn malformed_on_behalf_of_is_request_invalid() {
        let cases = [
            r#"{"onBehalfOf": {"organisation": "1027700132196", "scanner": "11223344595", "mchdNumber": "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60"}}"#,
            r#"{"onBehalfOf": {"organisation": "1027700132195", "scanner": "11223344596", "mchdNumber": "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60"}}"#,
            r#"{"onBehalfOf": {"organisation": "1027700132195", "scanner": "11223344595", "mchdNumber": "not-a-guid"}}"#,
            r#"{"onBehalfOf": {"organisation": "1027700132195", "scanner": "11223344595"}}"#,
            r#"{"onBehalfOf": {"organisation": "1027700132195", "scanner": "11223344595", "mchdNumber": "3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60", "mchd": {"xml": "AA==", "signature": "AA=="}}}"#,
            r#"{"onBehalfOf": {"organisation": "1027700132195", "scanner": "11223344595", "mchd": {"xml": "***", "signature": "AA=="}}}"#,
            r#"{"onBehalfOf": {"organisation": "1027700132195"}}"#,
            r#"{"a": {"onBehalfOf": {}}, "b": {"onBehalfOf": {}}}"#,
        ];
        for case in cases {
            let refusal = found(PayloadFormat::Json, case.as_bytes()).expect_err(case);
            assert_eq!(refusal.reason, Reason::RequestInvalid, "{case}");
            assert!(
                !refusal.detail.contains("11223344595") && !refusal.detail.contains("***"),
                "{}",
                refusal.detail
            );
        }
        assert!(
            on_behalf_of(PayloadFormat::Json, b"{").is_err(),
            "a broken payload is a codec error"
        );
    }
}
