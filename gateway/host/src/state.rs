//! The data of one `Store`: everything a single invocation needs, built fresh for it and dropped with it.
//!
//! - [`StoreState`]: the minimal WASI context (made on first use), the host-capability state (facts, log
//!   budget, call context), the memory limiter and the epoch budget.
//! - [`MemoryLimiter`]: caps the instance's memory and remembers that it refused a growth, so a trap that
//!   follows is reported as memory exhaustion.
//! - [`EpochBudget`]: splits the deadline into slices; after each slice the guest yields to the executor,
//!   and when the budget is spent the guest traps with [`DeadlineReached`].

use std::sync::Arc;

use wasmtime::{ResourceLimiter, UpdateDeadline};
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxView, WasiView};

use crate::config::AttachmentLimits;
use crate::services::{CallContext, HostServices};
use crate::stdio::StderrCapture;
use crate::types::{Attachment, AttachmentReference, Fact};

/// What the host knows about a loaded plugin that capabilities need during a call.
#[derive(Debug)]
pub(crate) struct PluginMeta {
    /// The name from the spec.
    pub(crate) name: String,
    /// The plugin's config JSON.
    pub(crate) config_json: String,
    /// The memory cap in bytes.
    pub(crate) memory_limit: u64,
}

/// The data of one store (one invocation).
pub(crate) struct StoreState {
    /// Made at the plugin's first WASI call: a plugin built without WASI never makes one, and the context's
    /// random generators cost a seeding per call.
    wasi: Option<WasiCtx>,
    table: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) budget: EpochBudget,
    pub(crate) plugin: Arc<PluginMeta>,
    pub(crate) services: Arc<dyn HostServices>,
    pub(crate) cx: CallContext,
    pub(crate) facts: Vec<Fact>,
    pub(crate) attachments: CallAttachments,
    pub(crate) log_lines: u32,
    pub(crate) stderr: StderrCapture,
    /// The last QR symbol made in this call, with its text (a plugin asks for the PNG and the SVG of one).
    pub(crate) last_qr: Option<(String, Arc<crate::caps::qr_matrix::Matrix>)>,
}

/// The `attachments` interface's side of one call: the request's references, and the files attached to the
/// reply within the limits.
#[derive(Debug, Default)]
pub(crate) struct CallAttachments {
    pub(crate) references: Vec<AttachmentReference>,
    pub(crate) attached: Vec<Attachment>,
    pub(crate) bytes: usize,
    pub(crate) limits: AttachmentLimits,
}

impl StoreState {
    /// Fresh state; the WASI context is made when the plugin first calls WASI ([`sandboxed_wasi`]).
    pub(crate) fn new(
        plugin: Arc<PluginMeta>,
        services: Arc<dyn HostServices>,
        cx: CallContext,
        budget: EpochBudget,
    ) -> Self {
        let limit = usize::try_from(plugin.memory_limit).unwrap_or(usize::MAX);
        Self {
            wasi: None,
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(limit),
            budget,
            plugin,
            services,
            cx,
            facts: Vec::new(),
            attachments: CallAttachments::default(),
            log_lines: 0,
            stderr: StderrCapture::default(),
            last_qr: None,
        }
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let stderr = &self.stderr;
        WasiCtxView {
            ctx: self.wasi.get_or_insert_with(|| sandboxed_wasi(stderr)),
            table: &mut self.table,
        }
    }
}

/// A WASI context with no preopened directories, no environment, no arguments, no network, closed stdin,
/// discarded stdout and `stderr` captured (clocks and random are the host's).
fn sandboxed_wasi(stderr: &StderrCapture) -> WasiCtx {
    WasiCtx::builder()
        .stderr(stderr.clone())
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .build()
}

/// The most elements a table of a plugin may grow to.
const MAX_TABLE_ELEMENTS: usize = 20_000;

/// Caps the total size of an instance's linear memories.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    limit: usize,
    used: usize,
    pending: usize,
    refused: bool,
}

