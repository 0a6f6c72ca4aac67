//! What the decoder refuses, and the fault each refusal becomes.

mod common;

use std::time::{Duration, Instant};

use common::*;
use smev_envelope::{DecodeError, FaultKind, Limits, SmevVersion, SoapRequest, decode_request};

/// A bound that linear work meets easily even in a debug build on a loaded machine, and that
/// quadratic work on these inputs would exceed by far.
const LINEAR_TIME: Duration = Duration::from_secs(10);

fn decode(v: SmevVersion, xml: &str) -> Result<SoapRequest, DecodeError> {
    decode_request(v, xml.as_bytes(), &Limits::default())
}

fn refused(v: SmevVersion, xml: &str) -> DecodeError {
    match decode(v, xml) {
        Err(e) => e,
        Ok(r) => panic!("accepted: {r:?}\n{xml}"),
    }
}

#[test]
fn malformed_xml() {
    let v = SmevVersion::V1_3;
    let good = send_request(v, &qr_payload(), "", "");
    for bad in [
        good.replace("</ns:SenderProvidedRequestData>", ""),
        good.replace("</qr:Snils>", "</qr:Snil>"),
        good.replace("<qr:Snils>", "<qr:Snils a=\"1\" a=\"2\">"),
        good.replace("112-233", "112 & 233"),
        good.replace("112-233", "&undefined;"),
        good.replace("<qr:Snils>", "<qr:Snils x=1>"),
        good.replace("<qr:Snils>", "<z:Snils>")
            .replace("</qr:Snils>", "</z:Snils>"),
        format!("{good}<second/>"),
        format!("{good}trailing text"),
        String::new(),
        "   ".into(),
    ] {
        let err = refused(v, &bad);
        assert!(
            matches!(
                err,
                DecodeError::Malformed { .. } | DecodeError::NotSoapEnvelope { .. }
            ),
            "{err:?} for\n{bad}"
        );
        assert_eq!(err.fault().kind, FaultKind::InvalidContent);
    }
    let not_utf8 = [
        b"<soap:Envelope xmlns:soap=\"".as_slice(),
        SOAP.as_bytes(),
        b"\">\xFF</soap:Envelope>",
    ]
    .concat();
    assert!(matches!(
        decode_request(v, &not_utf8, &Limits::default()),
        Err(DecodeError::Malformed { .. })
    ));
    let cp1251 = good.replace("encoding=\"UTF-8\"", "encoding=\"windows-1251\"");
    assert!(
        matches!(refused(v, &cp1251), DecodeError::UnsupportedEncoding(e) if e == "windows-1251")
    );
}

#[test]
fn doctype_is_refused_without_expansion() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol9;</soap:Body></soap:Envelope>"#;
    let started = Instant::now();
    let err = refused(SmevVersion::V1_3, laughs);
    assert!(started.elapsed() < LINEAR_TIME);
    assert_eq!(err, DecodeError::DocType { position: 22 });
    assert_eq!(err.fault().kind, FaultKind::InvalidContent);
    let external = "<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><x>&xxe;</x>";
    assert!(matches!(
        refused(SmevVersion::V1_1, external),
        DecodeError::DocType { position: 0 }
    ));
}

#[test]
fn nesting_depth_of_100000_fails_fast() {
    let depth = 100_000;
    let payload = format!(
        "{}{}",
        "<x:a xmlns:x=\"urn:x\">".to_owned() + &"<x:a>".repeat(depth),
        "</x:a>".repeat(depth + 1)
    );
    let xml = send_request(SmevVersion::V1_3, &payload, "", "");
    let started = Instant::now();
    let err = refused(SmevVersion::V1_3, &xml);
    assert!(
        matches!(err, DecodeError::TooDeep { limit: 64, .. }),
        "{err:?}"
    );
    assert!(
        started.elapsed() < LINEAR_TIME,
        "took {:?}",
        started.elapsed()
    );
    // Unclosed nesting is refused the same way.
    let open_only = &xml[..xml.find("</x:a>").unwrap()];
    assert!(matches!(
        refused(SmevVersion::V1_3, open_only),
        DecodeError::TooDeep { .. }
    ));
}

#[test]
fn too_many_attributes() {
    let attrs: String = (0..65).map(|i| format!(" a{i}=\"{i}\"")).collect();
    let payload = format!("<qr:QrRequest xmlns:qr=\"{QR_NS}\"><qr:Snils{attrs}/></qr:QrRequest>");
    let err = refused(
        SmevVersion::V1_3,
        &send_request(SmevVersion::V1_3, &payload, "", ""),
    );
    assert!(
        matches!(err, DecodeError::TooManyAttributes { limit: 64, .. }),
        "{err:?}"
    );
    // A huge start tag fails in linear time too.
    let many: String = (0..200_000).map(|i| format!(" a{i}=\"\"")).collect();
    let xml = format!("<soap:Envelope xmlns:soap=\"{SOAP}\"{many}/>");
    let started = Instant::now();
    assert!(matches!(
        refused(SmevVersion::V1_3, &xml),
        DecodeError::TooManyAttributes { .. }
    ));
    assert!(started.elapsed() < LINEAR_TIME);
}

