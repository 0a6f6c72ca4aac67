//! The allocator of a plugin built without WASI (`wasm32-unknown-unknown`): dlmalloc that first uses the
//! linear memory the module starts with, and grows the memory only beyond it.
//!
//! The standard library's allocator on this target asks `memory.grow` for every new segment, ignoring the
//! memory between the end of the data and stack (`__heap_base`) and the end of the initial memory. A plugin
//! instance lives for one call; growing its memory makes the host change page protections on the way in and
//! back on the way out (with TLB flushes on every core), which measured as a fifth of a trivial call. Plugins
//! start with 4 MiB (`.cargo/config.toml`), so a typical call never grows.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;
use core::ptr;

const PAGE: usize = 64 * 1024;

unsafe extern "C" {
    /// The first byte after the module's data and stack, set by the linker.
    static __heap_base: u8;
}

/// The system side of dlmalloc: the initial memory's free tail once, then `memory.grow`.
struct System {
    initial_taken: UnsafeCell<bool>,
}

// SAFETY: a WebAssembly instance of a plugin runs one thread.
unsafe impl Send for System {}

// SAFETY: the memory handed out is never handed out twice: the initial tail once, then fresh pages.
unsafe impl dlmalloc::Allocator for System {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        // SAFETY: single-threaded (see `Send`); the flag is only read and written here.
        let initial_taken = unsafe { &mut *self.initial_taken.get() };
        if !*initial_taken {
            *initial_taken = true;
            let base = ptr::addr_of!(__heap_base) as usize;
            let end = wasm32::memory_size(0) * PAGE;
            if end > base && end - base >= size {
                return (base as *mut u8, end - base, 0);
            }
        }
        let pages = size.div_ceil(PAGE);
        let previous = wasm32::memory_grow(0, pages);
        if previous == usize::MAX {
            return (ptr::null_mut(), 0, 0);
        }
        ((previous * PAGE) as *mut u8, pages * PAGE, 0)
    }

    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        // Fresh pages and the initial tail of a fresh instance are zero.
        true
    }

    fn page_size(&self) -> usize {
        PAGE
    }
}

/// The global allocator of a plugin built without WASI.
pub struct PluginAllocator(UnsafeCell<dlmalloc::Dlmalloc<System>>);

// SAFETY: a WebAssembly instance of a plugin runs one thread.
unsafe impl Sync for PluginAllocator {}

impl PluginAllocator {
    /// An allocator that has taken no memory yet.
    pub const fn new() -> Self {
        Self(UnsafeCell::new(dlmalloc::Dlmalloc::new_with_allocator(
            System {
                initial_taken: UnsafeCell::new(false),
            },
        )))
    }
}

impl Default for PluginAllocator {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: delegates to dlmalloc, which upholds `GlobalAlloc`'s contract; one thread, so no aliasing of the
// `&mut` taken from the cell.
unsafe impl GlobalAlloc for PluginAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).malloc(layout.size(), layout.align()) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).calloc(layout.size(), layout.align()) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { (*self.0.get()).free(ptr, layout.size(), layout.align()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: PluginAllocator = PluginAllocator::new();
