//! `xml-schema`: validation against the gateway's schemas.

use crate::bindings::smev_gateway::plugin::types::HostError;
use crate::bindings::smev_gateway::plugin::xml_schema::Host;
use crate::state::StoreState;

impl Host for StoreState {
    async fn validate(
        &mut self,
        namespace: String,
        document: Vec<u8>,
    ) -> Result<Option<String>, HostError> {
        self.services
            .validate_xml(&self.cx, &namespace, document)
            .await
            .map_err(Into::into)
    }
}
