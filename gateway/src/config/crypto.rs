//! `[crypto]` and `[crypto.ocsp]`: the trust store, its revocation lists and online revocation checks; the key
//! that signs the gateway's answers.

use std::path::PathBuf;

use serde::Deserialize;

use super::units::Dur;

/// `[crypto]`: signature verification offered to plugins.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CryptoConfig {
    /// CA certificates (PEM files) that signers' certificates must chain to.
    pub trust_store: Vec<PathBuf>,
    /// Certificate revocation lists (PEM, one or several CRLs a file, or DER), each issued and signed by a CA
    /// certificate of `trust_store` (list the intermediate CAs there too, to give their CRLs). With
    /// any CRL configured, every certificate of a signer's chain must be covered by a current CRL of its
    /// issuer: a revoked one is refused as revoked, one no CRL covers (or whose CRL is past its next update) as
    /// untrusted. Default: none (no revocation check).
    pub crl_files: Vec<PathBuf>,
    /// An OpenSSL config that loads the GOST engine (Debian `libengine-gost-openssl`), for GOST R 34.10-2012
    /// signatures. Default: none (RSA and ECDSA only).
    pub openssl_conf: Option<PathBuf>,
    /// The private key (PEM) the gateway signs its SOAP answers with, as `SMEVSignature` (exclusive c14n and
    /// the SMEV transform): GOST R 34.10-2012 (needs `openssl_conf`), RSA or ECDSA. Set with
    /// `smev_signature_cert`. Default: none (answers unsigned, as the schemas allow).
    pub smev_signature_key: Option<PathBuf>,
    /// The certificate (PEM) of `smev_signature_key`, sent in each signature's `KeyInfo`.
    pub smev_signature_cert: Option<PathBuf>,
    /// `[crypto.ocsp]`: online revocation checks.
    pub ocsp: OcspConfig,
}

/// `[crypto.ocsp]`: after a signer's chain verifies, ask OCSP responders whether a certificate of it is
/// revoked.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OcspConfig {
    /// Ask responders at all. Default false.
    pub enabled: bool,
    /// The responder to ask about every certificate (`http://…`). Default: the one each certificate names in
    /// its Authority Information Access; a certificate that names none is not asked about.
    pub responder: Option<String>,
    /// Time allowed to one answer. Default `3s`.
    pub timeout: Dur,
    /// The longest an answer is kept (never past its own next update). Default `5m`.
    pub cache: Dur,
}

impl Default for OcspConfig {
    fn default() -> Self {
        OcspConfig {
            enabled: false,
            responder: None,
            timeout: Dur::secs(3),
            cache: Dur::mins(5),
        }
    }
}
