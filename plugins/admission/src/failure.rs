//! Why a request could not be answered: a dependency that is unavailable for now (the store, the token store,
//! the register of diagnoses), which the sender sees as a retryable `RequestStatus`, or a plugin failure, which
//! it sees as a rejection. What went wrong in detail goes to the log, never a payload value.

use gateway_plugin_sdk::host::store::StoreError;
use gateway_plugin_sdk::prelude::*;

/// The business status code of "a dependency is unavailable, ask again later".
pub const UNAVAILABLE: i32 = 503;

/// How long the sender is asked to wait before asking again.
pub const RETRY_AFTER_MS: u64 = 30_000;

/// What the sender reads when the store is unavailable.
const STORE_UNAVAILABLE: &str =
    "Хранилище системы допуска временно недоступно. Повторите запрос позже.";

/// Why a request could not be answered.
#[derive(Debug)]
pub enum Failure {
    /// A dependency is unavailable for now; the Russian text says which and asks to try again later.
    Unavailable(&'static str),
    /// Anything else.
    Plugin(PluginError),
}

impl Failure {
    /// The outcome the sender gets.
    pub fn into_outcome(self) -> Result<Outcome, PluginError> {
        match self {
            Failure::Unavailable(text) => {
                Ok(Outcome::status(UNAVAILABLE, text, Some(RETRY_AFTER_MS)))
            }
            Failure::Plugin(error) => Err(error),
        }
    }

    /// A failed host call of `what` (English, for the log): `unavailable` (the sender's text) when the host
    /// says so, else a plugin failure saying `failed`.
    pub fn host(what: &str, error: HostError, unavailable: &'static str, failed: &str) -> Failure {
        match error {
            HostError::Unavailable(why) => {
                host::log::warn(&format!("{what} unavailable: {why}"));
                Failure::Unavailable(unavailable)
            }
            other => {
                host::log::error(&format!("{what} failed: {other:?}"));
                Failure::Plugin(PluginError::new(failed))
            }
        }
    }
}

impl From<HostError> for Failure {
    /// A failure of the plugin's store (the host call most requests make).
    fn from(error: HostError) -> Self {
        Failure::host(
            "admission store",
            error,
            STORE_UNAVAILABLE,
            "Хранилище системы допуска не выполнило запрос",
        )
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Host(error) => error.into(),
            other => {
                host::log::error(&format!("admission store: {other}"));
                Failure::Plugin(PluginError::new("Данные системы допуска повреждены"))
            }
        }
    }
}

impl From<PluginError> for Failure {
    fn from(error: PluginError) -> Self {
        Failure::Plugin(error)
    }
}

impl From<CodecError> for Failure {
    fn from(error: CodecError) -> Self {
        Failure::Plugin(error.into())
    }
}
