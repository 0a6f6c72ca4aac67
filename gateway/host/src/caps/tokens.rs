//! `tokens`: the gateway's token store.

use std::time::Duration;

use crate::bindings::smev_gateway::plugin::tokens::{Host, Lookup, Token};
use crate::bindings::smev_gateway::plugin::types::HostError;
use crate::state::StoreState;

impl Host for StoreState {
    async fn get(&mut self, scope: String, id: String) -> Result<Lookup, HostError> {
        self.services
            .token_get(&self.cx, &scope, &id)
            .await
            .map(Into::into)
            .map_err(Into::into)
    }

    async fn find_by_subject(
        &mut self,
        scope: String,
        subject: String,
    ) -> Result<Option<Token>, HostError> {
        self.services
            .token_find(&self.cx, &scope, &subject)
            .await
            .map(|found| found.map(Into::into))
            .map_err(Into::into)
    }

    async fn issue(
        &mut self,
        scope: String,
        subject: String,
        data: Vec<u8>,
        ttl_ms: u64,
    ) -> Result<Token, HostError> {
        if ttl_ms == 0 {
            return Err(HostError::Invalid(
                "a token's ttl must be at least 1 ms".into(),
            ));
        }
        let ttl = Duration::from_millis(ttl_ms);
        self.services
            .token_issue(&self.cx, &scope, &subject, data, ttl)
            .await
            .map(Into::into)
            .map_err(Into::into)
    }
}
