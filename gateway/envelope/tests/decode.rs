//! Decoding realistic requests of every version: prefixes, payload namespaces, attachments,
//! the queue operations. The request envelopes themselves are checked against the official
//! schemas, so the decoder is shown to accept what SMEV accepts.

mod common;

use common::*;
use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use smev_envelope::{
    DecodeError, FaultKind, GetResponse, Limits, QName, SendRequest, SmevVersion, SoapRequest,
    decode_request,
};

fn decode(v: SmevVersion, xml: &str) -> Result<SoapRequest, DecodeError> {
    decode_request(v, xml.as_bytes(), &Limits::default())
}

fn decode_send(v: SmevVersion, xml: &str) -> SendRequest {
    match decode(v, xml) {
        Ok(SoapRequest::SendRequest(r)) => *r,
        other => panic!("not a SendRequest: {other:?}\n{xml}"),
    }
}

/// Every element's resolved `{ns}local` in a standalone document (unbound prefixes fail).
fn element_names(doc: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(doc).unwrap();
    let mut reader = NsReader::from_str(text);
    let mut names = Vec::new();
    loop {
        match reader
            .read_resolved_event()
            .unwrap_or_else(|e| panic!("{e}: {text}"))
        {
            (ResolveResult::Bound(ns), Event::Start(e) | Event::Empty(e)) => {
                names.push(format!("{{{}}}{}", ns.0, e.local_name().into_inner()));
            }
            (ResolveResult::Unbound, Event::Start(e) | Event::Empty(e)) => {
                names.push(e.local_name().into_inner().to_owned());
            }
            (ResolveResult::Unknown(p), _) => panic!("unbound prefix {p:?} in {text}"),
            (_, Event::Eof) => return names,
            _ => {}
        }
    }
}

#[test]
fn realistic_send_requests_of_every_version() {
    for v in SmevVersion::ALL {
        let payload = qr_payload();
        let xml = send_request(
            v,
            &payload,
            "<ns:TestMessage/>",
            &format!(
                "<ns:CallerInformationSystemSignature>{}</ns:CallerInformationSystemSignature>",
                signature()
            ),
        );
        let r = decode_send(v, &xml);
        assert_eq!(r.message_id, MESSAGE_ID);
        assert_eq!(r.payload.root, QName::new(QR_NS, "QrRequest"));
        assert_eq!(
            r.payload.xml,
            payload.as_bytes(),
            "{v}: payload must be byte-exact"
        );
        assert!(
            r.payload
                .inherited_namespaces
                .iter()
                .any(|(p, u)| p == "ns" && u == v.types_ns())
        );
        assert!(r.test_message);
        assert!(r.attachments.is_empty());
        let caller = String::from_utf8(r.caller_signature.unwrap()).unwrap();
        assert!(
            caller.starts_with("<ns:CallerInformationSystemSignature>")
                && caller.contains("SignatureValue"),
            "{caller}"
        );
        assert_eq!(r.personal_signature, None);
        if v == SmevVersion::V1_2 {
            assert_eq!(r.reference_message_id.as_deref(), Some(REFERENCE_ID));
            assert_eq!(r.transaction_code.as_deref(), Some("TX-1"));
        } else {
            assert_eq!((r.reference_message_id, r.transaction_code), (None, None));
        }
        let names = element_names(&r.payload.standalone());
        assert_eq!(
            names,
            [format!("{{{QR_NS}}}QrRequest"), format!("{{{QR_NS}}}Snils")]
        );
        xmllint(
            Some(&schema(v, "types")),
            &[(format!("send-{v}"), body_child(xml.as_bytes()).into_bytes())],
        );
    }
}

