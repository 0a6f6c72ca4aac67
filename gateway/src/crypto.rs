//! Detached CMS signature checks for plugins (the `crypto` capability), with OpenSSL.
//!
//! A signature is checked twice over: first its mathematics over the exact content bytes (a failure there is a
//! bad signature), then the signer's certificate chain against the configured trust store at the current time
//! (a failure there is an untrusted signer). The signer's СНИЛС, ИНН and ОГРН are read from the certificate's
//! subject (OIDs 1.2.643.100.3, 1.2.643.3.131.1.1, 1.2.643.100.1). GOST R 34.10-2012 signatures verify when
//! OpenSSL has the gost engine loaded (`[crypto] openssl_conf`).

use std::path::Path;

use gateway_host::{Signer, VerifyError};
use openssl::asn1::Asn1TimeRef;
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::{X509, X509NameRef, X509Ref};

/// CA certificates that signers must chain to.
pub struct TrustStore {
    store: X509Store,
    count: usize,
}

impl TrustStore {
    /// Loads every certificate of every PEM file in `files`.
    pub fn load(files: &[impl AsRef<Path>]) -> anyhow::Result<TrustStore> {
        let mut b = X509StoreBuilder::new()?;
        let mut count = 0;
        for f in files {
            let pem = std::fs::read(f.as_ref())
                .map_err(|e| anyhow::anyhow!("trust store {}: {e}", f.as_ref().display()))?;
            for cert in X509::stack_from_pem(&pem).map_err(|e| {
                anyhow::anyhow!(
                    "trust store {}: not PEM certificates: {e}",
                    f.as_ref().display()
                )
            })? {
                b.add_cert(cert)?;
                count += 1;
            }
        }
        Ok(TrustStore {
            store: b.build(),
            count,
        })
    }

    /// How many CA certificates are trusted.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no CA is trusted (every signature is then untrusted).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Checks the detached DER signature `sig` over `content`.
    ///
    /// One verification against the trust store decides; only when it fails is the signature checked again
    /// without the chain, to tell a bad signature from an untrusted signer.
    pub fn verify_detached(&self, content: &[u8], sig: &[u8]) -> Result<Signer, VerifyError> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            VerifyError::BadSignature(format!("{what}: {e}"))
        };
        let mut cms = CmsContentInfo::from_der(sig).map_err(|e| bad("not a CMS signature", &e))?;
        if let Err(untrusted) = cms.verify(
            None,
            Some(&self.store),
            Some(content),
            None,
            CMSOptions::BINARY,
        ) {
            let mut cms =
                CmsContentInfo::from_der(sig).map_err(|e| bad("not a CMS signature", &e))?;
            let empty = X509StoreBuilder::new()
                .map_err(|e| bad("openssl", &e))?
                .build();
            cms.verify(
                None,
                Some(&empty),
                Some(content),
                None,
                CMSOptions::BINARY | CMSOptions::NO_SIGNER_CERT_VERIFY,
            )
            .map_err(|e| bad("the signature does not match the content", &e))?;
            return Err(VerifyError::Untrusted(format!(
                "the signer's certificate is not trusted: {untrusted}"
            )));
        }
        let signer = signer_certificate(sig).map_err(|e| bad("no signer certificate", &e))?;
        Ok(describe(&signer))
    }
}

fn signer_certificate(sig: &[u8]) -> Result<X509, openssl::error::ErrorStack> {
    let p7 = Pkcs7::from_der(sig)?;
    let none = Stack::new()?;
    let signers = p7.signers(&none, Pkcs7Flags::empty())?;
    signers
        .iter()
        .next()
        .map(X509Ref::to_owned)
        .ok_or_else(openssl::error::ErrorStack::get)
}

/// Reads the identity fields of a signer's certificate.
pub fn describe(cert: &X509Ref) -> Signer {
    let subject = cert.subject_name();
    Signer {
        subject: name_to_string(subject),
        issuer: name_to_string(cert.issuer_name()),
        serial: cert
            .serial_number()
            .to_bn()
            .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
            .unwrap_or_default(),
        snils: entry(subject, "1.2.643.100.3", "SNILS"),
        inn: entry(subject, "1.2.643.3.131.1.1", "INN"),
        ogrn: entry(subject, "1.2.643.100.1", "OGRN"),
        not_before: unix_ms(cert.not_before()),
        not_after: unix_ms(cert.not_after()),
    }
}

/// The value of the subject entry with OID `oid` (OpenSSL may print it by its short name instead).
fn entry(name: &X509NameRef, oid: &str, short: &str) -> Option<String> {
    name.entries()
        .find(|e| {
            let o = e.object();
            let text = o.to_string();
            text == oid || text == short || o.nid().short_name().is_ok_and(|s| s == short)
        })
        .and_then(|e| e.data().to_string().ok())
        .map(|s| s.chars().filter(char::is_ascii_digit).collect())
}

fn name_to_string(name: &X509NameRef) -> String {
    name.entries()
        .map(|e| {
            let key = e
                .object()
                .nid()
                .short_name()
                .map(str::to_owned)
                .unwrap_or_else(|_| e.object().to_string());
            let value = e.data().to_string().unwrap_or_default();
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn unix_ms(t: &Asn1TimeRef) -> u64 {
    let Ok(epoch) = openssl::asn1::Asn1Time::from_unix(0) else {
        return 0;
    };
    match epoch.diff(t) {
        Ok(d) => (i64::from(d.days) * 86_400 + i64::from(d.secs)).max(0) as u64 * 1000,
        Err(_) => 0,
    }
}
