//! Running one call (`describe`, `handle` or `render`) in a fresh instance, bounded in time and memory, and
//! naming the cause when it fails.
//!
//! Every call gets a new `Store` with its own [`StoreState`], a memory limiter at the plugin's cap, an epoch
//! budget of the deadline in ticks (the guest yields to the executor after every slice), and an overall
//! `tokio::time::timeout` so that time spent in host calls counts too. The store and the instance are dropped
//! when the call ends, whatever the outcome; the pool slot is then free for the next call.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Engine, PoolConcurrencyLimitError, Store};

use crate::bindings::exports::smev_gateway::plugin::page as wit_page;
use crate::bindings::smev_gateway::plugin::types as wit;
use crate::config::AttachmentLimits;
use crate::error::InvokeError;
use crate::exports::PluginPre;
use crate::services::{CallContext, HostServices};
use crate::state::{DeadlineReached, EpochBudget, PluginMeta, StoreState};
use crate::types::{Attachment, AttachmentReference, Description, Fact};

/// Epoch ticks a running guest may use before it yields to the executor once.
const YIELD_SLICE_TICKS: u64 = 1;

/// A loaded plugin: what it needs to be instantiated and what it declared.
pub(crate) struct LoadedPlugin {
    pub(crate) meta: Arc<PluginMeta>,
    pub(crate) pre: PluginPre,
    pub(crate) description: Description,
    /// The contract version the component was built against (e.g. `1.3.0`), as its imports and exports name it.
    pub(crate) contract: String,
}

/// Which export to call.
pub(crate) enum Call {
    /// `handler.describe`; also type-checks the `page` export of a plugin that has one.
    Describe,
    /// `handler.handle`, with the references the `attachments` interface hands out.
    Handle(Box<wit::Request>, Vec<AttachmentReference>),
    /// `page.render`; the caller checked that the plugin exports `page`.
    Render(Box<wit_page::PageRequest>),
}

/// What the export returned.
pub(crate) enum Returned {
    Description(wit::Description),
    Outcome(Result<wit::Outcome, String>),
    Page(Result<wit_page::PageResponse, String>),
}

/// A call that ran to its end.
pub(crate) struct Finished {
    pub(crate) returned: Returned,
    pub(crate) facts: Vec<Fact>,
    /// The files attached to the reply (`attachments.attach`).
    pub(crate) attachments: Vec<Attachment>,
}

/// The parts of the host every call uses.
pub(crate) struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) services: Arc<dyn HostServices>,
    pub(crate) epoch_tick: Duration,
    pub(crate) max_instances: u32,
    pub(crate) reply_attachments: AttachmentLimits,
}

impl Runtime {
    /// Runs `call` in a fresh instance of `meta`/`pre`, stopped at `deadline`.
    pub(crate) async fn run(
        &self,
        meta: &Arc<PluginMeta>,
        pre: &PluginPre,
        cx: CallContext,
        call: Call,
        deadline: Duration,
    ) -> Result<Finished, InvokeError> {
        match tokio::time::timeout(deadline, self.run_unbounded(meta, pre, cx, call, deadline))
            .await
        {
            Ok(result) => result,
            Err(_elapsed) => Err(InvokeError::DeadlineExceeded(deadline)),
        }
    }