#[test]
fn optional_request_data_is_read() {
    let v = SmevVersion::V1_3;
    let xml = send_request(v, &qr_payload(), "", "").replace(
        &format!("<ns:MessageID>{MESSAGE_ID}</ns:MessageID>"),
        &format!(
            "<ns:MessageID>{MESSAGE_ID}</ns:MessageID><ns:ReferenceMessageID>{REFERENCE_ID}</ns:ReferenceMessageID>\
             <ns:TransactionCode>T&amp;1</ns:TransactionCode><ns:NodeID>node-7</ns:NodeID><ns:EOL>2030-01-01T12:00:00+03:00</ns:EOL>"
        ),
    );
    let xml = xml.replace(
        "</ns1:MessagePrimaryContent>",
        &format!(
            "</ns1:MessagePrimaryContent><ns:PersonalSignature>{}</ns:PersonalSignature>",
            signature()
        ),
    );
    let r = decode_send(v, &xml);
    assert_eq!(r.reference_message_id.as_deref(), Some(REFERENCE_ID));
    assert_eq!(r.transaction_code.as_deref(), Some("T&1"));
    assert_eq!(r.node_id.as_deref(), Some("node-7"));
    assert_eq!(r.eol, Some("2030-01-01T09:00:00Z".parse().unwrap()));
    assert!(!r.test_message);
    assert!(
        String::from_utf8(r.personal_signature.unwrap())
            .unwrap()
            .starts_with("<ns:PersonalSignature><ds:Signature")
    );
    xmllint(
        Some(&schema(v, "types")),
        &[("optional".into(), body_child(xml.as_bytes()).into_bytes())],
    );
}

#[test]
fn any_prefixes_and_default_namespaces() {
    let v = SmevVersion::V1_3;
    let (types, basic) = (v.types_ns(), v.basic_ns());
    let variants = [
        // `S` for SOAP, SMEV types as the default namespace.
        format!(
            r#"<S:Envelope xmlns:S="{SOAP}"><S:Body><SendRequestRequest xmlns="{types}"><SenderProvidedRequestData>
<MessageID>{MESSAGE_ID}</MessageID><b:MessagePrimaryContent xmlns:b="{basic}"><x:R xmlns:x="urn:x"/></b:MessagePrimaryContent>
</SenderProvidedRequestData></SendRequestRequest></S:Body></S:Envelope>"#
        ),
        // `env`, everything declared on the envelope, a comment and a processing instruction.
        format!(
            r#"<!-- a client --><?pi x?><env:Envelope xmlns:env="{SOAP}" xmlns:ns2="{types}" xmlns:ns3="{basic}">
<env:Header><h:Trace xmlns:h="urn:h">1</h:Trace></env:Header><env:Body><!-- op -->
<ns2:SendRequestRequest><ns2:SenderProvidedRequestData><ns2:MessageID>{MESSAGE_ID}</ns2:MessageID>
<ns3:MessagePrimaryContent><x:R xmlns:x="urn:x"/></ns3:MessagePrimaryContent></ns2:SenderProvidedRequestData>
</ns2:SendRequestRequest></env:Body></env:Envelope>"#
        ),
        // The same prefix rebound at an inner level, and the default namespace switched.
        format!(
            r#"<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP}" xmlns:p="{basic}" xmlns="urn:unused"><SOAP-ENV:Body>
<p:SendRequestRequest xmlns:p="{types}"><p:SenderProvidedRequestData><MessageID xmlns="{types}">{MESSAGE_ID}</MessageID>
<p:MessagePrimaryContent xmlns:p="{basic}"><x:R xmlns:x="urn:x"/></p:MessagePrimaryContent></p:SenderProvidedRequestData>
</p:SendRequestRequest></SOAP-ENV:Body></SOAP-ENV:Envelope>"#
        ),
    ];
    for xml in &variants {
        let r = decode_send(v, xml);
        assert_eq!(r.message_id, MESSAGE_ID);
        assert_eq!(r.payload.root, QName::new("urn:x", "R"));
        assert_eq!(r.payload.xml, b"<x:R xmlns:x=\"urn:x\"/>");
    }
}

