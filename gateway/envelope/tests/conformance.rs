//! Every encoder × every version validates against the official schemas (with `xmllint`), and
//! every full envelope is well-formed.

mod common;

use common::*;
use smev_envelope::{
    Attachment, Fault, FaultExtension, FaultKind, InteractionStatus, MessageMetadata, MessageType,
    Party, QName, RejectCode, Rejection, ResponseContent, ResponseMessage, SignatureFailure,
    SmevVersion, StatusMessage, ValidationError, encode_ack_response, encode_fault,
    encode_get_response_response, encode_get_status_response, encode_send_request_response,
};

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn full_metadata(message_type: MessageType, status: InteractionStatus) -> MessageMetadata {
    MessageMetadata {
        message_id: Some(MESSAGE_ID.into()),
        message_type,
        sender: Some(Party {
            mnemonic: "CONSUMER01".into(),
            human_readable_name: "Потребитель & Ко <тест>".into(),
        }),
        sending_timestamp: ts("2024-05-01T09:00:00.123Z"),
        recipient: Some(Party {
            mnemonic: "GATEWAY".into(),
            human_readable_name: "Шлюз".into(),
        }),
        delivery_timestamp: Some(ts("2024-05-01T09:00:01Z")),
        status: Some(status),
    }
}

fn minimal_metadata() -> MessageMetadata {
    MessageMetadata {
        message_id: None,
        message_type: MessageType::Request,
        sender: None,
        sending_timestamp: ts("2024-05-01T09:00:00Z"),
        recipient: None,
        delivery_timestamp: None,
        status: None,
    }
}

/// Strings that stress escaping, control characters and schema lengths.
fn nasty(len: usize) -> String {
    let mut s = String::from("<&>\"'\u{0}\u{1B}\r\n\t\u{FFFE}𝄞 ");
    while s.chars().count() < len {
        s.push('ж');
    }
    s
}

fn response(content: ResponseContent, attachments: Vec<Attachment>) -> ResponseMessage {
    ResponseMessage {
        original_message_id: MESSAGE_ID.into(),
        original_transaction_code: Some("TX-1".into()),
        reference_message_id: Some(REFERENCE_ID.into()),
        response_message_id: "7a1e8e6a-4b8a-11ee-be56-0242ac120002".into(),
        to: "eyJzZW5kZXIiOiJDT05TVU1FUjAxIn0=".into(),
        content,
        metadata: full_metadata(MessageType::Response, InteractionStatus::MessageIsDelivered),
        attachments,
    }
}

fn primary() -> ResponseContent {
    ResponseContent::Primary(
        format!("<?xml version=\"1.0\"?>\n<qr:QrResponse xmlns:qr=\"{QR_NS}\"><qr:Url>https://x/?a=1&amp;b=2</qr:Url></qr:QrResponse>")
            .into_bytes(),
    )
}

fn attachments() -> Vec<Attachment> {
    vec![
        Attachment {
            content_id: "report".into(),
            mime_type: "application/pdf".into(),
            data: b"%PDF-1.7".to_vec(),
        },
        Attachment {
            content_id: "1b4e28ba-2fa1".into(),
            mime_type: "text/plain; charset=utf-8".into(),
            data: vec![0, 1, 2],
        },
        Attachment {
            content_id: "report".into(),
            mime_type: "image/png".into(),
            data: Vec::new(),
        },
    ]
}

fn all_responses() -> Vec<(String, ResponseMessage)> {
    let mut out = vec![
        ("primary".into(), response(primary(), Vec::new())),
        (
            "primary-attachments".into(),
            response(primary(), attachments()),
        ),
        (
            "rejected".into(),
            response(
                ResponseContent::Rejected(vec![
                    Rejection {
                        code: RejectCode::AccessDenied,
                        description: "нет доступа".into(),
                    },
                    Rejection {
                        code: RejectCode::NoData,
                        description: nasty(5000),
                    },
                    Rejection {
                        code: RejectCode::UnknownRequestDescription,
                        description: String::new(),
                    },
                    Rejection {
                        code: RejectCode::Failure,
                        description: "сбой".into(),
                    },
                ]),
                attachments(),
            ),
        ),
        (
            "rejected-empty".into(),
            response(ResponseContent::Rejected(Vec::new()), Vec::new()),
        ),
        (
            "status".into(),
            response(
                ResponseContent::Status {
                    code: -7,
                    description: nasty(4100),
                    parameters: vec![
                        ("RetryAfterSeconds".into(), "30".into()),
                        (nasty(10), nasty(10)),
                    ],
                },
                Vec::new(),
            ),
        ),
    ];
    let mut sparse = response(
        ResponseContent::Status {
            code: 0,
            description: String::new(),
            parameters: Vec::new(),
        },
        Vec::new(),
    );
    sparse.original_message_id = "NOT-A-UUID".into();
    sparse.original_transaction_code = None;
    sparse.reference_message_id = None;
    sparse.response_message_id = String::new();
    sparse.to = nasty(4100);
    sparse.metadata = minimal_metadata();
    out.push(("sparse".into(), sparse));
    out
}

