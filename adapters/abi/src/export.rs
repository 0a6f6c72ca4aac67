//! The adapter side of the boundary: generic `extern "C"` entry points and the [`export_adapter!`] macro.
//!
//! Each entry point runs the adapter's code inside [`catch`] and turns every outcome, panics included, into a
//! status code and a buffer. Nothing unwinds across the boundary, and a panic is reported, not printed.
//!
//! [`export_adapter!`]: crate::export_adapter

use std::ffi::c_void;

use crate::ffi::{Buffer, STATUS_ERROR, STATUS_OK, STATUS_PANIC};
use crate::panics::catch;
use crate::{Adapter, AdapterError};

/// Exports `$adapter` (a type implementing [`Adapter`](crate::Adapter)) as an adapter library: defines
/// the `gateway_adapter_abi_version` and `gateway_adapter_v1` symbols and the static descriptor.
///
/// Use it once per `cdylib` crate:
///
/// ```text
/// gateway_adapter_abi::export_adapter!(MyAdapter);
/// ```
///
/// The descriptor's `panic_unwind` flag is computed here, in the adapter crate, from
/// `cfg!(panic = "unwind")`, so it states how the library was really built.
#[macro_export]
macro_rules! export_adapter {
    ($adapter:ty) => {
        const _: () = {
            static NAME: [u8; <$adapter as $crate::Adapter>::NAME.len() + 1] =
                $crate::__export::nul_terminated(<$adapter as $crate::Adapter>::NAME);
            static VERSION: [u8; <$adapter as $crate::Adapter>::VERSION.len() + 1] =
                $crate::__export::nul_terminated(<$adapter as $crate::Adapter>::VERSION);
            static DESCRIPTOR: $crate::AdapterV1 = $crate::AdapterV1 {
                abi_version: $crate::ABI_VERSION,
                panic_unwind: if cfg!(panic = "unwind") { 1 } else { 0 },
                name: NAME.as_ptr().cast(),
                version: VERSION.as_ptr().cast(),
                init: $crate::__export::init::<$adapter>,
                call: $crate::__export::call::<$adapter>,
                free_buffer: $crate::__export::free_buffer,
                drop_state: $crate::__export::drop_state::<$adapter>,
            };

            /// The ABI version of this adapter library.
            #[unsafe(no_mangle)]
            pub extern "C" fn gateway_adapter_abi_version() -> u32 {
                $crate::ABI_VERSION
            }

            /// The version-1 descriptor of this adapter library.
            #[unsafe(no_mangle)]
            pub extern "C" fn gateway_adapter_v1() -> *const $crate::AdapterV1 {
                &DESCRIPTOR
            }
        };
    };
}

/// Copies `s` into a NUL-terminated array of exactly `N = s.len() + 1` bytes. Evaluated at compile time
/// by [`export_adapter!`](crate::export_adapter), so a NUL inside the name is a compile error.
pub const fn nul_terminated<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    assert!(
        bytes.len() + 1 == N,
        "array length must be the string length plus one"
    );
    let mut out = [0u8; N];
    let mut i = 0;
    while i < bytes.len() {
        assert!(
            bytes[i] != 0,
            "adapter NAME and VERSION must not contain NUL characters"
        );
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// The `init` entry point for adapter `A`.
///
/// # Safety
/// `config_ptr` must point to `config_len` readable bytes (or `config_len` be 0); `state_out` and `err_out`
/// must be null or valid for writes.
pub unsafe extern "C" fn init<A: Adapter>(
    config_ptr: *const u8,
    config_len: usize,
    state_out: *mut *mut c_void,
    err_out: *mut Buffer,
) -> i32 {
    let outcome = catch(|| {
        // SAFETY: the caller guarantees the config slice is readable.
        let config_bytes = unsafe { bytes(config_ptr, config_len) };
        let config = if config_bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(config_bytes).map_err(|e| {
                AdapterError::invalid(format!("adapter configuration is not valid JSON: {e}"))
            })?
        };
        A::init(config).map(|adapter| Box::into_raw(Box::new(adapter)).cast::<c_void>())
    });
    let (status, message) = match outcome {
        Ok(Ok(state)) => {
            if state_out.is_null() {
                // Nowhere to put the state: release it rather than leak it.
                // SAFETY: `state` was made just above by `Box::into_raw` of an `A`.
                unsafe { drop_state::<A>(state) };
                return STATUS_ERROR;
            }
            // SAFETY: the caller guarantees `state_out` is valid for writes when non-null.
            unsafe { state_out.write(state) };
            return STATUS_OK;
        }
        Ok(Err(error)) => (STATUS_ERROR, error.to_json()),
        Err(message) => (STATUS_PANIC, message.into_bytes()),
    };
    // SAFETY: the caller guarantees `err_out` is valid for writes when non-null.
    unsafe { write_buffer(err_out, message) };
    status
}