#[test]
fn missing_message_id() {
    for v in SmevVersion::ALL {
        let xml = send_request(v, &qr_payload(), "", "")
            .replace(&format!("<ns:MessageID>{MESSAGE_ID}</ns:MessageID>"), "");
        let err = refused(v, &xml);
        assert!(
            matches!(&err, DecodeError::MissingElement { element, .. } if element == "MessageID"),
            "{err:?}"
        );
        assert_eq!(err.fault().kind, FaultKind::InvalidContent);
    }
}

#[test]
fn invalid_message_id_is_its_own_fault() {
    let v = SmevVersion::V1_3;
    let xml = send_request(v, &qr_payload(), "", "")
        .replace(MESSAGE_ID, "6F1E8E6A-4B8A-11EE-BE56-0242AC120002");
    let err = refused(v, &xml);
    assert_eq!(err.fault().kind, FaultKind::InvalidMessageIdFormat);
}

#[test]
fn version_1_2_takes_requests_without_reference_or_transaction_code_as_smev_does() {
    let v = SmevVersion::V1_2;
    let full = send_request(v, &qr_payload(), "", "");
    decode(v, &full).expect("with both");
    let no_reference = full.replace(
        &format!("<ns:ReferenceMessageID>{REFERENCE_ID}</ns:ReferenceMessageID>"),
        "",
    );
    let no_code = no_reference.replace("<ns:TransactionCode>TX-1</ns:TransactionCode>", "");
    assert_ne!(no_code, full, "both were removed");
    // SMEV queued such requests (the corpus's 1.2 SendRequests carry neither).
    assert!(decode(v, &no_reference).is_ok());
    assert!(decode(v, &no_code).is_ok());
    // A malformed one, when present, is still refused.
    let bad = full.replace(REFERENCE_ID, "not-a-uuid");
    assert!(decode(v, &bad).is_err());
    for other in [SmevVersion::V1_1, SmevVersion::V1_3] {
        assert!(decode(other, &send_request(other, &qr_payload(), "", "")).is_ok());
    }
}

#[test]
fn namespace_of_another_version() {
    let xml = send_request(SmevVersion::V1_1, &qr_payload(), "", "");
    let err = refused(SmevVersion::V1_3, &xml);
    assert!(
        matches!(
            err,
            DecodeError::VersionMismatch {
                expected: SmevVersion::V1_3,
                found: SmevVersion::V1_1,
                ..
            }
        ),
        "{err:?}"
    );
    // A 1.3 operation with a 1.2 basic element inside.
    let mixed = send_request(SmevVersion::V1_3, &qr_payload(), "", "")
        .replace(SmevVersion::V1_3.basic_ns(), SmevVersion::V1_2.basic_ns());
    assert!(matches!(
        refused(SmevVersion::V1_3, &mixed),
        DecodeError::VersionMismatch {
            found: SmevVersion::V1_2,
            ..
        }
    ));
}

#[test]
fn exactly_one_payload_root() {
    let v = SmevVersion::V1_3;
    let two = format!("{}{}", qr_payload(), qr_payload());
    assert_eq!(
        refused(v, &send_request(v, &two, "", "")),
        DecodeError::PayloadCount { found: 2 }
    );
    assert_eq!(
        refused(v, &send_request(v, "  ", "", "")),
        DecodeError::PayloadCount { found: 0 }
    );
    assert!(matches!(
        refused(v, &send_request(v, "text", "", "")),
        DecodeError::UnexpectedText { .. }
    ));
    assert!(matches!(
        refused(v, &send_request(v, "<NoNamespace/>", "", "")),
        DecodeError::PayloadNamespace { .. }
    ));
}

