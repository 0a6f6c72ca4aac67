//! Shared helpers of the integration tests: request builders, the repository's schemas, and
//! validation with `xmllint` (Debian package `libxml2-utils`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use smev_envelope::SmevVersion;

pub const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const QR_NS: &str = "urn://gosuslugi/svo-qr/1.0.0";
pub const MESSAGE_ID: &str = "6f1e8e6a-4b8a-11ee-be56-0242ac120002";
pub const REFERENCE_ID: &str = "5a0b9c1e-4b8a-11ee-be56-0242ac120002";

/// The repository root, found from this crate's manifest directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// The official schema `smev-message-exchange-{kind}-{v}.xsd`.
pub fn schema(v: SmevVersion, kind: &str) -> PathBuf {
    repo_root().join(format!(
        "schemas/smev3/smev-message-exchange-{kind}-{v}.xsd"
    ))
}

/// A `ds:Signature` stand-in (the schemas accept any element of the XMLDSig namespace).
pub fn signature() -> String {
    format!(
        "<ds:Signature xmlns:ds=\"{DS}\"><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>"
    )
}

/// A realistic `SendRequestRequest` envelope for `v` (1.2 gets its required elements).
/// `payload` goes under `MessagePrimaryContent`; `after_content` follows it inside
/// `SenderProvidedRequestData`; `after_data` follows `SenderProvidedRequestData`.
pub fn send_request(
    v: SmevVersion,
    payload: &str,
    after_content: &str,
    after_data: &str,
) -> String {
    let v1_2 = if v == SmevVersion::V1_2 {
        format!(
            "<ns:ReferenceMessageID>{REFERENCE_ID}</ns:ReferenceMessageID><ns:TransactionCode>TX-1</ns:TransactionCode>"
        )
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="{SOAP}">
  <soap:Header/>
  <soap:Body>
    <ns:SendRequestRequest xmlns:ns="{types}" xmlns:ns1="{basic}">
      <ns:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER">
        <ns:MessageID>{MESSAGE_ID}</ns:MessageID>
        {v1_2}
        <ns1:MessagePrimaryContent>{payload}</ns1:MessagePrimaryContent>
        {after_content}
      </ns:SenderProvidedRequestData>
      {after_data}
    </ns:SendRequestRequest>
  </soap:Body>
</soap:Envelope>
"#,
        types = v.types_ns(),
        basic = v.basic_ns(),
    )
}

/// A typical QR request payload in its own namespace.
pub fn qr_payload() -> String {
    format!("<qr:QrRequest xmlns:qr=\"{QR_NS}\"><qr:Snils>112-233-445 95</qr:Snils></qr:QrRequest>")
}

/// The text between the first `open` and the last `close` marker.
pub fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text
        .find(open)
        .unwrap_or_else(|| panic!("{open} not in {text}"))
        + open.len();
    let end = text
        .rfind(close)
        .unwrap_or_else(|| panic!("{close} not in {text}"));
    &text[start..end]
}

/// The element under `soap:Body` of an envelope written with the `soap` prefix.
pub fn body_child(envelope: &[u8]) -> String {
    let text = std::str::from_utf8(envelope).expect("UTF-8");
    between(text, "<soap:Body>", "</soap:Body>")
        .trim()
        .to_owned()
}

/// The element under `detail` of a fault envelope.
pub fn detail_child(envelope: &[u8]) -> String {
    let text = std::str::from_utf8(envelope).expect("UTF-8");
    between(text, "<detail>", "</detail>").to_owned()
}

/// Validates documents with `xmllint` in one run: against `schema` when given, for
/// well-formedness otherwise. Panics with xmllint's report (naming each document's label) on
/// failure, or if xmllint is missing.
pub fn xmllint(schema: Option<&Path>, docs: &[(String, Vec<u8>)]) {
    assert!(!docs.is_empty());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (i, (label, bytes)) in docs.iter().enumerate() {
        let safe: String = label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = dir.path().join(format!("{i:03}-{safe}.xml"));
        std::fs::write(&path, bytes).expect("write doc");
        files.push(path);
    }
    let mut cmd = Command::new("xmllint");
    cmd.arg("--noout").arg("--nonet");
    if let Some(schema) = schema {
        cmd.arg("--schema").arg(schema);
    }
    cmd.args(&files);
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => {
            panic!("cannot run xmllint ({e}); install it with `apt-get install -y libxml2-utils`")
        }
    };
    if !out.status.success() {
        let mut report = String::from_utf8_lossy(&out.stderr).into_owned();
        for (path, (_, bytes)) in files.iter().zip(docs) {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if report.contains(name.as_ref()) && !report.contains(&format!("{name} validates")) {
                report.push_str(&format!(
                    "\n--- {name}:\n{}",
                    String::from_utf8_lossy(bytes)
                ));
            }
        }
        panic!("xmllint failed:\n{report}");
    }
}

/// A small deterministic PRNG (xorshift64*), so that the property tests need no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
