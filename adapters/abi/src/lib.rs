//! The C ABI between the gateway and native adapters, and the export macro adapters use.
