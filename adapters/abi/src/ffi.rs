//! The raw C ABI: the descriptor, the buffer, the status codes and the exported symbol names.
//!
//! Everything here is `#[repr(C)]` or a C function pointer; the layout is version 1 of the ABI and never
//! changes under that number. See the crate documentation for the contract that goes with these types.

use std::ffi::{c_char, c_void};
use std::mem::ManuallyDrop;

/// The version of the ABI described by this crate. A library exports it from
/// [`SYMBOL_ABI_VERSION`]; the loader refuses any other value before it touches anything else.
pub const ABI_VERSION: u32 = 1;

/// Name of the exported `extern "C" fn() -> u32` that answers the library's ABI version (NUL-terminated,
/// as `dlsym` wants it).
pub const SYMBOL_ABI_VERSION: &[u8] = b"gateway_adapter_abi_version\0";

/// Name of the exported `extern "C" fn() -> *const AdapterV1` that answers the version-1 descriptor
/// (NUL-terminated).
pub const SYMBOL_V1: &[u8] = b"gateway_adapter_v1\0";

/// Status: success. The output buffer holds the result bytes (or, for `init`, the state was written).
pub const STATUS_OK: i32 = 0;

/// Status: the adapter reports an error. The buffer holds the JSON `{"kind": ..., "message": ...}` of an
/// [`AdapterError`](crate::AdapterError).
pub const STATUS_ERROR: i32 = 1;

/// Status: the adapter panicked and the panic was caught at the boundary. The buffer holds the panic
/// message (UTF-8 text).
pub const STATUS_PANIC: i32 = 2;

/// Signature of the [`SYMBOL_ABI_VERSION`] export.
pub type AbiVersionFn = unsafe extern "C" fn() -> u32;

/// Signature of the [`SYMBOL_V1`] export. The pointer refers to a descriptor that lives as long as the
/// library stays loaded.
pub type DescriptorV1Fn = unsafe extern "C" fn() -> *const AdapterV1;

/// `init(config_ptr, config_len, state_out, err_out) -> status`.
///
/// `config_ptr/config_len` is the adapter's configuration as UTF-8 JSON (an empty slice means `null`).
/// On [`STATUS_OK`] the adapter has written its state pointer (possibly null) to `*state_out` and left
/// `*err_out` untouched; otherwise `*err_out` holds the error or panic message.
pub type InitFn = unsafe extern "C" fn(
    config_ptr: *const u8,
    config_len: usize,
    state_out: *mut *mut c_void,
    err_out: *mut Buffer,
) -> i32;

/// `call(state, operation_ptr, operation_len, input_ptr, input_len, out) -> status`.
///
/// `state` is the pointer `init` produced. The operation name is UTF-8; the input is opaque bytes (JSON by
/// convention). `*out` receives the output, the error JSON or the panic message according to the status.
/// May run concurrently on several threads with the same state.
pub type CallFn = unsafe extern "C" fn(
    state: *const c_void,
    operation_ptr: *const u8,
    operation_len: usize,
    input_ptr: *const u8,
    input_len: usize,
    out: *mut Buffer,
) -> i32;

/// `free_buffer(buffer)`: releases a buffer that this library allocated. Null buffers are ignored.
pub type FreeBufferFn = unsafe extern "C" fn(buffer: Buffer);

/// `drop_state(state)`: releases the state `init` produced, once, after the last `call` has returned.
pub type DropStateFn = unsafe extern "C" fn(state: *mut c_void);

/// Bytes allocated by an adapter and handed to the gateway, which gives them back to the same adapter's
/// [`AdapterV1::free_buffer`] (allocators are never mixed across the boundary).
///
/// `cap` is the allocation's capacity, kept so the allocating side can rebuild its own allocation; the
/// receiving side reads only `ptr` and `len`. A buffer with a null `ptr` is empty and owns nothing.
#[repr(C)]
#[derive(Debug)]
pub struct Buffer {
    /// Start of the bytes, or null for an empty buffer.
    pub ptr: *mut u8,
    /// Number of initialised bytes.
    pub len: usize,
    /// Capacity of the allocation (meaningful only to the allocating library).
    pub cap: usize,
}