    async fn run_unbounded(
        &self,
        meta: &Arc<PluginMeta>,
        pre: &PluginPre,
        cx: CallContext,
        call: Call,
        deadline: Duration,
    ) -> Result<Finished, InvokeError> {
        // One tick more than the deadline: the timeout above is exact, the epoch budget is the backstop.
        let budget = EpochBudget::new(
            ticks(deadline, self.epoch_tick).saturating_add(1),
            YIELD_SLICE_TICKS,
        );
        let mut state = StoreState::new(Arc::clone(meta), Arc::clone(&self.services), cx, budget);
        state.attachments.limits = self.reply_attachments;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        let first_slice = store.data_mut().budget.first_slice();
        store.set_epoch_deadline(first_slice);
        store.epoch_deadline_callback(|mut context| context.data_mut().budget.next());

        let instance = match pre.instance_pre().instantiate_async(&mut store).await {
            Ok(instance) => instance,
            Err(error) => return Err(self.instantiate_failure(&error, store.data(), deadline)),
        };
        let returned = match call {
            Call::Describe => match typed_exports(pre, &mut store, &instance) {
                Ok(handler) => handler
                    .call_describe(&mut store)
                    .await
                    .map(Returned::Description),
                Err(error) => return Err(InvokeError::Instantiate(chain(&error))),
            },
            Call::Handle(request, references) => match pre.handler(&mut store, &instance) {
                Ok(handler) => handler
                    .call_handle(&mut *prepared(&mut store, references), &request)
                    .await
                    .map(Returned::Outcome),
                Err(error) => return Err(InvokeError::Instantiate(chain(&error))),
            },
            Call::Render(request) => match pre.page(&mut store, &instance) {
                Some(Ok(page)) => page
                    .call_render(&mut store, &request)
                    .await
                    .map(Returned::Page),
                Some(Err(error)) => return Err(InvokeError::Instantiate(chain(&error))),
                None => return Err(InvokeError::NoPages(meta.name.clone())),
            },
        };
        match returned {
            Ok(returned) => Ok(Finished {
                returned,
                facts: std::mem::take(&mut store.data_mut().facts),
                attachments: std::mem::take(&mut store.data_mut().attachments.attached),
            }),
            Err(error) => Err(call_failure(&error, store.data(), deadline)),
        }
    }

    fn instantiate_failure(
        &self,
        error: &wasmtime::Error,
        state: &StoreState,
        deadline: Duration,
    ) -> InvokeError {
        if state.limiter.refused() {
            InvokeError::MemoryExhausted {
                limit: state.plugin.memory_limit,
            }
        } else if error.is::<DeadlineReached>() {
            InvokeError::DeadlineExceeded(deadline)
        } else if error.is::<PoolConcurrencyLimitError>() {
            InvokeError::Busy {
                limit: self.max_instances,
            }
        } else {
            InvokeError::Instantiate(chain(error))
        }
    }
}

/// `store` with the request's references in place for the `attachments` interface.
fn prepared(
    store: &mut Store<StoreState>,
    references: Vec<AttachmentReference>,
) -> &mut Store<StoreState> {
    store.data_mut().attachments.references = references;
    store
}

/// The `handler` export of `instance`, after type-checking the `page` export too when the plugin has one (so
/// that a mistyped page export is refused when the plugin is loaded, not when a page is asked for).
fn typed_exports(
    pre: &PluginPre,
    store: &mut Store<StoreState>,
    instance: &wasmtime::component::Instance,
) -> wasmtime::Result<crate::bindings::exports::smev_gateway::plugin::handler::Guest> {
    if let Some(page) = pre.page(&mut *store, instance) {
        page?;
    }
    pre.handler(store, instance)
}

/// Names the cause of a failed call: deadline, memory, or a trap with the plugin's stderr (its panic message).
fn call_failure(error: &wasmtime::Error, state: &StoreState, deadline: Duration) -> InvokeError {
    if error.is::<DeadlineReached>() {
        return InvokeError::DeadlineExceeded(deadline);
    }
    if state.limiter.refused() {
        return InvokeError::MemoryExhausted {
            limit: state.plugin.memory_limit,
        };
    }
    let cause = error.root_cause().to_string();
    let stderr = state.stderr.text();
    let message = if stderr.is_empty() {
        cause
    } else {
        format!("{stderr} ({cause})")
    };
    InvokeError::Trap { message }
}

/// The error and its causes, outermost first, on one line.
fn chain(error: &wasmtime::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// `deadline` in ticks of `tick`, rounded up.
fn ticks(deadline: Duration, tick: Duration) -> u64 {
    let tick = tick.as_nanos().max(1);
    u64::try_from(deadline.as_nanos().div_ceil(tick)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::ticks;
    use std::time::Duration;

    #[test]
    fn deadlines_round_up_to_whole_ticks() {
        let ms = Duration::from_millis(1);
        assert_eq!(ticks(Duration::from_millis(50), ms), 50);
        assert_eq!(ticks(Duration::from_micros(50_001), ms), 51);
        assert_eq!(ticks(Duration::ZERO, ms), 0);
        assert_eq!(ticks(Duration::MAX, Duration::from_nanos(1)), u64::MAX);
    }
}
