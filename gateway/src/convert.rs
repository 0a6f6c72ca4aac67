//! Every conversion between the shared types of the crates below the gateway, in one place: the envelope
//! codec's names and reject codes, the plugin host's, the store's facts. (The types live in crates that know
//! nothing of each other, so the conversions are functions here rather than `From` impls there.)

use gateway_store::Fact;
use smev_envelope::QName;

use crate::tokens::now_ms;

/// `{namespace}local` (Clark notation), as routes, selectors and the store name message types.
pub fn clark(namespace: &str, local: &str) -> String {
    format!("{{{namespace}}}{local}")
}

/// A message type of the envelope codec, as the plugin host names it.
pub fn host_qname(q: &QName) -> gateway_host::QName {
    gateway_host::QName {
        namespace: q.namespace.clone(),
        local: q.local.clone(),
    }
}

/// A message type of the plugin host in Clark notation.
pub fn host_clark(q: &gateway_host::QName) -> String {
    clark(&q.namespace, &q.local)
}

/// A plugin's reject code, as the envelope codec writes it.
pub fn reject_code(code: gateway_host::RejectCode) -> smev_envelope::RejectCode {
    match code {
        gateway_host::RejectCode::AccessDenied => smev_envelope::RejectCode::AccessDenied,
        gateway_host::RejectCode::NoData => smev_envelope::RejectCode::NoData,
        gateway_host::RejectCode::UnknownRequestDescription => {
            smev_envelope::RejectCode::UnknownRequestDescription
        }
        gateway_host::RejectCode::Failure => smev_envelope::RejectCode::Failure,
    }
}

/// The SMEV name of a reject code.
pub fn reject_code_name(c: gateway_host::RejectCode) -> &'static str {
    match c {
        gateway_host::RejectCode::AccessDenied => "ACCESS_DENIED",
        gateway_host::RejectCode::NoData => "NO_DATA",
        gateway_host::RejectCode::UnknownRequestDescription => "UNKNOWN_REQUEST_DESCRIPTION",
        gateway_host::RejectCode::Failure => "FAILURE",
    }
}

/// The reject code of an SMEV name.
pub fn reject_code_from_name(name: &str) -> Option<gateway_host::RejectCode> {
    [
        gateway_host::RejectCode::AccessDenied,
        gateway_host::RejectCode::NoData,
        gateway_host::RejectCode::UnknownRequestDescription,
        gateway_host::RejectCode::Failure,
    ]
    .into_iter()
    .find(|c| reject_code_name(*c) == name)
}

/// The facts of a chain, as the store keeps them; an attribute `id` holding a UUID becomes the fact's id (a
/// plugin that shows the fact's id to the sender, a scan id, passes it so).
pub fn store_facts(facts: Vec<gateway_host::Fact>) -> Vec<Fact> {
    let now = now_ms();
    facts
        .into_iter()
        .map(|f| Fact {
            id: f
                .attributes
                .iter()
                .find(|(k, v)| k == "id" && uuid::Uuid::parse_str(v).is_ok())
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            kind: f.kind,
            organisation: f.organisation,
            document_type: f.document_type,
            occurred_at: f.occurred_at as i64,
            attributes: serde_json::Value::Object(
                f.attributes
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::String(v)))
                    .collect(),
            )
            .to_string(),
            recorded_at: now,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_convert() {
        let q: QName = "{urn:x}Y".parse().expect("qname");
        let h = host_qname(&q);
        assert_eq!(host_clark(&h), "{urn:x}Y");
        assert_eq!(
            reject_code(gateway_host::RejectCode::NoData),
            smev_envelope::RejectCode::NoData
        );
        for code in [
            gateway_host::RejectCode::AccessDenied,
            gateway_host::RejectCode::NoData,
            gateway_host::RejectCode::UnknownRequestDescription,
            gateway_host::RejectCode::Failure,
        ] {
            assert_eq!(reject_code_from_name(reject_code_name(code)), Some(code));
        }
        assert_eq!(reject_code_from_name("no_data"), None);
    }

    #[test]
    fn a_uuid_id_attribute_names_the_fact() {
        let id = uuid::Uuid::new_v4().to_string();
        let fact = |attributes| gateway_host::Fact {
            kind: "scan".into(),
            organisation: "1027700132195".into(),
            document_type: "svo-status".into(),
            occurred_at: 5,
            attributes,
        };
        let stored = store_facts(vec![
            fact(vec![("id".into(), id.clone())]),
            fact(vec![("id".into(), "not-a-uuid".into())]),
        ]);
        assert_eq!(stored[0].id, id);
        assert_ne!(stored[1].id, "not-a-uuid");
        assert_eq!(stored[1].attributes, r#"{"id":"not-a-uuid"}"#);
    }
}
