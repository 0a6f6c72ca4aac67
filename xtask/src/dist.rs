//! `cargo xtask dist`: a release bundle in `dist/`.
//!
//! ```text
//! dist/gateway              the gateway binary
//! dist/registry-sim         the registry simulator
//! dist/plugins/*.wasm       the bundled plugins
//! dist/adapters/*.so        the bundled adapters
//! dist/schemas/             the payload schemas and the official SMEV schemas
//! dist/fixtures/            the simulator's demo data (invented people)
//! dist/gateway.toml         a working default config (paths relative to it)
//! dist/demo-client.token    the demo client's bearer token (its SHA-256 is in gateway.toml)
//! dist/keys/report-signer.*  a self-signed demo key and certificate signing the e-mailed reports
//! dist/keys/mchd-demo-ca.pem the demo CA of the fixtures' powers of attorney (its key is deleted once they
//!                            are signed: the bundle holds no key of a CA)
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use crate::build::{self, Profile};
use crate::{Result, root, setup};

/// Builds the bundle and returns its directory.
pub fn run() -> Result<PathBuf> {
    setup::ensure()?;
    let built = build::all(Profile::Release)?;
    let dist = root().join("dist");
    let keep_data = dist.join("data");
    if dist.exists() {
        for entry in fs::read_dir(&dist).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path != keep_data {
                remove(&path)?;
            }
        }
    }
    for d in ["plugins", "adapters"] {
        fs::create_dir_all(dist.join(d)).map_err(|e| format!("{d}: {e}"))?;
    }
    copy(&built.bin_dir.join("gateway"), &dist.join("gateway"))?;
    copy(
        &built.bin_dir.join("registry-sim"),
        &dist.join("registry-sim"),
    )?;
    for plugin in &built.plugins {
        let file = plugin.wasm_file();
        copy(
            &built.plugin_dir.join(&file),
            &dist.join("plugins").join(&file),
        )?;
    }
    for adapter in &built.adapters {
        let file = adapter.adapter_file();
        copy(
            &built.bin_dir.join(&file),
            &dist.join("adapters").join(&file),
        )?;
    }
    copy_dir(&root().join("schemas"), &dist.join("schemas"))?;
    copy_dir(
        &root().join("adapters/sim/fixtures"),
        &dist.join("fixtures"),
    )?;
    report_signer(&dist.join("keys"))?;
    demo_mchd_signatures(&dist.join("keys"), &dist.join("fixtures"))?;
    let token = random_token()?;
    let template = fs::read_to_string(root().join("gateway/dist/gateway.toml"))
        .map_err(|e| format!("config template: {e}"))?;
    let config = template.replace("@DEMO_TOKEN_SHA256@", &sha256_hex(&token)?);
    fs::write(dist.join("gateway.toml"), config).map_err(|e| e.to_string())?;
    fs::write(dist.join("demo-client.token"), format!("{token}\n")).map_err(|e| e.to_string())?;
    eprintln!("xtask: bundle ready in {}", dist.display());
    Ok(dist)
}

/// A self-signed demo key and certificate for signing reports (`[reports] signer_key` / `signer_cert`), made
/// with the system's `openssl`; operators replace them with the operator's real ones.
fn report_signer(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    crate::run(
        std::process::Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825", "-utf8",
            ])
            .args([
                "-subj",
                "/CN=Demo report signer (replace with the operator's certificate)",
            ])
            .arg("-keyout")
            .arg(dir.join("report-signer.key"))
            .arg("-out")
            .arg(dir.join("report-signer.pem")),
    )
}

