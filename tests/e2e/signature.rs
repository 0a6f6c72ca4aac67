//! XMLDSig on SOAP requests (issue 11, item 4): a sender registered with a signing certificate
//! (`signature_cert_sha256`) must sign each request with it; every way to fail gets the
//! `SignatureVerificationFault` reason SMEV gives, valid against the faults schema. The gateway runs as its own
//! process, its `[crypto] openssl_conf` loading the gost engine (for the corpus's GOST signatures).

use gateway::crypto::smev_signature::AnswerSigner;
use gateway_e2e::artifacts::repo_root;
use gateway_e2e::gateway::{GatewayProcess, TestConfig};
use gateway_e2e::mchd::gost::GostPki;
use gateway_e2e::smev::{self, fault_name};
use gateway_e2e::{BACKENDS, Client, Reply, db::TestDb};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};

const TOKEN_S: &str = "token-of-signing-sender-s";
/// A sender that signs with ECDSA (P-256).
const TOKEN_E: &str = "token-of-ecdsa-signing-sender-e";

/// Which kind of key signs.
#[derive(Clone, Copy)]
enum Kind {
    Rsa,
    /// ECDSA on P-256: XMLDSig's value is `r‖s`, 32 bytes each.
    Ecdsa,
}

/// A key of `kind` and a self-signed certificate valid from yesterday to tomorrow.
fn signer(name: &str, kind: Kind) -> (PKey<Private>, X509) {
    let key = match kind {
        Kind::Rsa => PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("key"),
        Kind::Ecdsa => {
            let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
            PKey::from_ec_key(EcKey::generate(&group).expect("ec")).expect("key")
        }
    };
    let mut subject = X509NameBuilder::new().expect("name");
    subject.append_entry_by_text("CN", name).expect("CN");
    let subject = subject.build();
    let mut cert = X509::builder().expect("builder");
    cert.set_version(2).expect("version");
    cert.set_serial_number(
        &BigNum::from_u32(7)
            .expect("bn")
            .to_asn1_integer()
            .expect("serial"),
    )
    .expect("serial");
    cert.set_subject_name(&subject).expect("subject");
    cert.set_issuer_name(&subject).expect("issuer");
    cert.set_pubkey(&key).expect("pubkey");
    let now = jiff::Timestamp::now().as_second();
    cert.set_not_before(&Asn1Time::from_unix(now - 86_400).expect("time"))
        .expect("not before");
    cert.set_not_after(&Asn1Time::from_unix(now + 86_400).expect("time"))
        .expect("not after");
    cert.sign(&key, MessageDigest::sha256()).expect("sign");
    (key, cert.build())
}

/// `envelope` with a `CallerInformationSystemSignature` over the element with `Id="{id}"`, put before the closing
/// tag `close` of the operation's element: made by the gateway's own signer (RSA-SHA256 or ECDSA-SHA256 by the
/// key, exclusive c14n and the SMEV transform), the way a client signs.
fn sign(envelope: &str, id: &str, close: &str, key: &PKey<Private>, cert: &X509) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let (key_path, cert_path) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
    std::fs::write(&key_path, key.private_key_to_pem_pkcs8().expect("key PEM")).expect("write");
    std::fs::write(&cert_path, cert.to_pem().expect("cert PEM")).expect("write");
    let signer = AnswerSigner::load(&key_path, &cert_path).expect("the key signs");
    let signed = signer
        .sign_element(
            envelope.as_bytes().to_vec(),
            id,
            "ns:CallerInformationSystemSignature",
            close,
        )
        .expect("sign");
    assert_ne!(signed, envelope.as_bytes(), "{close} is in the envelope");
    String::from_utf8(signed).expect("utf-8")
}

async fn soap_as(gw: &GatewayProcess, body: String, token: &str) -> Reply {
    Client::new()
        .post(
            &gw.url("/smev/1.1"),
            "text/xml; charset=utf-8",
            body,
            Some(token),
        )
        .await
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(openssl::hash::hash(MessageDigest::sha256(), data).expect("sha256"))
}

