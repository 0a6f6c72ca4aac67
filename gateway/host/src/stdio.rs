//! A plugin's stderr: kept in memory up to a cap (the rest is dropped, never an error), read by the host
//! after a trap to report the plugin's panic message. Its error-level log lines are kept here too: a plugin
//! built without WASI has no stderr and reports its panic through `log`. Stdout is discarded (WASI's default
//! sink).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// How many bytes of a plugin's stderr the host keeps per invocation.
pub(crate) const STDERR_CAPACITY: usize = 4096;

/// The stderr of one instance. Clones share the buffer.
#[derive(Clone, Default)]
pub(crate) struct StderrCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl StderrCapture {
    /// What the plugin wrote, as text (lossy UTF-8), trimmed.
    pub(crate) fn text(&self) -> String {
        let buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&buffer).trim().to_owned()
    }

    /// Keeps `line` as if written to stderr with a line break.
    pub(crate) fn append_line(&self, line: &str) {
        self.append(line.as_bytes());
        self.append(b"\n");
    }

    fn append(&self, bytes: &[u8]) {
        let mut buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        let room = STDERR_CAPACITY.saturating_sub(buffer.len());
        buffer.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

impl IsTerminal for StderrCapture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for StderrCapture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl Pollable for StderrCapture {
    async fn ready(&mut self) {}
}

impl OutputStream for StderrCapture {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always accept: what exceeds the capacity is dropped, so a chatty plugin never fails on stderr.
        Ok(64 << 10)
    }
}

impl AsyncWrite for StderrCapture {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.append(bytes);
        Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_kept_up_to_the_cap_and_never_refused() {
        let capture = StderrCapture::default();
        let mut stream = capture.clone();
        stream
            .write(Bytes::from_static(b"  panicked at x: boom\n"))
            .expect("accepted");
        assert_eq!(capture.text(), "panicked at x: boom");
        for _ in 0..100 {
            stream
                .write(Bytes::from(vec![b'a'; 1000]))
                .expect("still accepted");
            assert!(stream.check_write().expect("ready") > 0);
        }
        assert_eq!(capture.buffer.lock().expect("lock").len(), STDERR_CAPACITY);
    }
}