#[test]
fn send_request_response_validates() {
    for v in SmevVersion::ALL {
        let mut docs = Vec::new();
        for (label, md) in [
            (
                "full",
                full_metadata(MessageType::Request, InteractionStatus::RequestIsQueued),
            ),
            ("minimal", minimal_metadata()),
            (
                "bad-id",
                MessageMetadata {
                    message_id: Some("x".into()),
                    ..minimal_metadata()
                },
            ),
            (
                "long",
                MessageMetadata {
                    sender: Some(Party {
                        mnemonic: nasty(200),
                        human_readable_name: nasty(900),
                    }),
                    recipient: Some(Party {
                        mnemonic: nasty(200),
                        human_readable_name: nasty(900),
                    }),
                    ..full_metadata(
                        MessageType::Response,
                        InteractionStatus::ResponseIsDelivered,
                    )
                },
            ),
        ] {
            let bytes = encode_send_request_response(v, &md);
            docs.push((format!("send-{label}-{v}"), bytes));
        }
        for status in InteractionStatus::ALL {
            let md = full_metadata(MessageType::Request, status);
            docs.push((
                format!("status-{}-{v}", status.as_str()),
                encode_send_request_response(v, &md),
            ));
        }
        xmllint(None, &docs);
        let bodies: Vec<_> = docs
            .iter()
            .map(|(l, b)| (l.clone(), body_child(b).into_bytes()))
            .collect();
        xmllint(Some(&schema(v, "types")), &bodies);
    }
}

#[test]
fn get_response_response_validates() {
    for v in SmevVersion::ALL {
        let mut docs = vec![(format!("empty-{v}"), encode_get_response_response(v, None))];
        for (label, msg) in all_responses() {
            docs.push((
                format!("{label}-{v}"),
                encode_get_response_response(v, Some(&msg)),
            ));
        }
        xmllint(None, &docs);
        let bodies: Vec<_> = docs
            .iter()
            .map(|(l, b)| (l.clone(), body_child(b).into_bytes()))
            .collect();
        xmllint(Some(&schema(v, "types")), &bodies);
    }
}

#[test]
fn get_response_response_has_the_smev_shape() {
    let v = SmevVersion::V1_3;
    let text = String::from_utf8(encode_get_response_response(
        v,
        Some(&response(primary(), attachments())),
    ))
    .unwrap();
    for part in [
        "<smev:ResponseMessage><smev:Response Id=\"SIGNED_BY_SMEV\">",
        &format!("<smev:OriginalMessageId>{MESSAGE_ID}</smev:OriginalMessageId>"),
        "<smev:SenderProvidedResponseData Id=\"SIGNED_BY_CALLER\"><smev:MessageID>7a1e8e6a-4b8a-11ee-be56-0242ac120002</smev:MessageID>",
        &format!("<basic:MessagePrimaryContent><qr:QrResponse xmlns:qr=\"{QR_NS}\">"),
        "<smev:MessageType>RESPONSE</smev:MessageType>",
        "<smev:Status>messageIsDelivered</smev:Status>",
        "<basic:Id>report</basic:Id><basic:Content>JVBERi0xLjc=</basic:Content>",
        "<basic:contentId>id-1b4e28ba-2fa1</basic:contentId><basic:MimeType>application/octet-stream</basic:MimeType>",
    ] {
        assert!(text.contains(part), "{part} not in {text}");
    }
    let empty = String::from_utf8(encode_get_response_response(v, None)).unwrap();
    assert!(
        empty.contains("<smev:GetResponseResponse xmlns:smev="),
        "{empty}"
    );
    assert!(!empty.contains("ResponseMessage"));
    let v12 = String::from_utf8(encode_get_response_response(
        SmevVersion::V1_2,
        Some(&all_responses()[5].1),
    ))
    .unwrap();
    assert!(v12.contains(
        "<smev:OriginalMessageId>00000000-0000-0000-0000-000000000000</smev:OriginalMessageId>"
    ));
    assert!(v12.contains("<smev:OriginalTransactionCode></smev:OriginalTransactionCode>"));
}

