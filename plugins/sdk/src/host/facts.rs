//! Facts the host records once the whole chain has passed (for example a successful scan).

use crate::bindings::smev_gateway::plugin::facts as wit;
pub use crate::bindings::smev_gateway::plugin::types::Fact;

/// Queues `fact`; the host writes it only if every step of the chain passes and the answer is a reply.
pub fn record(fact: &Fact) {
    wit::record(fact);
}

impl Fact {
    /// A fact of `kind` about `document_type` for `organisation` (ОГРН/ОГРНИП), occurring at `occurred_at`
    /// (unix ms; usually [`ids::now_ms()`](super::ids::now_ms)).
    pub fn new(
        kind: impl Into<String>,
        organisation: impl Into<String>,
        document_type: impl Into<String>,
        occurred_at: u64,
    ) -> Self {
        Self {
            kind: kind.into(),
            organisation: organisation.into(),
            document_type: document_type.into(),
            occurred_at,
            attributes: Vec::new(),
        }
    }

    /// Adds a non-personal attribute.
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((key.into(), value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::Fact;

    #[test]
    fn facts_are_built_with_attributes() {
        let fact = Fact::new("scan", "1027700132195", "svo-status", 5).attribute("scan_id", "s-1");
        assert_eq!(fact.kind, "scan");
        assert_eq!(fact.occurred_at, 5);
        assert_eq!(
            fact.attributes,
            vec![("scan_id".to_string(), "s-1".to_string())]
        );
    }
}
