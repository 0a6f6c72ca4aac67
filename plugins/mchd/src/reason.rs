//! Why a power of attorney is refused: one stable reason code per check, with a Russian explanation.
//!
//! The codes are part of the contract: they appear as `ReasonCode` in `VerifyMchdResponse` (enumerated in
//! `schemas/mchd/mchd.xsd`) and, through the policy step's denial, in every scanning answer
//! (`MCHD_INVALID` with the reason). Never rename one; add new ones.

use std::fmt;

/// What the sender reads when a check could not be made for a reason of the gateway's own (a misconfigured
/// adapter, a malformed registry answer); the cause goes to the gateway's log.
pub const CHECK_FAILED: &str = "Проверка доверенности не выполнена из-за внутренней ошибки шлюза";

/// One failed check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// `OnBehalfOf` (or `VerifyMchdRequest`) is malformed: an identifier fails its check number, no МЧД or
    /// both forms are given, the base64 is broken.
    RequestInvalid,
    /// The ФНС registry does not know the number.
    NotRegistered,
    /// The document is larger than the plugin accepts.
    TooLarge,
    /// The document declares a DOCTYPE or entities (an XML bomb, say).
    UnsafeXml,
    /// The document is not well-formed XML (a truncated file, say) or not in a readable encoding.
    Malformed,
    /// Not format EMCHD_1 (format 002 has no machine-readable powers).
    FormatUnsupported,
    /// The document does not validate against the EMCHD_1 schema.
    SchemaInvalid,
    /// `ИдФайл` does not agree with `НомДовер`.
    FileIdMismatch,
    /// The document's `НомДовер` is not the number asked for (registry or retrust reference).
    NumberMismatch,
    /// An ОГРН, ОГРНИП, ИНН or СНИЛС in the document fails its check number.
    BadIdentifier,
    /// Today (Europe/Moscow) is before `ДатаВыдДовер`.
    NotYetValid,
    /// Today (Europe/Moscow) is after `СрокДейст`.
    Expired,
    /// No principal is the organisation scanned for.
    PrincipalMismatch,
    /// The representative is not the scanning employee.
    RepresentativeMismatch,
    /// No machine-readable power `GOSCAN_DELEGATE_SCAN`.
    PowerMissing,
    /// The powers may only be exercised jointly (`ПрСовмПолн` = 2).
    JointPower,
    /// The scanning power carries restrictions (`ОгрСвПолн`) the gateway does not interpret.
    RestrictedPower,
    /// No detached signature came with the document.
    SignatureMissing,
    /// The signature does not verify over the document's bytes, or is not a CMS signature.
    BadSignature,
    /// The signer's certificate does not chain to the trust store or is not valid now.
    UntrustedSigner,
    /// The signature is valid but made by someone other than the person who must sign.
    WrongSigner,
    /// The document (or its signature) is not the one the ФНС registry holds under its number: an inline
    /// document is trusted only when its bytes are the registered document's.
    NotTheRegisteredDocument,
    /// The signer's certificate names an organisation (ОГРН, or ОГРНИП) other than the one whose head must
    /// sign.
    SignerOrganisationMismatch,
    /// The signer's certificate carries neither СНИЛС nor ИНН, so it cannot show who signed.
    SignerUnidentified,
    /// The signer's certificate, or a CA certificate above it, is revoked (CRL or OCSP).
    CertificateRevoked,
    /// Registry status `CREATED`.
    StatusCreated,
    /// Registry status `EXPIRED`.
    StatusExpired,
    /// Registry status `REVOKED`.
    StatusRevoked,
    /// Registry status `PROCESSING`.
    StatusProcessing,
    /// Registry status `REJECTED`.
    StatusRejected,
    /// A registry status the gateway does not know.
    StatusUnknown,
    /// A retrust names no parent power of attorney.
    RetrustNoParent,
    /// The parent does not allow (this level of) retrust.
    RetrustForbidden,
    /// The parent power of attorney is itself invalid.
    ParentInvalid,
    /// The chain of retrusts comes back to a document already in it.
    RetrustCycle,
    /// The chain of retrusts is longer than the configured limit.
    RetrustTooDeep,
}

impl Reason {
    /// Every reason, in documentation order.
    pub const ALL: [Reason; 36] = [
        Reason::RequestInvalid,
        Reason::NotRegistered,
        Reason::TooLarge,
        Reason::UnsafeXml,
        Reason::Malformed,
        Reason::FormatUnsupported,
        Reason::SchemaInvalid,
        Reason::FileIdMismatch,
        Reason::NumberMismatch,
        Reason::BadIdentifier,
        Reason::NotYetValid,
        Reason::Expired,
        Reason::PrincipalMismatch,
        Reason::RepresentativeMismatch,
        Reason::PowerMissing,
        Reason::JointPower,
        Reason::RestrictedPower,
        Reason::SignatureMissing,
        Reason::BadSignature,
        Reason::UntrustedSigner,
        Reason::WrongSigner,
        Reason::NotTheRegisteredDocument,
        Reason::SignerOrganisationMismatch,
        Reason::SignerUnidentified,
        Reason::CertificateRevoked,
        Reason::StatusCreated,
        Reason::StatusExpired,
        Reason::StatusRevoked,
        Reason::StatusProcessing,
        Reason::StatusRejected,
        Reason::StatusUnknown,
        Reason::RetrustNoParent,
        Reason::RetrustForbidden,
        Reason::ParentInvalid,
        Reason::RetrustCycle,
        Reason::RetrustTooDeep,
    ];

