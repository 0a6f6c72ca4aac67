//! [`XsdSchema`]: one compiled XML Schema and the validation of documents against it.

use std::ffi::{CString, c_int};
use std::path::Path;
use std::ptr::{self, NonNull};

use super::diagnostics::{self, Collector, collect};
use super::ffi;
use super::prolog::DOCTYPE_REFUSED;
use crate::violations::Violations;

/// Options for parsing payloads: no network, and neither `XML_PARSE_NOENT` (entity substitution) nor
/// `XML_PARSE_DTDLOAD` (external subsets). Documents with a DOCTYPE never get here anyway.
const PARSE_OPTIONS: c_int = ffi::XML_PARSE_NONET;

/// A compiled XML Schema, shareable across threads.
///
/// The `xmlSchema` is only read after compilation: libxml2 validates against a shared compiled schema
/// from several threads as long as each validation has its own `xmlSchemaValidCtxt` (contexts are not
/// thread-safe) and the built-in types were initialised beforehand (done once by
/// `diagnostics::ensure_init`, since their lazy initialisation in 2.9 is racy).
///
/// Each validation creates its own context. Measured (release, 1.1 KB SMEV 1.3 document, about 10 µs
/// per validation): a pool of reusable contexts saved 0.2 to 0.4 µs, 2 to 4 %, which does not pay for
/// a lock shared by all threads and for contexts that must outlive nothing but their schema.
pub(crate) struct XsdSchema {
    schema: SchemaHandle,
}

impl std::fmt::Debug for XsdSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XsdSchema").finish_non_exhaustive()
    }
}

impl XsdSchema {
    /// Compiles the schema in the file at `path`; imports and includes resolve relative to that file.
    /// An `Err` carries libxml2's messages.
    pub(crate) fn compile(path: &Path) -> Result<XsdSchema, Vec<String>> {
        let location = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| vec!["the path contains a NUL byte".to_owned()])?;
        let (schema, errors) = diagnostics::capture(|sink| {
            // SAFETY: `location` is a valid C string; the parser context is freed before returning and
            // `sink` (the collector) outlives it.
            unsafe {
                let parser = ffi::xmlSchemaNewParserCtxt(location.as_ptr());
                if parser.is_null() {
                    return ptr::null_mut();
                }
                ffi::xmlSchemaSetParserStructuredErrors(parser, Some(collect), sink);
                let schema = ffi::xmlSchemaParse(parser);
                ffi::xmlSchemaFreeParserCtxt(parser);
                schema
            }
        });
        match NonNull::new(schema) {
            Some(schema) => Ok(XsdSchema {
                schema: SchemaHandle(schema),
            }),
            None => Err(failure_messages(
                &errors,
                "libxml2 could not compile the schema",
            )),
        }
    }

    /// Validates a whole document. The caller has already run the prolog scan (no DOCTYPE).
    pub(crate) fn validate(&self, document: &[u8]) -> Result<(), Violations> {
        let document = Document::parse(document)?;
        let context = ValidContext::new(&self.schema).ok_or_else(|| {
            Violations::single("could not create an XML Schema validation context")
        })?;
        let (status, errors) = diagnostics::capture(|sink| {
            // SAFETY: the context and the document are live and used by this thread only; the error sink
            // is detached from the context before the closure returns, so no dangling pointer is kept.
            unsafe {
                ffi::xmlSchemaSetValidStructuredErrors(context.0.as_ptr(), Some(collect), sink);
                let status = ffi::xmlSchemaValidateDoc(context.0.as_ptr(), document.0.as_ptr());
                ffi::xmlSchemaSetValidStructuredErrors(context.0.as_ptr(), None, ptr::null_mut());
                status
            }
        });
        drop(context);
        match status {
            0 => Ok(()),
            status if status > 0 => Err(Violations::collected(
                errors.error_messages(),
                errors.omitted(),
                "the document does not match the schema",
            )),
            _ => Err(Violations::single(
                "the XML Schema validator failed internally",
            )),
        }
    }
}

/// libxml2's error messages, or `fallback` when it gave none.
fn failure_messages(errors: &Collector, fallback: &str) -> Vec<String> {
    Violations::collected(errors.error_messages(), errors.omitted(), fallback).messages
}

/// Owns a compiled `xmlSchema`.
struct SchemaHandle(NonNull<ffi::XmlSchema>);

// SAFETY: the compiled schema is never written after `xmlSchemaParse` returns; libxml2 only reads it
// during validation (each validation has its own context, dictionary included: `xmlSchemaNewValidCtxt`
// creates one). It is freed once, by its owner, and every context that refers to it is freed within
// the `validate` call that borrows the owner.
unsafe impl Send for SchemaHandle {}
// SAFETY: see `Send`; concurrent validations only read the schema.
unsafe impl Sync for SchemaHandle {}