#[test]
fn payload_with_inherited_prefixes_is_exact_and_standalone() {
    let v = SmevVersion::V1_1;
    let (types, basic) = (v.types_ns(), v.basic_ns());
    let payload = "<p:Req a:attr=\"1\" xmlns:own=\"urn:own\">\n  <q:Item>x &amp; y</q:Item>\n  <Plain/>\n  <own:O/>\n</p:Req>";
    let xml = format!(
        r#"<soap:Envelope xmlns:soap="{SOAP}" xmlns:p="urn:payload" xmlns:a="urn:attr"><soap:Body xmlns:q="urn:q">
<SendRequestRequest xmlns="{types}"><SenderProvidedRequestData><MessageID>{MESSAGE_ID}</MessageID>
<b:MessagePrimaryContent xmlns:b="{basic}">{payload}</b:MessagePrimaryContent></SenderProvidedRequestData></SendRequestRequest>
</soap:Body></soap:Envelope>"#
    );
    let r = decode_send(v, &xml);
    assert_eq!(r.payload.xml, payload.as_bytes());
    assert_eq!(r.payload.root, QName::new("urn:payload", "Req"));
    let inherited: Vec<(&str, &str)> = r
        .payload
        .inherited_namespaces
        .iter()
        .map(|(p, u)| (p.as_str(), u.as_str()))
        .collect();
    assert_eq!(
        inherited,
        [
            ("soap", SOAP),
            ("p", "urn:payload"),
            ("a", "urn:attr"),
            ("q", "urn:q"),
            ("", types),
            ("b", basic)
        ]
    );
    let names = element_names(&r.payload.standalone());
    assert_eq!(
        names,
        [
            "{urn:payload}Req".to_owned(),
            "{urn:q}Item".to_owned(),
            format!("{{{types}}}Plain"),
            "{urn:own}O".to_owned()
        ]
    );
    xmllint(None, &[("standalone".into(), r.payload.standalone())]);
}