impl Buffer {
    /// The empty buffer, which owns nothing. Callers pre-fill output slots with it.
    pub const EMPTY: Buffer = Buffer {
        ptr: std::ptr::null_mut(),
        len: 0,
        cap: 0,
    };

    /// Hands a vector over as a buffer; the allocation is released by [`Buffer::into_vec`] in this same
    /// library (in practice: by the adapter's `free_buffer`).
    pub fn from_vec(bytes: Vec<u8>) -> Buffer {
        if bytes.capacity() == 0 {
            return Buffer::EMPTY;
        }
        let mut bytes = ManuallyDrop::new(bytes);
        Buffer {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            cap: bytes.capacity(),
        }
    }

    /// Takes the allocation back as a vector.
    ///
    /// # Safety
    /// The buffer must have been made by [`Buffer::from_vec`] in the same library (same allocator) and
    /// not been taken back before.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        if self.ptr.is_null() {
            return Vec::new();
        }
        // SAFETY: the caller guarantees the buffer came from `from_vec` here, so ptr/len/cap describe a
        // live allocation of this library's global allocator.
        unsafe { Vec::from_raw_parts(self.ptr, self.len, self.cap) }
    }

    /// Views the bytes.
    ///
    /// # Safety
    /// `ptr` must be null or point to `len` initialised bytes that stay valid while the slice is used.
    pub unsafe fn as_slice(&self) -> &[u8] {
        if self.ptr.is_null() || self.len == 0 {
            return &[];
        }
        // SAFETY: the caller guarantees `ptr` points to `len` initialised bytes.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// The version-1 descriptor an adapter library exports: identity, build facts and entry points.
///
/// Field order and types are fixed for ABI version 1.
#[repr(C)]
#[derive(Debug)]
pub struct AdapterV1 {
    /// Must equal [`ABI_VERSION`] (1); checked again after the exported version function.
    pub abi_version: u32,
    /// 1 when the library was built with `panic = "unwind"` (so panics can be caught at the boundary),
    /// 0 when built with `panic = "abort"`, where a panic would kill the whole gateway. The loader refuses 0.
    pub panic_unwind: u8,
    /// The adapter's name: a NUL-terminated UTF-8 string with static lifetime.
    pub name: *const c_char,
    /// The adapter's version: a NUL-terminated UTF-8 string with static lifetime.
    pub version: *const c_char,
    /// Creates the adapter state from its JSON configuration.
    pub init: InitFn,
    /// Runs one operation.
    pub call: CallFn,
    /// Releases a buffer this library returned.
    pub free_buffer: FreeBufferFn,
    /// Releases the state.
    pub drop_state: DropStateFn,
}

// SAFETY: the descriptor is immutable; its raw pointers refer to static, read-only strings and its
// function pointers are plain code addresses, so sharing it between threads is sound.
unsafe impl Sync for AdapterV1 {}
// SAFETY: as above; nothing in the descriptor is tied to a thread.
unsafe impl Send for AdapterV1 {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_round_trip_keeps_bytes() {
        let buffer = Buffer::from_vec(b"hello".to_vec());
        // SAFETY: the buffer was just made from a vector in this crate.
        assert_eq!(unsafe { buffer.as_slice() }, b"hello");
        // SAFETY: as above, and it is taken back once.
        let back = unsafe { buffer.into_vec() };
        assert_eq!(back, b"hello");
    }

    #[test]
    fn empty_vector_gives_null_buffer() {
        let buffer = Buffer::from_vec(Vec::new());
        assert!(buffer.ptr.is_null());
        // SAFETY: null buffers are always valid to view and take back.
        assert_eq!(unsafe { buffer.as_slice() }, b"");
        // SAFETY: as above.
        assert!(unsafe { buffer.into_vec() }.is_empty());
    }

    #[test]
    fn symbol_names_are_nul_terminated() {
        assert_eq!(SYMBOL_ABI_VERSION.last(), Some(&0));
        assert_eq!(SYMBOL_V1.last(), Some(&0));
    }
}
