//! libxml2 set-up and its error reporting, routed into Rust.
//!
//! libxml2 reports errors through callbacks. Process-wide it is set up once ([`ensure_init`]): the parser
//! and the built-in schema types are initialised (the lazy initialisation of the latter is not thread-safe
//! in 2.9), external entities are loaded only through `xmlNoNetExternalEntityLoader` (no `http://` or
//! `ftp://` ever), and the default handlers of every thread discard messages. libxml2 keeps its error
//! handlers per thread, so each thread that enters this crate silences its own handlers once.
//!
//! While a call runs, [`capture`] points the thread's structured handler (and, through the `sink` it
//! hands to the closure, a parser or validation context) at a [`Collector`]; the `extern "C"`
//! [`collect`] callback copies each message out. Nothing is ever printed to stderr.

use std::cell::Cell;
use std::ffi::{CStr, c_int, c_void};
use std::ptr;
use std::sync::{Once, OnceLock};

use super::ffi;
use crate::violations::MAX_MESSAGES;

/// One message reported by libxml2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    /// `xmlErrorLevel`: 1 warning, 2 error, 3 fatal.
    pub level: c_int,
    /// Line in the document or schema, 0 if unknown.
    pub line: c_int,
    /// The message without its trailing newline.
    pub message: String,
}

impl Diagnostic {
    /// `line N: message`, or the bare message when libxml2 gave no line.
    pub(crate) fn render(&self) -> String {
        if self.line > 0 {
            format!("line {}: {}", self.line, self.message)
        } else {
            self.message.clone()
        }
    }
}

/// Messages gathered during one libxml2 call; keeps the first [`MAX_MESSAGES`] and counts the rest.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    diagnostics: Vec<Diagnostic>,
    omitted: usize,
    errors: usize,
}

impl Collector {
    fn push(&mut self, diagnostic: Diagnostic) {
        if diagnostic.level >= ffi::XML_ERR_ERROR {
            self.errors += 1;
        }
        if self.diagnostics.len() < MAX_MESSAGES {
            self.diagnostics.push(diagnostic);
        } else {
            self.omitted += 1;
        }
    }

    /// Whether an error or fatal error (not merely a warning) was reported.
    pub(crate) fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// The rendered messages of errors (warnings are left out when there are errors).
    pub(crate) fn error_messages(&self) -> Vec<String> {
        let errors_only = self.has_errors();
        self.diagnostics
            .iter()
            .filter(|d| !errors_only || d.level >= ffi::XML_ERR_ERROR)
            .map(Diagnostic::render)
            .collect()
    }

    /// How many messages did not fit under the cap.
    pub(crate) fn omitted(&self) -> usize {
        self.omitted
    }

    #[cfg(test)]
    pub(crate) fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

/// The structured-error callback handed to libxml2; `user_data` is a `*mut Collector`.
///
/// # Safety
/// `user_data` must be null or point to a live [`Collector`] not otherwise borrowed during the call, and
/// `error` must be null or point to a valid `xmlError` (libxml2 guarantees this for its own calls).
pub(crate) unsafe extern "C" fn collect(user_data: *mut c_void, error: *mut ffi::XmlError) {
    if user_data.is_null() || error.is_null() {
        return;
    }
    // SAFETY: by this function's contract both pointers are valid for the duration of the call.
    let (collector, error) = unsafe { (&mut *user_data.cast::<Collector>(), &*error) };
    let message = if error.message.is_null() {
        format!("libxml2 error {} (domain {})", error.code, error.domain)
    } else {
        // SAFETY: libxml2 messages are NUL-terminated C strings that live for the whole callback.
        let raw = unsafe { CStr::from_ptr(error.message) };
        String::from_utf8_lossy(raw.to_bytes())
            .trim_end()
            .to_owned()
    };
    collector.push(Diagnostic {
        level: error.level,
        line: error.line,
        message,
    });
}

/// A structured-error callback that drops every message; the default handler of every thread.
unsafe extern "C" fn discard(_user_data: *mut c_void, _error: *mut ffi::XmlError) {}

/// `FILE *` on `/dev/null`, used as the generic error context so that libxml2's default generic handler
/// (`vfprintf` to that context) writes nowhere. Null if `/dev/null` cannot be opened.
fn dev_null() -> *mut c_void {
    static DEV_NULL: OnceLock<usize> = OnceLock::new();
    let address = *DEV_NULL.get_or_init(|| {
        // SAFETY: both arguments are valid NUL-terminated strings; the FILE is kept for the process lifetime.
        unsafe { ffi::fopen(c"/dev/null".as_ptr(), c"w".as_ptr()) as usize }
    });
    address as *mut c_void
}

thread_local! {
    static THREAD_SILENCED: Cell<bool> = const { Cell::new(false) };
}

/// Initialises libxml2 once per process and silences its handlers on the calling thread.
pub(crate) fn ensure_init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let sink = dev_null();
        // SAFETY: plain initialisation calls of libxml2, run once before any other use by this crate.
        unsafe {
            ffi::xmlInitParser();
            ffi::xmlSchemaInitTypes();
            ffi::xmlSetExternalEntityLoader(Some(ffi::xmlNoNetExternalEntityLoader));
            ffi::xmlThrDefSetGenericErrorFunc(sink, None);
            ffi::xmlThrDefSetStructuredErrorFunc(ptr::null_mut(), Some(discard));
        }
    });
    // `try_with`: during thread teardown the flag may be gone; libxml2's handlers then stay as they are.
    let _ = THREAD_SILENCED.try_with(|silenced| {
        if !silenced.get() {
            // SAFETY: sets this thread's libxml2 handlers; `discard` ignores its arguments.
            unsafe {
                ffi::xmlSetGenericErrorFunc(dev_null(), None);
                ffi::xmlSetStructuredErrorFunc(ptr::null_mut(), Some(discard));
            }
            silenced.set(true);
        }
    });
}