/// The `call` entry point for adapter `A`.
///
/// # Safety
/// `state` must be null or the pointer `init::<A>` produced and not yet dropped; the operation and input
/// pointers must point to the given number of readable bytes (or the length be 0); `out` must be null or
/// valid for writes.
pub unsafe extern "C" fn call<A: Adapter>(
    state: *const c_void,
    operation_ptr: *const u8,
    operation_len: usize,
    input_ptr: *const u8,
    input_len: usize,
    out: *mut Buffer,
) -> i32 {
    let outcome = catch(|| {
        if state.is_null() {
            return (
                STATUS_ERROR,
                AdapterError::failed("adapter called without a state").to_json(),
            );
        }
        // SAFETY: the caller guarantees `state` came from `init::<A>`, i.e. `Box<A>::into_raw`, and is
        // alive; `A: Sync` makes shared access from several threads sound.
        let adapter = unsafe { &*state.cast::<A>() };
        // SAFETY: the caller guarantees both slices are readable.
        let (operation, input) = unsafe {
            (
                bytes(operation_ptr, operation_len),
                bytes(input_ptr, input_len),
            )
        };
        let result = match std::str::from_utf8(operation) {
            Ok(operation) => adapter.call(operation, input),
            Err(_) => Err(AdapterError::invalid("operation name is not UTF-8")),
        };
        match result {
            Ok(output) => (STATUS_OK, output),
            Err(error) => (STATUS_ERROR, error.to_json()),
        }
    });
    let (status, bytes) = match outcome {
        Ok(answer) => answer,
        Err(message) => (STATUS_PANIC, message.into_bytes()),
    };
    // SAFETY: the caller guarantees `out` is valid for writes when non-null.
    unsafe { write_buffer(out, bytes) };
    status
}

/// The `free_buffer` entry point: releases a buffer made by this library.
///
/// # Safety
/// `buffer` must be null or one this library returned and not yet freed.
pub unsafe extern "C" fn free_buffer(buffer: Buffer) {
    // A panic in `drop` has nowhere to be reported: `catch` has already swallowed it.
    // SAFETY: the caller guarantees the buffer came from this library's `Buffer::from_vec`.
    let _ = catch(|| drop(unsafe { buffer.into_vec() }));
}

/// The `drop_state` entry point for adapter `A`: drops the adapter (its `Drop` may panic; that is caught).
///
/// # Safety
/// `state` must be null or the pointer `init::<A>` produced, with no call running and none to come.
pub unsafe extern "C" fn drop_state<A: Adapter>(state: *mut c_void) {
    if state.is_null() {
        return;
    }
    // A panic in the adapter's `Drop` has nowhere to be reported: `catch` has already swallowed it.
    // SAFETY: the caller guarantees `state` is the `Box<A>` made by `init::<A>` and is dropped once.
    let _ = catch(|| drop(unsafe { Box::from_raw(state.cast::<A>()) }));
}

