//! Signing as a real МЧД is signed: a detached CMS signature (DER) over the exact bytes of the XML file, made
//! with the key of a person whose certificate carries their СНИЛС (OID 1.2.643.100.3) and ИНН
//! (OID 1.2.643.3.131.1.1), issued by a test CA made at run time. ECDSA P-256 keys (the openssl crate); the
//! GOST variant is in `gost`.

use openssl::cms::{CMSOptions, CmsContentInfo};

use super::document::Person;
use crate::pki::{Ca, Issued, Usage};

/// OID of the СНИЛС subject entry.
pub const SNILS_OID: &str = "1.2.643.100.3";
/// OID of a person's ИНН subject entry.
pub const INN_OID: &str = "1.2.643.3.131.1.1";
/// OID of an organisation's ОГРН subject entry (a certificate of an organisation's head or employee).
pub const OGRN_OID: &str = "1.2.643.100.1";

/// A signing certificate for `person`, from `ca`; with `organisation` (ОГРН) the certificate of a person
/// acting for that organisation, as a head's qualified certificate is.
pub fn certificate(ca: &Ca, person: &Person, organisation: Option<&str>) -> Issued {
    let cn = format!(
        "{} {} {}",
        person.last_name, person.first_name, person.middle_name
    );
    let snils = person.snils_digits();
    let mut entries = vec![(SNILS_OID, snils.as_str()), (INN_OID, person.inn.as_str())];
    if let Some(ogrn) = organisation {
        entries.push((OGRN_OID, ogrn));
    }
    ca.issue(&cn, &entries, Usage::Signing)
}

/// A detached CMS signature (DER) of `content` by `signer`, its certificate included.
pub fn detached(content: &[u8], signer: &Issued) -> Vec<u8> {
    let cms = CmsContentInfo::sign(
        Some(&signer.cert),
        Some(&signer.key),
        None,
        Some(content),
        CMSOptions::DETACHED | CMSOptions::BINARY,
    )
    .expect("CMS signature");
    cms.to_der().expect("DER")
}