    /// The stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Reason::RequestInvalid => "MCHD_REQUEST_INVALID",
            Reason::NotRegistered => "MCHD_NOT_REGISTERED",
            Reason::TooLarge => "MCHD_TOO_LARGE",
            Reason::UnsafeXml => "MCHD_UNSAFE_XML",
            Reason::Malformed => "MCHD_MALFORMED",
            Reason::FormatUnsupported => "MCHD_FORMAT_UNSUPPORTED",
            Reason::SchemaInvalid => "MCHD_SCHEMA_INVALID",
            Reason::FileIdMismatch => "MCHD_FILE_ID_MISMATCH",
            Reason::NumberMismatch => "MCHD_NUMBER_MISMATCH",
            Reason::BadIdentifier => "MCHD_BAD_IDENTIFIER",
            Reason::NotYetValid => "MCHD_NOT_YET_VALID",
            Reason::Expired => "MCHD_EXPIRED",
            Reason::PrincipalMismatch => "MCHD_PRINCIPAL_MISMATCH",
            Reason::RepresentativeMismatch => "MCHD_REPRESENTATIVE_MISMATCH",
            Reason::PowerMissing => "MCHD_POWER_MISSING",
            Reason::JointPower => "MCHD_JOINT_POWER",
            Reason::RestrictedPower => "MCHD_RESTRICTED_POWER",
            Reason::SignatureMissing => "MCHD_SIGNATURE_MISSING",
            Reason::BadSignature => "MCHD_BAD_SIGNATURE",
            Reason::UntrustedSigner => "MCHD_UNTRUSTED_SIGNER",
            Reason::WrongSigner => "MCHD_WRONG_SIGNER",
            Reason::NotTheRegisteredDocument => "MCHD_NOT_THE_REGISTERED_DOCUMENT",
            Reason::SignerOrganisationMismatch => "MCHD_SIGNER_ORGANISATION_MISMATCH",
            Reason::SignerUnidentified => "MCHD_SIGNER_UNIDENTIFIED",
            Reason::CertificateRevoked => "MCHD_CERTIFICATE_REVOKED",
            Reason::StatusCreated => "MCHD_STATUS_CREATED",
            Reason::StatusExpired => "MCHD_STATUS_EXPIRED",
            Reason::StatusRevoked => "MCHD_STATUS_REVOKED",
            Reason::StatusProcessing => "MCHD_STATUS_PROCESSING",
            Reason::StatusRejected => "MCHD_STATUS_REJECTED",
            Reason::StatusUnknown => "MCHD_STATUS_UNKNOWN",
            Reason::RetrustNoParent => "MCHD_RETRUST_NO_PARENT",
            Reason::RetrustForbidden => "MCHD_RETRUST_FORBIDDEN",
            Reason::ParentInvalid => "MCHD_PARENT_INVALID",
            Reason::RetrustCycle => "MCHD_RETRUST_CYCLE",
            Reason::RetrustTooDeep => "MCHD_RETRUST_TOO_DEEP",
        }
    }

    /// The Russian explanation shown to the employee.
    pub fn text(self) -> &'static str {
        match self {
            Reason::RequestInvalid => "Сведения о доверенности в запросе заполнены неверно",
            Reason::NotRegistered => "Доверенность не найдена в реестре ФНС",
            Reason::TooLarge => "Файл доверенности слишком велик",
            Reason::UnsafeXml => {
                "Файл доверенности содержит недопустимые конструкции XML (DOCTYPE, сущности)"
            }
            Reason::Malformed => "Файл доверенности повреждён или не является корректным XML",
            Reason::FormatUnsupported => {
                "Формат доверенности не поддерживается: для сканирования нужна машиночитаемая доверенность формата EMCHD_1"
            }
            Reason::SchemaInvalid => "Файл доверенности не соответствует схеме ФНС (EMCHD_1)",
            Reason::FileIdMismatch => "Идентификатор файла доверенности не соответствует её номеру",
            Reason::NumberMismatch => "Номер доверенности не совпадает с запрошенным",
            Reason::BadIdentifier => "В доверенности указан неверный ОГРН, ОГРНИП, ИНН или СНИЛС",
            Reason::NotYetValid => "Срок действия доверенности ещё не начался",
            Reason::Expired => "Срок действия доверенности истёк",
            Reason::PrincipalMismatch => {
                "Доверенность выдана не организацией, от имени которой выполняется сканирование"
            }
            Reason::RepresentativeMismatch => {
                "Доверенность выдана не сотруднику, выполняющему сканирование"
            }
            Reason::PowerMissing => {
                "В доверенности нет полномочия на сканирование документов (GOSCAN_DELEGATE_SCAN)"
            }
            Reason::JointPower => "Полномочия по доверенности осуществляются только совместно",
            Reason::RestrictedPower => {
                "Полномочие на сканирование ограничено условиями, которые не могут быть проверены"
            }
            Reason::SignatureMissing => "К доверенности не приложена электронная подпись",
            Reason::BadSignature => "Электронная подпись доверенности недействительна",
            Reason::UntrustedSigner => {
                "Сертификат подписи доверенности не выдан доверенным удостоверяющим центром или недействителен"
            }
            Reason::WrongSigner => "Доверенность подписана не лицом, имеющим право её выдать",
            Reason::NotTheRegisteredDocument => {
                "Доверенность не совпадает с документом, зарегистрированным в реестре ФНС под этим номером"
            }
            Reason::SignerOrganisationMismatch => {
                "Сертификат подписи доверенности выдан представителю другой организации"
            }
            Reason::SignerUnidentified => {
                "В сертификате подписи доверенности нет СНИЛС или ИНН подписавшего"
            }
            Reason::CertificateRevoked => "Сертификат подписи доверенности отозван",
            Reason::StatusCreated => {
                "Доверенность ещё не зарегистрирована в реестре ФНС (статус «Создана»)"
            }
            Reason::StatusExpired => "По данным реестра ФНС срок действия доверенности истёк",
            Reason::StatusRevoked => "Доверенность отозвана",
            Reason::StatusProcessing => "Доверенность находится на регистрации в реестре ФНС",
            Reason::StatusRejected => "В регистрации доверенности в реестре ФНС отказано",
            Reason::StatusUnknown => "Реестр ФНС сообщил неизвестный статус доверенности",
            Reason::RetrustNoParent => {
                "В доверенности, выданной в порядке передоверия, не указан номер исходной доверенности"
            }
            Reason::RetrustForbidden => "Исходная доверенность не допускает передоверия",
            Reason::ParentInvalid => {
                "Доверенность, на основании которой выполнено передоверие, недействительна"
            }
            Reason::RetrustCycle => "Цепочка передоверия замкнута на саму себя",
            Reason::RetrustTooDeep => "Цепочка передоверия слишком длинная",
        }
    }

    /// The reason for a registry status other than `ACTIVE`; `None` for `ACTIVE`.
    pub fn for_status(status: &str) -> Option<Reason> {
        match status {
            "ACTIVE" => None,
            "CREATED" => Some(Reason::StatusCreated),
            "EXPIRED" => Some(Reason::StatusExpired),
            "REVOKED" => Some(Reason::StatusRevoked),
            "PROCESSING" => Some(Reason::StatusProcessing),
            "REJECTED" => Some(Reason::StatusRejected),
            _ => Some(Reason::StatusUnknown),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refusal: the failed check and what exactly was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The failed check.
    pub reason: Reason,
    /// Particulars (which identifier, which date); empty when the reason says it all. No personal data.
    pub detail: String,
}

impl Refusal {
    /// A refusal for `reason` with `detail`.
    pub fn new(reason: Reason, detail: impl Into<String>) -> Refusal {
        Refusal {
            reason,
            detail: detail.into(),
        }
    }

    /// A refusal for `reason` without particulars.
    pub fn plain(reason: Reason) -> Refusal {
        Refusal::new(reason, "")
    }

    /// The message for the employee: the reason's text, then the particulars.
    pub fn message(&self) -> String {
        if self.detail.is_empty() {
            self.reason.text().to_owned()
        } else {
            format!("{}: {}", self.reason.text(), self.detail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_distinct_and_prefixed() {
        let codes: HashSet<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Reason::ALL.len());
        assert!(codes.iter().all(|c| c.starts_with("MCHD_")));
        let texts: HashSet<&str> = Reason::ALL.iter().map(|r| r.text()).collect();
        assert_eq!(
            texts.len(),
            Reason::ALL.len(),
            "every reason reads differently"
        );
    }

    #[test]
    fn statuses_map_to_their_own_reasons() {
        assert_eq!(Reason::for_status("ACTIVE"), None);
        assert_eq!(Reason::for_status("REVOKED"), Some(Reason::StatusRevoked));
        assert_eq!(Reason::for_status("CREATED"), Some(Reason::StatusCreated));
        assert_eq!(Reason::for_status("active"), Some(Reason::StatusUnknown));
    }

    #[test]
    fn messages_carry_the_detail() {
        assert_eq!(
            Refusal::plain(Reason::Expired).message(),
            "Срок действия доверенности истёк"
        );
        assert_eq!(
            Refusal::new(Reason::Expired, "действовала до 2026-01-01").message(),
            "Срок действия доверенности истёк: действовала до 2026-01-01"
        );
    }
}
