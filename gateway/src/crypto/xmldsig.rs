//! Checking an XMLDSig signature of an SMEV envelope (`docs/smev-xmldsig.md` §5), with OpenSSL: structure,
//! target, digests, the signature value, the certificate's validity. Each way to fail is the
//! `SignatureVerificationFault` reason SMEV gives for it ([`SignatureFailure`]).
//!
//! The bytes digested and signed come from `gateway_xmldsig` (the SMEV transform, exclusive c14n of
//! `SignedInfo`); this module adds the cryptography. GOST R 34.10/34.11 need the gost engine loaded
//! (`[crypto] openssl_conf`); the signature value is the 64 bytes OpenSSL's engine makes, as stored. RSA and ECDSA
//! (P-256, `r‖s`) serve tests and non-GOST deployments.

use base64::Engine;
use gateway_xmldsig::{Signature, elements_at, elements_with_id, signatures, smev_transform};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Public};
use openssl::sign::Verifier;
use openssl::x509::X509;
use smev_envelope::SignatureFailure;

const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const SMEV_TRANSFORM: &str = "urn://smev-gov-ru/xmldsig/transform";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// OpenSSL's NIDs of GOST R 34.10-2001 and 34.10-2012 (256 and 512 bit) keys.
pub(crate) const NID_GOST2001: i32 = 811;
pub(crate) const NID_GOST2012_256: i32 = 979;
pub(crate) const NID_GOST2012_512: i32 = 980;

/// Why a signature was refused: the fault's reason, and what a log or the fault's description says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", .failure.as_str())]
pub struct SignatureRejected {
    pub failure: SignatureFailure,
    pub detail: String,
}

fn rejected(failure: SignatureFailure, detail: impl Into<String>) -> SignatureRejected {
    SignatureRejected {
        failure,
        detail: detail.into(),
    }
}

/// A signature that verified.
#[derive(Debug)]
pub struct Verified {
    /// The signer's certificate.
    pub certificate: X509,
}

/// Where a signature is and what it must sign.
#[derive(Debug, Clone, Copy)]
pub struct SignaturePlace<'a> {
    /// The local names from the document element down to the element that holds both the container and the
    /// target (e.g. `Envelope`, `Body`, `SendRequestRequest`): where the decoder reads them. A signed element
    /// moved elsewhere, with another in its place, is signature wrapping.
    pub parent: &'a [&'a str],
    /// The local name of the element that holds the `ds:Signature` (e.g. `CallerInformationSystemSignature`).
    pub container: &'a str,
    /// The local names from the parent down to the element its reference must resolve to: a sibling of the
    /// container (`["SenderProvidedRequestData"]`), or deeper (`PersonalSignature` signs
    /// `["MessagePrimaryContent", "<payload root>"]`).
    pub target: &'a [&'a str],
}

impl SignaturePlace<'_> {
    /// The path of `below` under the parent.
    fn path_of<'p>(&'p self, below: &[&'p str]) -> Vec<&'p str> {
        let mut path = self.parent.to_vec();
        path.extend_from_slice(below);
        path
    }

    /// The signed element's local name.
    fn target_name(&self) -> &str {
        self.target.last().copied().unwrap_or_default()
    }
}

/// The signature algorithm of a `SignatureMethod` URI: its digest and the key type it needs.
fn signature_method(uri: &str) -> Option<(&'static str, KeyKind)> {
    Some(match uri {
        "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411" => {
            ("md_gost94", KeyKind::Gost(NID_GOST2001))
        }
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256" => {
            ("md_gost12_256", KeyKind::Gost(NID_GOST2012_256))
        }
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512" => {
            ("md_gost12_512", KeyKind::Gost(NID_GOST2012_512))
        }
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => ("sha256", KeyKind::Rsa),
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => ("sha256", KeyKind::Ecdsa),
        _ => return None,
    })
}

