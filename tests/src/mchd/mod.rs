//! Test material for machine-readable powers of attorney (МЧД): synthetic EMCHD_1 documents, direct and
//! retrust, signed as real ones are (detached CMS, DER, by the head or the passing party, whose certificate
//! carries their СНИЛС and ИНН), by a test CA made at run time; the negative set; GOST material made with the
//! `openssl` command; and independent checks with `xmllint` and `openssl cms -verify`.
//!
//! Every test makes fresh material: people, organisations and numbers are drawn at random with valid check
//! numbers, keys live in memory or a temporary directory. Nothing is anyone's real data.
//!
//! Layout:
//! - `ids`: random identifiers with valid check numbers, today's date in Moscow.
//! - `document`: [`Person`], [`Organisation`], [`Mchd`] and its XML.
//! - `sign`: certificates with СНИЛС/ИНН and detached CMS signatures (openssl crate).
//! - `gost`: the same with GOST R 34.10-2012 through the `openssl` command and the gost engine.
//! - `negative`: the negative set, every check broken once.
//! - `ocsp`: a real OCSP responder (`openssl ocsp`) for the kit's CA.
//! - `check`: `xmllint --schema` and `openssl cms -verify`.
//! - this file: [`Kit`], a CA and the certificates of the people it signs for.

pub mod check;
pub mod document;
pub mod gost;
pub mod ids;
pub mod negative;
pub mod ocsp;
pub mod sign;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use document::{Kind, Mchd, Organisation, Person, Power};

use crate::pki::{Ca, Issued};

/// A document and its detached signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub xml: Vec<u8>,
    pub signature: Vec<u8>,
}

/// A test CA, its certificate on disk (for the gateway's trust store and for `openssl cms -verify`), and a
/// signing certificate per person, made on first use.
pub struct Kit {
    ca: Ca,
    dir: tempfile::TempDir,
    ca_pem: PathBuf,
    /// (СНИЛС digits, ОГРН of the organisation the certificate names) → the certificate.
    certificates: Mutex<HashMap<(String, Option<String>), Issued>>,
}

impl Default for Kit {
    fn default() -> Self {
        Kit::new()
    }
}

impl Kit {
    /// A fresh CA.
    pub fn new() -> Kit {
        Kit::with_ca_name("Тестовый удостоверяющий центр (вымышленный)")
    }

    /// A fresh CA named `cn` (a second, untrusted CA for negative cases).
    pub fn with_ca_name(cn: &str) -> Kit {
        let ca = Ca::new(cn);
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_pem = dir.path().join("mchd-ca.pem");
        std::fs::write(&ca_pem, ca.issued.cert.to_pem().expect("pem")).expect("write CA");
        Kit {
            ca,
            dir,
            ca_pem,
            certificates: Mutex::new(HashMap::new()),
        }
    }

    /// The CA certificate (PEM file).
    pub fn ca_pem(&self) -> &Path {
        &self.ca_pem
    }

    /// A directory that lives as long as the kit.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// An invented organisation with a head.
    pub fn organisation(&self, name: &str) -> Organisation {
        Organisation::new(name, Person::new("Руководов", "Тест", "Директорович"))
    }

    /// Signs `xml` as `person` with their personal certificate from this CA (no organisation in it).
    pub fn sign_as(&self, xml: &[u8], person: &Person) -> Vec<u8> {
        self.with_certificate(person, None, |issued| sign::detached(xml, issued))
    }

    /// Signs `xml` as `person` acting for `organisation` (ОГРН): their certificate names it.
    pub fn sign_for(&self, xml: &[u8], person: &Person, organisation: &str) -> Vec<u8> {
        self.with_certificate(person, Some(organisation), |issued| {
            sign::detached(xml, issued)
        })
    }

    /// Signs `xml` with a certificate of this CA that names `organisation` (ОГРН) but no person: no СНИЛС,
    /// no ИНН.
    pub fn sign_without_person(&self, xml: &[u8], organisation: &str) -> Vec<u8> {
        let issued = self.ca.issue(
            "Сертификат без сведений о лице",
            &[(sign::OGRN_OID, organisation)],
            crate::pki::Usage::Signing,
        );
        sign::detached(xml, &issued)
    }

    /// Runs `f` with `person`'s certificate (naming `organisation`), made on first use.
    fn with_certificate<T>(
        &self,
        person: &Person,
        organisation: Option<&str>,
        f: impl FnOnce(&Issued) -> T,
    ) -> T {
        let mut certificates = self
            .certificates
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let issued = certificates
            .entry((person.snils_digits(), organisation.map(str::to_owned)))
            .or_insert_with(|| sign::certificate(&self.ca, person, organisation));
        f(issued)
    }

