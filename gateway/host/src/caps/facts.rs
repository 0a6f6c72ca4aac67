//! `facts`: buffered in the store and returned with the outcome; the gateway writes them when the chain has
//! passed.

use crate::bindings::smev_gateway::plugin::facts::Host;
use crate::bindings::smev_gateway::plugin::types::Fact;
use crate::state::StoreState;

/// The most facts one invocation may record; recording more traps the plugin.
pub(crate) const MAX_FACTS: usize = 1000;

impl Host for StoreState {
    fn record(&mut self, fact: Fact) -> wasmtime::Result<()> {
        if self.facts.len() >= MAX_FACTS {
            return Err(wasmtime::Error::msg(format!(
                "the plugin recorded more than {MAX_FACTS} facts"
            )));
        }
        self.facts.push(fact.into());
        Ok(())
    }
}
