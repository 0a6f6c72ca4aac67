//! The export macro produces the two symbols and a descriptor whose entry points work.

use std::ffi::{CStr, c_void};
use std::ptr;

use gateway_adapter_abi::{
    ABI_VERSION, Adapter, AdapterError, Buffer, ErrorKind, STATUS_ERROR, STATUS_OK, STATUS_PANIC,
};

struct Upper;

impl Adapter for Upper {
    const NAME: &'static str = "upper";
    const VERSION: &'static str = "0.9.1";

    fn init(config: serde_json::Value) -> Result<Self, AdapterError> {
        if config.is_null() {
            Ok(Upper)
        } else {
            Err(AdapterError::invalid("takes no configuration"))
        }
    }

    fn call(&self, operation: &str, input: &[u8]) -> Result<Vec<u8>, AdapterError> {
        match operation {
            "upper" => Ok(input.to_ascii_uppercase()),
            "panic" => panic!("asked to panic"),
            _ => Err(AdapterError::unavailable("try later")),
        }
    }
}

gateway_adapter_abi::export_adapter!(Upper);

// The macro's symbols, seen from outside as the loader sees them.
unsafe extern "C" {
    fn gateway_adapter_abi_version() -> u32;
    fn gateway_adapter_v1() -> *const gateway_adapter_abi::AdapterV1;
}

fn descriptor() -> &'static gateway_adapter_abi::AdapterV1 {
    // SAFETY: the symbols are defined by `export_adapter!` above; the descriptor is a static.
    unsafe { &*gateway_adapter_v1() }
}

fn call(state: *mut c_void, operation: &str, input: &[u8]) -> (i32, Vec<u8>) {
    let d = descriptor();
    let mut out = Buffer::EMPTY;
    // SAFETY: valid state and slices; the buffer is given back to the same library.
    unsafe {
        let status = (d.call)(
            state,
            operation.as_ptr(),
            operation.len(),
            input.as_ptr(),
            input.len(),
            &mut out,
        );
        let bytes = out.as_slice().to_vec();
        (d.free_buffer)(out);
        (status, bytes)
    }
}

#[test]
fn descriptor_reports_identity_and_build() {
    // SAFETY: defined by the macro.
    assert_eq!(unsafe { gateway_adapter_abi_version() }, ABI_VERSION);
    let d = descriptor();
    assert_eq!(d.abi_version, ABI_VERSION);
    assert_eq!(d.panic_unwind, u8::from(cfg!(panic = "unwind")));
    // SAFETY: the macro stores NUL-terminated static strings.
    let (name, version) = unsafe { (CStr::from_ptr(d.name), CStr::from_ptr(d.version)) };
    assert_eq!(name.to_str(), Ok("upper"));
    assert_eq!(version.to_str(), Ok("0.9.1"));
}

#[test]
fn entry_points_run_the_adapter() {
    let d = descriptor();
    let mut state = ptr::null_mut();
    let mut err = Buffer::EMPTY;
    // SAFETY: empty config, valid out-pointers.
    let status = unsafe { (d.init)(ptr::null(), 0, &mut state, &mut err) };
    assert_eq!(status, STATUS_OK);

    assert_eq!(call(state, "upper", b"abc"), (STATUS_OK, b"ABC".to_vec()));
    let (status, err) = call(state, "other", b"");
    assert_eq!(status, STATUS_ERROR);
    assert_eq!(
        AdapterError::from_json(&err).expect("error JSON").kind,
        ErrorKind::Unavailable
    );
    let (status, message) = call(state, "panic", b"");
    assert_eq!(status, STATUS_PANIC);
    let message = String::from_utf8(message).expect("UTF-8");
    assert!(
        message.starts_with("asked to panic (at adapters/abi/tests/export_macro.rs:"),
        "the message and where the panic happened: {message}"
    );
    assert_eq!(
        call(state, "upper", b"again"),
        (STATUS_OK, b"AGAIN".to_vec())
    );
    // SAFETY: no call is running; the state is dropped once.
    unsafe { (d.drop_state)(state) };
}

#[test]
fn init_error_comes_back_as_json() {
    let d = descriptor();
    let config = br#"{"unexpected": true}"#;
    let mut state = ptr::null_mut();
    let mut err = Buffer::EMPTY;
    // SAFETY: valid slices and out-pointers; the buffer goes back to the library.
    let (status, bytes) = unsafe {
        let status = (d.init)(config.as_ptr(), config.len(), &mut state, &mut err);
        let bytes = err.as_slice().to_vec();
        (d.free_buffer)(err);
        (status, bytes)
    };
    assert_eq!(status, STATUS_ERROR);
    let error = AdapterError::from_json(&bytes).expect("error JSON");
    assert_eq!(error, AdapterError::invalid("takes no configuration"));
}
