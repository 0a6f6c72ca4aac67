//! `SMEVSignature`: the gateway signs its own answers as SMEV does (`docs/smev-xmldsig.md` §6), when
//! `[crypto] smev_signature_key` and `smev_signature_cert` are set. The signed element is the one with
//! `Id="SIGNED_BY_SMEV"` (`MessageMetadata` of `SendRequestResponse`, `Response` of `GetResponseResponse`,
//! `AsyncProcessingStatusData` of `GetStatusResponse`); the signature is the last child of that element's
//! parent, where every version's schema puts it. Exclusive c14n and the SMEV transform; GOST R 34.10-2012
//! (256 or 512 bit, through the gost engine), RSA or ECDSA by the key.

use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use gateway_xmldsig::smev_transform;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Private};
use openssl::sign::Signer;
use openssl::x509::X509;

use super::xmldsig::{NID_GOST2012_256, NID_GOST2012_512};

/// The `Id` of the element SMEV signs in its answers.
pub const SMEV_SIGNED_ID: &str = "SIGNED_BY_SMEV";

const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// The algorithms a key signs with: the digest (OpenSSL name, URI) and the signature method URI.
#[derive(Debug, Clone, Copy)]
struct Algorithms {
    md: &'static str,
    digest_uri: &'static str,
    method_uri: &'static str,
    /// ECDSA: the width of `r` and `s` in XMLDSig's `r‖s`.
    ecdsa_width: Option<usize>,
}

/// A key and certificate that sign the gateway's answers.
pub struct AnswerSigner {
    key: PKey<Private>,
    certificate_b64: String,
    algorithms: Algorithms,
}

impl std::fmt::Debug for AnswerSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerSigner")
            .field("method", &self.algorithms.method_uri)
            .finish_non_exhaustive()
    }
}

impl AnswerSigner {
    /// Loads the key and certificate (PEM) and checks that they belong together.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, a key of a kind that cannot sign (GOST 2001 is obsolete), or a key that is
    /// not the certificate's.
    pub fn load(key: &Path, certificate: &Path) -> anyhow::Result<AnswerSigner> {
        let key_pem = std::fs::read(key).with_context(|| format!("reading {}", key.display()))?;
        let key = PKey::private_key_from_pem(&key_pem).with_context(|| {
            format!(
                "{}: not a PEM private key (a GOST key needs [crypto] openssl_conf loading the gost engine)",
                key.display()
            )
        })?;
        let cert_pem = std::fs::read(certificate)
            .with_context(|| format!("reading {}", certificate.display()))?;
        let cert = X509::from_pem(&cert_pem)
            .with_context(|| format!("{}: not a PEM certificate", certificate.display()))?;
        let cert_key = cert.public_key().context("the certificate's key")?;
        if !key.public_eq(&cert_key) {
            bail!("smev_signature_key is not the key of smev_signature_cert");
        }
        let algorithms = match key.id() {
            Id::RSA => Algorithms {
                md: "sha256",
                digest_uri: "http://www.w3.org/2001/04/xmlenc#sha256",
                method_uri: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                ecdsa_width: None,
            },
            Id::EC
                if key.ec_key()?.group().curve_name()
                    == Some(openssl::nid::Nid::X9_62_PRIME256V1) =>
            {
                Algorithms {
                    md: "sha256",
                    digest_uri: "http://www.w3.org/2001/04/xmlenc#sha256",
                    method_uri: "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
                    ecdsa_width: Some(32),
                }
            }
            id if id.as_raw() == NID_GOST2012_256 => Algorithms {
                md: "md_gost12_256",
                digest_uri: "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256",
                method_uri: "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256",
                ecdsa_width: None,
            },
            id if id.as_raw() == NID_GOST2012_512 => Algorithms {
                md: "md_gost12_512",
                digest_uri: "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512",
                method_uri: "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512",
                ecdsa_width: None,
            },
            other => bail!(
                "smev_signature_key: keys of type {other:?} cannot sign answers (GOST R 34.10-2012, RSA or ECDSA)"
            ),
        };
        MessageDigest::from_name(algorithms.md).with_context(|| {
            format!(
                "digest {} is not available (is the gost engine loaded?)",
                algorithms.md
            )
        })?;
        Ok(AnswerSigner {
            key,
            certificate_b64: base64::engine::general_purpose::STANDARD.encode(cert.to_der()?),
            algorithms,
        })
    }

    /// `answer` with an `SMEVSignature` over its element `Id="SIGNED_BY_SMEV"`, put before `parent_close` (the
    /// closing tag of that element's parent, e.g. `</smev:ResponseMessage>`); `answer` as it is when it has no
    /// such element (an empty queue's answer).
    ///
    /// # Errors
    ///
    /// When the answer cannot be read or OpenSSL cannot sign: the gateway wrote both, so this is a fault of its
    /// own.
    pub fn sign(&self, answer: Vec<u8>, parent_close: &str) -> anyhow::Result<Vec<u8>> {
        self.sign_element(answer, SMEV_SIGNED_ID, "smev:SMEVSignature", parent_close)
    }

