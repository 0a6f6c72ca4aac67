//! Processes of a benchmark run: starting them, waiting for their ports, their memory, a tiny HTTP client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

/// Runs `cmd` (named `what` in errors) to its end and returns the JSON it printed on standard output; a failed
/// exit or output that is not JSON is an error with what it printed.
pub fn json_output(cmd: &mut Command, what: &str) -> Result<serde_json::Value> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).map_err(|e| format!("{what} printed `{text}`: {e}"))
}

/// A child process killed (SIGTERM, then wait) when dropped.
pub struct Proc {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Proc {
    /// Starts `cmd` and waits until `addr` accepts connections.
    pub fn start(mut cmd: Command, addr: SocketAddr, what: &str) -> Result<Proc> {
        let child = cmd
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("{what}: {e}"))?;
        let mut p = Proc { child, addr };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(s)) = p.child.try_wait() {
                return Err(format!("{what} exited: {s}"));
            }
            if TcpStream::connect(addr).is_ok() {
                return Ok(p);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("{what} did not listen on {addr}"))
    }

    /// Starts `cmd`, which prints its address on its first line of standard output.
    pub fn start_printing_addr(mut cmd: Command, what: &str) -> Result<Proc> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{what}: {e}"))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let addr = line
            .trim()
            .parse()
            .map_err(|e| format!("{what} printed `{line}`: {e}"))?;
        Ok(Proc { child, addr })
    }

    /// Resident memory now and at its peak, in MiB (`/proc/<pid>/status`).
    pub fn rss_mib(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let kib = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on loopback.
pub fn free_addr() -> Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map_err(|e| e.to_string())
}

/// POSTs a JSON body and returns (status, body). Enough HTTP/1.1 for the harness, without a client crate.
pub fn post_json(addr: SocketAddr, path: &str, token: &str, body: &str) -> Result<(u16, String)> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).map_err(|e| e.to_string())?;
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or("no HTTP status")?;
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// Copies the simulator's fixtures (files and subdirectories) into `dir`.
pub fn copy_fixtures(from: &Path, dir: &Path) -> Result<()> {
    crate::dist::copy_dir(from, dir)
}
