//! The WebAssembly plugin host: wasmtime component model, limits, host capabilities.