/// Each request of the signing sender gets the answer its signature earns, on both stores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_registered_to_sign_is_held_to_its_signature_on_both_stores() {
    let (key, cert) = signer("Signing sender S", Kind::Rsa);
    let (other_key, other_cert) = signer("Someone else", Kind::Rsa);
    let (ec_key, ec_cert) = signer("Signing sender E", Kind::Ecdsa);
    let gost = GostPki::new();
    for backend in BACKENDS {
        let db = TestDb::fresh(backend).await;
        let config = TestConfig::new(db.url()).with(&format!(
            "[crypto]\nopenssl_conf = \"{conf}\"\n[[senders]]\nmnemonic = \"S\"\nname = \"Signing sender S\"\nbearer_token_sha256 = \"{token}\"\n\
             signature_cert_sha256 = \"{cert}\"\nmay_send = [\"*\"]\n\
             [[senders]]\nmnemonic = \"E\"\nbearer_token_sha256 = \"{token_e}\"\n\
             signature_cert_sha256 = \"{ec_cert}\"\nmay_send = [\"*\"]\n",
            conf = gost.conf().display(),
            token = sha256_hex(TOKEN_S.as_bytes()),
            cert = sha256_hex(&cert.to_der().expect("der")),
            token_e = sha256_hex(TOKEN_E.as_bytes()),
            ec_cert = sha256_hex(&ec_cert.to_der().expect("der")),
        ));
        let gw = GatewayProcess::spawn(&config).await;
        let post = |body: String| soap_as(&gw, body, TOKEN_S);
        let request =
            |id: &str| smev::send_request("1.1", id, &smev::test_payload("echo", "подписано"));
        const CLOSE: &str = "</ns:SendRequestRequest>";

        // Signed with the registered certificate: accepted and queued.
        let id = smev::message_id();
        let r = post(sign(
            &request(&id),
            "SIGNED_BY_CONSUMER",
            CLOSE,
            &key,
            &cert,
        ))
        .await;
        assert_eq!(fault_name(&r.body), None, "{backend:?}: {}", r.text());
        assert!(
            smev::has_element(&r.body, "MessageMetadata"),
            "{backend:?}: {}",
            r.text()
        );

        // A GetResponse signed over its selector is answered; unsigned it is refused.
        let get = smev::get_response("1.1", None);
        let r = post(sign(
            &get,
            "SIGNED_BY_CALLER",
            "</ns:GetResponseRequest>",
            &key,
            &cert,
        ))
        .await;
        assert_eq!(fault_name(&r.body), None, "{backend:?}: {}", r.text());

        let signed_request = |key: &PKey<Private>, cert: &X509| {
            sign(
                &request(&smev::message_id()),
                "SIGNED_BY_CONSUMER",
                CLOSE,
                key,
                cert,
            )
        };
        let refused = [
            ("unsigned", request(&smev::message_id()), "NoSignatureFound"),
            ("unsigned GetResponse", get.clone(), "NoSignatureFound"),
            (
                "changed after signing",
                signed_request(&key, &cert).replace("подписано", "подменено"),
                "SignatureIsInvalid",
            ),
            (
                "signed by a certificate not registered for S",
                signed_request(&other_key, &other_cert),
                "CertificateIsNotFound",
            ),
            (
                "signed over another element than the operation signs",
                signed_request(&key, &cert)
                    .replace("Id=\"SIGNED_BY_CONSUMER\"", "")
                    .replace("<ns:MessageID>", "<ns:MessageID Id=\"SIGNED_BY_CONSUMER\">"),
                "IncorrectSignatureTarget",
            ),
            (
                "a real client's signature whose certificate expired long ago",
                String::from_utf8(
                    std::fs::read(
                        repo_root()
                            .join("tests/fixtures/smev3-corpus/Roland4444__sm3__AckRequest.xml"),
                    )
                    .expect("corpus file"),
                )
                .expect("utf-8"),
                "CertificateIsExpired",
            ),
        ];
        for (what, body, reason) in refused {
            let r = post(body).await;
            assert_eq!(r.status, 500, "{backend:?}, {what}: {}", r.text());
            assert_eq!(
                fault_name(&r.body).as_deref(),
                Some("SignatureVerificationFault"),
                "{backend:?}, {what}"
            );
            assert!(
                r.text().contains(&format!(">{reason}</")),
                "{backend:?}, {what}: wanted {reason}: {}",
                r.text()
            );
            smev::assert_valid_answer("1.1", &r.body);
        }

        // ECDSA: XMLDSig's r‖s value verifies; changed content does not.
        let by_e = sign(
            &request(&smev::message_id()),
            "SIGNED_BY_CONSUMER",
            CLOSE,
            &ec_key,
            &ec_cert,
        );
        let r = soap_as(&gw, by_e.clone(), TOKEN_E).await;
        assert_eq!(
            fault_name(&r.body),
            None,
            "{backend:?}, ECDSA: {}",
            r.text()
        );
        let r = soap_as(&gw, by_e.replace("подписано", "подменено"), TOKEN_E).await;
        assert!(
            r.text().contains(">SignatureIsInvalid</"),
            "{backend:?}, ECDSA changed: {}",
            r.text()
        );

        // A sender not registered to sign is not asked to.
        let r = soap_as(&gw, request(&smev::message_id()), gateway_e2e::TOKEN_A).await;
        assert_eq!(fault_name(&r.body), None, "{backend:?}: {}", r.text());
        gw.stop();
    }
}

