//! A test PKI made at run time with OpenSSL, written to a temporary directory: a CA, a server certificate
//! for `127.0.0.1` and `localhost`, a client certificate, and a second CA that issued neither. Nothing here is
//! a real organisation's. Shared by the unit tests of `tls` and the integration tests (`#[path]`).
#![allow(dead_code)]

use std::path::PathBuf;

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509NameBuilder};

const DAY: i64 = 86_400;

/// A key and its certificate.
pub struct Issued {
    pub key: PKey<Private>,
    pub cert: X509,
}

/// What a certificate is for.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Ca,
    Server,
    Client,
}

/// The files of the test PKI (PEM; keys in PKCS#8).
pub struct Pki {
    pub dir: tempfile::TempDir,
    /// The CA that issued the server and client certificates.
    pub ca: PathBuf,
    /// A CA that issued nothing here: trusting it alone must fail.
    pub other_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    pub client: Issued,
    authority: Issued,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().expect("temporary directory");
        let authority = issue("Test Registry CA", Role::Ca, None, (0, 365));
        let other = issue("Unrelated CA", Role::Ca, None, (0, 365));
        let server = issue("registry.test", Role::Server, Some(&authority), (0, 30));
        let client = issue("gateway.test", Role::Client, Some(&authority), (0, 30));
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write a PKI file");
            path
        };
        Pki {
            ca: write("ca.pem", &authority.cert.to_pem().expect("pem")),
            other_ca: write("other-ca.pem", &other.cert.to_pem().expect("pem")),
            server_cert: write("server.pem", &server.cert.to_pem().expect("pem")),
            server_key: write("server.key", &pkcs8(&server.key)),
            client_cert: write("client.pem", &client.cert.to_pem().expect("pem")),
            client_key: write("client.key", &pkcs8(&client.key)),
            client,
            authority,
            dir,
        }
    }

    /// Writes `bytes` to `name` in the PKI's directory.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write a PKI file");
        path
    }

    /// A client certificate of this CA that expired yesterday, and its key: (cert, key).
    pub fn expired_client(&self) -> (PathBuf, PathBuf) {
        let expired = issue(
            "expired.test",
            Role::Client,
            Some(&self.authority),
            (-2, -1),
        );
        (
            self.write("expired.pem", &expired.cert.to_pem().expect("pem")),
            self.write("expired.key", &pkcs8(&expired.key)),
        )
    }
}

fn pkcs8(key: &PKey<Private>) -> Vec<u8> {
    key.private_key_to_pem_pkcs8().expect("pem")
}

/// A certificate for `cn`, valid from `days.0` to `days.1` days from now, signed by `issuer` (itself when
/// `None`).
fn issue(cn: &str, role: Role, issuer: Option<&Issued>, days: (i64, i64)) -> Issued {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("curve");
    let key = PKey::from_ec_key(EcKey::generate(&group).expect("key")).expect("pkey");
    let mut name = X509NameBuilder::new().expect("name");
    name.append_entry_by_nid(Nid::COMMONNAME, cn).expect("cn");
    let name = name.build();
    let mut serial = BigNum::new().expect("bn");
    serial.rand(64, MsbOption::MAYBE_ZERO, false).expect("rand");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    let mut b = X509::builder().expect("builder");
    b.set_version(2).expect("version");
    b.set_serial_number(&serial.to_asn1_integer().expect("serial"))
        .expect("serial");
    b.set_subject_name(&name).expect("subject");
    let issuer_name = issuer.map_or(&*name, |i| i.cert.subject_name());
    b.set_issuer_name(issuer_name).expect("issuer");
    b.set_pubkey(&key).expect("pubkey");
    // A minute of slack before "now", for clocks that disagree by a little.
    let not_before = Asn1Time::from_unix(now + days.0 * DAY - 60).expect("time");
    b.set_not_before(&not_before).expect("not before");
    let not_after = Asn1Time::from_unix(now + days.1 * DAY).expect("time");
    b.set_not_after(&not_after).expect("not after");
    match role {
        Role::Ca => {
            b.append_extension(BasicConstraints::new().critical().ca().build().expect("bc"))
                .expect("ext");
            let usage = KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build();
            b.append_extension(usage.expect("ku")).expect("ext");
        }
        Role::Server => {
            b.append_extension(BasicConstraints::new().build().expect("bc"))
                .expect("ext");
            let usage = ExtendedKeyUsage::new().server_auth().build();
            b.append_extension(usage.expect("eku")).expect("ext");
            let issuer_cert = issuer.map(|i| &*i.cert);
            let san = SubjectAlternativeName::new()
                .ip("127.0.0.1")
                .dns("localhost")
                .build(&b.x509v3_context(issuer_cert, None))
                .expect("san");
            b.append_extension(san).expect("ext");
        }
        Role::Client => {
            b.append_extension(BasicConstraints::new().build().expect("bc"))
                .expect("ext");
            let usage = ExtendedKeyUsage::new().client_auth().build();
            b.append_extension(usage.expect("eku")).expect("ext");
        }
    }
    let signer = issuer.map_or(&key, |i| &i.key);
    b.sign(signer, MessageDigest::sha256()).expect("sign");
    Issued {
        cert: b.build(),
        key,
    }
}
