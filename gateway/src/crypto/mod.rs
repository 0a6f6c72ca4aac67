//! Detached CMS signature checks for plugins (the `crypto` capability), with OpenSSL.
//!
//! A signature is checked twice over: first its mathematics over the exact content bytes (a failure there is a
//! bad signature), then the signer's certificate chain against the configured trust store at the current time
//! (a failure there is an untrusted signer, or a revoked one). The signer's СНИЛС, ИНН and ОГРН (or ОГРНИП)
//! are read from the certificate's subject (OIDs 1.2.643.100.3, 1.2.643.3.131.1.1, 1.2.643.100.1,
//! 1.2.643.100.5). GOST R 34.10-2012 signatures verify when OpenSSL has the gost engine loaded
//! (`[crypto] openssl_conf`).
//!
//! Revocation: with CRL files configured, every certificate of a signer's chain must be covered by a current
//! CRL of its issuer (OpenSSL's `CRL_CHECK_ALL`): a revoked certificate is [`VerifyError::Revoked`]; a chain
//! that no CRL covers, or whose CRL is past its next update, is untrusted (fail closed). [`TrustStore::crls`]
//! tells `/readyz` and `gateway check` which CRLs are stale. With `[crypto.ocsp]` enabled, a chain that
//! verified offline is also checked online ([`ocsp`]).
//!
//! Layout: this file (the trust store, CMS verification, CRLs, the signer's identity), `ocsp`, `xmldsig` (XMLDSig
//! signatures of SMEV envelopes, checked), `smev_signature` (the gateway's own answers, signed), `engine` (a config loading the gost engine).

pub mod engine;
pub mod ocsp;
pub mod smev_signature;
pub mod xmldsig;

use std::path::{Path, PathBuf};

use gateway_host::{Signer, VerifyError};
use openssl::asn1::Asn1TimeRef;
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::ssl::SslFiletype;
use openssl::stack::Stack;
use openssl::x509::store::{X509Lookup, X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509, X509Crl, X509NameRef, X509Ref, X509StoreContext, X509VerifyResult};

/// OpenSSL's `X509_V_ERR_CERT_REVOKED`.
const CERT_REVOKED: i32 = 23;

/// CA certificates that signers must chain to, and the CRLs that revoke certificates.
pub struct TrustStore {
    store: X509Store,
    count: usize,
    crls: Vec<CrlInfo>,
    ocsp: Option<ocsp::Ocsp>,
}

/// One loaded certificate revocation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlInfo {
    /// The file it came from.
    pub path: PathBuf,
    /// The issuing CA (subject name).
    pub issuer: String,
    /// `nextUpdate`, unix milliseconds (0 when the CRL has none).
    pub next_update_ms: u64,
    /// How many certificates it revokes.
    pub revoked: usize,
}

impl CrlInfo {
    /// Whether the CRL is past its next update at `now_ms` (OpenSSL then fails every chain it covers).
    pub fn is_stale(&self, now_ms: u64) -> bool {
        self.next_update_ms != 0 && self.next_update_ms < now_ms
    }

    /// What an operator is told of this CRL once it is stale.
    pub fn stale_problem(&self) -> String {
        let when = jiff::Timestamp::from_millisecond(self.next_update_ms as i64)
            .map(|t| t.to_string())
            .unwrap_or_default();
        format!(
            "CRL {} of {} is past its next update ({when}): every signature under that CA is refused until a current CRL is installed",
            self.path.display(),
            self.issuer
        )
    }
}

impl TrustStore {
    /// Loads every certificate of every PEM file in `files`; no revocation lists.
    pub fn load(files: &[impl AsRef<Path>]) -> anyhow::Result<TrustStore> {
        TrustStore::load_with_crls(files, &[] as &[PathBuf])
    }