#[test]
fn attachments_are_matched_and_decoded() {
    for v in SmevVersion::ALL {
        let namespace_uri = if v == SmevVersion::V1_3 {
            "<ns1:NamespaceUri>urn:doc</ns1:NamespaceUri>"
        } else {
            ""
        };
        let headers = format!(
            "<ns1:AttachmentHeaderList>\
             <ns1:AttachmentHeader><ns1:contentId>a1</ns1:contentId>{namespace_uri}<ns1:MimeType>application/pdf</ns1:MimeType></ns1:AttachmentHeader>\
             <ns1:AttachmentHeader><ns1:contentId>a2</ns1:contentId><ns1:MimeType>text/plain</ns1:MimeType>\
             <ns1:SignaturePKCS7>AAEC</ns1:SignaturePKCS7></ns1:AttachmentHeader></ns1:AttachmentHeaderList>"
        );
        // Contents in the other order, base64 broken into lines with a CR written as a reference.
        let contents = "<ns1:AttachmentContentList>\
             <ns1:AttachmentContent><ns1:Id>a2</ns1:Id><ns1:Content>aGVs&#13;\nbG8=</ns1:Content></ns1:AttachmentContent>\
             <ns1:AttachmentContent><ns1:Id>a1</ns1:Id><ns1:Content>JVBERi0x</ns1:Content></ns1:AttachmentContent>\
             </ns1:AttachmentContentList>";
        let xml = send_request(v, &qr_payload(), &headers, contents);
        let r = decode_send(v, &xml);
        let got: Vec<(&str, &str, &[u8])> = r
            .attachments
            .iter()
            .map(|a| {
                (
                    a.content_id.as_str(),
                    a.mime_type.as_str(),
                    a.data.as_slice(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a1", "application/pdf", b"%PDF-1".as_slice()),
                ("a2", "text/plain", b"hello".as_slice())
            ]
        );
        xmllint(
            Some(&schema(v, "types")),
            &[(
                format!("attachments-{v}"),
                body_child(xml.as_bytes()).into_bytes(),
            )],
        );
    }
}

/// `RefAttachmentHeaderList`: large files named by reference, read with what the version's type holds (1.3 adds
/// `FileName`, `NamespaceUri`, `Archive`); the content is not in the message. Valid per the schema.
#[test]
fn references_are_read_as_the_version_writes_them() {
    for v in SmevVersion::ALL {
        let extra = if v == SmevVersion::V1_3 {
            "<ns1:FileName>скан.zip</ns1:FileName><ns1:NamespaceUri>urn:doc</ns1:NamespaceUri>"
        } else {
            ""
        };
        let references = format!(
            "<ns1:RefAttachmentHeaderList>\
             <ns1:RefAttachmentHeader><ns1:uuid>4d7f0d4e-2f7c-4e88-9b8e-1b2c3d4e5f60</ns1:uuid>{extra}\
             <ns1:Hash>6fWn+3RdOvxOpnNVH4UHOyq1vyd9ahPpx6KqKN/Kzz0=</ns1:Hash><ns1:MimeType>application/zip</ns1:MimeType>\
             <ns1:SignaturePKCS7>MIIB\nAA==</ns1:SignaturePKCS7></ns1:RefAttachmentHeader>\
             <ns1:RefAttachmentHeader><ns1:uuid>second</ns1:uuid><ns1:Hash>h</ns1:Hash>\
             <ns1:MimeType>image/png</ns1:MimeType></ns1:RefAttachmentHeader></ns1:RefAttachmentHeaderList>"
        );
        let xml = send_request(v, &qr_payload(), &references, "");
        let r = decode_send(v, &xml);
        assert!(r.attachments.is_empty(), "{v}");
        assert_eq!(r.references.len(), 2, "{v}");
        let first = &r.references[0];
        assert_eq!(first.uuid, "4d7f0d4e-2f7c-4e88-9b8e-1b2c3d4e5f60");
        assert_eq!(
            first.file_name.as_deref(),
            (v == SmevVersion::V1_3).then_some("скан.zip")
        );
        assert_eq!(first.hash, "6fWn+3RdOvxOpnNVH4UHOyq1vyd9ahPpx6KqKN/Kzz0=");
        assert_eq!(first.mime_type, "application/zip");
        assert_eq!(
            first.signature_pkcs7.as_deref(),
            Some([0x30, 0x82, 0x01, 0x00].as_slice())
        );
        assert_eq!(r.references[1].signature_pkcs7, None);
        xmllint(
            Some(&schema(v, "types")),
            &[(
                format!("references-{v}"),
                body_child(xml.as_bytes()).into_bytes(),
            )],
        );
    }
    // A MIME type outside RFC 2046's pattern is refused, as in AttachmentHeader.
    let v = SmevVersion::V1_1;
    let bad = "<ns1:RefAttachmentHeaderList><ns1:RefAttachmentHeader><ns1:uuid>u</ns1:uuid><ns1:Hash>h</ns1:Hash>\
               <ns1:MimeType>pdf</ns1:MimeType></ns1:RefAttachmentHeader></ns1:RefAttachmentHeaderList>";
    let refused = smev_envelope::decode_request(
        v,
        send_request(v, &qr_payload(), bad, "").as_bytes(),
        &smev_envelope::Limits::default(),
    )
    .expect_err("not RFC 2046");
    assert!(refused.to_string().contains("RFC 2046"), "{refused}");
}

fn attachment_xml(v: SmevVersion, header_ids: &[&str], contents: &[(&str, &str)]) -> String {
    let headers: String = header_ids
        .iter()
        .map(|id| format!("<ns1:AttachmentHeader><ns1:contentId>{id}</ns1:contentId><ns1:MimeType>text/plain</ns1:MimeType></ns1:AttachmentHeader>"))
        .collect();
    let list = if headers.is_empty() {
        String::new()
    } else {
        format!("<ns1:AttachmentHeaderList>{headers}</ns1:AttachmentHeaderList>")
    };
    let items: String = contents
        .iter()
        .map(|(id, b64)| format!("<ns1:AttachmentContent><ns1:Id>{id}</ns1:Id><ns1:Content>{b64}</ns1:Content></ns1:AttachmentContent>"))
        .collect();
    let content_list = if items.is_empty() {
        String::new()
    } else {
        format!("<ns1:AttachmentContentList>{items}</ns1:AttachmentContentList>")
    };
    send_request(v, &qr_payload(), &list, &content_list)
}

#[test]
fn mismatched_attachments_are_miscoordination() {
    let v = SmevVersion::V1_3;
    for xml in [
        attachment_xml(v, &["a"], &[("b", "AAAA")]),
        attachment_xml(v, &["a"], &[]),
        attachment_xml(v, &[], &[("a", "AAAA")]),
        attachment_xml(v, &["a", "b"], &[("a", "AAAA")]),
        attachment_xml(v, &["a", "a"], &[("a", "AAAA"), ("b", "AAAA")]),
    ] {
        let err = decode(v, &xml).unwrap_err();
        assert!(matches!(err, DecodeError::AttachmentMismatch(_)), "{err:?}");
        assert_eq!(
            err.fault().kind,
            FaultKind::AttachmentContentMiscoordination
        );
    }
}

#[test]
fn oversized_and_too_many_attachments() {
    let v = SmevVersion::V1_3;
    let limits = Limits {
        max_attachment_bytes: 8,
        max_attachments: 2,
        ..Limits::default()
    };
    // 6 + 6 decoded bytes: over the 8-byte limit; the real total is reported.
    let xml = attachment_xml(v, &["a", "b"], &[("a", "AAAAAAAA"), ("b", "AAAAAAAA")]);
    let err = decode_request(v, xml.as_bytes(), &limits).unwrap_err();
    assert_eq!(
        err,
        DecodeError::AttachmentsTooLarge {
            permitted: 8,
            real: 12
        }
    );
    let fault = err.fault();
    assert_eq!(fault.kind, FaultKind::AttachmentSizeLimitExceeded);
    assert!(
        String::from_utf8(smev_envelope::encode_fault(v, &fault))
            .unwrap()
            .contains(">12</fault:RealTotalAttachmentSize>")
    );
    let xml = attachment_xml(
        v,
        &["a", "b", "c"],
        &[("a", "AA=="), ("b", "AA=="), ("c", "AA==")],
    );
    assert!(matches!(
        decode_request(v, xml.as_bytes(), &limits),
        Err(DecodeError::TooManyAttachments { limit: 2, .. })
    ));
    let within = attachment_xml(v, &["a", "b"], &[("a", "AAAA"), ("b", "AAAA")]);
    assert!(decode_request(v, within.as_bytes(), &limits).is_ok());
    let bad = attachment_xml(v, &["a"], &[("a", "A!AA")]);
    assert!(matches!(
        decode(v, &bad),
        Err(DecodeError::BadBase64 { .. })
    ));
}

fn queue_op(v: SmevVersion, op: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><t:{op} xmlns:t="{}" xmlns:b="{}" xmlns:ds="{DS}">"#,
        v.types_ns(),
        v.basic_ns()
    )
}

#[test]
fn get_response_with_and_without_selector() {
    for v in SmevVersion::ALL {
        let with = format!(
            "{}<b:MessageTypeSelector Id=\"SIGNED_BY_CALLER\"><b:NamespaceURI>{QR_NS}</b:NamespaceURI>\
             <b:RootElementLocalName>QrResponse</b:RootElementLocalName><b:Timestamp>2024-05-01T12:00:00.000+03:00</b:Timestamp>\
             <b:NodeID>n1</b:NodeID></b:MessageTypeSelector></t:GetResponseRequest></soap:Body></soap:Envelope>",
            queue_op(v, "GetResponseRequest")
        );
        let expected = GetResponse {
            selector: Some(QName::new(QR_NS, "QrResponse")),
            timestamp: Some("2024-05-01T09:00:00Z".parse().unwrap()),
            node_id: Some("n1".into()),
        };
        assert_eq!(
            decode(v, &with).unwrap(),
            SoapRequest::GetResponse(expected)
        );
        let without = format!(
            "{}<b:MessageTypeSelector><b:Timestamp>2024-05-01T09:00:00Z</b:Timestamp></b:MessageTypeSelector>\
             <t:CallerInformationSystemSignature>{}</t:CallerInformationSystemSignature></t:GetResponseRequest></soap:Body></soap:Envelope>",
            queue_op(v, "GetResponseRequest"),
            signature()
        );
        match decode(v, &without).unwrap() {
            SoapRequest::GetResponse(g) => assert_eq!((g.selector, g.node_id), (None, None)),
            other => panic!("{other:?}"),
        }
        let half = with.replace(&format!("<b:NamespaceURI>{QR_NS}</b:NamespaceURI>"), "");
        assert!(
            matches!(decode(v, &half), Err(DecodeError::MissingElement { element, .. }) if element == "NamespaceURI")
        );
        let no_time = without.replace("<b:Timestamp>2024-05-01T09:00:00Z</b:Timestamp>", "");
        assert!(
            matches!(decode(v, &no_time), Err(DecodeError::MissingElement { element, .. }) if element == "Timestamp")
        );
        let docs = [with, without].map(|x| {
            (
                format!("get-response-{v}"),
                body_child(x.as_bytes()).into_bytes(),
            )
        });
        xmllint(Some(&schema(v, "types")), &docs);
    }
}

#[test]
fn ack_requires_accepted_before_1_3() {
    for v in SmevVersion::ALL {
        let ack = |attrs: &str| {
            format!(
                "{}<b:AckTargetMessage Id=\"SIGNED_BY_CALLER\"{attrs}>{MESSAGE_ID}</b:AckTargetMessage></t:AckRequest></soap:Body></soap:Envelope>",
                queue_op(v, "AckRequest")
            )
        };
        match decode(v, &ack(" accepted=\"true\"")).unwrap() {
            SoapRequest::Ack(a) => assert_eq!(
                (a.message_id.as_str(), a.accepted),
                (MESSAGE_ID, Some(true))
            ),
            other => panic!("{other:?}"),
        }
        match (v, decode(v, &ack(""))) {
            (SmevVersion::V1_3, Ok(SoapRequest::Ack(a))) => assert_eq!(a.accepted, None),
            (SmevVersion::V1_3, other) => panic!("{other:?}"),
            (_, Err(DecodeError::MissingAttribute { attribute, .. })) => {
                assert_eq!(attribute, "accepted")
            }
            (_, other) => panic!("{v}: {other:?}"),
        }
        assert!(matches!(
            decode(v, &ack(" accepted=\"maybe\"")),
            Err(DecodeError::InvalidValue { .. })
        ));
        let no_id = ack(" accepted=\"0\"").replace(" Id=\"SIGNED_BY_CALLER\"", "");
        assert!(
            matches!(decode(v, &no_id), Err(DecodeError::MissingAttribute { attribute, .. }) if attribute == "Id")
        );
        let bad_id = ack(" accepted=\"1\"").replace(MESSAGE_ID, "not-a-uuid");
        let err = decode(v, &bad_id).unwrap_err();
        assert_eq!(
            err.fault().kind,
            FaultKind::InvalidContent,
            "Ack cannot raise InvalidMessageIdFormat"
        );
        xmllint(
            Some(&schema(v, "types")),
            &[(
                format!("ack-{v}"),
                body_child(ack(" accepted=\"true\"").as_bytes()).into_bytes(),
            )],
        );
    }
}

#[test]
fn get_status_requires_its_signature() {
    for v in SmevVersion::ALL {
        let with = format!(
            "{}<b:Timestamp Id=\"T\">2024-05-01T09:00:00Z</b:Timestamp><t:CallerInformationSystemSignature>{}</t:CallerInformationSystemSignature>\
             </t:GetStatusRequest></soap:Body></soap:Envelope>",
            queue_op(v, "GetStatusRequest"),
            signature()
        );
        match decode(v, &with).unwrap() {
            SoapRequest::GetStatus(s) => {
                assert_eq!(s.timestamp, Some("2024-05-01T09:00:00Z".parse().unwrap()))
            }
            other => panic!("{other:?}"),
        }
        let without = format!(
            "{}<b:Timestamp>2024-05-01T09:00:00Z</b:Timestamp></t:GetStatusRequest></soap:Body></soap:Envelope>",
            queue_op(v, "GetStatusRequest")
        );
        assert!(matches!(
            decode(v, &without),
            Err(DecodeError::MissingElement { element, .. }) if element == "CallerInformationSystemSignature"
        ));
        xmllint(
            Some(&schema(v, "types")),
            &[(
                format!("status-{v}"),
                body_child(with.as_bytes()).into_bytes(),
            )],
        );
    }
}

#[test]
fn operation_reports_itself() {
    let xml = send_request(SmevVersion::V1_3, &qr_payload(), "", "");
    let r = decode(SmevVersion::V1_3, &xml).unwrap();
    assert_eq!(r.operation(), smev_envelope::Operation::SendRequest);
}
