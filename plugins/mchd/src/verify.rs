//! Verifying a power of attorney for a scan: every check, in order, on the document and, for a retrust, on
//! its parents (fetched from the registry and verified the same way, with a depth limit and cycle
//! detection).
//!
//! Order: size → encoding → well-formedness (DOCTYPE refused) → format → schema → file id → number →
//! identifiers → dates → principal → representative → powers → registered document → signature → signer →
//! registry status → parent. The cheap local checks come first, so a broken document never costs a registry
//! call.
//!
//! A power of attorney is the document the ФНС registry holds under its number. One asked for by number is
//! read from the registry with its signature; one given inline is accepted only when its bytes and its
//! signature's bytes are exactly the registered ones (`MCHD_NOT_THE_REGISTERED_DOCUMENT` otherwise), so every
//! check after that one reads the registered document. The local checks before it only ever refuse.

use gateway_plugin_sdk::date::Date;

use crate::checks::{self, Expected};
use crate::document::{self, Kind, Mchd, Party, RetrustPermission};
use crate::env::{Env, Failure, SignatureCheck};
use crate::reason::{Reason, Refusal};
use crate::xml::{DomError, dom, encoding};

/// Where the document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// From the registry, by number.
    Number(String),
    /// Given in the request: the XML file and its detached signature.
    Inline {
        /// The XML file.
        xml: Vec<u8>,
        /// The detached CMS signature (DER).
        signature: Vec<u8>,
    },
}

/// What to verify: may this representative act for this organisation with this power of attorney?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// ОГРН or ОГРНИП of the organisation.
    pub organisation: String,
    /// СНИЛС of the representative (the scanning employee), 11 digits.
    pub representative: String,
    /// The power of attorney.
    pub source: Source,
}

/// Limits of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest document accepted, in bytes.
    pub max_document_bytes: usize,
    /// The most retrust links followed.
    pub max_retrust_depth: usize,
}

/// A power of attorney that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `НомДовер`.
    pub number: String,
    /// ОГРН/ОГРНИП of the organisation.
    pub organisation: String,
    /// The organisation's name, from the document or its parent.
    pub organisation_name: Option<String>,
    /// `ДатаВыдДовер`.
    pub issued: Date,
    /// `СрокДейст`.
    pub valid_until: Date,
    /// `ПрПередов`: may it be retrusted?
    pub retrust: RetrustPermission,
    /// The numbers of the retrusted parents, nearest first (empty for a direct power).
    pub parents: Vec<String>,
}

/// Why a verification did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// A check failed.
    Refused(Refusal),
    /// A dependency is unavailable; try again later.
    Unavailable(String),
    /// A dependency failed otherwise.
    Failed(String),
}

impl From<Refusal> for VerifyError {
    fn from(refusal: Refusal) -> Self {
        VerifyError::Refused(refusal)
    }
}

impl From<Failure> for VerifyError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Unavailable(m) => VerifyError::Unavailable(m),
            Failure::Failed(m) => VerifyError::Failed(m),
        }
    }
}

/// Verifies `subject`.
pub fn verify(env: &dyn Env, limits: Limits, subject: &Subject) -> Result<Verified, VerifyError> {
    let candidate = match &subject.source {
        Source::Number(number) => {
            let fetched = env
                .fetch(number)?
                .ok_or_else(|| Refusal::plain(Reason::NotRegistered))?;
            Candidate {
                xml: fetched.xml,
                signature: fetched.signature,
                expected_number: Some(number.clone()),
                registered: true,
            }
        }
        Source::Inline { xml, signature } => Candidate {
            xml: xml.clone(),
            signature: Some(signature.clone()),
            expected_number: None,
            registered: false,
        },
    };
    let verifier = Verifier {
        env,
        limits,
        organisation: &subject.organisation,
    };
    let mut chain = Vec::new();
    verifier.document(
        candidate,
        Expected::Employee(&subject.representative),
        &mut chain,
        0,
    )
}

/// A document to check and what is known of it beforehand.
struct Candidate {
    xml: Vec<u8>,
    signature: Option<Vec<u8>>,
    expected_number: Option<String>,
    /// The document and its signature were read from the registry (not given by the sender).
    registered: bool,
}

struct Verifier<'a> {
    env: &'a dyn Env,
    limits: Limits,
    organisation: &'a str,
}

