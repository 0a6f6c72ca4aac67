//! Short-lived tokens with their data, shared by every node of the gateway.

use std::time::Duration;

use crate::bindings::smev_gateway::plugin::tokens as wit;
pub use crate::bindings::smev_gateway::plugin::tokens::{Lookup, Token};
use crate::error::HostError;

/// The token `id` of `scope`: live, expired (with the instant), or unknown.
pub fn get(scope: &str, id: &str) -> Result<Lookup, HostError> {
    wit::get(scope, id)
}

/// The live token issued for `subject` in `scope`, if any.
pub fn find_by_subject(scope: &str, subject: &str) -> Result<Option<Token>, HostError> {
    wit::find_by_subject(scope, subject)
}

/// Issues a token for `subject` holding `data` for `ttl` (rounded down to milliseconds). If a live token for
/// the subject already exists, that token is returned instead.
pub fn issue(scope: &str, subject: &str, data: &[u8], ttl: Duration) -> Result<Token, HostError> {
    wit::issue(scope, subject, data, ttl_ms(ttl))
}

fn ttl_ms(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_converts_to_milliseconds_without_overflow() {
        assert_eq!(ttl_ms(Duration::from_secs(300)), 300_000);
        assert_eq!(ttl_ms(Duration::from_micros(1_999)), 1);
        assert_eq!(ttl_ms(Duration::MAX), u64::MAX);
    }
}