/// A demo CA (`keys/mchd-demo-ca.pem`, the shipped `[crypto] trust_store`) and detached CMS signatures of the
/// simulator's demo powers of attorney, each by the head named in its `ЛицоБезДов` (a certificate carrying
/// that person's СНИЛС and ИНН and the principal's ОГРН, as a head's qualified certificate does), so that the
/// demo can scan on behalf of an organisation. Made with the system's `openssl`; no key material is
/// committed, and none is left: once the fixtures are signed, the CA's key, the heads' keys and certificates
/// and the serial file are deleted, so the bundle cannot sign anything more in the demo CA's name.
pub(crate) fn demo_mchd_signatures(keys: &Path, fixtures: &Path) -> Result<()> {
    fs::create_dir_all(keys).map_err(|e| format!("{}: {e}", keys.display()))?;
    let mut secrets = Vec::new();
    let signed = sign_demo_fixtures(keys, fixtures, &mut secrets);
    for file in &secrets {
        if file.exists() {
            remove(file)?;
        }
    }
    signed
}

/// Makes the CA, signs every fixture; `secrets` collects every file to delete afterwards (also on failure).
fn sign_demo_fixtures(keys: &Path, fixtures: &Path, secrets: &mut Vec<PathBuf>) -> Result<()> {
    let openssl = |args: &[&str]| {
        let mut c = std::process::Command::new("openssl");
        c.args(args).stdout(std::process::Stdio::null());
        crate::run(&mut c)
    };
    let p = |path: &Path| path.display().to_string();
    let (ca_key, ca) = (keys.join("mchd-demo-ca.key"), keys.join("mchd-demo-ca.pem"));
    secrets.extend([ca_key.clone(), keys.join("mchd-demo-ca.srl")]);
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "825",
        "-utf8",
        "-subj",
        "/O=Demo only, replace with real trust anchors/CN=Demo CA of powers of attorney",
        "-keyout",
        &p(&ca_key),
        "-out",
        &p(&ca),
    ])?;
    let index = fixtures.join("mchd-registry.json");
    let mut listing =
        fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let files: Vec<String> = listing
        .split("\"file\":")
        .skip(1)
        .filter_map(|rest| rest.split('"').nth(1).map(str::to_owned))
        .collect();
    for (i, file) in files.iter().enumerate() {
        let doc = fixtures.join(file);
        let xml = fs::read_to_string(&doc).map_err(|e| format!("{}: {e}", doc.display()))?;
        // The head who signs: the first natural person inside ЛицоБезДов.
        let head = xml
            .split("<ЛицоБезДов")
            .nth(1)
            .ok_or_else(|| format!("{file}: no ЛицоБезДов"))?;
        let attr = |name: &str| {
            head.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(|v| v.chars().filter(char::is_ascii_digit).collect::<String>())
        };
        let (snils, inn) = (
            attr("СНИЛС").ok_or_else(|| format!("{file}: no СНИЛС of the head"))?,
            attr("ИННФЛ").unwrap_or_default(),
        );
        // The principal: the first ОГРН of the document (`СвРосОрг` inside `СвДоверит`).
        let ogrn = xml
            .split(" ОГРН=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .ok_or_else(|| format!("{file}: no ОГРН of the principal"))?;
        let (key, csr, cert) = (
            keys.join(format!("mchd-demo-head-{i}.key")),
            keys.join(format!("mchd-demo-head-{i}.csr")),
            keys.join(format!("mchd-demo-head-{i}.pem")),
        );
        secrets.extend([key.clone(), csr.clone(), cert.clone()]);
        let subject = format!(
            "/CN=Demo head {i}/SNILS={snils}{}/OGRN={ogrn}",
            if inn.is_empty() {
                String::new()
            } else {
                format!("/INN={inn}")
            }
        );
        openssl(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            &subject,
            "-keyout",
            &p(&key),
            "-out",
            &p(&csr),
        ])?;
        openssl(&[
            "x509",
            "-req",
            "-in",
            &p(&csr),
            "-CA",
            &p(&ca),
            "-CAkey",
            &p(&ca_key),
            "-CAcreateserial",
            "-days",
            "825",
            "-out",
            &p(&cert),
        ])?;
        let sig = format!("{file}.sig");
        openssl(&[
            "cms",
            "-sign",
            "-binary",
            "-outform",
            "DER",
            "-in",
            &p(&doc),
            "-signer",
            &p(&cert),
            "-inkey",
            &p(&key),
            "-out",
            &p(&fixtures.join(&sig)),
        ])?;
        listing = listing.replace(
            &format!("\"file\": \"{file}\""),
            &format!("\"file\": \"{file}\", \"signature\": \"{sig}\""),
        );
    }
    fs::write(&index, listing).map_err(|e| e.to_string())
}

