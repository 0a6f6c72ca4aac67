//! `registry`: calls to the gateway's adapters.

use crate::bindings::smev_gateway::plugin::registry::Host;
use crate::bindings::smev_gateway::plugin::types::HostError;
use crate::state::StoreState;

impl Host for StoreState {
    async fn call(
        &mut self,
        adapter: String,
        operation: String,
        input: Vec<u8>,
    ) -> Result<Vec<u8>, HostError> {
        self.services
            .registry_call(&self.cx, &adapter, &operation, input)
            .await
            .map_err(Into::into)
    }
}
