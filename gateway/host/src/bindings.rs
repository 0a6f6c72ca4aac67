//! The `wasmtime` bindings of the WIT world `smev-gateway:plugin/plugin-with-pages@1.3.0`.
//!
//! Generated from `plugins/wit`; nothing outside this crate sees these types (the gateway uses the plain types
//! of [`crate::types`]). Imports that reach the gateway's services are `async`; `facts.record` may trap (a
//! plugin that records more facts than allowed is stopped).
//!
//! The world is the one with the optional `page` export; its imports are those of the world `plugin`, so one
//! linker serves both kinds of plugin. The world-level `PluginWithPagesPre` is not used (it would demand the
//! `page` export): [`crate::exports::PluginPre`] looks the exports up one interface at a time.

wasmtime::component::bindgen!({
    path: "../../plugins/wit",
    world: "plugin-with-pages",
    imports: {
        "smev-gateway:plugin/tokens": async,
        "smev-gateway:plugin/registry": async,
        "smev-gateway:plugin/crypto": async,
        "smev-gateway:plugin/xml-schema": async,
        "smev-gateway:plugin/facts": trappable,
        "smev-gateway:plugin/store": async,
        "smev-gateway:plugin/mail": async,
    },
    exports: { default: async },
});
