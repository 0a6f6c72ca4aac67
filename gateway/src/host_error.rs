//! How a store failure reaches a plugin: a retryable one (busy, unreachable) as `unavailable`, so that the
//! plugin answers a status the sender may retry; any other as `failed`.

use gateway_host::HostError;

/// A store error as a plugin's host error.
pub fn store_err(e: gateway_store::StoreError) -> HostError {
    if e.is_retryable() {
        HostError::Unavailable(e.to_string())
    } else {
        HostError::Failed(e.to_string())
    }
}