/// Borrows `len` bytes at `ptr`; an empty slice when `len` is 0 or `ptr` is null.
///
/// # Safety
/// When `len > 0` and `ptr` is non-null, `ptr` must point to `len` readable bytes.
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if ptr.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: guaranteed by the caller.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Hands `bytes` to the caller through `slot` (dropped if the slot is null).
///
/// # Safety
/// `slot` must be null or valid for writes.
unsafe fn write_buffer(slot: *mut Buffer, bytes: Vec<u8>) {
    if slot.is_null() {
        return;
    }
    // SAFETY: guaranteed by the caller.
    unsafe { slot.write(Buffer::from_vec(bytes)) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, STATUS_ERROR, STATUS_OK, STATUS_PANIC};
    use std::ptr;

    /// A tiny adapter driven through the raw entry points, as the gateway would.
    struct Probe {
        prefix: String,
    }

    impl Adapter for Probe {
        const NAME: &'static str = "probe";
        const VERSION: &'static str = "1.2.3";

        fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
            match config.get("prefix").and_then(|p| p.as_str()) {
                Some("panic") => panic!("init exploded"),
                Some(prefix) => Ok(Probe {
                    prefix: prefix.to_owned(),
                }),
                None => Err(AdapterError::invalid("prefix is required")),
            }
        }

        fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
            match operation {
                "greet" => Ok([self.prefix.as_bytes(), input].concat()),
                "boom" => panic!("boom: {}", String::from_utf8_lossy(input)),
                other => Err(AdapterError::invalid(format!("unknown operation {other}"))),
            }
        }
    }

    fn raw_init(config: &[u8]) -> (i32, *mut c_void, Vec<u8>) {
        let mut state = ptr::null_mut();
        let mut err = Buffer::EMPTY;
        // SAFETY: valid slice and out-pointers.
        let status = unsafe { init::<Probe>(config.as_ptr(), config.len(), &mut state, &mut err) };
        // SAFETY: the buffer came from this crate.
        (status, state, unsafe { err.into_vec() })
    }

    fn raw_call(state: *mut c_void, operation: &str, input: &[u8]) -> (i32, Vec<u8>) {
        let mut out = Buffer::EMPTY;
        // SAFETY: `state` comes from `raw_init`; the slices are valid.
        let status = unsafe {
            call::<Probe>(
                state,
                operation.as_ptr(),
                operation.len(),
                input.as_ptr(),
                input.len(),
                &mut out,
            )
        };
        // SAFETY: the buffer came from this crate.
        (status, unsafe { out.into_vec() })
    }

    #[test]
    fn init_then_call_returns_output() {
        let (status, state, _) = raw_init(br#"{"prefix": "hi "}"#);
        assert_eq!(status, STATUS_OK);
        assert!(!state.is_null());
        assert_eq!(
            raw_call(state, "greet", b"there"),
            (STATUS_OK, b"hi there".to_vec())
        );
        // SAFETY: the state came from `init::<Probe>` and no call is running.
        unsafe { drop_state::<Probe>(state) };
    }

    #[test]
    fn init_errors_and_panics_are_reported_not_unwound() {
        let (status, state, err) = raw_init(br#"{}"#);
        assert_eq!(status, STATUS_ERROR);
        assert!(state.is_null());
        assert_eq!(
            AdapterError::from_json(&err).expect("error JSON").kind,
            ErrorKind::Invalid
        );

        let (status, _, err) = raw_init(b"not json");
        assert_eq!(status, STATUS_ERROR);
        assert!(String::from_utf8_lossy(&err).contains("not valid JSON"));

        let (status, _, err) = raw_init(br#"{"prefix": "panic"}"#);
        assert_eq!(status, STATUS_PANIC);
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.starts_with("init exploded (at ") && err.contains("export.rs:"),
            "{err}"
        );
    }

    #[test]
    fn call_errors_panics_and_bad_operation_names() {
        let (_, state, _) = raw_init(br#"{"prefix": ""}"#);
        let (status, err) = raw_call(state, "nope", b"");
        assert_eq!(status, STATUS_ERROR);
        assert_eq!(
            AdapterError::from_json(&err).expect("error JSON").kind,
            ErrorKind::Invalid
        );

        let (status, message) = raw_call(state, "boom", b"x");
        assert_eq!(status, STATUS_PANIC);
        let message = String::from_utf8(message).unwrap();
        assert!(message.starts_with("boom: x (at "), "{message}");

        let bad_name = [0xff_u8, 0xfe];
        let mut out = Buffer::EMPTY;
        // SAFETY: valid state and slices.
        let status =
            unsafe { call::<Probe>(state, bad_name.as_ptr(), 2, ptr::null(), 0, &mut out) };
        assert_eq!(status, STATUS_ERROR);
        // SAFETY: the buffer came from this crate.
        let err = unsafe { out.into_vec() };
        assert!(String::from_utf8_lossy(&err).contains("not UTF-8"));

        // Still usable after a panic.
        assert_eq!(raw_call(state, "greet", b"ok"), (STATUS_OK, b"ok".to_vec()));
        // SAFETY: as in the first test.
        unsafe { drop_state::<Probe>(state) };
    }

    #[test]
    fn null_state_is_an_error_not_a_crash() {
        let (status, err) = raw_call(ptr::null_mut(), "greet", b"");
        assert_eq!(status, STATUS_ERROR);
        assert_eq!(
            AdapterError::from_json(&err).expect("error JSON").kind,
            ErrorKind::Failed
        );
    }

    #[test]
    fn nul_terminated_appends_one_nul() {
        const OUT: [u8; 4] = nul_terminated("abc");
        assert_eq!(&OUT, b"abc\0");
    }
}
