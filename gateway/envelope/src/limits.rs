//! Resource limits enforced while decoding an envelope.

/// Limits the decoder enforces while it reads, so that hostile input fails fast.
///
/// The size of the body itself is the caller's business: it must refuse an oversized body
/// before calling the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The deepest element nesting allowed, counting the SOAP `Envelope` as depth 1 (a payload
    /// root of a `SendRequest` sits at depth 6).
    pub max_depth: usize,
    /// The most attributes (namespace declarations included) one start tag may carry.
    pub max_attributes: usize,
    /// The most attachments one request may carry.
    pub max_attachments: usize,
    /// The largest total size of the attachments of one request, in decoded bytes.
    pub max_attachment_bytes: usize,
}

impl Default for Limits {
    /// 64 levels, 64 attributes, 16 attachments, 10 MiB of attachments.
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_attributes: 64,
            max_attachments: 16,
            max_attachment_bytes: 10 * 1024 * 1024,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_values() {
        let l = Limits::default();
        assert_eq!(
            (l.max_depth, l.max_attributes, l.max_attachments),
            (64, 64, 16)
        );
        assert_eq!(l.max_attachment_bytes, 10_485_760);
    }
}
