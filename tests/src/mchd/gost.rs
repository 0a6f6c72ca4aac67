//! GOST R 34.10-2012 material made with the `openssl` command and the gost engine (Debian
//! `libengine-gost-openssl`): an `OPENSSL_CONF` that loads the engine, a GOST test CA, certificates carrying
//! СНИЛС and ИНН, and detached CMS signatures, all in a temporary directory made at run time.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::document::Person;

/// A GOST test CA and the OpenSSL config that loads the engine.
pub struct GostPki {
    dir: tempfile::TempDir,
    conf: PathBuf,
    ca_cert: PathBuf,
    ca_key: PathBuf,
}

/// A GOST key and certificate.
pub struct GostSigner {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The directory of OpenSSL's engines (`openssl version -e`).
fn engines_dir() -> PathBuf {
    let out = Command::new("openssl")
        .args(["version", "-e"])
        .output()
        .expect("openssl is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let dir = text.split('"').nth(1).expect("ENGINESDIR: \"...\"");
    PathBuf::from(dir)
}

impl GostPki {
    /// Writes the config and makes the CA. Panics with a clear message when the gost engine is missing.
    pub fn new() -> GostPki {
        let engine = engines_dir().join("gost.so");
        assert!(
            engine.exists(),
            "the gost engine is missing ({}): apt-get install libengine-gost-openssl",
            engine.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = dir.path().join("openssl-gost.cnf");
        std::fs::write(
            &conf,
            format!(
                "openssl_conf = openssl_def\n\n[openssl_def]\nengines = engine_section\n\n[engine_section]\ngost = gost_section\n\n\
                 [gost_section]\nengine_id = gost\ndynamic_path = {}\ndefault_algorithms = ALL\n",
                engine.display()
            ),
        )
        .expect("write config");
        let pki = GostPki {
            ca_cert: dir.path().join("gost-ca.pem"),
            ca_key: dir.path().join("gost-ca.key"),
            conf,
            dir,
        };
        pki.openssl(
            &[
                "genpkey",
                "-algorithm",
                "gost2012_256",
                "-pkeyopt",
                "paramset:A",
                "-out",
            ],
            &[&pki.ca_key],
        );
        pki.openssl(
            &[
                "req",
                "-new",
                "-x509",
                "-days",
                "30",
                "-md_gost12_256",
                "-subj",
                "/CN=Тестовый УЦ ГОСТ (вымышленный)",
                "-utf8",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
                "-key",
            ],
            &[&pki.ca_key, Path::new("-out"), &pki.ca_cert],
        );
        pki
    }

    /// The OpenSSL config that loads the gost engine.
    pub fn conf(&self) -> &Path {
        &self.conf
    }

    /// Loads the gost engine into this process too (for GOST keys in-process): sets `OPENSSL_CONF`, which
    /// OpenSSL reads when it first initialises. Call it first thing in a test, before any thread starts and
    /// before OpenSSL is used in-process (nextest runs each test in its own process; `GostPki` itself only runs
    /// the `openssl` command).
    pub fn load_in_process(&self) {
        // SAFETY: called before the test starts threads or reads the environment elsewhere.
        unsafe { std::env::set_var("OPENSSL_CONF", &self.conf) };
    }

    /// The CA certificate (PEM).
    pub fn ca_pem(&self) -> &Path {
        &self.ca_cert
    }

    /// A GOST key and a certificate for `person`, with their СНИЛС and ИНН in the subject.
    pub fn signer(&self, person: &Person) -> GostSigner {
        let stem = person.snils_digits();
        let key = self.dir.path().join(format!("{stem}.key"));
        let csr = self.dir.path().join(format!("{stem}.csr"));
        let cert = self.dir.path().join(format!("{stem}.pem"));
        let ext = self.dir.path().join("signing.ext");
        std::fs::write(
            &ext,
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
        )
        .expect("write");
        self.openssl(
            &[
                "genpkey",
                "-algorithm",
                "gost2012_256",
                "-pkeyopt",
                "paramset:A",
                "-out",
            ],
            &[&key],
        );
        let subject = format!(
            "/CN={} {}/SNILS={}/INN={}",
            person.last_name, person.first_name, stem, person.inn
        );
        self.openssl(
            &[
                "req",
                "-new",
                "-md_gost12_256",
                "-utf8",
                "-subj",
                &subject,
                "-key",
            ],
            &[&key, Path::new("-out"), &csr],
        );
        self.openssl(
            &[
                "x509",
                "-req",
                "-days",
                "10",
                "-md_gost12_256",
                "-CAcreateserial",
                "-in",
            ],
            &[
                &csr,
                Path::new("-CA"),
                &self.ca_cert,
                Path::new("-CAkey"),
                &self.ca_key,
                Path::new("-extfile"),
                &ext,
                Path::new("-out"),
                &cert,
            ],
        );
        GostSigner { cert, key }
    }

    /// A detached CMS signature (DER) of `content` by `signer`: `openssl cms -sign -binary -outform DER`
    /// without `-nodetach`, so the content stays outside the signature.
    pub fn sign_detached(&self, content: &[u8], signer: &GostSigner) -> Vec<u8> {
        let input = self.dir.path().join("content.xml");
        let output = self.dir.path().join("content.sig");
        std::fs::write(&input, content).expect("write");
        self.openssl(
            &[
                "cms",
                "-sign",
                "-binary",
                "-outform",
                "DER",
                "-md",
                "md_gost12_256",
                "-in",
            ],
            &[
                &input,
                Path::new("-signer"),
                &signer.cert,
                Path::new("-inkey"),
                &signer.key,
                Path::new("-out"),
                &output,
            ],
        );
        std::fs::read(&output).expect("signature")
    }

    /// Runs `openssl` with this config; panics with openssl's message on failure.
    fn openssl(&self, args: &[&str], paths: &[&Path]) {
        let out = Command::new("openssl")
            .args(args)
            .args(paths)
            .env("OPENSSL_CONF", &self.conf)
            .current_dir(self.dir.path())
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Default for GostPki {
    fn default() -> Self {
        GostPki::new()
    }
}
