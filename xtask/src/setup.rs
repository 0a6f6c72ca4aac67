//! Prerequisites a fresh machine of this kind (Debian, root, Rust through rustup) lacks: the WebAssembly
//! targets, Debian packages for building and testing, and Python tools for the tests.

use std::path::PathBuf;
use std::process::Command;

use crate::{Result, root, run};

/// Debian packages: what each is for.
const PACKAGES: &[(&str, &str)] = &[
    ("pkg-config", "finding libxml2 and OpenSSL"),
    ("libxml2-dev", "XSD validation (libxml2)"),
    (
        "libxml2-utils",
        "xmllint, the tests' independent schema check",
    ),
    ("libssl-dev", "OpenSSL: TLS, CMS signatures"),
    ("openssl", "the tests' independent signature checks"),
    (
        "libengine-gost-openssl",
        "GOST R 34.10-2012 signatures through OpenSSL's gost engine",
    ),
    ("zbar-tools", "zbarimg, the tests' independent QR decoder"),
    ("python3-venv", "the tests' Python environment"),
    ("postgresql-client", "psql, to create the test database"),
    (
        "chromium",
        "the real headless browser the tests drive the gateway's pages with",
    ),
    (
        "chromium-driver",
        "chromedriver, through which Selenium drives chromium (/usr/bin/chromedriver)",
    ),
    (
        "fonts-dejavu-core",
        "Cyrillic glyphs in the browser's screenshots",
    ),
];

/// Python packages the tests use (zeep: a SOAP client built from the served WSDL; aiosmtpd: a real SMTP
/// server; openpyxl: an independent reader of the reports; lxml, gostcrypto and cryptography: the independent
/// XMLDSig checker `tests/py/smev_xmldsig.py`; selenium: the WebDriver client of `tests/py/browser.py`, which
/// names Debian's chromedriver itself, so Selenium Manager never downloads a driver; schemathesis: checks the
/// served OpenAPI document against the live JSON API). Each name is both the package and the module it installs.
const PYTHON: &[&str] = &[
    "zeep",
    "aiosmtpd",
    "openpyxl",
    "lxml",
    "gostcrypto",
    "cryptography",
    "selenium",
    "schemathesis",
];

/// Installs whatever is missing.
pub fn ensure() -> Result<()> {
    ensure_target()?;
    ensure_packages()?;
    ensure_python()?;
    Ok(())
}

/// The Rust targets the plugins are built for: components without WASI (`wasm32-unknown-unknown`, made into
/// components by `build::plugins`), and `wasm32-wasip2` for the test plugin that exercises the WASI sandbox.
const TARGETS: [&str; 2] = ["wasm32-unknown-unknown", "wasm32-wasip2"];

fn ensure_target() -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup: {e}"))?;
    let installed = String::from_utf8_lossy(&out.stdout);
    for target in TARGETS {
        if !installed.lines().any(|l| l.trim() == target) {
            run(Command::new("rustup").args(["target", "add", target]))?;
        }
    }
    Ok(())
}

fn installed(pkg: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", pkg])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

fn ensure_packages() -> Result<()> {
    let missing: Vec<&str> = PACKAGES
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| !installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    for (p, why) in PACKAGES.iter().filter(|(p, _)| missing.contains(p)) {
        eprintln!("xtask: installing {p} ({why})");
    }
    let sudo = if is_root() { None } else { Some("sudo") };
    let apt = |args: &[&str]| {
        let mut c = match sudo {
            Some(s) => {
                let mut c = Command::new(s);
                c.arg("apt-get");
                c
            }
            None => Command::new("apt-get"),
        };
        c.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        c
    };
    if run(apt(&["install", "-y", "--no-install-recommends"]).args(&missing)).is_err() {
        run(&mut apt(&["update"]))?;
        run(apt(&["install", "-y", "--no-install-recommends"]).args(&missing))?;
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The Python interpreter of the tests' virtual environment (`target/pyenv`).
pub fn python() -> PathBuf {
    root().join("target/pyenv/bin/python")
}

fn ensure_python() -> Result<()> {
    let py = python();
    let venv = root().join("target/pyenv");
    if !py.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    }
    // SE_OFFLINE: Selenium never fetches a browser or driver (the tests use Debian's), here or in the tests.
    let have = Command::new(&py)
        .env("SE_OFFLINE", "true")
        .args(["-c", &format!("import {}", PYTHON.join(", "))])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        run(Command::new(&py)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(PYTHON))?;
    }
    Ok(())
}
