//! The trust store against a PKI made here: a root, an intermediate CA, signers under it; CRLs of each CA.

use std::path::Path;

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::stack::Stack;
use openssl::x509::extension::{AuthorityKeyIdentifier, BasicConstraints, CrlNumber, KeyUsage};
use openssl::x509::{X509, X509CrlBuilder, X509NameBuilder, X509RevokedBuilder};

use super::*;

struct Issued {
    key: PKey<Private>,
    cert: X509,
}

fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("curve");
    PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("pkey")
}

fn serial() -> Asn1Integer {
    let mut bn = BigNum::new().expect("bn");
    bn.rand(64, MsbOption::ONE, false).expect("rand");
    bn.to_asn1_integer().expect("serial")
}

/// A certificate for `entries` (OID text, value), a CA when `ca`, signed by `issuer` (self-signed if none).
fn issue(entries: &[(&str, &str)], ca: bool, issuer: Option<&Issued>) -> Issued {
    let key = key();
    let mut name = X509NameBuilder::new().expect("name");
    for (field, value) in entries {
        name.append_entry_by_text(field, value).expect("entry");
    }
    let name = name.build();
    let mut b = X509::builder().expect("builder");
    b.set_version(2).expect("version");
    b.set_serial_number(&serial()).expect("serial");
    b.set_subject_name(&name).expect("subject");
    b.set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))
        .expect("issuer");
    b.set_pubkey(&key).expect("pubkey");
    b.set_not_before(&Asn1Time::days_from_now(0).expect("t"))
        .expect("nb");
    b.set_not_after(&Asn1Time::days_from_now(30).expect("t"))
        .expect("na");
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().expect("bc"))
            .expect("ext");
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .expect("ku"),
        )
        .expect("ext");
    }
    let signer = issuer.map_or(&key, |i| &i.key);
    b.sign(signer, MessageDigest::sha256()).expect("sign");
    Issued {
        key,
        cert: b.build(),
    }
}

/// A CRL (PEM) of `ca` revoking `revoked`, its next update `days` from now.
fn crl(ca: &Issued, revoked: &[&X509], days: i64) -> Vec<u8> {
    let now = Asn1Time::days_from_now(0).expect("t");
    let mut b = X509CrlBuilder::new().expect("crl");
    b.set_issuer_name(ca.cert.subject_name()).expect("issuer");
    let last = Asn1Time::from_unix(jiff::Timestamp::now().as_second() - 3 * 86_400).expect("t");
    b.set_last_update(&last).expect("last");
    let next = Asn1Time::from_unix(jiff::Timestamp::now().as_second() + days * 86_400).expect("t");
    b.set_next_update(&next).expect("next");
    let dummy = X509::builder().expect("x");
    let context = dummy.x509v3_context(Some(&ca.cert), None);
    b.append_extension(
        AuthorityKeyIdentifier::new()
            .issuer(true)
            .build(&context)
            .expect("aki"),
    )
    .expect("ext");
    b.append_extension(
        CrlNumber::new(BigNum::from_u32(1).expect("bn"))
            .expect("n")
            .build()
            .expect("n"),
    )
    .expect("ext");
    for cert in revoked {
        let mut r = X509RevokedBuilder::new().expect("revoked");
        r.set_serial_number(cert.serial_number()).expect("serial");
        r.set_revocation_date(&now).expect("date");
        b.add_revoked(r.build()).expect("add");
    }
    b.sign(&ca.key, MessageDigest::sha256()).expect("sign");
    b.build().expect("crl").to_pem().expect("pem")
}

