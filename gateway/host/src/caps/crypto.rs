//! `crypto`: detached CMS verification, delegated to the gateway.

use crate::bindings::smev_gateway::plugin::crypto::{Host, Signer, VerifyError};
use crate::bindings::smev_gateway::plugin::types::HostError;
use crate::state::StoreState;

impl Host for StoreState {
    async fn verify_detached(
        &mut self,
        content: Vec<u8>,
        signature: Vec<u8>,
    ) -> Result<Result<Signer, VerifyError>, HostError> {
        match self
            .services
            .verify_detached(&self.cx, content, signature)
            .await
        {
            Ok(verdict) => Ok(verdict.map(Into::into).map_err(Into::into)),
            Err(error) => Err(error.into()),
        }
    }
}
