//! The operator's detached CMS signature (DER) of the workbook, with OpenSSL.
//!
//! The key and certificate come from `[reports] signer_key` / `signer_cert` (PEM), with optional
//! intermediate certificates that are put into the signature. RSA and ECDSA keys work with any OpenSSL;
//! GOST R 34.10-2012 keys work when OpenSSL has loaded the gost engine (`[crypto] openssl_conf` names an
//! OpenSSL config that loads it), which must happen before OpenSSL initialises. The result verifies with
//! `openssl cms -verify -binary -inform DER -content report.xlsx -in report.xlsx.sig -CAfile ca.pem`.

use std::path::Path;

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::pkey::{PKey, Private};
use openssl::stack::Stack;
use openssl::x509::X509;

use crate::error::ReportError;

/// A signing key and its certificate.
pub struct Signer {
    cert: X509,
    key: PKey<Private>,
    chain: Stack<X509>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("subject", &self.subject())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer from PEM texts: the certificate, its private key, and further certificates of its
    /// chain (may be empty). The key must belong to the certificate.
    pub fn from_pem(cert: &[u8], key: &[u8], chain: &[u8]) -> Result<Signer, ReportError> {
        let bad =
            |what: &str, e: &dyn std::fmt::Display| ReportError::Config(format!("{what}: {e}"));
        let cert = X509::from_pem(cert).map_err(|e| bad("signer certificate (PEM)", &e))?;
        let key = PKey::private_key_from_pem(key).map_err(|e| {
            bad(
                "signer key (PEM; a GOST key needs [crypto] openssl_conf loading the gost engine)",
                &e,
            )
        })?;
        let public = cert
            .public_key()
            .map_err(|e| bad("signer certificate", &e))?;
        if !public.public_eq(&key) {
            return Err(ReportError::Config(
                "the signer key does not belong to the signer certificate".into(),
            ));
        }
        let mut stack = Stack::new().map_err(|e| bad("openssl", &e))?;
        if !chain.is_empty() {
            for c in X509::stack_from_pem(chain).map_err(|e| bad("signer chain (PEM)", &e))? {
                stack.push(c).map_err(|e| bad("openssl", &e))?;
            }
        }
        Ok(Signer {
            cert,
            key,
            chain: stack,
        })
    }

    /// Loads the PEM files.
    pub fn load(
        cert: &Path,
        key: &Path,
        chain: &[impl AsRef<Path>],
    ) -> Result<Signer, ReportError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| ReportError::Config(format!("{}: {e}", p.display())))
        };
        let mut chain_pem = Vec::new();
        for c in chain {
            chain_pem.extend(read(c.as_ref())?);
            chain_pem.push(b'\n');
        }
        Signer::from_pem(&read(cert)?, &read(key)?, &chain_pem)
    }

    /// The detached CMS signature (DER) of `content`: the signer's certificate and chain are included,
    /// the content is not; `BINARY` keeps the bytes as they are (no MIME canonicalisation).
    pub fn sign_detached(&self, content: &[u8]) -> Result<Vec<u8>, ReportError> {
        let flags = CMSOptions::DETACHED | CMSOptions::BINARY;
        let cms = CmsContentInfo::sign(
            Some(&self.cert),
            Some(&self.key),
            Some(&self.chain),
            Some(content),
            flags,
        )
        .map_err(|e| ReportError::Sign(e.to_string()))?;
        cms.to_der().map_err(|e| ReportError::Sign(e.to_string()))
    }

    /// The certificate's subject, for logs.
    pub fn subject(&self) -> String {
        self.cert
            .subject_name()
            .entries()
            .map(|e| {
                let name = e.object().nid().short_name().unwrap_or("?");
                let value = e.data().to_string().unwrap_or_default();
                format!("{name}={value}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::rsa::Rsa;
    use openssl::x509::X509NameBuilder;
    use openssl::x509::store::X509StoreBuilder;

    fn self_signed(cn: &str) -> (Vec<u8>, Vec<u8>, X509) {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        let cert = b.build();
        (
            cert.to_pem().unwrap(),
            key.private_key_to_pem_pkcs8().unwrap(),
            cert,
        )
    }

    #[test]
    fn a_detached_signature_verifies_over_the_exact_bytes_only() {
        let (cert_pem, key_pem, cert) = self_signed("Оператор отчётов");
        let signer = Signer::from_pem(&cert_pem, &key_pem, b"").unwrap();
        assert!(
            signer.subject().contains("CN=Оператор отчётов"),
            "{}",
            signer.subject()
        );
        let content = b"PK\x03\x04 workbook bytes \r\n kept as they are";
        let der = signer.sign_detached(content).unwrap();
        let mut store = X509StoreBuilder::new().unwrap();
        store.add_cert(cert).unwrap();
        let store = store.build();
        let mut cms = CmsContentInfo::from_der(&der).unwrap();
        let mut out = Vec::new();
        cms.verify(
            None,
            Some(&store),
            Some(content),
            Some(&mut out),
            CMSOptions::BINARY,
        )
        .unwrap();
        let mut cms = CmsContentInfo::from_der(&der).unwrap();
        let tampered = b"PK\x03\x04 workbook bytes \n kept as they are";
        assert!(
            cms.verify(None, Some(&store), Some(tampered), None, CMSOptions::BINARY)
                .is_err()
        );
        assert!(
            !der.windows(14).any(|w| w == b"workbook bytes"),
            "the content is not inside"
        );
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let (cert_pem, _, _) = self_signed("a");
        let (_, other_key, _) = self_signed("b");
        let err = Signer::from_pem(&cert_pem, &other_key, b"").unwrap_err();
        assert!(err.to_string().contains("does not belong"), "{err}");
        assert!(Signer::from_pem(b"junk", b"junk", b"").is_err());
    }
}