    /// The document, signed by whoever must sign it: the principal's head with a certificate of the principal
    /// (ОГРН) for a direct power, the passing person with a personal certificate for a retrust.
    pub fn sign(&self, mchd: &Mchd) -> Signed {
        let xml = mchd.to_xml();
        let signature = match mchd.kind {
            Kind::Direct => self.sign_for(&xml, mchd.signer(), &mchd.principal.ogrn),
            Kind::Retrust { .. } => self.sign_as(&xml, mchd.signer()),
        };
        Signed { xml, signature }
    }

    /// A CRL of this CA that revokes the certificates `person` holds (personal or for `organisation`), made
    /// now and valid for `next_update_days` (negative: already past its next update), written to a file of
    /// the kit's directory named `stem.crl.pem`.
    pub fn crl(
        &self,
        revoked: &[(&Person, Option<&str>)],
        next_update_days: i64,
        stem: &str,
    ) -> PathBuf {
        let serials: Vec<_> = revoked
            .iter()
            .map(|(person, organisation)| {
                self.with_certificate(person, *organisation, |issued| {
                    issued.cert.serial_number().to_owned().expect("serial")
                })
            })
            .collect();
        let pem = self.ca.crl(&serials, next_update_days);
        let path = self.dir.path().join(format!("{stem}.crl.pem"));
        std::fs::write(&path, pem).expect("write CRL");
        path
    }

    /// The document, signed, and confirmed without the gateway: it passes `xmllint --schema` with the ФНС
    /// schema and `openssl cms -verify` with this CA (panics otherwise). For positive material.
    pub fn confirmed(&self, mchd: &Mchd) -> Signed {
        let signed = self.sign(mchd);
        if let Err(e) = check::xmllint(&signed.xml) {
            panic!("{e}\n{}", String::from_utf8_lossy(&signed.xml));
        }
        if let Err(e) = check::openssl_verify(&signed.xml, &signed.signature, self.ca_pem(), None) {
            panic!("openssl cms -verify: {e}");
        }
        signed
    }
}

#[cfg(test)]
mod tests {
    use super::check::{openssl_verify, xmllint};
    use super::*;

    #[test]
    fn direct_and_retrust_documents_are_valid_and_verify() {
        let kit = Kit::new();
        let org = kit.organisation("ООО «Проверка & Ко»");
        let employee = Person::new("Сканов", "Образец", "Петрович");
        let assistant = Person::new("Помощникова", "Проба", "Ивановна");
        let third = Person::new("Третьяков", "Макет", "Сидорович");
        let direct = Mchd::direct(&org, &employee);
        let retrust = Mchd::retrust(&direct, &assistant);
        let second = Mchd::retrust(&retrust, &third);
        for mchd in [&direct, &retrust, &second] {
            let signed = kit.sign(mchd);
            xmllint(&signed.xml)
                .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&signed.xml)));
            openssl_verify(&signed.xml, &signed.signature, kit.ca_pem(), None)
                .expect("signature verifies");
        }
        assert_eq!(retrust.signer(), &employee);
        assert_eq!(second.signer(), &assistant);
        let text = String::from_utf8(second.to_xml()).expect("utf-8");
        assert!(text.contains(&format!("НомДоверПерв=\"{}\"", direct.number)));
        assert!(text.contains(&format!("НомДоверN=\"{}\"", retrust.number)));
        assert!(text.contains(&format!(
            "ИдФайл=\"ON_EMCHD_{}_{}\"",
            second.issued.replace('-', ""),
            second.number
        )));
    }

    #[test]
    fn signatures_by_others_or_over_other_bytes_do_not_verify_with_openssl() {
        let kit = Kit::new();
        let other_ca = Kit::with_ca_name("Чужой УЦ");
        let org = kit.organisation("АО «Образец»");
        let employee = Person::new("Сканов", "Образец", "Петрович");
        let signed = kit.sign(&Mchd::direct(&org, &employee));
        let foreign = other_ca.sign_as(&signed.xml, &org.head);
        assert!(openssl_verify(&signed.xml, &foreign, kit.ca_pem(), None).is_err());
        let mut changed = signed.xml.clone();
        changed.extend_from_slice(b" ");
        assert!(openssl_verify(&changed, &signed.signature, kit.ca_pem(), None).is_err());
    }
}
