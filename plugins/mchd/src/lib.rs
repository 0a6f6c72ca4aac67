//! `mchd`: machine-readable powers of attorney (МЧД, ФНС format EMCHD_1) for scanning on behalf of an
//! organisation (seeds 000, 001, 002; DESIGN.md §5a).
//!
//! An employee scans a citizen's QR code for an organisation only with a valid МЧД from it carrying the power
//! `GOSCAN_DELEGATE_SCAN`. This component verifies that, in one of two roles (`config::Role`):
//!
//! - **policy** (default): the step before the document plugin of every scanning route. It finds
//!   `OnBehalfOf` (namespace `urn://gateway/goscan/1.0`) anywhere in the payload, XML or JSON. Without it the
//!   scan is a private person's and goes on with no notes. With it the МЧД (inline, or by number from the
//!   registry) is verified; success proceeds with the notes `goscan.organisation` (ОГРН/ОГРНИП),
//!   `goscan.mchd` (the number) and `goscan.scanner` (СНИЛС digits); a failed check denies with its reason
//!   code and a Russian message; an unavailable registry yields a retryable status (503, `retry_after`).
//! - **service**: the document plugin of `{urn://gateway/mchd/1.0}VerifyMchdRequest` (the same verification,
//!   answered `VALID` or `INVALID` with the reason) and `{urn://gateway/goscan/1.0}ListScanOrganisationsRequest`
//!   (the organisations for which the employee holds an active scanning МЧД, from the registry).
//!
//! # Checks and reason codes
//!
//! In this order (`verify`); each failure has its own code:
//!
//! | code | check |
//! |---|---|
//! | `MCHD_REQUEST_INVALID` | `OnBehalfOf`/the request: ОГРН/ОГРНИП and СНИЛС check numbers, exactly one of number or document, a GUID number, valid base64 |
//! | `MCHD_NOT_REGISTERED` | the registry knows the number (also an inline document's number) |
//! | `MCHD_TOO_LARGE` | the file is at most `max_document_bytes` |
//! | `MCHD_MALFORMED` | well-formed XML in UTF-8 or windows-1251 (a truncated file fails here) |
//! | `MCHD_UNSAFE_XML` | no DOCTYPE, no entities (an XML bomb fails here, unexpanded) |
//! | `MCHD_FORMAT_UNSUPPORTED` | `ВерсФорм` is `EMCHD_1` (format 002 has no machine-readable powers) |
//! | `MCHD_SCHEMA_INVALID` | valid against the ФНС schema EMCHD_1 (by the host) |
//! | `MCHD_FILE_ID_MISMATCH` | `ИдФайл` is `ON_EMCHD_…_<НомДовер>` |
//! | `MCHD_NUMBER_MISMATCH` | `НомДовер` is the number asked for |
//! | `MCHD_BAD_IDENTIFIER` | every ОГРН, ОГРНИП, ИНН, СНИЛС passes its check number |
//! | `MCHD_NOT_YET_VALID`, `MCHD_EXPIRED` | today in Europe/Moscow is within `ДатаВыдДовер`..=`СрокДейст` |
//! | `MCHD_PRINCIPAL_MISMATCH` | a principal has the organisation's ОГРН/ОГРНИП |
//! | `MCHD_REPRESENTATIVE_MISMATCH` | the representative (`СвУпПред`; `СвПолучПолн` in a retrust) is the employee |
//! | `MCHD_POWER_MISSING` | `ТипПолн` 1 and a `МашПолн` with `GOSCAN_DELEGATE_SCAN` in `КодПолн` or `МнПолн` |
//! | `MCHD_JOINT_POWER` | not `ПрСовмПолн` 2 (joint exercise only) |
//! | `MCHD_RESTRICTED_POWER` | the scanning power has no `ОгрСвПолн` |
//! | `MCHD_NOT_THE_REGISTERED_DOCUMENT` | an inline document and its signature are, byte for byte, the ones the registry holds under its number (a document by number is read from the registry) |
//! | `MCHD_SIGNATURE_MISSING` | a detached signature is given (or registered) |
//! | `MCHD_BAD_SIGNATURE` | the CMS signature verifies over the exact bytes (host, OpenSSL) |
//! | `MCHD_UNTRUSTED_SIGNER` | the certificate chains to the gateway's trust store and is valid now |
//! | `MCHD_CERTIFICATE_REVOKED` | neither the certificate nor a CA above it is revoked (the trust store's CRLs, OCSP) |
//! | `MCHD_SIGNER_UNIDENTIFIED` | the certificate names a person (СНИЛС or ИНН) |
//! | `MCHD_SIGNER_ORGANISATION_MISMATCH` | an ОГРН/ОГРНИП in the certificate is the principal's (direct) or the organisation's or a passing organisation's (retrust) |
//! | `MCHD_WRONG_SIGNER` | the certificate's СНИЛС/ИНН is the head's in `ЛицоБезДов` (direct) or the passing party's in `СвПередПолн` (retrust) |
//! | `MCHD_STATUS_CREATED`, `…_EXPIRED`, `…_REVOKED`, `…_PROCESSING`, `…_REJECTED`, `…_UNKNOWN` | the registry says `ACTIVE` |
//! | `MCHD_RETRUST_NO_PARENT` | a retrust names its parent |
//! | `MCHD_RETRUST_CYCLE`, `MCHD_RETRUST_TOO_DEEP` | the chain of retrusts ends, within `max_retrust_depth` |
//! | `MCHD_PARENT_INVALID` | the parent, fetched from the registry, passes every check (its reason is in the message) |
//! | `MCHD_RETRUST_FORBIDDEN` | the parent allows retrust (`ПрПередов` 2 for one level, 3 for more) |
//!
//! Registry answers are cached in the gateway's shared token store, in this plugin's own scopes (no other
//! plugin can write them): registered documents for `cache_ttl`, statuses for `status_cache_ttl` (at most
//! `cache_ttl`, default 30 s); a revocation takes effect on the first scan after that. Keys never enter the plugin: the
//! signature is checked by the host's `crypto` capability.
//!
//! # Layout
//!
//! - `config`: [`config::Settings`] and the role.
//! - `reason`: [`reason::Reason`] codes and texts, [`reason::Refusal`].
//! - `xml`: encoding (UTF-8, windows-1251) and a small element tree (DOCTYPE refused, limits).
//! - `document`: the МЧД model read from the tree.
//! - `checks`: the document checks.
//! - `env`: what verification needs from outside ([`env::Env`]); `host_env` implements it over the host.
//! - `registry`: the adapter's operations and answers; `cache`: registry answers in the token store.
//! - `verify`: the verification, retrust recursion with depth limit and cycle detection.
//! - `subject`: `OnBehalfOf` in any payload; `messages`: the message types.
//! - `policy`, `service`: the two roles.
//!
//! From the SDK: `date` (today in Moscow, `xs:date`), `duration` (`cache_ttl`, `retry_after`; `"0s"` allowed),
//! `guid` (МЧД numbers), `identifiers` (check numbers), `QName::from_clark` (`scan_types`).