/// The issue's own words: a SendRequest signed with the GOST R 34.10-2012 key of a sender registered with that
/// certificate is accepted; the same with one byte of the signed element changed is `SignatureVerificationFault`
/// (`SignatureIsInvalid`). Signed in this process through the gost engine, before any thread starts; on both
/// stores.
#[test]
fn a_sender_registered_with_a_gost_certificate_is_accepted_and_one_changed_byte_refused() {
    let gost = GostPki::new();
    gost.load_in_process();
    let key = gost.signer(&gateway_e2e::mchd::Person::new(
        "Госткин",
        "Отправитель",
        "Подписевич",
    ));
    let signer = AnswerSigner::load(&key.key, &key.cert).expect("the GOST key signs");
    let cert = X509::from_pem(&std::fs::read(&key.cert).expect("cert")).expect("PEM");
    let signed = |id: &str| {
        let request = smev::send_request("1.1", id, &smev::test_payload("echo", "подписано ГОСТ"));
        let signed = signer
            .sign_element(
                request.into_bytes(),
                "SIGNED_BY_CONSUMER",
                "ns:CallerInformationSystemSignature",
                "</ns:SendRequestRequest>",
            )
            .expect("sign");
        String::from_utf8(signed).expect("utf-8")
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for backend in BACKENDS {
            let db = TestDb::fresh(backend).await;
            let config = TestConfig::new(db.url()).with(&format!(
                "[crypto]\nopenssl_conf = \"{conf}\"\n[[senders]]\nmnemonic = \"G\"\nbearer_token_sha256 = \"{token}\"\n\
                 signature_cert_sha256 = \"{cert}\"\nmay_send = [\"*\"]\n",
                conf = gost.conf().display(),
                token = sha256_hex(TOKEN_S.as_bytes()),
                cert = sha256_hex(&cert.to_der().expect("der")),
            ));
            let gw = GatewayProcess::spawn(&config).await;
            let good = signed(&smev::message_id());
            assert!(good.contains("gostr34102012-gostr34112012-256"), "{good}");
            let r = soap_as(&gw, good, TOKEN_S).await;
            assert_eq!(fault_name(&r.body), None, "{backend:?}: {}", r.text());
            assert!(smev::has_element(&r.body, "MessageMetadata"), "{backend:?}: {}", r.text());

            // One byte of the signed element changed: a letter of the action.
            let changed = signed(&smev::message_id()).replacen(">echo<", ">echO<", 1);
            let r = soap_as(&gw, changed, TOKEN_S).await;
            assert_eq!(r.status, 500, "{backend:?}: {}", r.text());
            assert_eq!(fault_name(&r.body).as_deref(), Some("SignatureVerificationFault"), "{backend:?}");
            assert!(r.text().contains(">SignatureIsInvalid</"), "{backend:?}: {}", r.text());
            smev::assert_valid_answer("1.1", &r.body);
            gw.stop();
        }
    });
}

