//! A test certificate authority: CA, server and client certificates made with OpenSSL for the tests
//! (mutual TLS; later the signers of test documents). Nothing here is a real person's or organisation's.

use std::path::{Path, PathBuf};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509NameBuilder};

/// A key and its certificate.
pub struct Issued {
    pub key: PKey<Private>,
    pub cert: X509,
}

impl Issued {
    /// Writes `<stem>.key` and `<stem>.pem` to `dir`; returns (cert path, key path).
    pub fn write(&self, dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
        let cert = dir.join(format!("{stem}.pem"));
        let key = dir.join(format!("{stem}.key"));
        std::fs::write(&cert, self.cert.to_pem().expect("pem")).expect("write cert");
        std::fs::write(&key, self.key.private_key_to_pem_pkcs8().expect("pem")).expect("write key");
        (cert, key)
    }

    /// SHA-256 fingerprint of the certificate (DER), lower-case hex.
    pub fn fingerprint(&self) -> String {
        hex::encode(self.cert.digest(MessageDigest::sha256()).expect("digest"))
    }
}

fn new_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("curve");
    PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("pkey")
}

fn serial() -> openssl::asn1::Asn1Integer {
    let mut bn = BigNum::new().expect("bn");
    bn.rand(64, MsbOption::MAYBE_ZERO, false).expect("rand");
    bn.to_asn1_integer().expect("serial")
}

/// A certificate authority.
pub struct Ca {
    pub issued: Issued,
}

impl Ca {
    /// A self-signed CA named `cn`.
    pub fn new(cn: &str) -> Ca {
        let key = new_key();
        let mut name = X509NameBuilder::new().expect("name");
        name.append_entry_by_nid(Nid::COMMONNAME, cn).expect("cn");
        let name = name.build();
        let mut b = X509::builder().expect("builder");
        b.set_version(2).expect("version");
        b.set_serial_number(&serial()).expect("serial");
        b.set_subject_name(&name).expect("subject");
        b.set_issuer_name(&name).expect("issuer");
        b.set_pubkey(&key).expect("pubkey");
        b.set_not_before(&Asn1Time::days_from_now(0).expect("time"))
            .expect("nb");
        b.set_not_after(&Asn1Time::days_from_now(365).expect("time"))
            .expect("na");
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
        b.sign(&key, MessageDigest::sha256()).expect("sign");
        Ca {
            issued: Issued {
                key,
                cert: b.build(),
            },
        }
    }

    /// A certificate for `cn` with extra subject entries (OID text or short name, value) — e.g. a СНИЛС
    /// (`1.2.643.100.3`) — for TLS `server`/`client` use or for signing documents.
    pub fn issue(&self, cn: &str, extra: &[(&str, &str)], usage: Usage) -> Issued {
        let key = new_key();
        let mut name = X509NameBuilder::new().expect("name");
        name.append_entry_by_nid(Nid::COMMONNAME, cn).expect("cn");
        for (field, value) in extra {
            name.append_entry_by_text(field, value)
                .expect("subject entry");
        }
        let name = name.build();
        let mut b = X509::builder().expect("builder");
        b.set_version(2).expect("version");
        b.set_serial_number(&serial()).expect("serial");
        b.set_subject_name(&name).expect("subject");
        b.set_issuer_name(self.issued.cert.subject_name())
            .expect("issuer");
        b.set_pubkey(&key).expect("pubkey");
        b.set_not_before(&Asn1Time::days_from_now(0).expect("time"))
            .expect("nb");
        b.set_not_after(&Asn1Time::days_from_now(30).expect("time"))
            .expect("na");
        b.append_extension(BasicConstraints::new().build().expect("bc"))
            .expect("ext");
        match usage {
            Usage::Server => {
                b.append_extension(ExtendedKeyUsage::new().server_auth().build().expect("eku"))
                    .expect("ext");
                let san = SubjectAlternativeName::new()
                    .ip("127.0.0.1")
                    .dns("localhost")
                    .build(&b.x509v3_context(Some(&self.issued.cert), None))
                    .expect("san");
                b.append_extension(san).expect("ext");
            }
            Usage::Client => {
                b.append_extension(ExtendedKeyUsage::new().client_auth().build().expect("eku"))
                    .expect("ext");
            }
            Usage::Signing => {
                b.append_extension(
                    KeyUsage::new()
                        .critical()
                        .digital_signature()
                        .non_repudiation()
                        .build()
                        .expect("ku"),
                )
                .expect("ext");
            }
        }
        b.sign(&self.issued.key, MessageDigest::sha256())
            .expect("sign");
        Issued {
            key,
            cert: b.build(),
        }
    }
}

impl Ca {
    /// A CRL (PEM) of this CA revoking the certificates with `serials`, issued a minute ago, with its next
    /// update `next_update_days` from now (negative: already past it).
    pub fn crl(&self, serials: &[openssl::asn1::Asn1Integer], next_update_days: i64) -> Vec<u8> {
        use openssl::x509::extension::{AuthorityKeyIdentifier, CrlNumber};
        use openssl::x509::{X509Crl, X509CrlBuilder, X509RevokedBuilder};
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs() as i64;
        let mut b = X509CrlBuilder::new().expect("CRL builder");
        b.set_issuer_name(self.issued.cert.subject_name())
            .expect("issuer");
        let last =
            Asn1Time::from_unix(now - 60 + next_update_days.min(0) * 86_400 * 2).expect("time");
        b.set_last_update(&last).expect("last update");
        b.set_next_update(&Asn1Time::from_unix(now + next_update_days * 86_400).expect("time"))
            .expect("next update");
        let dummy = X509::builder().expect("builder");
        let context = dummy.x509v3_context(Some(&self.issued.cert), None);
        b.append_extension(
            AuthorityKeyIdentifier::new()
                .issuer(true)
                .build(&context)
                .expect("authority key identifier"),
        )
        .expect("ext");
        let number = BigNum::from_u32(u32::try_from(now % 1_000_000_000).unwrap_or(1)).expect("bn");
        b.append_extension(
            CrlNumber::new(number)
                .expect("crl number")
                .build()
                .expect("crl number"),
        )
        .expect("ext");
        for serial in serials {
            let mut revoked = X509RevokedBuilder::new().expect("revoked entry");
            revoked.set_serial_number(serial).expect("serial");
            revoked
                .set_revocation_date(&Asn1Time::from_unix(now - 60).expect("time"))
                .expect("date");
            b.add_revoked(revoked.build()).expect("add");
        }
        b.sign(&self.issued.key, MessageDigest::sha256())
            .expect("sign CRL");
        let crl: X509Crl = b.build().expect("CRL");
        crl.to_pem().expect("pem")
    }
}

/// What a certificate is for.
#[derive(Clone, Copy)]
pub enum Usage {
    Server,
    Client,
    Signing,
}