impl Verifier<'_> {
    /// Checks one document; `level` is the number of retrusts made from it below (0 for the document asked
    /// about); `chain` holds the numbers of the documents being checked above it.
    fn document(
        &self,
        candidate: Candidate,
        representative: Expected<'_>,
        chain: &mut Vec<String>,
        level: usize,
    ) -> Result<Verified, VerifyError> {
        let mchd = self.read(&candidate.xml)?;
        checks::file_id(&mchd)?;
        checks::number(&mchd, candidate.expected_number.as_deref())?;
        checks::identifiers(&mchd)?;
        checks::dates(&mchd, self.env.today())?;
        let principal = checks::principal(&mchd, self.organisation)?;
        checks::representative(&mchd, representative)?;
        checks::powers(&mchd)?;
        if !candidate.registered {
            self.registered(&mchd.number, &candidate)?;
        }
        let signature = candidate
            .signature
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Refusal::plain(Reason::SignatureMissing))?;
        let signer = match self.env.verify_signature(&candidate.xml, &signature)? {
            SignatureCheck::Valid(signer) => signer,
            SignatureCheck::Bad(why) => return Err(Refusal::new(Reason::BadSignature, why).into()),
            SignatureCheck::Untrusted(why) => {
                return Err(Refusal::new(Reason::UntrustedSigner, why).into());
            }
            SignatureCheck::Revoked(why) => {
                return Err(Refusal::new(Reason::CertificateRevoked, why).into());
            }
        };
        let required = checks::required_signers(&mchd, principal, self.organisation);
        checks::signer(&required, &signer)?;
        let status = self
            .env
            .status(&mchd.number)?
            .ok_or_else(|| Refusal::plain(Reason::NotRegistered))?;
        if let Some(reason) = Reason::for_status(&status) {
            return Err(Refusal::plain(reason).into());
        }
        let mut verified = Verified {
            number: mchd.number.clone(),
            organisation: self.organisation.to_owned(),
            organisation_name: principal.and_then(|p| p.name.clone()),
            issued: mchd.issued,
            valid_until: mchd.valid_until,
            retrust: mchd.retrust,
            parents: Vec::new(),
        };
        if let Kind::Retrust { passing, .. } = &mchd.kind {
            chain.push(mchd.number.to_ascii_lowercase());
            let parent = self.parent(&mchd, passing, chain, level)?;
            verified.organisation_name = verified.organisation_name.or(parent.organisation_name);
            verified.parents.push(parent.number);
            verified.parents.extend(parent.parents);
        }
        Ok(verified)
    }

    /// The registry holds exactly `candidate` (document and signature) under `number`.
    fn registered(&self, number: &str, candidate: &Candidate) -> Result<(), VerifyError> {
        let fetched = self
            .env
            .fetch(number)?
            .ok_or_else(|| Refusal::plain(Reason::NotRegistered))?;
        let differs = if fetched.xml != candidate.xml {
            Some("файл доверенности отличается от зарегистрированного")
        } else if fetched.signature.as_deref().unwrap_or_default()
            != candidate.signature.as_deref().unwrap_or_default()
        {
            Some("подпись отличается от зарегистрированной")
        } else {
            None
        };
        match differs {
            Some(detail) => Err(Refusal::new(Reason::NotTheRegisteredDocument, detail).into()),
            None => Ok(()),
        }
    }

    /// Size, encoding, well-formedness, format and schema; then the model.
    fn read(&self, xml: &[u8]) -> Result<Mchd, VerifyError> {
        if xml.len() > self.limits.max_document_bytes {
            let detail = format!(
                "{} байт, допустимо не более {}",
                xml.len(),
                self.limits.max_document_bytes
            );
            return Err(Refusal::new(Reason::TooLarge, detail).into());
        }
        let text = encoding::to_utf8(xml).map_err(|why| Refusal::new(Reason::Malformed, why))?;
        let root = dom::parse(&text).map_err(|e| match e {
            DomError::Unsafe(why) => Refusal::new(Reason::UnsafeXml, why),
            DomError::Malformed(why) => Refusal::new(Reason::Malformed, why),
        })?;
        if let Some(version) = document::format_version(&root).filter(|v| *v != document::FORMAT) {
            return Err(
                Refusal::new(Reason::FormatUnsupported, format!("ВерсФорм=\"{version}\"")).into(),
            );
        }
        if let Some(why) = self.env.validate(xml)? {
            return Err(Refusal::new(Reason::SchemaInvalid, short(&why)).into());
        }
        Mchd::read(&root).map_err(|why| Refusal::new(Reason::SchemaInvalid, why).into())
    }

    /// Fetches and verifies the parent of the retrust `mchd`, then checks that it allows this retrust.
    fn parent(
        &self,
        mchd: &Mchd,
        passing: &[Party],
        chain: &mut Vec<String>,
        level: usize,
    ) -> Result<Verified, VerifyError> {
        let number = mchd
            .parent()
            .ok_or_else(|| Refusal::plain(Reason::RetrustNoParent))?;
        if chain.iter().any(|seen| seen.eq_ignore_ascii_case(number)) {
            return Err(Refusal::new(
                Reason::RetrustCycle,
                format!("доверенность {number} уже есть в цепочке"),
            )
            .into());
        }
        if level + 1 > self.limits.max_retrust_depth {
            let detail = format!("более {} передоверий", self.limits.max_retrust_depth);
            return Err(Refusal::new(Reason::RetrustTooDeep, detail).into());
        }
        let parent_invalid = |refusal: Refusal| {
            let detail = format!(
                "доверенность {number}: {} ({})",
                refusal.message(),
                refusal.reason.code()
            );
            VerifyError::Refused(Refusal::new(Reason::ParentInvalid, detail))
        };
        let fetched = self
            .env
            .fetch(number)?
            .ok_or_else(|| parent_invalid(Refusal::plain(Reason::NotRegistered)))?;
        let candidate = Candidate {
            xml: fetched.xml,
            signature: fetched.signature,
            expected_number: Some(number.to_owned()),
            registered: true,
        };
        let verified = match self.document(candidate, Expected::AnyOf(passing), chain, level + 1) {
            Ok(verified) => verified,
            // Problems of the chain itself keep their own reason.
            Err(VerifyError::Refused(r))
                if matches!(r.reason, Reason::RetrustCycle | Reason::RetrustTooDeep) =>
            {
                return Err(VerifyError::Refused(r));
            }
            Err(VerifyError::Refused(r)) => return Err(parent_invalid(r)),
            Err(other) => return Err(other),
        };
        if !allows(verified.retrust, level + 1) {
            return Err(
                Refusal::new(Reason::RetrustForbidden, format!("доверенность {number}")).into(),
            );
        }
        Ok(verified)
    }
}

/// Whether a power with `permission` may be retrusted `levels` times in a row below it.
fn allows(permission: RetrustPermission, levels: usize) -> bool {
    match permission {
        RetrustPermission::Never => false,
        RetrustPermission::Once => levels <= 1,
        RetrustPermission::Onward => true,
    }
}

/// The first 300 characters of a validator's message.
fn short(message: &str) -> String {
    let mut out: String = message.chars().take(300).collect();
    if out.len() < message.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;