pub mod cache;
pub mod checks;
pub mod config;
pub mod document;
pub mod env;
pub mod host_env;
pub mod messages;
pub mod policy;
pub mod reason;
pub mod registry;
pub mod service;
pub mod subject;
pub mod verify;
pub mod xml;

use gateway_plugin_sdk::prelude::*;

use crate::config::{Role, Settings};
use crate::host_env::HostEnv;
use crate::messages::{GOSCAN_NS, MCHD_NS};

struct MchdPlugin;

impl Plugin for MchdPlugin {
    fn describe() -> Description {
        let settings = match Settings::from_json(&host::config::config_json()) {
            Ok(settings) => settings,
            // The only way a plugin can refuse to load: the host reports this message at start-up.
            Err(why) => panic!("invalid plugin config of mchd: {why}"),
        };
        let description = Description::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
        match settings.role {
            Role::Policy => settings
                .scan_types
                .iter()
                .filter_map(|name| QName::from_clark(name))
                .fold(description.policy(), Description::accepts),
            Role::Service => description
                .accepts(QName::new(MCHD_NS, "VerifyMchdRequest"))
                .accepts(QName::new(GOSCAN_NS, "ListScanOrganisationsRequest"))
                .produces(QName::new(MCHD_NS, "VerifyMchdResponse"))
                .produces(QName::new(GOSCAN_NS, "ListScanOrganisationsResponse")),
        }
    }

    fn handle(req: Request) -> Result<Outcome, PluginError> {
        let settings = Settings::from_json(&host::config::config_json())
            .map_err(|why| PluginError::new(format!("invalid plugin config: {why}")))?;
        let env = HostEnv::new(&settings);
        match (settings.role, req.message_type.local_name.as_str()) {
            (Role::Policy, _) => policy::handle(&req, &settings, &env),
            (Role::Service, "VerifyMchdRequest") => service::verify_mchd(&req, &settings, &env),
            (Role::Service, "ListScanOrganisationsRequest") => {
                service::list_organisations(&req, &settings, &env)
            }
            (Role::Service, other) => {
                Err(PluginError::new(format!("mchd does not handle {other}")))
            }
        }
    }
}

gateway_plugin_sdk::export_plugin!(MchdPlugin);
