//! The unsafe edge: opening an adapter library, checking it, and calling its entry points.
//!
//! All `unsafe` of this crate lives here. Soundness rests on the library honouring the ABI documented in
//! `gateway-adapter-abi`; the checks below (ABI version first, then the descriptor, then the panic
//! strategy) catch the mistakes an operator can make, not a malicious library.

use std::ffi::{CStr, c_char, c_void};
use std::path::{Path, PathBuf};

use gateway_adapter_abi::ffi::{AbiVersionFn, DescriptorV1Fn};
use gateway_adapter_abi::{
    ABI_VERSION, AdapterError, AdapterV1, Buffer, STATUS_ERROR, STATUS_OK, STATUS_PANIC,
    SYMBOL_ABI_VERSION, SYMBOL_V1,
};

use crate::error::LoadError;

/// A verified adapter library. The library is never unloaded: its descriptor is `'static`.
#[derive(Debug, Clone)]
pub(crate) struct Library {
    descriptor: &'static AdapterV1,
    /// The name the library reports.
    pub(crate) name: String,
    /// The version the library reports.
    pub(crate) version: String,
    /// The file it was loaded from (absolute).
    pub(crate) path: PathBuf,
}

/// What one native call produced.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Status 0: the output bytes.
    Ok(Vec<u8>),
    /// Status 1: the adapter's error.
    Error(AdapterError),
    /// Status 2: a panic was caught; its message.
    Panic(String),
    /// The adapter broke the ABI (unknown status, unreadable error); what went wrong.
    Malformed(String),
}

impl Library {
    /// Opens and verifies the library at `path`; `name` is the configured adapter name (for messages).
    pub(crate) fn open(name: &str, path: &Path) -> Result<Library, LoadError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        // SAFETY: loading runs the library's initialisers. The operator names the library in the gateway's
        // configuration and thereby vouches for it; nothing more can be checked before loading.
        let handle = unsafe { open_handle(&path) }.map_err(|source| LoadError::Open {
            path: path.clone(),
            source,
        })?;
        // Never unloaded, not even after a failed check: unloading code that may have registered thread-local
        // destructors or started threads is unsound, and a failed load ends the gateway's start anyway.
        let handle: &'static libloading::Library = Box::leak(Box::new(handle));

        // SAFETY: the symbol, if present, has the `AbiVersionFn` signature in every ABI version: that is
        // the one fixed point of the ABI.
        let abi_version = unsafe { handle.get::<AbiVersionFn>(SYMBOL_ABI_VERSION) }
            .map(|f| *f)
            .map_err(|_| LoadError::MissingSymbol {
                path: path.clone(),
                symbol: symbol_name(SYMBOL_ABI_VERSION),
            })?;
        // SAFETY: as above; the function takes nothing and returns a number.
        let found = unsafe { abi_version() };
        if found != ABI_VERSION {
            return Err(LoadError::AbiVersion {
                path,
                found,
                expected: ABI_VERSION,
            });
        }

        // SAFETY: a version-1 library exports this symbol with the `DescriptorV1Fn` signature.
        let descriptor_fn = unsafe { handle.get::<DescriptorV1Fn>(SYMBOL_V1) }
            .map(|f| *f)
            .map_err(|_| LoadError::MissingSymbol {
                path: path.clone(),
                symbol: symbol_name(SYMBOL_V1),
            })?;
        // SAFETY: the function takes nothing and returns a pointer to a static descriptor.
        let descriptor_ptr = unsafe { descriptor_fn() };
        if descriptor_ptr.is_null() {
            return Err(LoadError::Descriptor {
                path,
                reason: "gateway_adapter_v1 returned null".into(),
            });
        }
        // SAFETY: non-null, points to the library's static descriptor; the library is never unloaded.
        let descriptor: &'static AdapterV1 = unsafe { &*descriptor_ptr };

        if descriptor.abi_version != ABI_VERSION {
            return Err(LoadError::Descriptor {
                path,
                reason: format!(
                    "the descriptor says ABI version {}, the library said {ABI_VERSION}",
                    descriptor.abi_version
                ),
            });
        }
        // SAFETY: the ABI promises NUL-terminated static strings (or null, refused here).
        let (lib_name, version) =
            unsafe { (static_str(descriptor.name), static_str(descriptor.version)) };
        let lib_name = lib_name.ok_or_else(|| LoadError::Descriptor {
            path: path.clone(),
            reason: "the name is null or not UTF-8".into(),
        })?;
        let version = version.ok_or_else(|| LoadError::Descriptor {
            path: path.clone(),
            reason: "the version is null or not UTF-8".into(),
        })?;
        if descriptor.panic_unwind != 1 {
            return Err(LoadError::PanicAbort {
                name: name.to_owned(),
                path,
            });
        }
        Ok(Library {
            descriptor,
            name: lib_name,
            version,
            path,
        })
    }
}

/// A library initialised with one configuration: the state its `init` produced.
#[derive(Debug)]
pub(crate) struct Instance {
    library: Library,
    state: *mut c_void,
}

