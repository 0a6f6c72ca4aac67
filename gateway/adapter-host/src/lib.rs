//! Loads native adapters (libloading) and calls them on bounded pools with timeouts and circuit breakers.
