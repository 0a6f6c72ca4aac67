//! The independent XMLDSig checker `tests/py/smev_xmldsig.py` (lxml's exclusive c14n, a Python SMEV transform
//! written from `docs/smev-xmldsig.md` §3, gostcrypto, cryptography, the `openssl` CLI for GOST 94/2001), run
//! from the tests' Python environment (`GATEWAY_TEST_PYTHON`, else `target/pyenv/bin/python`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::artifacts::{python, repo_root};

/// The harness's verdict on one file.
#[derive(Debug, Deserialize)]
pub struct FileReport {
    pub file: PathBuf,
    pub error: Option<String>,
    pub signatures: Vec<SignatureReport>,
}

/// The harness's verdict on one `ds:Signature`: `None` means it could not check (the reason beside it).
#[derive(Debug, Deserialize)]
pub struct SignatureReport {
    pub container: String,
    pub method: Option<String>,
    pub signature_ok: Option<bool>,
    pub signature_error: Option<String>,
    pub references: Vec<ReferenceReport>,
}

/// The harness's verdict on one `ds:Reference`.
#[derive(Debug, Deserialize)]
pub struct ReferenceReport {
    pub uri: String,
    pub target: Option<String>,
    pub declared: Option<String>,
    /// The digest it computed (base64), whatever the declared one says.
    pub computed: Option<String>,
    pub digest_ok: Option<bool>,
    pub error: Option<String>,
}

impl SignatureReport {
    /// Whether every digest and the value verified.
    pub fn all_ok(&self) -> bool {
        self.signature_ok == Some(true)
            && !self.references.is_empty()
            && self.references.iter().all(|r| r.digest_ok == Some(true))
    }
}

fn script() -> PathBuf {
    repo_root().join("tests/py/smev_xmldsig.py")
}

/// Checks every signature of `files` (GOST 94/2001 only with `openssl_conf`, which loads the gost engine).
pub fn check(files: &[PathBuf], openssl_conf: Option<&Path>) -> Vec<FileReport> {
    let mut cmd = Command::new(python());
    cmd.arg(script());
    if let Some(conf) = openssl_conf {
        cmd.arg("--openssl-conf").arg(conf);
    }
    let out = cmd.args(files).output().expect("the tests' Python runs");
    assert!(
        out.status.success(),
        "smev_xmldsig.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "smev_xmldsig.py's report: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The harness's exclusive c14n and SMEV transform of the element `Id="{id}"` of `file`.
pub fn transform(file: &Path, id: &str) -> Vec<u8> {
    let out = Command::new(python())
        .arg(script())
        .args(["--transform", id])
        .arg(file)
        .output()
        .expect("the tests' Python runs");
    assert!(
        out.status.success(),
        "smev_xmldsig.py --transform {id} {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