#[test]
fn provider_operations_and_foreign_bodies_are_unsupported() {
    let v = SmevVersion::V1_3;
    for op in ["GetRequestRequest", "SendResponseRequest", "Whatever"] {
        let xml = format!(
            "<s:Envelope xmlns:s=\"{SOAP}\"><s:Body><t:{op} xmlns:t=\"{}\"/></s:Body></s:Envelope>",
            v.types_ns()
        );
        assert!(
            matches!(refused(v, &xml), DecodeError::UnsupportedOperation { .. }),
            "{op}"
        );
    }
    let foreign = format!(
        "<s:Envelope xmlns:s=\"{SOAP}\"><s:Body><x:Op xmlns:x=\"urn:x\"/></s:Body></s:Envelope>"
    );
    assert!(matches!(
        refused(v, &foreign),
        DecodeError::UnsupportedOperation { .. }
    ));
    let soap12 =
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>";
    assert!(
        matches!(refused(v, soap12), DecodeError::NotSoapEnvelope { found } if found.contains("SOAP 1.2"))
    );
    let no_body = format!("<s:Envelope xmlns:s=\"{SOAP}\"><s:Header/></s:Envelope>");
    assert_eq!(refused(v, &no_body), DecodeError::MissingBody);
    let empty_body = format!("<s:Envelope xmlns:s=\"{SOAP}\"><s:Body> </s:Body></s:Envelope>");
    assert_eq!(
        refused(v, &empty_body),
        DecodeError::BodyEntries { found: 0 }
    );
    let good = send_request(v, &qr_payload(), "", "");
    let two_ops = good.replace("</soap:Body>", "<x:Other xmlns:x=\"urn:x\"/></soap:Body>");
    assert_eq!(refused(v, &two_ops), DecodeError::BodyEntries { found: 2 });
}

#[test]
fn schema_order_and_content_are_enforced() {
    let v = SmevVersion::V1_3;
    let good = send_request(v, &qr_payload(), "", "");
    // TestMessage must come last; text is not allowed between elements.
    let misplaced = good.replace("</ns1:MessagePrimaryContent>", &format!(
        "</ns1:MessagePrimaryContent><ns:TestMessage/><ns:PersonalSignature>{}</ns:PersonalSignature>",
        signature()
    ));
    assert!(matches!(
        refused(v, &misplaced),
        DecodeError::UnexpectedElement { .. }
    ));
    let too_early = good.replace(
        "<ns1:MessagePrimaryContent>",
        "<ns:TestMessage/><ns1:MessagePrimaryContent>",
    );
    assert!(
        matches!(refused(v, &too_early), DecodeError::MissingElement { element, .. } if element == "MessagePrimaryContent")
    );
    let text = good.replace(
        "<ns:SenderProvidedRequestData Id=\"SIGNED_BY_CONSUMER\">",
        "<ns:SenderProvidedRequestData>stray",
    );
    assert!(matches!(
        refused(v, &text),
        DecodeError::UnexpectedText { .. }
    ));
    let long_node = good.replace(
        "</ns:MessageID>",
        &format!("</ns:MessageID><ns:NodeID>{}</ns:NodeID>", "n".repeat(51)),
    );
    assert!(matches!(
        refused(v, &long_node),
        DecodeError::InvalidValue { .. }
    ));
    let bad_eol = good.replace(
        "</ns:MessageID>",
        "</ns:MessageID><ns:EOL>tomorrow</ns:EOL>",
    );
    assert!(matches!(
        refused(v, &bad_eol),
        DecodeError::BadTimestamp { .. }
    ));
    let unknown_child = good.replace("</ns:MessageID>", "</ns:MessageID><ns:Unknown/>");
    assert!(matches!(
        refused(v, &unknown_child),
        DecodeError::UnexpectedElement { .. }
    ));
}

#[test]
fn decode_errors_encode_as_valid_faults() {
    let v = SmevVersion::V1_3;
    let err = refused(
        v,
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>",
    );
    let bytes = smev_envelope::encode_fault(v, &err.fault());
    xmllint(
        Some(&schema(v, "faults")),
        &[("decode-fault".into(), detail_child(&bytes).into_bytes())],
    );
}

#[test]
fn many_namespace_declarations_do_not_slow_resolution() {
    // 50 levels of 60 declarations each, then many elements whose prefix is bound at the
    // outermost level: resolution must not scan every declaration for every element.
    let levels = 50;
    let decls: String = (0..60)
        .map(|i| format!(" xmlns:n{i}=\"urn:n{i}\""))
        .collect();
    let open: String = (0..levels).map(|_| format!("<x:l{decls}>")).collect();
    let close = "</x:l>".repeat(levels);
    let children = "<x:e/>".repeat(200_000);
    let payload = format!("<x:r xmlns:x=\"urn:x\">{open}{children}{close}</x:r>");
    let xml = send_request(SmevVersion::V1_3, &payload, "", "");
    let started = Instant::now();
    let r = decode(SmevVersion::V1_3, &xml).expect("valid");
    let elapsed = started.elapsed();
    assert!(elapsed < LINEAR_TIME, "took {elapsed:?}");
    match r {
        SoapRequest::SendRequest(s) => assert_eq!(s.payload.xml.len(), payload.len()),
        other => panic!("{other:?}"),
    }
}
