//! TLS towards the registry: the CA certificates its server certificate must chain to (`ca_file`) and the
//! gateway's client certificate for mutual TLS (`client_cert` + `client_key`), read and checked once at `init`
//! with OpenSSL, then handed to `ureq`'s native-tls (the system's OpenSSL) connector.
//!
//! Rules: paths are absolute (the adapter does not know where the gateway's config file is); every file is
//! PEM; `ca_file` replaces the system roots (only the registry's CA is trusted) and without it the system's
//! trust store is used; the client key is unencrypted (PKCS#8, PKCS#1 or SEC1) and belongs to the first
//! certificate of `client_cert`, which may carry its intermediate CAs after it and must not have expired.

use std::path::{Path, PathBuf};

use openssl::asn1::Asn1Time;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig, TlsProvider};

/// Why a TLS file was refused. Messages name the key and the path, never the key material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "{key} `{}` must be an absolute path (the adapter does not know where the config file is)",
        path.display()
    )]
    NotAbsolute { key: &'static str, path: PathBuf },
    #[error("cannot read {key} `{}`: {source}", path.display())]
    Unreadable {
        key: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{key} `{}` holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { key: &'static str, path: PathBuf },
    #[error("{key} `{}` is not valid PEM certificates: {source}", path.display())]
    BadCertificate {
        key: &'static str,
        path: PathBuf,
        source: openssl::error::ErrorStack,
    },
    #[error(
        "client_key `{}` is not an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1): {source}",
        path.display()
    )]
    BadKey {
        path: PathBuf,
        source: openssl::error::ErrorStack,
    },
    #[error("client_key `{}` could not be re-encoded as PKCS#8", path.display())]
    NotReencoded { path: PathBuf },
    #[error("client_key `{}` does not belong to the certificate of client_cert `{}`", key.display(), cert.display())]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("client_cert `{}` expired ({not_after})", path.display())]
    Expired { path: PathBuf, not_after: String },
    #[error("client_cert and client_key go together: set both or neither")]
    HalfAPair,
    #[error("OpenSSL failed while checking the TLS files: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}

/// The TLS keys of the config table, as written.
#[derive(Debug, Default, Clone, Copy)]
pub struct TlsFiles<'a> {
    pub ca_file: Option<&'a Path>,
    pub client_cert: Option<&'a Path>,
    pub client_key: Option<&'a Path>,
}

impl TlsFiles<'_> {
    /// Whether any TLS key is set.
    pub fn any(&self) -> bool {
        self.ca_file.is_some() || self.client_cert.is_some() || self.client_key.is_some()
    }

    /// Reads and checks the files; the TLS settings of the agent.
    pub fn load(&self) -> Result<TlsConfig, TlsError> {
        let roots = match self.ca_file {
            Some(path) => {
                let certs = read_certificates("ca_file", path)?;
                RootCerts::new_with_certs(&to_ureq(&certs)?)
            }
            None => RootCerts::PlatformVerifier,
        };
        let client_cert = match (self.client_cert, self.client_key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(client_identity(cert, key)?),
            _ => return Err(TlsError::HalfAPair),
        };
        Ok(TlsConfig::builder()
            .provider(TlsProvider::NativeTls)
            .root_certs(roots)
            .client_cert(client_cert)
            .build())
    }
}

/// The client certificate chain and its key, checked to belong together.
fn client_identity(cert_path: &Path, key_path: &Path) -> Result<ClientCert, TlsError> {
    let chain = read_certificates("client_cert", cert_path)?;
    let key = read_key(key_path)?;
    let leaf = &chain[0];
    if !leaf.public_key()?.public_eq(&key) {
        return Err(TlsError::KeyMismatch {
            cert: cert_path.to_owned(),
            key: key_path.to_owned(),
        });
    }
    if leaf.not_after() < Asn1Time::days_from_now(0)? {
        return Err(TlsError::Expired {
            path: cert_path.to_owned(),
            not_after: leaf.not_after().to_string(),
        });
    }
    // native-tls takes PKCS#8 only; whatever the file held is re-encoded. (`ureq` does not export `KeyKind`,
    // hence the round trip through PEM.)
    let key = PrivateKey::from_pem(&key.private_key_to_pem_pkcs8()?).map_err(|_| {
        TlsError::NotReencoded {
            path: key_path.to_owned(),
        }
    })?;
    Ok(ClientCert::new_with_certs(&to_ureq(&chain)?, key))
}

fn read(key: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    if !path.is_absolute() {
        return Err(TlsError::NotAbsolute {
            key,
            path: path.to_owned(),
        });
    }
    std::fs::read(path).map_err(|source| TlsError::Unreadable {
        key,
        path: path.to_owned(),
        source,
    })
}

/// The certificates of a PEM file; at least one.
fn read_certificates(key: &'static str, path: &Path) -> Result<Vec<X509>, TlsError> {
    let pem = read(key, path)?;
    let no_certificate = || TlsError::NoCertificate {
        key,
        path: path.to_owned(),
    };
    if !pem
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(no_certificate());
    }
    let certs = X509::stack_from_pem(&pem).map_err(|source| TlsError::BadCertificate {
        key,
        path: path.to_owned(),
        source,
    })?;
    if certs.is_empty() {
        return Err(no_certificate());
    }
    Ok(certs)
}