// SAFETY: the ABI requires `call` to be safe to run concurrently from any thread with the same state, and
// `drop_state` to run on any thread (Rust adapters: the state is an `A: Send + Sync`).
unsafe impl Send for Instance {}
// SAFETY: as above.
unsafe impl Sync for Instance {}

impl Instance {
    /// Runs the library's `init` with `config` (JSON bytes). Errors carry the adapter's message.
    pub(crate) fn init(library: Library, config: &[u8]) -> Result<Instance, String> {
        let mut state = std::ptr::null_mut();
        let mut err = Buffer::EMPTY;
        // SAFETY: valid config slice and out-pointers, per the `init` contract.
        let status = unsafe {
            (library.descriptor.init)(config.as_ptr(), config.len(), &mut state, &mut err)
        };
        let bytes = take(library.descriptor, err, usize::MAX);
        match status {
            STATUS_OK => Ok(Instance { library, state }),
            STATUS_ERROR => Err(match AdapterError::from_json(&bytes) {
                Ok(error) => error.to_string(),
                Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
            }),
            STATUS_PANIC => Err(format!("panicked: {}", String::from_utf8_lossy(&bytes))),
            other => Err(format!("init returned unknown status {other}")),
        }
    }

    /// The library this instance runs.
    pub(crate) fn library(&self) -> &Library {
        &self.library
    }

    /// Runs one operation. Blocks for as long as the adapter takes. An answer (or error) longer than
    /// `max_answer` bytes is refused without being copied.
    pub(crate) fn call(&self, operation: &str, input: &[u8], max_answer: usize) -> Outcome {
        let mut out = Buffer::EMPTY;
        let d = self.library.descriptor;
        // SAFETY: `state` came from this library's `init` and is alive until `drop`, which cannot run while
        // `&self` is borrowed; the slices are valid for the call.
        let status = unsafe {
            (d.call)(
                self.state,
                operation.as_ptr(),
                operation.len(),
                input.as_ptr(),
                input.len(),
                &mut out,
            )
        };
        if out.len > max_answer {
            let len = out.len;
            take(d, out, 0);
            return Outcome::Malformed(format!(
                "the adapter answered {len} bytes, more than max_answer ({max_answer})"
            ));
        }
        let bytes = take(d, out, usize::MAX);
        match status {
            STATUS_OK => Outcome::Ok(bytes),
            STATUS_ERROR => match AdapterError::from_json(&bytes) {
                Ok(error) => Outcome::Error(error),
                Err(e) => {
                    Outcome::Malformed(format!("the adapter returned an unreadable error ({e})"))
                }
            },
            STATUS_PANIC => Outcome::Panic(String::from_utf8_lossy(&bytes).into_owned()),
            other => Outcome::Malformed(format!("the adapter returned unknown status {other}")),
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // SAFETY: the state came from `init`; `&mut self` proves no call is running, and it is dropped once.
        unsafe { (self.library.descriptor.drop_state)(self.state) };
    }
}

/// Copies (at most `limit` bytes of) a buffer the adapter returned and gives it back to the adapter's
/// `free_buffer`.
fn take(descriptor: &AdapterV1, buffer: Buffer, limit: usize) -> Vec<u8> {
    let bytes = if buffer.len <= limit {
        // SAFETY: the adapter filled the buffer per the ABI (or left it empty); it is valid until freed.
        unsafe { buffer.as_slice() }.to_vec()
    } else {
        Vec::new()
    };
    if !buffer.ptr.is_null() {
        // SAFETY: the buffer came from this adapter and is freed once, by the adapter.
        unsafe { (descriptor.free_buffer)(buffer) };
    }
    bytes
}

/// Opens the library, resolving all its symbols now (so a library with missing dependencies fails here,
/// not at its first call) and keeping them local to it.
///
/// # Safety
/// Runs the library's initialisers.
unsafe fn open_handle(path: &Path) -> Result<libloading::Library, libloading::Error> {
    #[cfg(unix)]
    {
        use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
        // SAFETY: forwarded to the caller.
        unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }.map(Into::into)
    }
    #[cfg(not(unix))]
    {
        // SAFETY: forwarded to the caller.
        unsafe { libloading::Library::new(path) }
    }
}

/// A static C string from the library, if non-null and UTF-8.
///
/// # Safety
/// `ptr` must be null or point to a NUL-terminated string that lives forever.
unsafe fn static_str(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .ok()
        .map(str::to_owned)
}

/// A symbol name without its trailing NUL, for messages.
fn symbol_name(symbol: &[u8]) -> String {
    String::from_utf8_lossy(symbol.strip_suffix(b"\0").unwrap_or(symbol)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_names_print_without_nul() {
        assert_eq!(symbol_name(SYMBOL_V1), "gateway_adapter_v1");
        assert_eq!(
            symbol_name(SYMBOL_ABI_VERSION),
            "gateway_adapter_abi_version"
        );
    }

    #[test]
    fn a_text_file_is_not_a_library() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("libnot_a_library.so");
        std::fs::write(&path, "just text\n").expect("write");
        let err = Library::open("fake", &path).expect_err("refused");
        assert!(matches!(err, LoadError::Open { .. }), "{err}");
    }
}
