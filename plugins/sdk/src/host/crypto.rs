//! Cryptography done by the host; keys never enter a plugin.

use crate::bindings::smev_gateway::plugin::crypto as wit;
pub use crate::bindings::smev_gateway::plugin::crypto::{Signer, VerifyError};
use crate::error::HostError;

/// Verifies a detached CMS signature (DER) over `content` against the host's trust store.
///
/// `Ok(Ok(signer))`: valid, signed by `signer`. `Ok(Err(why))`: the signature is bad or the signer untrusted.
/// `Err(_)`: the host could not check.
pub fn verify_detached(
    content: &[u8],
    signature: &[u8],
) -> Result<Result<Signer, VerifyError>, HostError> {
    wit::verify_detached(content, signature)
}