#[test]
fn ack_and_get_status_responses_validate() {
    for v in SmevVersion::ALL {
        assert!(v.has_get_status());
        let mut docs = vec![(format!("ack-{v}"), encode_ack_response(v))];
        docs.push((
            format!("status-empty-{v}"),
            encode_get_status_response(v, None).unwrap(),
        ));
        for (i, category) in InteractionStatus::ALL.into_iter().enumerate() {
            let msg = StatusMessage {
                original_message_id: if i == 0 {
                    "bad".into()
                } else {
                    MESSAGE_ID.into()
                },
                category,
                details: (i % 2 == 0).then(|| nasty(600)),
                fault: (i % 3 == 0).then(|| (nasty(120), nasty(20))),
            };
            docs.push((
                format!("status-{}-{v}", category.as_str()),
                encode_get_status_response(v, Some(&msg)).unwrap(),
            ));
        }
        xmllint(None, &docs);
        let bodies: Vec<_> = docs
            .iter()
            .map(|(l, b)| (l.clone(), body_child(b).into_bytes()))
            .collect();
        xmllint(Some(&schema(v, "types")), &bodies);
    }
}

fn rich_faults(kind: FaultKind) -> Vec<Fault> {
    let extension = match kind {
        FaultKind::InvalidContent => Some(FaultExtension::ValidationErrors(vec![
            ValidationError {
                position: 17,
                message: nasty(30),
            },
            ValidationError {
                position: -1,
                message: String::new(),
            },
        ])),
        FaultKind::BusinessDataTypeIsNotSupported => Some(FaultExtension::UnsupportedRoot(
            QName::new(QR_NS, "QrRequest"),
        )),
        FaultKind::AttachmentSizeLimitExceeded => Some(FaultExtension::AttachmentSize {
            permitted: 10,
            real: u64::MAX,
        }),
        FaultKind::QuoteLimitExceeded => Some(FaultExtension::Quota {
            remaining: 0,
            real: 5,
        }),
        FaultKind::SignatureVerificationFault => Some(FaultExtension::Signature(
            SignatureFailure::CertificateIsExpired,
        )),
        FaultKind::DestinationOverflow => Some(FaultExtension::DestinationOverflow {
            broker_address: "tcp://mq".into(),
            destination_name: "q".into(),
        }),
        _ => None,
    };
    let mut rich = Fault::new(kind, nasty(40))
        .with_code(nasty(150))
        .with_description(nasty(20));
    rich.detail.extension = extension.map(Box::new);
    let mut mismatched = Fault::new(kind, String::new());
    mismatched.detail.extension = Some(Box::new(FaultExtension::Quota {
        remaining: 1,
        real: 2,
    }));
    vec![
        Fault::from(kind),
        rich,
        mismatched,
        Fault::invalid_content(Vec::new()).for_operation(smev_envelope::Operation::Ack),
    ]
}

#[test]
fn every_fault_of_every_version_validates() {
    for v in SmevVersion::ALL {
        let mut envelopes = Vec::new();
        for kind in FaultKind::ALL {
            for (i, fault) in rich_faults(kind).iter().enumerate() {
                envelopes.push((format!("{}-{i}-{v}", kind.name()), encode_fault(v, fault)));
            }
        }
        xmllint(None, &envelopes);
        let details: Vec<_> = envelopes
            .iter()
            .map(|(l, b)| (l.clone(), detail_child(b).into_bytes()))
            .collect();
        xmllint(Some(&schema(v, "faults")), &details);
    }
}

#[test]
fn fault_envelopes_carry_code_string_and_element() {
    for v in SmevVersion::ALL {
        for kind in FaultKind::ALL {
            let text = String::from_utf8(encode_fault(v, &Fault::from(kind))).unwrap();
            let wire = kind.in_version(v);
            assert!(
                text.contains(&format!(
                    "<faultcode>{}</faultcode>",
                    wire.soap_fault_code()
                )),
                "{text}"
            );
            assert!(text.contains(&format!(
                "<faultstring xml:lang=\"ru\">{}</faultstring>",
                kind.default_message()
            )));
            assert!(
                text.contains(&format!(
                    "<fault:{} xmlns:fault=\"{}\"",
                    wire.name(),
                    v.faults_ns()
                )),
                "{text}"
            );
        }
    }
}

#[test]
#[should_panic(expected = "xmllint failed")]
fn the_xmllint_harness_detects_invalid_documents() {
    let v = SmevVersion::V1_1;
    let invalid = format!(
        "<t:AckRequest xmlns:t=\"{}\" xmlns:b=\"{}\"><b:AckTargetMessage Id=\"a\">{MESSAGE_ID}</b:AckTargetMessage></t:AckRequest>",
        v.types_ns(),
        v.basic_ns()
    );
    xmllint(
        Some(&schema(v, "types")),
        &[("ack-without-accepted".into(), invalid.into_bytes())],
    );
}