    /// `answer` with a signature over its element `Id="{id}"` in a new `container` element (a qualified name
    /// whose prefix `answer` binds there), put before `parent_close`; `answer` as it is without
    /// `parent_close`. [`AnswerSigner::sign`] is this for SMEV's answers; a client's
    /// `CallerInformationSystemSignature` is made the same way (tests and benchmarks use it).
    ///
    /// # Errors
    ///
    /// As [`AnswerSigner::sign`].
    pub fn sign_element(
        &self,
        answer: Vec<u8>,
        id: &str,
        container: &str,
        parent_close: &str,
    ) -> anyhow::Result<Vec<u8>> {
        let Some(at) = find_last(&answer, parent_close.as_bytes()) else {
            return Ok(answer);
        };
        let a = self.algorithms;
        let md = MessageDigest::from_name(a.md).context("digest")?;
        let transformed = smev_transform(&answer, id, false)?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let digest = b64.encode(openssl::hash::hash(md, &transformed)?);
        // SignedInfo written already in its exclusive canonical form (end tags, one attribute each, no text to
        // escape: the id is an NCName, the digest base64), so the bytes signed need no second reading of the
        // answer: only the `ds` declaration, which c14n renders on SignedInfo, is added for them.
        let signed_info = format!(
            "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">\
             </ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"{method}\"></ds:SignatureMethod>\
             <ds:Reference URI=\"#{id}\"><ds:Transforms>\
             <ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"></ds:Transform>\
             <ds:Transform Algorithm=\"urn://smev-gov-ru/xmldsig/transform\"></ds:Transform></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"{digest_uri}\"></ds:DigestMethod><ds:DigestValue>{digest}</ds:DigestValue>\
             </ds:Reference></ds:SignedInfo>",
            method = a.method_uri,
            digest_uri = a.digest_uri,
        );
        let canonical = signed_info.replacen(
            "<ds:SignedInfo>",
            &format!("<ds:SignedInfo xmlns:ds=\"{DSIG_NS}\">"),
            1,
        );
        let element = |value: &str| {
            format!(
                "<{container}><ds:Signature xmlns:ds=\"{DSIG_NS}\">{signed_info}<ds:SignatureValue>{value}\
                 </ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate>\
                 </ds:X509Data></ds:KeyInfo></ds:Signature></{container}>",
                cert = self.certificate_b64,
            )
        };
        let mut signer = Signer::new(md, &self.key)?;
        let value = signer.sign_oneshot_to_vec(canonical.as_bytes())?;
        let value = match a.ecdsa_width {
            Some(width) => {
                let sig = EcdsaSig::from_der(&value)?;
                let mut raw = sig.r().to_vec_padded(width as i32)?;
                raw.extend(sig.s().to_vec_padded(width as i32)?);
                raw
            }
            None => value,
        };
        let mut out = Vec::with_capacity(answer.len() + 2048);
        out.extend_from_slice(&answer[..at]);
        out.extend_from_slice(element(&b64.encode(value)).as_bytes());
        out.extend_from_slice(&answer[at..]);
        Ok(out)
    }
}

/// The last occurrence: a payload inside the signed element may hold the same tag, the parent closes after it.
fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SignedInfo the signer writes is, read back in place, exactly the canonical form it signed.
    #[test]
    fn the_signed_bytes_are_the_canonical_signed_info_a_verifier_reads() {
        use openssl::ec::{EcGroup, EcKey};
        use openssl::nid::Nid;
        let dir = tempfile::tempdir().expect("temp dir");
        let key = PKey::from_ec_key(
            EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256"))
                .expect("ec"),
        )
        .expect("key");
        let mut name = openssl::x509::X509NameBuilder::new().expect("name");
        name.append_entry_by_text("CN", "answers").expect("CN");
        let name = name.build();
        let mut cert = X509::builder().expect("builder");
        cert.set_subject_name(&name).expect("subject");
        cert.set_issuer_name(&name).expect("issuer");
        cert.set_pubkey(&key).expect("pubkey");
        cert.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).expect("t"))
            .expect("nb");
        cert.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).expect("t"))
            .expect("na");
        cert.sign(&key, MessageDigest::sha256()).expect("sign");
        let (key_path, cert_path) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
        std::fs::write(&key_path, key.private_key_to_pem_pkcs8().expect("pem")).expect("write");
        std::fs::write(&cert_path, cert.build().to_pem().expect("pem")).expect("write");
        let signer = AnswerSigner::load(&key_path, &cert_path).expect("load");

        let answer = b"<s:E xmlns:s=\"urn:s\" xmlns:smev=\"urn:t\"><s:B><smev:R><smev:M Id=\"SIGNED_BY_SMEV\">x</smev:M>\
                       </smev:R></s:B></s:E>"
            .to_vec();
        let signed = signer.sign(answer, "</smev:R>").expect("sign");
        let found = gateway_xmldsig::signatures(&signed).expect("read");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].container_path, ["E", "B", "R", "SMEVSignature"]);
        let canonical = &found[0].signed_info;
        let value = base64::engine::general_purpose::STANDARD
            .decode(&found[0].value)
            .expect("b64");
        assert_eq!(value.len(), 64, "r‖s");
        let sig = EcdsaSig::from_private_components(
            openssl::bn::BigNum::from_slice(&value[..32]).expect("r"),
            openssl::bn::BigNum::from_slice(&value[32..]).expect("s"),
        )
        .expect("sig");
        let mut verifier =
            openssl::sign::Verifier::new(MessageDigest::sha256(), &key).expect("verifier");
        assert!(
            verifier
                .verify_oneshot(&sig.to_der().expect("der"), canonical)
                .expect("verify")
        );
    }
}