/// An unencrypted private key; an encrypted one is refused rather than prompting for a passphrase.
fn read_key(path: &Path) -> Result<PKey<Private>, TlsError> {
    let pem = read("client_key", path)?;
    PKey::private_key_from_pem_callback(&pem, |_passphrase| Ok(0)).map_err(|source| {
        TlsError::BadKey {
            path: path.to_owned(),
            source,
        }
    })
}

fn to_ureq(certs: &[X509]) -> Result<Vec<Certificate<'static>>, TlsError> {
    certs
        .iter()
        .map(|cert| Ok(Certificate::from_der(&cert.to_der()?).to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Pki;

    fn files<'a>(
        ca: Option<&'a Path>,
        cert: Option<&'a Path>,
        key: Option<&'a Path>,
    ) -> TlsFiles<'a> {
        TlsFiles {
            ca_file: ca,
            client_cert: cert,
            client_key: key,
        }
    }

    #[test]
    fn loads_a_ca_and_a_client_identity() {
        let pki = Pki::new();
        let config = files(Some(&pki.ca), Some(&pki.client_cert), Some(&pki.client_key))
            .load()
            .expect("valid");
        assert_eq!(config.provider(), TlsProvider::NativeTls);
        assert!(matches!(config.root_certs(), RootCerts::Specific(c) if c.len() == 1));
        let client = config.client_cert().expect("a client certificate");
        assert_eq!(client.certs().len(), 1);
        assert_eq!(format!("{:?}", client.private_key().kind()), "Pkcs8");

        let system = files(None, None, None).load().expect("valid");
        assert!(matches!(system.root_certs(), RootCerts::PlatformVerifier));
        assert!(system.client_cert().is_none());
    }

    #[test]
    fn a_traditional_key_is_accepted_and_converted_to_pkcs8() {
        let pki = Pki::new();
        // `private_key_to_pem` of an EC key writes SEC1 ("BEGIN EC PRIVATE KEY"), not PKCS#8.
        let sec1 = pki
            .client
            .key
            .ec_key()
            .expect("ec")
            .private_key_to_pem()
            .expect("pem");
        assert!(sec1.starts_with(b"-----BEGIN EC PRIVATE KEY-----"));
        let sec1 = pki.write("client-sec1.key", &sec1);
        let config = files(None, Some(&pki.client_cert), Some(&sec1))
            .load()
            .expect("accepted");
        let key = config
            .client_cert()
            .expect("client certificate")
            .private_key();
        assert_eq!(format!("{:?}", key.kind()), "Pkcs8");
        let reread = PKey::private_key_from_pkcs8(key.der()).expect("PKCS#8 DER");
        assert!(reread.public_eq(&pki.client.key));
    }

    #[test]
    fn refuses_bad_files_with_reasons() {
        let pki = Pki::new();
        let refused = |f: TlsFiles| f.load().expect_err("refused").to_string();
        let relative = Path::new("ca.pem");
        assert!(refused(files(Some(relative), None, None)).contains("absolute"));
        let missing = pki.dir.path().join("missing.pem");
        assert!(refused(files(Some(&missing), None, None)).contains("cannot read ca_file"));
        let garbage = pki.write("garbage.pem", b"not a certificate");
        assert!(refused(files(Some(&garbage), None, None)).contains("no PEM certificate"));
        let broken = pki.write(
            "broken.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        assert!(refused(files(Some(&broken), None, None)).contains("not valid PEM"));
        // A key where a certificate belongs.
        assert!(refused(files(Some(&pki.client_key), None, None)).contains("no PEM certificate"));
        assert!(refused(files(None, Some(&pki.client_cert), None)).contains("both or neither"));
        assert!(refused(files(None, None, Some(&pki.client_key))).contains("both or neither"));
        let not_a_key = refused(files(None, Some(&pki.client_cert), Some(&pki.client_cert)));
        assert!(
            not_a_key.contains("not an unencrypted PEM private key"),
            "{not_a_key}"
        );
        let encrypted = pki.write(
            "encrypted.key",
            &pki.client
                .key
                .private_key_to_pem_pkcs8_passphrase(
                    openssl::symm::Cipher::aes_256_cbc(),
                    b"passphrase",
                )
                .expect("pem"),
        );
        let refused_encrypted = refused(files(None, Some(&pki.client_cert), Some(&encrypted)));
        assert!(
            refused_encrypted.contains("unencrypted"),
            "{refused_encrypted}"
        );
        let mismatch = refused(files(None, Some(&pki.client_cert), Some(&pki.server_key)));
        assert!(mismatch.contains("does not belong"), "{mismatch}");
        let expired = pki.expired_client();
        let expired = refused(files(None, Some(&expired.0), Some(&expired.1)));
        assert!(expired.contains("expired"), "{expired}");
    }
}