impl MemoryLimiter {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            used: 0,
            pending: 0,
            refused: false,
        }
    }

    /// Whether a growth was refused during this invocation.
    pub(crate) fn refused(&self) -> bool {
        self.refused
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.used.saturating_sub(current).saturating_add(desired);
        if total > self.limit {
            self.refused = true;
            return Ok(false);
        }
        self.pending = desired.saturating_sub(current);
        self.used = total;
        Ok(true)
    }

    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.used = self.used.saturating_sub(self.pending);
        self.pending = 0;
        Ok(())
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        64
    }

    fn tables(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        8
    }
}

/// The trap raised when an invocation's epoch budget is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the plugin's deadline was reached")]
pub(crate) struct DeadlineReached;

/// An invocation's deadline in epoch ticks, handed out in slices.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EpochBudget {
    remaining: u64,
    slice: u64,
}

impl EpochBudget {
    /// `total` ticks (at least 1), yielding every `slice` ticks (at least 1).
    pub(crate) fn new(total: u64, slice: u64) -> Self {
        Self {
            remaining: total.max(1),
            slice: slice.max(1),
        }
    }

    /// The first slice, to set as the store's epoch deadline.
    pub(crate) fn first_slice(&mut self) -> u64 {
        self.take_slice()
    }

    /// Called when the guest reaches the end of a slice: yield and go on with the next slice, or trap when
    /// the budget is spent.
    pub(crate) fn next(&mut self) -> wasmtime::Result<UpdateDeadline> {
        if self.remaining == 0 {
            return Err(wasmtime::Error::new(DeadlineReached));
        }
        Ok(UpdateDeadline::Yield(self.take_slice()))
    }

    fn take_slice(&mut self) -> u64 {
        let slice = self.slice.min(self.remaining);
        self.remaining -= slice;
        slice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_caps_the_total_and_remembers_refusals() {
        let mut limiter = MemoryLimiter::new(3 << 16);
        assert!(limiter.memory_growing(0, 1 << 16, None).expect("no error"));
        assert!(
            limiter
                .memory_growing(1 << 16, 3 << 16, None)
                .expect("no error")
        );
        assert!(!limiter.refused());
        assert!(
            !limiter
                .memory_growing(3 << 16, 4 << 16, None)
                .expect("no error")
        );
        assert!(limiter.refused());
        // A second memory counts against the same cap.
        let mut two = MemoryLimiter::new(2 << 16);
        assert!(two.memory_growing(0, 1 << 16, None).expect("no error"));
        assert!(two.memory_growing(0, 1 << 16, None).expect("no error"));
        assert!(!two.memory_growing(0, 1 << 16, None).expect("no error"));
        // A growth that failed elsewhere is not counted.
        let mut failed = MemoryLimiter::new(2 << 16);
        assert!(failed.memory_growing(0, 2 << 16, None).expect("no error"));
        failed
            .memory_grow_failed(wasmtime::Error::msg("pool"))
            .expect("no error");
        assert!(failed.memory_growing(0, 2 << 16, None).expect("no error"));
        assert!(
            !failed
                .table_growing(0, MAX_TABLE_ELEMENTS + 1, None)
                .expect("no error")
        );
    }

    #[test]
    fn the_budget_yields_per_slice_then_traps() {
        let mut budget = EpochBudget::new(5, 2);
        assert_eq!(budget.first_slice(), 2);
        assert!(matches!(budget.next(), Ok(UpdateDeadline::Yield(2))));
        assert!(matches!(budget.next(), Ok(UpdateDeadline::Yield(1))));
        let Err(error) = budget.next() else {
            panic!("the budget is spent")
        };
        assert!(error.is::<DeadlineReached>());
        let mut tiny = EpochBudget::new(0, 0);
        assert_eq!(tiny.first_slice(), 1);
        assert!(tiny.next().is_err());
    }
}
