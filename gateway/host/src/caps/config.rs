//! `config`: the plugin's own config table as JSON.

use crate::bindings::smev_gateway::plugin::config::Host;
use crate::state::StoreState;

impl Host for StoreState {
    fn get(&mut self) -> String {
        self.plugin.config_json.clone()
    }
}