/// Restores the thread's discarding handler when dropped.
struct ThreadHandler;

impl ThreadHandler {
    fn install(sink: *mut c_void) -> Self {
        // SAFETY: `sink` points to a Collector that outlives this guard (see `capture`).
        unsafe { ffi::xmlSetStructuredErrorFunc(sink, Some(collect)) };
        ThreadHandler
    }
}

impl Drop for ThreadHandler {
    fn drop(&mut self) {
        // SAFETY: resets this thread's handler; no pointer to the collector is kept.
        unsafe { ffi::xmlSetStructuredErrorFunc(ptr::null_mut(), Some(discard)) };
    }
}

/// Runs `call` with this thread's libxml2 errors going to a fresh [`Collector`], and returns both.
///
/// `call` receives the collector as a `sink` pointer to pass, with [`collect`], to libxml2 context
/// setters. It must not keep the pointer beyond its own return (detach it from any context it outlives).
pub(crate) fn capture<R>(call: impl FnOnce(*mut c_void) -> R) -> (R, Collector) {
    ensure_init();
    let mut collector = Collector::default();
    let sink = (&raw mut collector).cast::<c_void>();
    let handler = ThreadHandler::install(sink);
    let result = call(sink);
    drop(handler);
    (result, collector)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_error(level: c_int, line: c_int, message: &CStr) -> ffi::XmlError {
        ffi::XmlError {
            domain: 1,
            code: 5,
            message: message.as_ptr().cast_mut(),
            level,
            file: ptr::null_mut(),
            line,
            str1: ptr::null_mut(),
            str2: ptr::null_mut(),
            str3: ptr::null_mut(),
            int1: 0,
            int2: 0,
            ctxt: ptr::null_mut(),
            node: ptr::null_mut(),
        }
    }

    #[test]
    fn collect_copies_message_line_and_level() {
        let mut collector = Collector::default();
        let mut error = raw_error(2, 7, c"Element 'x': This element is not expected.\n");
        // SAFETY: both pointers are valid for the call.
        unsafe { collect((&raw mut collector).cast(), &raw mut error) };
        assert_eq!(
            collector.diagnostics(),
            &[Diagnostic {
                level: 2,
                line: 7,
                message: "Element 'x': This element is not expected.".to_owned(),
            }]
        );
        assert!(collector.has_errors());
        assert_eq!(
            collector.error_messages(),
            ["line 7: Element 'x': This element is not expected."]
        );
    }

    #[test]
    fn collect_tolerates_null_pointers_and_null_message() {
        let mut collector = Collector::default();
        let mut error = raw_error(3, 0, c"unused");
        error.message = ptr::null_mut();
        // SAFETY: null pointers are accepted and ignored; the second call has valid pointers.
        unsafe {
            collect(ptr::null_mut(), &raw mut error);
            collect((&raw mut collector).cast(), ptr::null_mut());
            collect((&raw mut collector).cast(), &raw mut error);
        }
        assert_eq!(collector.error_messages(), ["libxml2 error 5 (domain 1)"]);
    }

    #[test]
    fn warnings_are_dropped_when_errors_exist_and_the_cap_holds() {
        let mut collector = Collector::default();
        let mut warning = raw_error(1, 1, c"a warning");
        // SAFETY: valid pointers.
        unsafe { collect((&raw mut collector).cast(), &raw mut warning) };
        assert!(!collector.has_errors());
        assert_eq!(collector.error_messages(), ["line 1: a warning"]);
        for _ in 0..MAX_MESSAGES + 5 {
            let mut error = raw_error(2, 3, c"an error");
            // SAFETY: valid pointers.
            unsafe { collect((&raw mut collector).cast(), &raw mut error) };
        }
        assert_eq!(collector.diagnostics().len(), MAX_MESSAGES);
        assert_eq!(collector.omitted(), 6);
        assert!(
            collector
                .error_messages()
                .iter()
                .all(|m| m == "line 3: an error")
        );
    }
}
