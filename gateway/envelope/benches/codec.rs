//! SOAP envelope decode and encode, SMEV 1.1 and 1.3, with 1 KiB and 100 KiB payloads.
//!
//! `cargo bench -p smev-envelope --bench codec`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use smev_envelope::{
    InteractionStatus, Limits, MessageMetadata, MessageType, Party, ResponseContent,
    ResponseMessage, SmevVersion, decode_request, encode_get_response_response,
};

/// A payload element of about `size` bytes: repeated child elements, as real documents have.
fn payload(size: usize) -> String {
    let mut s = String::from(r#"<d:Document xmlns:d="urn://bench/doc/1.0">"#);
    let mut i = 0;
    while s.len() < size {
        s.push_str(&format!(
            "<d:Item><d:Id>{i}</d:Id><d:Name>Наименование позиции {i}</d:Name></d:Item>"
        ));
        i += 1;
    }
    s.push_str("</d:Document>");
    s
}

fn envelope(v: SmevVersion, payload: &str) -> String {
    let t = v.types_ns();
    let b = v.basic_ns();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="{t}" xmlns:b="{b}"><soap:Body><ns:SendRequestRequest><ns:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER"><ns:MessageID>2e1d9c84-1a2b-11ef-9c3d-0242ac120002</ns:MessageID><b:MessagePrimaryContent>{payload}</b:MessagePrimaryContent></ns:SenderProvidedRequestData></ns:SendRequestRequest></soap:Body></soap:Envelope>"#
    )
}

fn response(payload: &str) -> ResponseMessage {
    let party = |m: &str| Party {
        mnemonic: m.into(),
        human_readable_name: m.into(),
    };
    ResponseMessage {
        original_message_id: "2e1d9c84-1a2b-11ef-9c3d-0242ac120002".into(),
        original_transaction_code: None,
        reference_message_id: None,
        response_message_id: "3e1d9c84-1a2b-11ef-9c3d-0242ac120002".into(),
        to: "BENCH".into(),
        content: ResponseContent::Primary(payload.as_bytes().to_vec()),
        metadata: MessageMetadata {
            message_id: Some("3e1d9c84-1a2b-11ef-9c3d-0242ac120002".into()),
            message_type: MessageType::Response,
            sender: Some(party("GATEWAY")),
            sending_timestamp: jiff::Timestamp::UNIX_EPOCH,
            recipient: Some(party("BENCH")),
            delivery_timestamp: None,
            status: Some(InteractionStatus::MessageIsDelivered),
        },
        attachments: Vec::new(),
    }
}

fn codec(c: &mut Criterion) {
    let limits = Limits {
        max_depth: 64,
        ..Limits::default()
    };
    for (label, size) in [("1KiB", 1024), ("100KiB", 100 * 1024)] {
        let p = payload(size);
        for v in [SmevVersion::V1_1, SmevVersion::V1_3] {
            let body = envelope(v, &p);
            let mut g = c.benchmark_group(format!("envelope/{}", v.as_str()));
            g.throughput(Throughput::Bytes(body.len() as u64));
            g.bench_with_input(BenchmarkId::new("decode", label), &body, |b, body| {
                b.iter(|| decode_request(v, body.as_bytes(), &limits).expect("decodes"));
            });
            let msg = response(&p);
            g.bench_with_input(BenchmarkId::new("encode", label), &msg, |b, msg| {
                b.iter(|| encode_get_response_response(v, Some(msg)));
            });
            g.finish();
        }
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