impl Drop for SchemaHandle {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `xmlSchemaParse` and is freed exactly once.
        unsafe { ffi::xmlSchemaFree(self.0.as_ptr()) }
    }
}

/// Owns an `xmlSchemaValidCtxt`, made for one validation.
struct ValidContext(NonNull<ffi::XmlSchemaValidCtxt>);

impl ValidContext {
    fn new(schema: &SchemaHandle) -> Option<ValidContext> {
        diagnostics::ensure_init();
        // SAFETY: the schema is live, and outlives the context, which is dropped within `validate`.
        NonNull::new(unsafe { ffi::xmlSchemaNewValidCtxt(schema.0.as_ptr()) }).map(ValidContext)
    }
}

impl Drop for ValidContext {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `xmlSchemaNewValidCtxt` and is freed exactly once.
        unsafe { ffi::xmlSchemaFreeValidCtxt(self.0.as_ptr()) }
    }
}

/// Owns a parsed `xmlDoc`.
struct Document(NonNull<ffi::XmlDoc>);

impl Document {
    /// Parses `bytes` without network access, entity substitution or DTD loading; any error (not only a
    /// fatal one: namespace errors too) refuses the document.
    fn parse(bytes: &[u8]) -> Result<Document, Violations> {
        let size = c_int::try_from(bytes.len())
            .map_err(|_| Violations::single("the document is too large"))?;
        let (document, errors) = diagnostics::capture(|_| {
            // SAFETY: `bytes` is valid for `size` bytes; a null URL and encoding are allowed.
            unsafe {
                ffi::xmlReadMemory(
                    bytes.as_ptr().cast(),
                    size,
                    ptr::null(),
                    ptr::null(),
                    PARSE_OPTIONS,
                )
            }
        });
        let fallback = "the document is not well-formed XML";
        let document = NonNull::new(document).map(Document).ok_or_else(|| {
            Violations::collected(errors.error_messages(), errors.omitted(), fallback)
        })?;
        if errors.has_errors() {
            return Err(Violations::collected(
                errors.error_messages(),
                errors.omitted(),
                fallback,
            ));
        }
        // SAFETY: the document is live. Defence in depth: the prolog scan already refused DOCTYPEs.
        if !unsafe { ffi::xmlGetIntSubset(document.0.as_ptr()) }.is_null() {
            return Err(Violations::single(DOCTYPE_REFUSED));
        }
        Ok(document)
    }
}

impl Drop for Document {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `xmlReadMemory` and is freed exactly once.
        unsafe { ffi::xmlFreeDoc(self.0.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use super::*;

    fn smev_types_1_3() -> XsdSchema {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../schemas/smev3/smev-message-exchange-types-1.3.xsd");
        XsdSchema::compile(&path).expect("compiles")
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/xml")
            .join(name);
        std::fs::read(path).expect("fixture")
    }

    #[test]
    fn answers_do_not_depend_on_earlier_validations() {
        let schema = smev_types_1_3();
        let valid = fixture("send-request-response-1.3.xml");
        let invalid = fixture("send-request-response-1.3-wrong-element.xml");
        let first = schema.validate(&invalid).expect_err("invalid");
        assert_eq!(schema.validate(&valid), Ok(()));
        assert_eq!(schema.validate(&invalid), Err(first));
        assert_eq!(schema.validate(&valid), Ok(()));
    }

    #[test]
    fn a_compile_failure_carries_libxml2_messages() {
        let messages =
            XsdSchema::compile(Path::new("/nonexistent/schema.xsd")).expect_err("no file");
        assert!(!messages.is_empty());
        assert!(
            messages
                .iter()
                .any(|m| m.contains("/nonexistent/schema.xsd")),
            "{messages:?}"
        );
    }

    /// Where the time of one validation goes (run in release with `--nocapture`): parsing alone, then
    /// parsing and validating. Batches alternate and the fastest of each kind is kept, to see through
    /// the noise of a shared machine.
    #[test]
    fn the_cost_of_parsing_and_validating_is_printed() {
        const BATCH: u32 = 500;
        let schema = smev_types_1_3();
        let valid = fixture("send-request-response-1.3.xml");
        let (mut parse, mut total) = (Duration::MAX, Duration::MAX);
        for _ in 0..20 {
            let started = Instant::now();
            for _ in 0..BATCH {
                assert!(Document::parse(&valid).is_ok());
            }
            parse = parse.min(started.elapsed() / BATCH);
            let started = Instant::now();
            for _ in 0..BATCH {
                assert_eq!(schema.validate(&valid), Ok(()));
            }
            total = total.min(started.elapsed() / BATCH);
        }
        println!(
            "{} bytes, best batch: libxml2 parse {parse:?}, parse + validation {total:?}",
            valid.len()
        );
    }
}