/// What a sender's signature vouches for is checked too (issue 11, items 4 and 5): a `PersonalSignature` over the
/// payload, where present, and the signed `Timestamp` of GetResponse and GetStatus, which must be near the
/// gateway's clock (`[smev] signed_timestamp_window`, 5 minutes by default). On both stores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signing_senders_personal_signatures_and_timestamps_are_checked_on_both_stores() {
    let (key, cert) = signer("Signing sender S", Kind::Rsa);
    let (person_key, person_cert) = signer("Иванов Иван Иванович", Kind::Ecdsa);
    let gost = GostPki::new();
    for backend in BACKENDS {
        let db = TestDb::fresh(backend).await;
        let config = TestConfig::new(db.url()).with(&format!(
            "[crypto]\nopenssl_conf = \"{conf}\"\n[[senders]]\nmnemonic = \"S\"\nbearer_token_sha256 = \"{token}\"\n\
             signature_cert_sha256 = \"{cert}\"\nmay_send = [\"*\"]\n",
            conf = gost.conf().display(),
            token = sha256_hex(TOKEN_S.as_bytes()),
            cert = sha256_hex(&cert.to_der().expect("der")),
        ));
        let gw = GatewayProcess::spawn(&config).await;
        let post = |body: String| soap_as(&gw, body, TOKEN_S);
        let caller = |envelope: &str, id: &str, close: &str| sign(envelope, id, close, &key, &cert);
        let refused = |r: &Reply, what: &str, fault: &str, reason: Option<&str>| {
            assert_eq!(r.status, 500, "{backend:?}, {what}: {}", r.text());
            assert_eq!(
                fault_name(&r.body).as_deref(),
                Some(fault),
                "{backend:?}, {what}: {}",
                r.text()
            );
            if let Some(reason) = reason {
                assert!(
                    r.text().contains(&format!(">{reason}</")),
                    "{backend:?}, {what}: wanted {reason}: {}",
                    r.text()
                );
            }
            smev::assert_valid_answer("1.1", &r.body);
        };

        // A person's signature over the payload (ЭП-СП), then the system's over the whole request data.
        let payload = smev::test_payload("echo", "подписано лицом").replacen(
            "<t:TestRequest ",
            "<t:TestRequest Id=\"PERSONAL_SIGNATURE\" ",
            1,
        );
        let personal = |id: &str, target: &str| {
            let request = smev::send_request("1.1", id, &payload);
            let signed = AnswerSigner::load(
                &write_pem(&person_key.private_key_to_pem_pkcs8().expect("pem")),
                &write_pem(&person_cert.to_pem().expect("pem")),
            )
            .expect("the person's key signs")
            .sign_element(
                request.into_bytes(),
                target,
                "ns:PersonalSignature",
                "</ns:SenderProvidedRequestData>",
            )
            .expect("sign");
            String::from_utf8(signed).expect("utf-8")
        };
        const CLOSE: &str = "</ns:SendRequestRequest>";
        let id = smev::message_id();
        let r = post(caller(
            &personal(&id, "PERSONAL_SIGNATURE"),
            "SIGNED_BY_CONSUMER",
            CLOSE,
        ))
        .await;
        assert_eq!(
            fault_name(&r.body),
            None,
            "{backend:?}, personal: {}",
            r.text()
        );

        // The payload changed after the person signed, the system's signature made afterwards: refused.
        let changed = personal(&smev::message_id(), "PERSONAL_SIGNATURE")
            .replace("подписано лицом", "подменено");
        let r = post(caller(&changed, "SIGNED_BY_CONSUMER", CLOSE)).await;
        refused(
            &r,
            "payload changed after the person signed",
            "SignatureVerificationFault",
            Some("SignatureIsInvalid"),
        );

        // A person's signature over another element than the payload's root.
        let elsewhere = personal(&smev::message_id(), "PERSONAL_SIGNATURE")
            .replace(" Id=\"PERSONAL_SIGNATURE\"", "")
            .replace("<t:Text>", "<t:Text Id=\"PERSONAL_SIGNATURE\">");
        let r = post(caller(&elsewhere, "SIGNED_BY_CONSUMER", CLOSE)).await;
        refused(
            &r,
            "person signed a child",
            "SignatureVerificationFault",
            Some("IncorrectSignatureTarget"),
        );

        // Signed Timestamps: now is answered, an hour ago or ahead is a replay.
        let at = |offset_s: i64| {
            jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + offset_s)
                .expect("time")
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        };
        let get = |at: &str| {
            caller(
                &smev::get_response_at("1.1", None, at),
                "SIGNED_BY_CALLER",
                "</ns:GetResponseRequest>",
            )
        };
        let status = |at: &str| {
            caller(
                &smev::get_status_to_sign("1.1", at),
                "SIGNED_BY_CALLER",
                "</ns:GetStatusRequest>",
            )
        };
        for body in [get(&at(0)), get(&at(-60)), status(&at(0))] {
            let r = post(body).await;
            assert_eq!(fault_name(&r.body), None, "{backend:?}: {}", r.text());
            smev::assert_valid_answer("1.1", &r.body);
        }
        for (what, body) in [
            ("GetResponse an hour old", get(&at(-3_600))),
            ("GetResponse an hour ahead", get(&at(3_600))),
            ("GetStatus an hour old", status(&at(-3_600))),
        ] {
            refused(&post(body).await, what, "InvalidContent", None);
        }
        // GetStatus signed by no one, or its Timestamp changed after signing.
        refused(
            &post(smev::get_status("1.1", &at(0))).await,
            "GetStatus with an empty ds:Signature",
            "SignatureVerificationFault",
            Some("SignatureIsInvalid"),
        );
        let now = at(0);
        let later = status(&now).replace(&now, &at(1));
        refused(
            &post(later).await,
            "GetStatus Timestamp changed",
            "SignatureVerificationFault",
            Some("SignatureIsInvalid"),
        );
        gw.stop();
    }
}

/// `pem` in a file that lives as long as the test process.
fn write_pem(pem: &[u8]) -> std::path::PathBuf {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), pem).expect("write");
    let (_, path) = file.keep().expect("keep");
    path
}
