//! What every Goscan document plugin shares (seeds 000–002): scanning a citizen's document on behalf of an
//! organisation (`urn://gateway/goscan/1.0` `OnBehalfOf`), which the МЧД policy step checks before the document
//! plugin runs, and the scan facts the monthly reports count.
//!
//! A document plugin decodes `OnBehalfOf` with its request, answers a refused power of attorney with
//! [`MCHD_ADVICE`], and records a valid scan with [`record_scan`] only when [`scanned_for`] names the
//! organisation: a private person's scan is shown and never recorded.

use serde::Deserialize;

use crate::bindings::smev_gateway::plugin::types::{Fact, Request};

/// The namespace of `OnBehalfOf`.
pub const NS: &str = "urn://gateway/goscan/1.0";

/// The note the МЧД policy step leaves when the power of attorney holds: the organisation's ОГРН or ОГРНИП.
pub const ORGANISATION_NOTE: &str = "goscan.organisation";

/// The seed's advice when the power of attorney is missing, invalid or expired.
pub const MCHD_ADVICE: &str =
    "Выберите другую организацию или отсканируйте код как физическое лицо";

/// `OnBehalfOf` as a document plugin needs it: the organisation (the power of attorney itself is the policy
/// step's business).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OnBehalfOf {
    /// ОГРН or ОГРНИП.
    pub organisation: String,
}

/// The organisation a scan counts for: the request was made on its behalf and the МЧД policy step passed it.
pub fn scanned_for<'r>(req: &'r Request, on_behalf_of: Option<&OnBehalfOf>) -> Option<&'r str> {
    on_behalf_of?;
    req.annotation(ORGANISATION_NOTE)
}

/// Records a scan of `document_type` (e.g. `svo-status`) for `organisation` now; returns the scan's id, which
/// the answer names (`ScanId`). The host writes it only if the whole chain passes and the answer is a reply.
pub fn record_scan(organisation: &str, document_type: &str) -> String {
    let id = crate::host::ids::uuid();
    crate::host::facts::record(
        &Fact::new(
            "scan",
            organisation,
            document_type,
            crate::host::ids::now_ms(),
        )
        .attribute("id", id.clone()),
    );
    id
}
