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
    const SEND_REQUEST: &[&str] = &["Envelope", "Body", "SendRequestRequest"];
    const ACK: &[&str] = &["Envelope", "Body", "AckRequest"];
    for (file, parent, container, target) in [
        (
            "Pirat-777__ConsoleSMEV_VS00648v001-PFR001__SendRequestRequest-signed.xml",
            SEND_REQUEST,
            CALLER,
            "SenderProvidedRequestData",
        ),
        (
            "Pirat-777__ConsoleSMEV_VS00648v001-PFR001__AckRequest-signed.xml",
            ACK,
            CALLER,
            "AckTargetMessage",
        ),
        (
            "Roland4444__sm3__AckRequest.xml",
            ACK,
            CALLER,
            "AckTargetMessage",
        ),
        (
            "Roland4444__sm3__GetRequestRequestWithFilter.xml",
            &["Envelope", "Body", "GetRequestRequest"],
            CALLER,
            "MessageTypeSelector",
        ),
        (
            "Roland4444__sm3__SendResponseRequestNoAttach.xml",
            &["Envelope", "Body", "SendResponseRequest"],
            CALLER,
            "SenderProvidedResponseData",
        ),
        (
            "Roland4444__sm3__x4t-15.xml",
            &["Envelope", "Body", "SendRequestResponse"],
            "SMEVSignature",
            "MessageMetadata",
        ),
        (
            "Pirat-777__ConsoleSMEV_VS00648v001-PFR001__GetResponseResponse.xml",
            &["Envelope", "Body", "GetResponseResponse", "ResponseMessage"],
            "SMEVSignature",
            "Response",
        ),
    ] {
        let document = corpus(file);
        let now = while_valid(&document, container);
        let place = SignaturePlace {
            parent,
            container,
            target: &[target],
        };
        let verified = verify(&document, place, now).unwrap_or_else(|e| panic!("{file}: {e}"));
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
    const ACK: &[&str] = &["Envelope", "Body", "AckRequest"];
    let place = SignaturePlace {
        parent: ACK,
        container: CALLER,
        target: &["AckTargetMessage"],
    };
    let now = while_valid(&document, CALLER);
    // The signed element as published, and a forged one (another message id, no Id).
    let signed = "<ns2:AckTargetMessage xmlns:ns2=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1\" \
                  xmlns=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1\" Id=\"SIGNED_BY_CALLER\" \
                  accepted=\"true\">0e8cfc01-5e81-11e4-a9ff-d4c9eff07b77</ns2:AckTargetMessage>";
    assert!(text.contains(signed), "the corpus file as expected");
    let forged = signed
        .replace(" Id=\"SIGNED_BY_CALLER\"", "")
        .replace("0e8cfc01", "deadbeef");
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
            "SignedInfo changed, its digests intact (the value covers SignedInfo)",
            edit("<ds:SignedInfo>", "<ds:SignedInfo Id=\"added\">"),
            place,
            now,
            SignatureIsInvalid,
        ),
        (
            "a SignatureMethod of another key type than the certificate's (GOST 2012 over a 2001 key)",
            edit(
                "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411",
                "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256",
            ),
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
                parent: ACK,
                container: CALLER,
                target: &["MessageID"],
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
            "the signed element moved to the header, a forged one read in its place (wrapping)",
            text.replace(signed, &forged)
                .replace(
                    "<soapenv:Header/>",
                    &format!("<soapenv:Header>{signed}</soapenv:Header>"),
                )
                .into_bytes(),
            place,
            now,
            IncorrectSignatureTarget,
        ),
        (
            "a forged element beside the signed one (the decoder might read either)",
            edit(signed, &format!("{forged}{signed}")),
            place,
            now,
            IncorrectSignatureTarget,
        ),
        (
            "the signature held by another element than the container",
            text.replace(
                "<soapenv:Header/>",
                "<soapenv:Header><ns:CallerInformationSystemSignature/></soapenv:Header>",
            )
            .replace("<ns:CallerInformationSystemSignature>", "<ns:Elsewhere>")
            .replace("</ns:CallerInformationSystemSignature>", "</ns:Elsewhere>")
            .into_bytes(),
            place,
            now,
            NoSignatureFound,
        ),
        (
            "no signature where the operation expects one",
            document.clone(),
            SignaturePlace {
                parent: ACK,
                container: "PersonalSignature",
                target: &["AckTargetMessage"],
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
        // Each refused at the step meant, not earlier.
        let step = match label {
            l if l.starts_with("SignedInfo changed") => Some("SignatureValue does not verify"),
            l if l.starts_with("a SignatureMethod of another") => Some("does not fit"),
            l if l.starts_with("content changed") => Some("does not match its digest"),
            _ => None,
        };
        if let Some(step) = step {
            assert!(refused.detail.contains(step), "{label}: {refused}");
        }
    }
}

#[test]
fn signed_info_pretty_printed_after_signing_does_not_verify() {
    gost();
    // SMEV's reply as published, re-indented after signing: the digest still matches (the transform drops
    // whitespace), the signature value over SignedInfo does not.
    let document = corpus("Roland4444__sm3__SendRequestResponseOK.xml");
    let place = SignaturePlace {
        parent: &["Envelope", "Body", "SendRequestResponse"],
        container: "SMEVSignature",
        target: &["MessageMetadata"],
    };
    let now = while_valid(&document, "SMEVSignature");
    let refused = verify(&document, place, now).expect_err("pretty-printed SignedInfo");
    assert_eq!(refused.failure, SignatureFailure::SignatureIsInvalid);
    assert!(refused.detail.contains("SignatureValue"), "{refused}");
}

/// A `PersonalSignature` signs the payload's root, two levels below its container's parent: the place resolves
/// and the check reaches the digest, which fails here because the publisher replaced the official's name after
/// signing (`SOURCES.md`); the caller's signature beside it is read as its own, not as this one.
#[test]
fn a_personal_signature_is_checked_over_the_payload_root() {
    gost();
    let document = corpus("Roland4444__sm3__SendRequestRequestPersonalSignature.xml");
    let data: &[&str] = &[
        "Envelope",
        "Body",
        "SendRequestRequest",
        "SenderProvidedRequestData",
    ];
    let now = while_valid(&document, "PersonalSignature");
    let place = SignaturePlace {
        parent: data,
        container: "PersonalSignature",
        target: &["MessagePrimaryContent", "BreachRequest"],
    };
    let refused = verify(&document, place, now).expect_err("edited after signing");
    assert_eq!(refused.failure, SignatureFailure::SignatureIsInvalid);
    assert!(refused.detail.contains("PERSONAL_SIGNATURE"), "{refused}");
    assert!(refused.detail.contains("digest"), "{refused}");

    // The same signature said to sign the request data itself is a wrong target.
    let place = SignaturePlace {
        target: &["MessageID"],
        ..place
    };
    let refused = verify(&document, place, now).expect_err("wrong target");
    assert_eq!(refused.failure, SignatureFailure::IncorrectSignatureTarget);
}