    /// Loads every certificate of every PEM file in `files` and every CRL (PEM or DER) in `crl_files`. Each
    /// CRL must be issued by a CA of the store and signed by it.
    pub fn load_with_crls(
        files: &[impl AsRef<Path>],
        crl_files: &[impl AsRef<Path>],
    ) -> anyhow::Result<TrustStore> {
        let mut b = X509StoreBuilder::new()?;
        let mut cas = Vec::new();
        for f in files {
            let pem = std::fs::read(f.as_ref())
                .map_err(|e| anyhow::anyhow!("trust store {}: {e}", f.as_ref().display()))?;
            for cert in X509::stack_from_pem(&pem).map_err(|e| {
                anyhow::anyhow!(
                    "trust store {}: not PEM certificates: {e}",
                    f.as_ref().display()
                )
            })? {
                b.add_cert(cert.clone())?;
                cas.push(cert);
            }
        }
        let mut crls = Vec::new();
        if !crl_files.is_empty() {
            let lookup = b.add_lookup(X509Lookup::file())?;
            for f in crl_files {
                let path = f.as_ref();
                let (file_crls, kind) = read_crls(path)?;
                for crl in &file_crls {
                    let issuer = cas
                        .iter()
                        .find(|ca| {
                            ca.subject_name()
                                .try_cmp(crl.issuer_name())
                                .is_ok_and(|o| o.is_eq())
                                && ca.public_key().is_ok_and(|k| crl.verify(&k).unwrap_or(false))
                        })
                        .ok_or_else(|| {
                            anyhow::anyhow!(
                                "CRL {}: not issued and signed by a CA of [crypto] trust_store ({})",
                                path.display(),
                                name_to_string(crl.issuer_name())
                            )
                        })?;
                    crls.push(CrlInfo {
                        path: path.to_owned(),
                        issuer: name_to_string(issuer.subject_name()),
                        next_update_ms: crl.next_update().map_or(0, unix_ms),
                        revoked: crl.get_revoked().map_or(0, |r| r.len()),
                    });
                }
                lookup
                    .load_crl_file(path, kind)
                    .map_err(|e| anyhow::anyhow!("CRL {}: {e}", path.display()))?;
            }
            b.set_flags(X509VerifyFlags::CRL_CHECK | X509VerifyFlags::CRL_CHECK_ALL)?;
        }
        Ok(TrustStore {
            store: b.build(),
            count: cas.len(),
            crls,
            ocsp: None,
        })
    }

    /// The same store, asking OCSP responders about every chain that verifies offline.
    pub fn with_ocsp(mut self, ocsp: ocsp::Ocsp) -> TrustStore {
        self.ocsp = Some(ocsp);
        self
    }

    /// [`TrustStore::verify_detached`], then, with OCSP configured, the responders' word on the signer's
    /// chain. `Err(why)`: a responder could not say (the caller may retry later; never a pass).
    pub fn verify_detached_online(
        &self,
        content: &[u8],
        sig: &[u8],
    ) -> Result<Result<Signer, VerifyError>, String> {
        let signer = match self.verify_detached(content, sig) {
            Ok(signer) => signer,
            Err(refused) => return Ok(Err(refused)),
        };
        let Some(ocsp) = &self.ocsp else {
            return Ok(Ok(signer));
        };
        let chain = self
            .chain_of(sig)
            .ok_or("the signer's chain could not be built again for the OCSP check")?;
        Ok(match ocsp.check_chain(&self.store, &chain)? {
            Some(refused) => Err(refused),
            None => Ok(signer),
        })
    }

    /// The CRLs loaded.
    pub fn crls(&self) -> &[CrlInfo] {
        &self.crls
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
        let bad = |what: &str| VerifyError::BadSignature(what.to_owned());
        let mut cms =
            CmsContentInfo::from_der(sig).map_err(|_| bad("not a CMS signature (DER)"))?;
        if let Err(untrusted) = cms.verify(
            None,
            Some(&self.store),
            Some(content),
            None,
            CMSOptions::BINARY,
        ) {
            let mut cms =
                CmsContentInfo::from_der(sig).map_err(|_| bad("not a CMS signature (DER)"))?;
            let empty = X509StoreBuilder::new()
                .map_err(|_| bad("the signature could not be checked"))?
                .build();
            cms.verify(
                None,
                Some(&empty),
                Some(content),
                None,
                CMSOptions::BINARY | CMSOptions::NO_SIGNER_CERT_VERIFY,
            )
            .map_err(|_| bad("the signature does not match the content"))?;
            // The mathematics hold, so the chain failed: say why in words (OpenSSL's error stack stays in the
            // log).
            tracing::debug!(error = %untrusted, "signer's chain refused");
            return Err(self.why_untrusted(sig));
        }
        let signer = signer_certificate(sig)
            .map_err(|_| bad("the signature names no signer certificate"))?;
        Ok(describe(&signer))
    }
}

