//! The `wasmtime` engine (Cranelift, epoch interruption, pooling allocator sized from the config, optional
//! compilation cache) and the thread that ticks its epoch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{
    Cache, CacheConfig, Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel,
    PoolingAllocationConfig, Strategy, WasmBacktraceDetails,
};

use crate::config::HostConfig;
use crate::error::SetupError;

/// Core module instances a component may contain. A Rust `wasm32-wasip2` component has a handful (its
/// module, the adapter shims); the WASI interfaces are host functions and cost none.
const MAX_CORE_INSTANCES_PER_COMPONENT: u32 = 32;
/// Core instances reserved per component slot in the pool.
const CORE_INSTANCES_PER_SLOT: u32 = 4;
/// Linear memories a component may contain (all count against the plugin's one memory cap).
const MAX_MEMORIES_PER_COMPONENT: u32 = 2;
/// Tables a component may contain.
const MAX_TABLES_PER_COMPONENT: u32 = 8;
/// Tables reserved per component slot in the pool.
const TABLES_PER_SLOT: u32 = 4;
/// Elements a table may hold.
const TABLE_ELEMENTS: usize = 20_000;
/// Bytes of a memory slot that may stay resident when an instance ends, reset by hand rather than returned to
/// the kernel, so the next instance runs without page faults. Only with `PAGEMAP_SCAN` (Linux 6.7+), which
/// finds the pages an instance dirtied: without it the reset would `memset` the whole range, which costs more
/// than the page faults it saves (measured: 18 µs per echo invocation with the scan, 32 µs without resident
/// pages, 48 µs with 1 MiB `memset`). 8 MiB covers the bundled plugins' initial memory (4 MiB, see
/// `.cargo/config.toml`) and their usual heap: under load, returning pages beyond 1 MiB to the kernel cost
/// TLB shootdowns on every call (JSON VerifyQrRequest: 6.6 k/s with 1 MiB, 7.4 k/s with 8 MiB).
const MEMORY_KEEP_RESIDENT: usize = 8 << 20;
/// Bytes of a table slot that may stay resident likewise.
const TABLE_KEEP_RESIDENT: usize = 64 << 10;

/// Builds the engine for `config` (assumed validated).
pub(crate) fn build_engine(config: &HostConfig) -> Result<Engine, SetupError> {
    let instances = config.max_instances;
    let max_memory = usize::try_from(config.max_memory_per_instance).map_err(|_| {
        SetupError::InvalidConfig("max_memory_per_instance does not fit this platform".into())
    })?;

    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(CORE_INSTANCES_PER_SLOT))
        .max_core_instances_per_component(MAX_CORE_INSTANCES_PER_COMPONENT)
        .total_memories(instances)
        .max_memories_per_component(MAX_MEMORIES_PER_COMPONENT)
        .max_memories_per_module(1)
        .total_tables(instances.saturating_mul(TABLES_PER_SLOT))
        .max_tables_per_component(MAX_TABLES_PER_COMPONENT)
        .max_tables_per_module(1)
        .table_elements(TABLE_ELEMENTS)
        .total_stacks(instances)
        .max_memory_size(max_memory);
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT.min(max_memory))
            .table_keep_resident(TABLE_KEEP_RESIDENT);
    } else {
        tracing::debug!(
            "PAGEMAP_SCAN is unavailable: plugin memory is returned to the kernel after each call"
        );
    }

    let mut engine_config = Config::new();
    engine_config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .strategy(Strategy::Cranelift)
        .cranelift_opt_level(OptLevel::Speed)
        .wasm_backtrace_details(WasmBacktraceDetails::Disable)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    if let Some(dir) = &config.cache_dir {
        std::fs::create_dir_all(dir).map_err(|error| {
            SetupError::InvalidConfig(format!(
                "cannot create the cache directory {}: {error}",
                dir.display()
            ))
        })?;
        let mut cache = CacheConfig::new();
        cache.with_directory(dir);
        let cache = Cache::new(cache)
            .map_err(|error| SetupError::Engine(format!("compilation cache: {error}")))?;
        engine_config.cache(Some(cache));
    }
    Engine::new(&engine_config).map_err(|error| SetupError::Engine(error.to_string()))
}

/// A thread that increments the engine's epoch every tick, until dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    /// Starts ticking `engine` every `tick`.
    pub(crate) fn start(engine: Engine, tick: Duration) -> Result<Self, SetupError> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("wasm-epoch".into())
            .spawn(move || {
                while !stopped.load(Ordering::Acquire) {
                    std::thread::park_timeout(tick);
                    engine.increment_epoch();
                }
            })
            .map_err(|error| {
                SetupError::Engine(format!("cannot start the epoch ticker: {error}"))
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            // The thread only sleeps and ticks; a panic there cannot leave anything to clean up.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticker_stops_promptly_when_dropped() {
        let config = HostConfig {
            max_instances: 2,
            ..HostConfig::default()
        };
        let engine = build_engine(&config).expect("engine");
        // A long tick: dropping must not wait for it.
        let ticker = EpochTicker::start(engine, Duration::from_secs(1)).expect("ticker");
        std::thread::sleep(Duration::from_millis(10));
        let started = std::time::Instant::now();
        drop(ticker);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "the ticker stops promptly"
        );
    }
}