/// The OpenSSL digest of a `DigestMethod` URI.
fn digest_method(uri: &str) -> Option<&'static str> {
    Some(match uri {
        "http://www.w3.org/2001/04/xmldsig-more#gostr3411" => "md_gost94",
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256" => "md_gost12_256",
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512" => "md_gost12_512",
        "http://www.w3.org/2001/04/xmlenc#sha256" => "sha256",
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Gost(i32),
    Rsa,
    Ecdsa,
}

fn key_kind(key: &PKey<Public>) -> Option<KeyKind> {
    match key.id() {
        Id::RSA => Some(KeyKind::Rsa),
        // `ecdsa-sha256` here means P-256, whose `r‖s` is 64 bytes.
        Id::EC => key
            .ec_key()
            .ok()
            .filter(|ec| ec.group().curve_name() == Some(openssl::nid::Nid::X9_62_PRIME256V1))
            .map(|_| KeyKind::Ecdsa),
        other => {
            let nid = other.as_raw();
            [NID_GOST2001, NID_GOST2012_256, NID_GOST2012_512]
                .contains(&nid)
                .then_some(KeyKind::Gost(nid))
        }
    }
}

fn digest_named(name: &str) -> Result<MessageDigest, SignatureRejected> {
    MessageDigest::from_name(name).ok_or_else(|| {
        rejected(
            SignatureFailure::SignatureIsInvalid,
            format!("digest {name} is not available (is the gost engine loaded by [crypto] openssl_conf?)"),
        )
    })
}

/// Checks the one `ds:Signature` held by `place.container` in `document` at `now` (unix seconds).
///
/// # Errors
///
/// [`SignatureRejected`] with the reason SMEV gives: no signature there; more than one, a missing part or an
/// unknown algorithm, a digest or value that does not verify (`SignatureIsInvalid`); a reference to anything but
/// the one element `place.target` (`IncorrectSignatureTarget`); a certificate outside its validity
/// (`CertificateIsExpired`).
pub fn verify(
    document: &[u8],
    place: SignaturePlace<'_>,
    now: i64,
) -> Result<Verified, SignatureRejected> {
    let invalid = |detail: String| rejected(SignatureFailure::SignatureIsInvalid, detail);
    let all = signatures(document).map_err(|e| invalid(e.to_string()))?;
    let container_path = place.path_of(&[place.container]);
    let mut found = all
        .into_iter()
        .filter(|s| s.container_path == container_path);
    let signature = found.next().ok_or_else(|| {
        rejected(
            SignatureFailure::NoSignatureFound,
            format!("{} holds no ds:Signature", place.container),
        )
    })?;
    if found.next().is_some() {
        return Err(invalid(format!(
            "{} holds more than one ds:Signature",
            place.container
        )));
    }
    check_structure(&signature)?;
    for reference in &signature.references {
        check_reference(document, reference, place)?;
    }
    let certificate = check_value(&signature)?;
    check_validity(&certificate, now)?;
    Ok(Verified { certificate })
}

fn check_structure(signature: &Signature) -> Result<(), SignatureRejected> {
    let invalid = |detail: String| rejected(SignatureFailure::SignatureIsInvalid, detail);
    if signature.canonicalization != EXC_C14N {
        return Err(invalid(format!(
            "CanonicalizationMethod {} is not exclusive c14n",
            signature.canonicalization
        )));
    }
    if signature_method(&signature.method).is_none() {
        return Err(invalid(format!(
            "SignatureMethod {} is not supported",
            signature.method
        )));
    }
    if signature.references.is_empty() {
        return Err(invalid("SignedInfo has no Reference".into()));
    }
    if signature.certificate.is_none() {
        return Err(invalid("KeyInfo has no X509Certificate".into()));
    }
    Ok(())
}

fn check_reference(
    document: &[u8],
    reference: &gateway_xmldsig::Reference,
    place: SignaturePlace<'_>,
) -> Result<(), SignatureRejected> {
    let invalid = |detail: String| rejected(SignatureFailure::SignatureIsInvalid, detail);
    let wrong_target =
        |detail: String| rejected(SignatureFailure::IncorrectSignatureTarget, detail);
    let id = reference
        .uri
        .strip_prefix('#')
        .filter(|id| !id.is_empty() && !id.contains([':', ' ', '(', '/']))
        .ok_or_else(|| wrong_target(format!("Reference URI {:?} is not #Id", reference.uri)))?;
    let targets = elements_with_id(document, id).map_err(|e| invalid(e.to_string()))?;
    let target_path = place.path_of(place.target);
    match targets.as_slice() {
        [one] if one.path == target_path => {
            // One element at that place, or the decoder might read another than the one signed.
            let there = elements_at(document, &target_path).map_err(|e| invalid(e.to_string()))?;
            if there != 1 {
                return Err(wrong_target(format!(
                    "{there} elements {} where one is signed",
                    place.target_name()
                )));
            }
        }
        [one] => {
            return Err(wrong_target(format!(
                "#{id} is {}, not {}",
                one.path.join("/"),
                target_path.join("/")
            )));
        }
        [] => return Err(wrong_target(format!("no element has Id {id}"))),
        _ => {
            return Err(wrong_target(format!(
                "{} elements have Id {id}",
                targets.len()
            )));
        }
    }
    let transforms: Vec<&str> = reference.transforms.iter().map(String::as_str).collect();
    let enveloped = match transforms.as_slice() {
        [EXC_C14N, SMEV_TRANSFORM] => false,
        [ENVELOPED, EXC_C14N, SMEV_TRANSFORM] => true,
        other => {
            return Err(invalid(format!(
                "transforms {other:?} are not exclusive c14n and the SMEV transform"
            )));
        }
    };
    let md = digest_method(&reference.digest_method).ok_or_else(|| {
        invalid(format!(
            "DigestMethod {} is not supported",
            reference.digest_method
        ))
    })?;
    let expected = base64::engine::general_purpose::STANDARD
        .decode(&reference.digest_value)
        .map_err(|_| invalid(format!("the DigestValue of #{id} is not base64")))?;
    let transformed =
        smev_transform(document, id, enveloped).map_err(|e| invalid(e.to_string()))?;
    let actual = openssl::hash::hash(digest_named(md)?, &transformed)
        .map_err(|e| invalid(format!("digest: {e}")))?;
    if actual.len() != expected.len() || !openssl::memcmp::eq(&actual, &expected) {
        return Err(invalid(format!(
            "the content of #{id} does not match its digest (changed after signing)"
        )));
    }
    Ok(())
}

fn check_value(signature: &Signature) -> Result<X509, SignatureRejected> {
    let invalid = |detail: String| rejected(SignatureFailure::SignatureIsInvalid, detail);
    let b64 = base64::engine::general_purpose::STANDARD;
    let der = b64
        .decode(signature.certificate.as_deref().unwrap_or_default())
        .map_err(|_| invalid("X509Certificate is not base64".into()))?;
    let certificate = X509::from_der(&der).map_err(|e| invalid(format!("X509Certificate: {e}")))?;
    let value = b64
        .decode(&signature.value)
        .map_err(|_| invalid("SignatureValue is not base64".into()))?;
    let (md, wanted) = signature_method(&signature.method).ok_or_else(|| {
        invalid(format!(
            "SignatureMethod {} is not supported",
            signature.method
        ))
    })?;
    let key = certificate
        .public_key()
        .map_err(|e| invalid(format!("the certificate's key: {e}")))?;
    if key_kind(&key) != Some(wanted) {
        return Err(invalid(format!(
            "SignatureMethod {} does not fit the certificate's key",
            signature.method
        )));
    }
    let value = match wanted {
        KeyKind::Ecdsa => {
            ecdsa_der(&value).ok_or_else(|| invalid("an ECDSA SignatureValue is r‖s".into()))?
        }
        _ => value,
    };
    let mut verifier =
        Verifier::new(digest_named(md)?, &key).map_err(|e| invalid(format!("verifier: {e}")))?;
    match verifier.verify_oneshot(&value, &signature.signed_info) {
        Ok(true) => Ok(certificate),
        _ => Err(invalid(
            "the SignatureValue does not verify over SignedInfo".into(),
        )),
    }
}

/// XMLDSig's ECDSA P-256 value (`r‖s`, 32 bytes each) as the DER OpenSSL verifies.
fn ecdsa_der(value: &[u8]) -> Option<Vec<u8>> {
    if value.len() != 64 {
        return None;
    }
    let (r, s) = value.split_at(value.len() / 2);
    let sig =
        EcdsaSig::from_private_components(BigNum::from_slice(r).ok()?, BigNum::from_slice(s).ok()?)
            .ok()?;
    sig.to_der().ok()
}

fn check_validity(certificate: &X509, now: i64) -> Result<(), SignatureRejected> {
    let now_time = Asn1Time::from_unix(now)
        .map_err(|e| rejected(SignatureFailure::SignatureIsInvalid, format!("time: {e}")))?;
    let not_after = certificate.not_after();
    let not_before = certificate.not_before();
    if now_time > *not_after || now_time < *not_before {
        return Err(rejected(
            SignatureFailure::CertificateIsExpired,
            format!("the certificate is valid from {not_before} to {not_after}"),
        ));
    }
    Ok(())
}