fn remove(p: &Path) -> Result<()> {
    if p.is_dir() {
        fs::remove_dir_all(p)
    } else {
        fs::remove_file(p)
    }
    .map_err(|e| format!("{}: {e}", p.display()))
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copy {} → {}: {e}", from.display(), to.display()))
}

pub(crate) fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let target = to.join(path.file_name().expect("entries have names"));
        if path.is_dir() {
            copy_dir(&path, &target)?
        } else {
            copy(&path, &target)?
        }
    }
    Ok(())
}

/// 32 random bytes from the kernel, hex.
fn random_token() -> Result<String> {
    let mut buf = [0u8; 32];
    let mut f = fs::File::open("/dev/urandom").map_err(|e| format!("/dev/urandom: {e}"))?;
    std::io::Read::read_exact(&mut f, &mut buf).map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// SHA-256 of `s` with the system's `sha256sum` (xtask stays free of crypto crates).
pub(crate) fn sha256_hex(s: &str) -> Result<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("sha256sum: {e}"))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(s.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .next()
        .filter(|h| h.len() == 64)
        .map(str::to_owned)
        .ok_or_else(|| "sha256sum gave no digest".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl cms -verify` of `doc` with its detached `sig` against `ca`.
    fn verifies(doc: &Path, sig: &Path, ca: &Path) -> bool {
        std::process::Command::new("openssl")
            .args([
                "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
            ])
            .arg("-content")
            .arg(doc)
            .arg("-in")
            .arg(sig)
            .arg("-CAfile")
            .arg(ca)
            .args(["-out", "/dev/null"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    #[test]
    fn the_demo_fixtures_are_signed_and_no_key_is_left() {
        let dir = std::env::temp_dir().join(format!("xtask-demo-keys-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let (keys, fixtures) = (dir.join("keys"), dir.join("fixtures"));
        copy_dir(&root().join("adapters/sim/fixtures"), &fixtures).expect("copy fixtures");
        demo_mchd_signatures(&keys, &fixtures).expect("signed");
        let left: Vec<String> = fs::read_dir(&keys)
            .expect("keys")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            vec!["mchd-demo-ca.pem".to_owned()],
            "only the CA certificate stays"
        );
        let index = fs::read_to_string(fixtures.join("mchd-registry.json")).expect("index");
        let signatures: Vec<&str> = index
            .split("\"signature\": \"")
            .skip(1)
            .filter_map(|r| r.split('"').next())
            .collect();
        assert_eq!(signatures.len(), 3, "{index}");
        let ca = keys.join("mchd-demo-ca.pem");
        for sig in signatures {
            let doc = fixtures.join(sig.trim_end_matches(".sig"));
            assert!(verifies(&doc, &fixtures.join(sig), &ca), "{sig} verifies");
            // The head's certificate inside names the principal's ОГРН.
            let out = std::process::Command::new("openssl")
                .args(["pkcs7", "-print_certs", "-inform", "DER", "-in"])
                .arg(fixtures.join(sig))
                .output()
                .expect("openssl");
            let text = String::from_utf8_lossy(&out.stdout);
            let xml = fs::read_to_string(&doc).expect("document");
            let ogrn = xml
                .split(" ОГРН=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .expect("ОГРН");
            assert!(
                text.contains(&format!("OGRN = {ogrn}")) || text.contains(&format!("OGRN={ogrn}")),
                "{text}"
            );
        }
        let _ = fs::remove_dir_all(&dir);
    }
}
