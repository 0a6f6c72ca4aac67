//! A real OCSP responder for the tests: `openssl ocsp` serving the kit's CA database on a loopback port,
//! signing its answers with the CA's own key. The database (`index.txt`, OpenSSL's CA format) says which of
//! the kit's certificates are valid and which revoked.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{Kit, Person};

/// A running `openssl ocsp` responder; stopped when dropped.
pub struct Responder {
    child: Child,
    port: u16,
}

impl Responder {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One line of the CA database: `V` or `R`, expiry, revocation time, serial (hex), file, subject.
fn index_line(serial: &str, revoked: bool) -> String {
    if revoked {
        format!("R\t351231235959Z\t250101000000Z\t{serial}\tunknown\t/CN=revoked\n")
    } else {
        format!("V\t351231235959Z\t\t{serial}\tunknown\t/CN=valid\n")
    }
}

impl Kit {
    /// Starts a responder for this CA that knows the certificates of `valid` as good and those of `revoked`
    /// as revoked (each `(person, organisation)` as in [`Kit::sign_for`]); any other is unknown to it.
    pub fn ocsp_responder(
        &self,
        valid: &[(&Person, Option<&str>)],
        revoked: &[(&Person, Option<&str>)],
    ) -> Responder {
        let dir = self.dir().join(format!("ocsp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("responder dir");
        let mut index = String::new();
        for (list, is_revoked) in [(valid, false), (revoked, true)] {
            for (person, organisation) in list {
                let serial = self.with_certificate(person, *organisation, |issued| {
                    let hex = issued
                        .cert
                        .serial_number()
                        .to_bn()
                        .expect("serial")
                        .to_hex_str()
                        .expect("hex")
                        .to_string();
                    if hex.len() % 2 == 1 {
                        format!("0{hex}")
                    } else {
                        hex
                    }
                });
                index.push_str(&index_line(&serial, is_revoked));
            }
        }
        std::fs::write(dir.join("index.txt"), index).expect("index");
        std::fs::write(dir.join("index.txt.attr"), "unique_subject = no\n").expect("attr");
        let key = dir.join("ca.key");
        std::fs::write(
            &key,
            self.ca.issued.key.private_key_to_pem_pkcs8().expect("pem"),
        )
        .expect("key");
        let port = free_port();
        let mut child = Command::new("openssl")
            .args(["ocsp", "-index"])
            .arg(dir.join("index.txt"))
            .args(["-port", &port.to_string(), "-rsigner"])
            .arg(self.ca_pem())
            .arg("-rkey")
            .arg(&key)
            .arg("-CA")
            .arg(self.ca_pem())
            .args(["-ndays", "1"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl ocsp runs");
        wait_until_listening(&mut child);
        Responder { child, port }
    }
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Waits (at most 10 s) until the responder says it waits for clients, then drains what it says further.
/// (A connection made only to probe the port would stall `openssl ocsp`: it serves one client at a time.)
fn wait_until_listening(child: &mut Child) {
    use std::io::{BufRead, BufReader};
    let stderr = child.stderr.take().expect("piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stderr).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if line.contains("waiting for OCSP client connections") {
                let _ = tx.send(());
                break;
            }
        }
        for _ in lines {}
    });
    if rx.recv_timeout(Duration::from_secs(10)).is_err() {
        let _ = child.kill();
        panic!("the OCSP responder did not start");
    }
}
