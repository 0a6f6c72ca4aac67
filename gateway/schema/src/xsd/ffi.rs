//! Hand-written declarations of the few libxml2 (2.9) functions this crate calls.
//!
//! Only what is used is declared. Every type the crate never looks inside is opaque; the one struct read
//! field by field, `xmlError`, mirrors `struct _xmlError` of `libxml/xmlerror.h` (2.9.14) exactly.
//! Linking is done by `build.rs` through pkg-config.

use std::ffi::{c_char, c_int, c_void};
use std::marker::{PhantomData, PhantomPinned};

/// Declares an opaque C type that is only ever handled through pointers.
macro_rules! opaque {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[repr(C)]
        pub(crate) struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque! {
    /// `xmlDoc`: a parsed document tree.
    XmlDoc;
    /// `xmlDtd`: a document type definition (only its presence is tested).
    XmlDtd;
    /// `xmlSchema`: a compiled XML Schema.
    XmlSchema;
    /// `xmlSchemaParserCtxt`: the state of one schema compilation.
    XmlSchemaParserCtxt;
    /// `xmlSchemaValidCtxt`: the state of validations against one schema.
    XmlSchemaValidCtxt;
    /// `xmlParserCtxt`: the state of one document parse.
    XmlParserCtxt;
    /// `xmlParserInput`: an input source returned by an entity loader.
    XmlParserInput;
    /// C `FILE`.
    CFile;
}

/// `xmlErrorLevel::XML_ERR_ERROR`: a recoverable error (warnings are 1, fatal errors 3).
pub(crate) const XML_ERR_ERROR: c_int = 2;

/// `xmlParserOption::XML_PARSE_NONET`: forbid network access while parsing.
pub(crate) const XML_PARSE_NONET: c_int = 1 << 11;

/// `struct _xmlError` (libxml/xmlerror.h, 2.9.14), field for field.
#[repr(C)]
pub(crate) struct XmlError {
    /// What part of the library raised the error (`xmlErrorDomain`).
    pub domain: c_int,
    /// The error code (`xmlParserErrors`).
    pub code: c_int,
    /// Human-readable message, usually ending with a newline; may be null.
    pub message: *mut c_char,
    /// `xmlErrorLevel`: 1 warning, 2 error, 3 fatal.
    pub level: c_int,
    /// File name, if known.
    pub file: *mut c_char,
    /// Line number, 0 if unknown.
    pub line: c_int,
    /// Extra string information.
    pub str1: *mut c_char,
    /// Extra string information.
    pub str2: *mut c_char,
    /// Extra string information.
    pub str3: *mut c_char,
    /// Extra number information.
    pub int1: c_int,
    /// Column number, 0 if unknown.
    pub int2: c_int,
    /// The parser context, if any.
    pub ctxt: *mut c_void,
    /// The node in the tree, if any.
    pub node: *mut c_void,
}

/// `xmlStructuredErrorFunc`.
pub(crate) type XmlStructuredErrorFunc =
    Option<unsafe extern "C" fn(user_data: *mut c_void, error: *mut XmlError)>;

/// `xmlGenericErrorFunc` (C-variadic). This crate only ever passes `None`, which selects libxml2's
/// default handler: `vfprintf` to the generic error context `FILE *`.
pub(crate) type XmlGenericErrorFunc =
    Option<unsafe extern "C" fn(ctx: *mut c_void, msg: *const c_char, ...)>;

/// `xmlExternalEntityLoader`.
pub(crate) type XmlExternalEntityLoader = Option<
    unsafe extern "C" fn(
        url: *const c_char,
        id: *const c_char,
        ctxt: *mut XmlParserCtxt,
    ) -> *mut XmlParserInput,
>;

#[link(name = "xml2")]
unsafe extern "C" {
    pub(crate) fn xmlInitParser();
    pub(crate) fn xmlSchemaInitTypes();

    pub(crate) fn xmlSetExternalEntityLoader(loader: XmlExternalEntityLoader);
    pub(crate) fn xmlNoNetExternalEntityLoader(
        url: *const c_char,
        id: *const c_char,
        ctxt: *mut XmlParserCtxt,
    ) -> *mut XmlParserInput;

    pub(crate) fn xmlSetStructuredErrorFunc(ctx: *mut c_void, handler: XmlStructuredErrorFunc);
    pub(crate) fn xmlThrDefSetStructuredErrorFunc(
        ctx: *mut c_void,
        handler: XmlStructuredErrorFunc,
    );
    pub(crate) fn xmlSetGenericErrorFunc(ctx: *mut c_void, handler: XmlGenericErrorFunc);
    pub(crate) fn xmlThrDefSetGenericErrorFunc(ctx: *mut c_void, handler: XmlGenericErrorFunc);

    pub(crate) fn xmlReadMemory(
        buffer: *const c_char,
        size: c_int,
        url: *const c_char,
        encoding: *const c_char,
        options: c_int,
    ) -> *mut XmlDoc;
    pub(crate) fn xmlFreeDoc(doc: *mut XmlDoc);
    pub(crate) fn xmlGetIntSubset(doc: *const XmlDoc) -> *mut XmlDtd;

    pub(crate) fn xmlSchemaNewParserCtxt(url: *const c_char) -> *mut XmlSchemaParserCtxt;
    pub(crate) fn xmlSchemaSetParserStructuredErrors(
        ctxt: *mut XmlSchemaParserCtxt,
        serror: XmlStructuredErrorFunc,
        ctx: *mut c_void,
    );
    pub(crate) fn xmlSchemaParse(ctxt: *mut XmlSchemaParserCtxt) -> *mut XmlSchema;
    pub(crate) fn xmlSchemaFreeParserCtxt(ctxt: *mut XmlSchemaParserCtxt);
    pub(crate) fn xmlSchemaFree(schema: *mut XmlSchema);

    pub(crate) fn xmlSchemaNewValidCtxt(schema: *mut XmlSchema) -> *mut XmlSchemaValidCtxt;
    pub(crate) fn xmlSchemaSetValidStructuredErrors(
        ctxt: *mut XmlSchemaValidCtxt,
        serror: XmlStructuredErrorFunc,
        ctx: *mut c_void,
    );
    pub(crate) fn xmlSchemaValidateDoc(ctxt: *mut XmlSchemaValidCtxt, doc: *mut XmlDoc) -> c_int;
    pub(crate) fn xmlSchemaFreeValidCtxt(ctxt: *mut XmlSchemaValidCtxt);
}

unsafe extern "C" {
    /// C `fopen`, from the C library the standard library already links.
    pub(crate) fn fopen(path: *const c_char, mode: *const c_char) -> *mut CFile;
}
