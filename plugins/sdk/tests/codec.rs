//! The payload codec through the SDK's public API, as a plugin author uses it: one type, both formats,
//! round trips, and the errors a malformed payload gives.

use gateway_plugin_sdk::codec;
use gateway_plugin_sdk::prelude::*;
use gateway_plugin_sdk::serde_helpers;
use serde::{Deserialize, Serialize};

const NS: &str = "urn://gateway/svo-status/1.0";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ScanRequest {
    qr_id: String,
    on_behalf_of: Option<Organisation>,
    #[serde(default)]
    document: Vec<Document>,
    attempt: u32,
    test: bool,
    #[serde(with = "serde_helpers::base64")]
    photo: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Organisation {
    ogrn: String,
    name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Document {
    kind: String,
    number: String,
}

fn sample() -> ScanRequest {
    ScanRequest {
        qr_id: "3f2b6c1e-0000-4000-8000-000000000000".into(),
        on_behalf_of: Some(Organisation {
            ogrn: "1027700132195".into(),
            name: "ООО «Ромашка» & Co".into(),
        }),
        document: vec![Document {
            kind: "passport".into(),
            number: "4510 123456".into(),
        }],
        attempt: 2,
        test: false,
        photo: vec![0, 159, 146, 150],
    }
}

#[test]
fn a_value_survives_xml_then_json_then_xml() {
    let name = QName::new(NS, "ScanRequest");
    let xml = codec::encode(&name, &sample(), PayloadFormat::Xml).expect("encodes as XML");
    let text = String::from_utf8(xml.clone()).expect("UTF-8");
    assert!(
        text.starts_with(r#"<ScanRequest xmlns="urn://gateway/svo-status/1.0"><QrId>"#),
        "{text}"
    );
    assert!(
        text.contains("<Name>ООО «Ромашка» &amp; Co</Name>"),
        "{text}"
    );
    assert!(
        text.contains("<Attempt>2</Attempt><Test>false</Test><Photo>AJ+Slg==</Photo>"),
        "{text}"
    );

    let from_xml: ScanRequest = codec::decode(PayloadFormat::Xml, &xml).expect("decodes XML");
    assert_eq!(from_xml, sample());

    let json = codec::encode(&name, &from_xml, PayloadFormat::Json).expect("encodes as JSON");
    let value: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
    assert_eq!(value["onBehalfOf"]["ogrn"], "1027700132195");
    assert_eq!(value["qrId"], "3f2b6c1e-0000-4000-8000-000000000000");
    assert_eq!(value["document"][0]["kind"], "passport");
    assert_eq!(value["attempt"], 2);

    let from_json: ScanRequest = codec::decode(PayloadFormat::Json, &json).expect("decodes JSON");
    assert_eq!(from_json, sample());
    assert_eq!(
        codec::encode(&name, &from_json, PayloadFormat::Xml).expect("encodes"),
        xml
    );
}

#[test]
fn a_foreign_prefix_and_inherited_namespace_do_not_matter() {
    // The payload's prefix is declared on an ancestor in the envelope: the bytes alone are not namespace
    // well-formed, and matching by local names still reads them.
    let xml = br#"<ns2:ScanRequest><ns2:QrId>q</ns2:QrId><ns2:Attempt> 7 </ns2:Attempt><ns2:Test>1</ns2:Test><ns2:Photo>AA==</ns2:Photo></ns2:ScanRequest>"#;
    let decoded: ScanRequest = codec::decode(PayloadFormat::Xml, xml).expect("decodes");
    assert_eq!(decoded.qr_id, "q");
    assert_eq!(decoded.attempt, 7);
    assert!(decoded.test);
    assert_eq!(decoded.on_behalf_of, None);
    assert!(decoded.document.is_empty());
}

#[test]
fn malformed_and_mismatched_payloads_are_errors() {
    let shape = codec::decode::<ScanRequest>(PayloadFormat::Json, br#"{"qrId": "q"}"#);
    assert!(
        matches!(shape, Err(CodecError::Shape(ref message)) if message.contains("Attempt")),
        "{shape:?}"
    );
    let json = codec::decode::<ScanRequest>(PayloadFormat::Json, b"{");
    assert!(
        matches!(json, Err(CodecError::Malformed { format: "JSON", .. })),
        "{json:?}"
    );
    let xml =
        codec::decode::<ScanRequest>(PayloadFormat::Xml, b"<ScanRequest><QrId>q</ScanRequest>");
    assert!(
        matches!(xml, Err(CodecError::Malformed { format: "XML", .. })),
        "{xml:?}"
    );
    let photo =
        br#"<R><QrId>q</QrId><Attempt>1</Attempt><Test>true</Test><Photo>not base64!</Photo></R>"#;
    assert!(matches!(
        codec::decode::<ScanRequest>(PayloadFormat::Xml, photo),
        Err(CodecError::Shape(_))
    ));
}

#[test]
fn the_tree_is_available_without_a_type() {
    let tree = codec::to_tree(
        PayloadFormat::Json,
        br#"{"qrId": "q", "onBehalfOf": {"ogrn": "1"}}"#,
    )
    .expect("tree");
    assert_eq!(
        tree,
        serde_json::json!({"QrId": "q", "OnBehalfOf": {"Ogrn": "1"}})
    );
}
