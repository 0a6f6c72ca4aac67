//! XMLDSig verification of SMEV envelopes (`gateway::crypto::xmldsig`) on signed envelopes of the corpus
//! (`tests/fixtures/smev3-corpus/`), GOST R 34.10-2001 and 2012 through the gost engine, and on their tampered
//! copies: each way to fail gives the `SignatureVerificationFault` reason SMEV gives.

use std::path::PathBuf;
use std::sync::Once;

use gateway::crypto::xmldsig::{SignaturePlace, verify};
use openssl::asn1::Asn1Time;
use smev_envelope::SignatureFailure;

/// Loads the gost engine for this process (before OpenSSL initialises), as `[crypto] openssl_conf` does.
fn gost() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let dir = std::env::temp_dir().join(format!("gateway-xmldsig-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let conf = gateway::crypto::engine::write_gost_config(&dir).expect("the gost engine");
        // SAFETY: set once, before this process first uses OpenSSL (every test calls `gost()` first).
        unsafe { std::env::set_var("OPENSSL_CONF", conf) };
    });
}

fn corpus(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/smev3-corpus")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A time inside the validity of the certificate of the signature in `container` (unix seconds).
fn while_valid(document: &[u8], container: &str) -> i64 {
    let signature = gateway_xmldsig::signatures(document)
        .expect("read")
        .into_iter()
        .find(|s| s.container == container)
        .expect("the signature");
    let der = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        signature.certificate.expect("cert"),
    )
    .expect("base64");
    let cert = openssl::x509::X509::from_der(&der).expect("certificate");
    let diff = Asn1Time::from_unix(0)
        .expect("epoch")
        .diff(cert.not_before())
        .expect("diff");
    i64::from(diff.days) * 86_400 + i64::from(diff.secs) + 3_600
}

const CALLER: &str = "CallerInformationSystemSignature";

#[test]
fn signatures_real_clients_and_smev_made_verify() {
    gost();
    for (file, container, target) in [
        (
            "Pirat-777__ConsoleSMEV_VS00648v001-PFR001__SendRequestRequest-signed.xml",
            CALLER,
            "SenderProvidedRequestData",
        ),
        (
            "Pirat-777__ConsoleSMEV_VS00648v001-PFR001__AckRequest-signed.xml",
            CALLER,
            "AckTargetMessage",
        ),
        (
            "Roland4444__sm3__AckRequest.xml",
            CALLER,
            "AckTargetMessage",
        ),
        (
            "Roland4444__sm3__GetRequestRequestWithFilter.xml",
            CALLER,
            "MessageTypeSelector",
        ),
        (
            "Roland4444__sm3__SendResponseRequestNoAttach.xml",
            CALLER,
            "SenderProvidedResponseData",
        ),
        (
            "Roland4444__sm3__x4t-15.xml",
            "SMEVSignature",
            "MessageMetadata",
        ),
        (
            "Pirat-777__ConsoleSMEV_VS00648v001-PFR001__GetResponseResponse.xml",
            "SMEVSignature",
            "Response",
        ),
    ] {
        let document = corpus(file);
        let now = while_valid(&document, container);
        let verified = verify(&document, SignaturePlace { container, target }, now)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(verified.certificate.public_key().is_ok(), "{file}");
    }
}

#[test]
fn each_defect_gets_the_reason_smev_gives() {
    use SignatureFailure::{
        CertificateIsExpired, IncorrectSignatureTarget, NoSignatureFound, SignatureIsInvalid,
    };
    gost();
    let document = corpus("Roland4444__sm3__AckRequest.xml");
    let text = String::from_utf8(document.clone()).expect("utf-8");
    let edit = |from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        text.replace(from, to).into_bytes()
    };
    let place = SignaturePlace {
        container: CALLER,
        target: "AckTargetMessage",
    };
    let now = while_valid(&document, CALLER);
    let today = jiff::Timestamp::now().as_second();
    let cases: Vec<(&str, Vec<u8>, SignaturePlace<'_>, i64, SignatureFailure)> = vec![
        (
            "content changed after signing",
            edit("0e8cfc01-5e81", "0e8cfc01-5e82"),
            place,
            now,
            SignatureIsInvalid,
        ),
        (
            "signature value changed",
            edit("<ds:SignatureValue>Ob4G", "<ds:SignatureValue>Ob5G"),
            place,
            now,
            SignatureIsInvalid,
        ),
        (
            "SignedInfo changed",
            edit("<ds:DigestValue>PXd1", "<ds:DigestValue>PXd2"),
            place,
            now,
            SignatureIsInvalid,
        ),
        (
            "a transform SMEV does not allow",
            edit(
                "<ds:Transform Algorithm=\"urn://smev-gov-ru/xmldsig/transform\"/>",
                "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"/>",
            ),
            place,
            now,
            SignatureIsInvalid,
        ),
        (
            "the reference resolves to another element than the operation signs",
            document.clone(),
            SignaturePlace {
                container: CALLER,
                target: "MessageID",
            },
            now,
            IncorrectSignatureTarget,
        ),
        (
            "two elements carry the Id (signature wrapping)",
            edit(
                "<soapenv:Header/>",
                "<soapenv:Header><x Id=\"SIGNED_BY_CALLER\"/></soapenv:Header>",
            ),
            place,
            now,
            IncorrectSignatureTarget,
        ),
        (
            "no signature where the operation expects one",
            document.clone(),
            SignaturePlace {
                container: "PersonalSignature",
                target: "AckTargetMessage",
            },
            now,
            NoSignatureFound,
        ),
        (
            "the certificate has expired (every corpus one has)",
            document.clone(),
            place,
            today,
            CertificateIsExpired,
        ),
        (
            "the certificate is not yet valid",
            document.clone(),
            place,
            0,
            CertificateIsExpired,
        ),
    ];
    for (label, variant, place, at, expected) in cases {
        let refused = verify(&variant, place, at).expect_err(label);
        assert_eq!(refused.failure, expected, "{label}: {refused}");
    }
}

#[test]
fn signed_info_pretty_printed_after_signing_does_not_verify() {
    gost();
    // SMEV's reply as published, re-indented after signing: the digest still matches (the transform drops
    // whitespace), the signature value over SignedInfo does not.
    let document = corpus("Roland4444__sm3__SendRequestResponseOK.xml");
    let place = SignaturePlace {
        container: "SMEVSignature",
        target: "MessageMetadata",
    };
    let now = while_valid(&document, "SMEVSignature");
    let refused = verify(&document, place, now).expect_err("pretty-printed SignedInfo");
    assert_eq!(refused.failure, SignatureFailure::SignatureIsInvalid);
    assert!(refused.detail.contains("SignatureValue"), "{refused}");
}
