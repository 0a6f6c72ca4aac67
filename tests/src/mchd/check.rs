//! Independent confirmation of the test material, without the gateway: `xmllint --schema` with the ФНС
//! schema, and `openssl cms -verify` with the test CA.

use std::path::Path;
use std::process::Command;

use crate::artifacts::repo_root;

/// The ФНС schema of format EMCHD_1.
pub fn fns_schema() -> std::path::PathBuf {
    repo_root().join("schemas/fns-emchd/ON_EMCHD_1_928_00_01_01_01.xsd")
}

/// `xmllint --noout --nonet --schema <ФНС schema> <file>`: `Err` with xmllint's message when invalid.
pub fn xmllint(xml: &[u8]) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("mchd.xml");
    std::fs::write(&file, xml).expect("write");
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(fns_schema())
        .arg(&file)
        .output()
        .expect("xmllint (libxml2-utils) is installed");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `openssl cms -verify -binary -inform DER -content <xml> -in <sig> -CAfile <ca>`, with `OPENSSL_CONF` set
/// when given (for the GOST engine): `Err` with openssl's message when the signature does not verify.
pub fn openssl_verify(
    xml: &[u8],
    signature: &[u8],
    ca_pem: &Path,
    openssl_conf: Option<&Path>,
) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let content = dir.path().join("mchd.xml");
    let sig = dir.path().join("mchd.sig");
    std::fs::write(&content, xml).expect("write");
    std::fs::write(&sig, signature).expect("write");
    let mut command = Command::new("openssl");
    command
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-content"])
        .arg(&content)
        .arg("-in")
        .arg(&sig)
        .arg("-CAfile")
        .arg(ca_pem)
        .args(["-out", "/dev/null"]);
    if let Some(conf) = openssl_conf {
        command.env("OPENSSL_CONF", conf);
    }
    let out = command.output().expect("openssl is installed");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
