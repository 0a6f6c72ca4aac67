//! The `wasmtime` bindings of the WIT world `smev-gateway:plugin/plugin@1.0.0`.
//!
//! Generated from `plugins/wit`; nothing outside this crate sees these types (the gateway uses the plain types
//! of [`crate::types`]). Imports that reach the gateway's services are `async`; `facts.record` may trap (a
//! plugin that records more facts than allowed is stopped).

wasmtime::component::bindgen!({
    path: "../../plugins/wit",
    world: "plugin",
    imports: {
        "smev-gateway:plugin/tokens": async,
        "smev-gateway:plugin/registry": async,
        "smev-gateway:plugin/crypto": async,
        "smev-gateway:plugin/xml-schema": async,
        "smev-gateway:plugin/facts": trappable,
    },
    exports: { default: async },
});
