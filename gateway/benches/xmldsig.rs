//! XMLDSig as SMEV uses it, GOST R 34.10-2012 (256 bit) through the gost engine: verifying the
//! `CallerInformationSystemSignature` of one signed SendRequest of about 1 KiB, and signing one
//! SendRequestResponse as `SMEVSignature` (SMEV transform, exclusive c14n, Streebog digest, the signature).
//!
//! For scale, the same run decodes the same signed envelope (the codec's work on every SOAP request).
//!
//! `cargo bench -p gateway --bench xmldsig` (needs Debian `libengine-gost-openssl`).

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use gateway::crypto::smev_signature::AnswerSigner;
use gateway::crypto::xmldsig::{SignaturePlace, verify};
use smev_envelope::{
    Limits, MessageMetadata, MessageType, SmevVersion, decode_request, encode_send_request_response,
};

/// Writes an OpenSSL config loading the gost engine and points this process at it (before OpenSSL starts).
fn load_gost(dir: &Path) -> PathBuf {
    let conf = gateway::crypto::engine::write_gost_config(dir).expect("the gost engine");
    // SAFETY: the benchmark is single-threaded here and OpenSSL has not been used yet.
    unsafe { std::env::set_var("OPENSSL_CONF", &conf) };
    conf
}

/// A GOST 2012-256 key and a self-signed certificate (PEM files) made with the `openssl` command.
fn gost_key(dir: &Path, conf: &Path) -> (PathBuf, PathBuf) {
    let key = dir.join("bench.key");
    let cert = dir.join("bench.pem");
    let run = |args: &[&str]| {
        let ok = Command::new("openssl")
            .args(args)
            .env("OPENSSL_CONF", conf)
            .status()
            .expect("openssl");
        assert!(ok.success(), "openssl {args:?}");
    };
    let (k, c) = (key.to_str().expect("utf-8"), cert.to_str().expect("utf-8"));
    run(&[
        "genpkey",
        "-algorithm",
        "gost2012_256",
        "-pkeyopt",
        "paramset:A",
        "-out",
        k,
    ]);
    run(&[
        "req",
        "-new",
        "-x509",
        "-days",
        "2",
        "-md_gost12_256",
        "-subj",
        "/CN=bench",
        "-key",
        k,
        "-out",
        c,
    ]);
    (key, cert)
}

/// A version 1.1 SendRequest of about 1 KiB, not yet signed (the signature with its certificate adds about
/// 1.3 KiB).
fn send_request() -> String {
    let text = "подпись СМЭВ ".repeat(17);
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1" xmlns:b="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1"><soap:Body><ns:SendRequestRequest><ns:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER"><ns:MessageID>0e8cfc01-5e81-11e4-a9ff-d4c9eff07b77</ns:MessageID><b:MessagePrimaryContent><t:TestRequest xmlns:t="urn://gateway/test/1.0"><t:Action>echo</t:Action><t:Text>{text}</t:Text></t:TestRequest></b:MessagePrimaryContent></ns:SenderProvidedRequestData></ns:SendRequestRequest></soap:Body></soap:Envelope>"#
    )
}

fn xmldsig(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = load_gost(dir.path());
    let (key, cert) = gost_key(dir.path(), &conf);
    let signer = AnswerSigner::load(&key, &cert).expect("the GOST key");

    let unsigned = send_request();
    assert!(
        (1000..1100).contains(&unsigned.len()),
        "about 1 KiB: {}",
        unsigned.len()
    );
    let request = signer
        .sign_element(
            unsigned.into_bytes(),
            "SIGNED_BY_CONSUMER",
            "ns:CallerInformationSystemSignature",
            "</ns:SendRequestRequest>",
        )
        .expect("sign the request");
    let place = SignaturePlace {
        parent: &["Envelope", "Body", "SendRequestRequest"],
        container: "CallerInformationSystemSignature",
        target: &["SenderProvidedRequestData"],
    };
    let now = jiff::Timestamp::now().as_second();
    verify(&request, place, now).expect("the signed request verifies");

    let answer = encode_send_request_response(
        SmevVersion::V1_1,
        &MessageMetadata {
            message_id: Some("0e8cfc01-5e81-11e4-a9ff-d4c9eff07b77".into()),
            message_type: MessageType::Request,
            sender: None,
            sending_timestamp: jiff::Timestamp::now(),
            recipient: None,
            delivery_timestamp: None,
            status: None,
        },
    );

    let limits = Limits::default();
    let mut g = c.benchmark_group("xmldsig");
    // The same envelope decoded, in the same run: what every SOAP request costs without a signature check.
    g.bench_function("decode/SendRequest-1KiB-signed", |b| {
        b.iter(|| decode_request(SmevVersion::V1_1, &request, &limits).expect("decodes"));
    });
    g.bench_function("verify/SendRequest-1KiB-gost2012", |b| {
        b.iter(|| verify(&request, place, now).expect("verifies"));
    });
    g.bench_function("sign/SendRequestResponse-gost2012", |b| {
        b.iter(|| {
            signer
                .sign(answer.clone(), "</smev:SendRequestResponse>")
                .expect("signs")
        });
    });
    g.finish();
}

criterion_group!(benches, xmldsig);
criterion_main!(benches);