impl TrustStore {
    /// The verified chain of `sig`'s signer, signer first, trust anchor last.
    fn chain_of(&self, sig: &[u8]) -> Option<Vec<X509>> {
        let (signer, certs) = signer_and_certificates(sig)?;
        let mut ctx = X509StoreContext::new().ok()?;
        ctx.init(&self.store, &signer, &certs, |c| {
            if !c.verify_cert()? {
                return Ok(None);
            }
            Ok(c.chain()
                .map(|chain| chain.iter().map(X509Ref::to_owned).collect()))
        })
        .ok()
        .flatten()
    }

    /// Why the chain of `sig`'s signer is refused, in words: revoked (by which certificate), or untrusted with
    /// the chain check's reason (expired, unknown issuer, no current CRL, ...). Asked only after the signature
    /// failed against the store.
    fn why_untrusted(&self, sig: &[u8]) -> VerifyError {
        let untrusted = |why: &str| {
            VerifyError::Untrusted(format!("the signer's certificate is not trusted: {why}"))
        };
        let Some((signer, chain)) = signer_and_certificates(sig) else {
            return untrusted("the signature names no signer certificate");
        };
        let verdict = X509StoreContext::new().and_then(|mut ctx| {
            ctx.init(&self.store, &signer, &chain, |c| {
                c.verify_cert()?;
                Ok((c.error(), c.error_depth()))
            })
        });
        let Ok((error, depth)) = verdict else {
            return untrusted("the chain could not be checked");
        };
        let whose = if depth == 0 {
            "the signer's certificate".to_owned()
        } else {
            format!("a CA certificate of the signer's chain (depth {depth})")
        };
        if error.as_raw() == CERT_REVOKED {
            VerifyError::Revoked(format!("{whose} is revoked by its CRL"))
        } else if error == X509VerifyResult::OK {
            // The chain holds on its own: the signature's own use of it was refused (key usage, purpose).
            untrusted("the certificate may not sign documents")
        } else {
            untrusted(&format!("{} ({whose})", error.error_string()))
        }
    }
}

/// The signer's certificate of `sig` and every certificate it carries.
fn signer_and_certificates(sig: &[u8]) -> Option<(X509, Stack<X509>)> {
    let signer = signer_certificate(sig).ok()?;
    let p7 = Pkcs7::from_der(sig).ok()?;
    let mut certs = Stack::new().ok()?;
    if let Some(carried) = p7.signed().and_then(|s| s.certificates()) {
        for cert in carried {
            certs.push(cert.to_owned()).ok()?;
        }
    }
    Some((signer, certs))
}

/// Reads a CRL file: every CRL of a PEM file, or the one CRL of a DER file.
fn read_crls(path: &Path) -> anyhow::Result<(Vec<X509Crl>, SslFiletype)> {
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("CRL {}: {e}", path.display()))?;
    const BEGIN: &str = "-----BEGIN X509 CRL-----";
    const END: &str = "-----END X509 CRL-----";
    if let Ok(text) = std::str::from_utf8(&bytes)
        && text.contains(BEGIN)
    {
        let mut crls = Vec::new();
        for block in text.split(BEGIN).skip(1) {
            let body = block.split(END).next().unwrap_or_default();
            let pem = format!("{BEGIN}{body}{END}\n");
            crls.push(X509Crl::from_pem(pem.as_bytes()).map_err(|e| {
                anyhow::anyhow!(
                    "CRL {}: CRL number {} is not readable: {e}",
                    path.display(),
                    crls.len() + 1
                )
            })?);
        }
        return Ok((crls, SslFiletype::PEM));
    }
    X509Crl::from_der(&bytes)
        .map(|crl| (vec![crl], SslFiletype::ASN1))
        .map_err(|e| anyhow::anyhow!("CRL {}: neither a PEM nor a DER CRL: {e}", path.display()))
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
        ogrn: entry(subject, "1.2.643.100.1", "OGRN")
            .or_else(|| entry(subject, "1.2.643.100.5", "OGRNIP")),
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

#[cfg(test)]
mod tests;
