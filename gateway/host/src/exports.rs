//! The exports of a loaded component: `handler` (every plugin) and `page` (optional since contract 1.1.0),
//! looked up once when the plugin is loaded and typed against each fresh instance.
//!
//! `wasmtime`'s export lookup is semver-aware like its linker: the host asks for `…/handler@1.3.0` and finds
//! the `…/handler@1.0.0` of a plugin built against 1.0.0 (and the `…@1.x` of any later minor version).

use wasmtime::AsContextMut;
use wasmtime::component::{Component, Instance, InstancePre};

use crate::bindings::exports::smev_gateway::plugin::{handler, page};
use crate::state::StoreState;

/// The handler interface the host calls.
pub(crate) const HANDLER_EXPORT: &str = "smev-gateway:plugin/handler@1.3.0";
/// The page interface the host calls, when the component exports it.
pub(crate) const PAGE_EXPORT: &str = "smev-gateway:plugin/page@1.3.0";

/// A pre-linked component and the indices of its exports.
pub(crate) struct PluginPre {
    instance_pre: InstancePre<StoreState>,
    handler: handler::GuestIndices,
    page: Option<page::GuestIndices>,
}

impl PluginPre {
    /// Finds the exports of the pre-linked component: `handler` must be there; `page` is optional, but when the
    /// component exports an interface of that name it must have the interface's functions.
    pub(crate) fn new(instance_pre: InstancePre<StoreState>) -> Result<Self, String> {
        let handler = handler::GuestIndices::new(&instance_pre).map_err(|error| {
            format!(
                "the component does not export {HANDLER_EXPORT}: {}",
                chain(&error)
            )
        })?;
        let page = if exports_page(instance_pre.component()) {
            let indices = page::GuestIndices::new(&instance_pre).map_err(|error| {
                format!(
                    "the component's {PAGE_EXPORT} is incomplete: {}",
                    chain(&error)
                )
            })?;
            Some(indices)
        } else {
            None
        };
        Ok(Self {
            instance_pre,
            handler,
            page,
        })
    }

    /// The pre-linked component.
    pub(crate) fn instance_pre(&self) -> &InstancePre<StoreState> {
        &self.instance_pre
    }

    /// Whether the component exports `page`.
    pub(crate) fn serves_pages(&self) -> bool {
        self.page.is_some()
    }

    /// The `handler` export of `instance`, type-checked.
    pub(crate) fn handler(
        &self,
        store: impl AsContextMut,
        instance: &Instance,
    ) -> wasmtime::Result<handler::Guest> {
        self.handler.load(store, instance)
    }

    /// The `page` export of `instance`, type-checked; `None` when the component does not export it.
    pub(crate) fn page(
        &self,
        store: impl AsContextMut,
        instance: &Instance,
    ) -> Option<wasmtime::Result<page::Guest>> {
        self.page
            .as_ref()
            .map(|indices| indices.load(store, instance))
    }
}

/// Whether `component` exports the page interface at a version compatible with [`PAGE_EXPORT`].
fn exports_page(component: &Component) -> bool {
    component.get_export_index(None, PAGE_EXPORT).is_some()
}

fn chain(error: &wasmtime::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}
