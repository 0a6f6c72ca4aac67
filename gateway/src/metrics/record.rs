//! The families the gateway's own code records into, and the recording of facts and token lookups. A leaf
//! module: what it instruments imports it, and it imports nothing of the gateway.

/// `gateway_requests_total`.
pub const REQUESTS: &str = "gateway_requests_total";
/// `gateway_request_duration_seconds`.
pub const REQUEST_SECONDS: &str = "gateway_request_duration_seconds";
/// `gateway_token_cache_lookups_total`.
pub const TOKEN_CACHE: &str = "gateway_token_cache_lookups_total";
/// `gateway_facts_recorded_total`.
pub const FACTS: &str = "gateway_facts_recorded_total";

/// Counts `facts` just committed to the store: `gateway_facts_recorded_total` by kind and document type.
pub fn facts_recorded(facts: &[gateway_store::Fact]) {
    for f in facts {
        ::metrics::counter!(FACTS, "kind" => f.kind.clone(), "document_type" => f.document_type.clone())
            .increment(1);
    }
}

/// Counts a token lookup of `scope` (`owner/name`): `hit` when this node's cache answered.
pub fn token_lookup(scope: &str, hit: bool) {
    let owner = scope.split_once('/').map_or(scope, |(owner, _)| owner);
    let result = if hit { "hit" } else { "miss" };
    ::metrics::counter!(TOKEN_CACHE, "plugin" => owner.to_owned(), "result" => result).increment(1);
}