/// A detached CMS signature of `content` by `signer`, carrying `chain`.
fn sign(content: &[u8], signer: &Issued, chain: &[&X509]) -> Vec<u8> {
    let mut certs = Stack::new().expect("stack");
    for c in chain {
        certs.push((*c).clone()).expect("push");
    }
    CmsContentInfo::sign(
        Some(&signer.cert),
        Some(&signer.key),
        Some(&certs),
        Some(content),
        CMSOptions::DETACHED | CMSOptions::BINARY,
    )
    .expect("sign")
    .to_der()
    .expect("der")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

struct Pki {
    root: Issued,
    intermediate: Issued,
    head: Issued,
    sole_trader: Issued,
}

fn pki() -> Pki {
    let root = issue(&[("CN", "Корневой УЦ (тест)")], true, None);
    let intermediate = issue(&[("CN", "Подчинённый УЦ (тест)")], true, Some(&root));
    let head = issue(
        &[
            ("CN", "Руководитель"),
            ("1.2.643.100.3", "21098765479"),
            ("1.2.643.100.1", "1027700132195"),
        ],
        false,
        Some(&intermediate),
    );
    let sole_trader = issue(
        &[
            ("CN", "ИП"),
            ("1.2.643.3.131.1.1", "500100732259"),
            ("1.2.643.100.5", "304500116000157"),
        ],
        false,
        Some(&intermediate),
    );
    Pki {
        root,
        intermediate,
        head,
        sole_trader,
    }
}

/// The trust store file: the root and the intermediate (whose CRL is given too).
fn bundle(p: &Pki) -> Vec<u8> {
    let mut pem = p.root.cert.to_pem().expect("pem");
    pem.extend(p.intermediate.cert.to_pem().expect("pem"));
    pem
}

#[test]
fn a_signer_under_an_intermediate_verifies_and_names_ogrn_or_ogrnip() {
    let p = pki();
    let dir = tempfile::tempdir().expect("dir");
    let ca = write(dir.path(), "ca.pem", &p.root.cert.to_pem().expect("pem"));
    let store = TrustStore::load(&[&ca]).expect("store");
    let sig = sign(b"doc", &p.head, &[&p.intermediate.cert]);
    let signer = store.verify_detached(b"doc", &sig).expect("valid");
    assert_eq!(signer.snils.as_deref(), Some("21098765479"));
    assert_eq!(signer.ogrn.as_deref(), Some("1027700132195"));
    let sig = sign(b"doc", &p.sole_trader, &[&p.intermediate.cert]);
    let signer = store.verify_detached(b"doc", &sig).expect("valid");
    assert_eq!(signer.inn.as_deref(), Some("500100732259"));
    assert_eq!(
        signer.ogrn.as_deref(),
        Some("304500116000157"),
        "ОГРНИП when there is no ОГРН"
    );
    assert!(matches!(
        store.verify_detached(b"other", &sig),
        Err(VerifyError::BadSignature(_))
    ));
    // The intermediate alone in the store is no trust anchor.
    let only = write(
        dir.path(),
        "intermediate.pem",
        &p.intermediate.cert.to_pem().expect("pem"),
    );
    let store = TrustStore::load(&[&only]).expect("store");
    assert!(matches!(
        store.verify_detached(b"doc", &sig),
        Err(VerifyError::Untrusted(_))
    ));
}

#[test]
fn a_revoked_intermediate_or_signer_is_revoked_and_a_missing_crl_is_untrusted() {
    let p = pki();
    let dir = tempfile::tempdir().expect("dir");
    let ca = write(dir.path(), "ca.pem", &bundle(&p));
    let sig = sign(b"doc", &p.head, &[&p.intermediate.cert]);
    // Both CRLs in one file: the root's revokes the intermediate.
    let mut both = crl(&p.root, &[&p.intermediate.cert], 7);
    both.extend(crl(&p.intermediate, &[], 7));
    let crls = write(dir.path(), "both.crl.pem", &both);
    let store = TrustStore::load_with_crls(&[&ca], &[&crls]).expect("store");
    assert_eq!(
        store.crls().len(),
        2,
        "every CRL of the file is checked and listed"
    );
    match store.verify_detached(b"doc", &sig) {
        Err(VerifyError::Revoked(why)) => assert!(why.contains("depth 1"), "{why}"),
        other => panic!("expected revoked, got {other:?}"),
    }
    // The intermediate's CRL revokes the signer.
    let mut both = crl(&p.root, &[], 7);
    both.extend(crl(&p.intermediate, &[&p.head.cert], 7));
    let crls = write(dir.path(), "signer.crl.pem", &both);
    let store = TrustStore::load_with_crls(&[&ca], &[&crls]).expect("store");
    match store.verify_detached(b"doc", &sig) {
        Err(VerifyError::Revoked(why)) => assert!(why.contains("signer's certificate"), "{why}"),
        other => panic!("expected revoked, got {other:?}"),
    }
    let other = sign(b"doc", &p.sole_trader, &[&p.intermediate.cert]);
    store.verify_detached(b"doc", &other).expect("not revoked");
    // Only the root's CRL: the intermediate's certificates are covered by no CRL, so untrusted.
    let crls = write(dir.path(), "root.crl.pem", &crl(&p.root, &[], 7));
    let store = TrustStore::load_with_crls(&[&ca], &[&crls]).expect("store");
    assert!(matches!(
        store.verify_detached(b"doc", &other),
        Err(VerifyError::Untrusted(_))
    ));
}

#[test]
fn a_stale_crl_among_several_is_named_and_a_foreign_one_refused() {
    let p = pki();
    let dir = tempfile::tempdir().expect("dir");
    let ca = write(dir.path(), "ca.pem", &bundle(&p));
    let mut both = crl(&p.root, &[], 7);
    both.extend(crl(&p.intermediate, &[], -1));
    let crls = write(dir.path(), "mixed.crl.pem", &both);
    let store = TrustStore::load_with_crls(&[&ca], &[&crls]).expect("store");
    let now = jiff::Timestamp::now().as_millisecond() as u64;
    let stale: Vec<_> = store.crls().iter().filter(|c| c.is_stale(now)).collect();
    assert_eq!(stale.len(), 1, "{:?}", store.crls());
    assert!(stale[0].issuer.contains("Подчинённый"), "{:?}", stale[0]);
    assert!(stale[0].stale_problem().contains("past its next update"));
    // A CRL of a CA outside the store.
    let stranger = issue(&[("CN", "Чужой УЦ")], true, None);
    let foreign = write(dir.path(), "foreign.crl.pem", &crl(&stranger, &[], 7));
    let err = TrustStore::load_with_crls(&[&ca], &[&foreign])
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("not issued and signed by a CA"),
        "{err}"
    );
}

#[test]
fn an_untrusted_signer_is_told_in_words_not_an_openssl_stack() {
    let p = pki();
    let stranger = issue(&[("CN", "Чужой корневой УЦ")], true, None);
    let dir = tempfile::tempdir().expect("dir");
    let ca = write(dir.path(), "ca.pem", &stranger.cert.to_pem().expect("pem"));
    let store = TrustStore::load(&[&ca]).expect("store");
    let sig = sign(b"doc", &p.head, &[&p.intermediate.cert]);
    match store.verify_detached(b"doc", &sig) {
        Err(VerifyError::Untrusted(why)) => {
            assert!(why.contains("issuer"), "{why}");
            assert!(!why.contains("error:") && !why.contains(".c:"), "{why}");
        }
        other => panic!("expected untrusted, got {other:?}"),
    }
    match store.verify_detached(b"doc", b"not der") {
        Err(VerifyError::BadSignature(why)) => assert_eq!(why, "not a CMS signature (DER)"),
        other => panic!("{other:?}"),
    }
}
