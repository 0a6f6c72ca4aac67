//! QR code rendering by the host.

use crate::bindings::smev_gateway::plugin::qr as wit;
use crate::error::HostError;

/// A PNG image of a QR code holding `text`; `scale` is pixels per module (0 = the host's default).
pub fn png(text: &str, scale: u32) -> Result<Vec<u8>, HostError> {
    wit::png(text, scale)
}

/// An SVG image of a QR code holding `text`.
pub fn svg(text: &str) -> Result<String, HostError> {
    wit::svg(text)
}
