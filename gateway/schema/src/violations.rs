//! [`Violations`]: why a payload failed its schema check.

use std::fmt;

/// The most messages a [`Violations`] carries.
pub const MAX_MESSAGES: usize = 20;

/// Why a payload failed its schema check: the validator's messages, human-readable.
///
/// XML messages start with `line N:` where libxml2 knows the line; JSON messages start with the JSON
/// pointer of the offending value (`(root)` for the document itself). At most [`MAX_MESSAGES`] messages
/// are kept; when more were reported the last one says how many were left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations {
    /// The messages, never empty, at most [`MAX_MESSAGES`].
    pub messages: Vec<String>,
}

impl Violations {
    /// One violation.
    pub fn single(message: impl Into<String>) -> Self {
        Violations {
            messages: vec![message.into()],
        }
    }

    /// Violations from `messages`, of which `omitted` more were not collected; capped at
    /// [`MAX_MESSAGES`]. An empty list becomes `fallback`, so that a failure never goes unexplained.
    pub(crate) fn collected(mut messages: Vec<String>, omitted: usize, fallback: &str) -> Self {
        if messages.is_empty() && omitted == 0 {
            return Violations::single(fallback);
        }
        let total = messages.len() + omitted;
        if total > MAX_MESSAGES {
            messages.truncate(MAX_MESSAGES - 1);
            let left_out = total - messages.len();
            messages.push(format!("... and {left_out} more violations"));
        }
        Violations { messages }
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.messages.join("; "))
    }
}

impl std::error::Error for Violations {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_messages_are_kept_as_they_are() {
        let v = Violations::collected(vec!["a".into(), "b".into()], 0, "unused");
        assert_eq!(v.messages, ["a", "b"]);
        assert_eq!(v.to_string(), "a; b");
    }

    #[test]
    fn empty_list_becomes_the_fallback() {
        let v = Violations::collected(Vec::new(), 0, "document is not valid");
        assert_eq!(v.messages, ["document is not valid"]);
    }

    #[test]
    fn overflow_is_summarised_in_the_last_message() {
        let messages: Vec<String> = (0..MAX_MESSAGES).map(|i| format!("m{i}")).collect();
        let v = Violations::collected(messages, 5, "unused");
        assert_eq!(v.messages.len(), MAX_MESSAGES);
        assert_eq!(
            v.messages[MAX_MESSAGES - 2],
            format!("m{}", MAX_MESSAGES - 2)
        );
        assert_eq!(v.messages[MAX_MESSAGES - 1], "... and 6 more violations");
    }

    #[test]
    fn exactly_the_cap_needs_no_summary() {
        let messages: Vec<String> = (0..MAX_MESSAGES).map(|i| format!("m{i}")).collect();
        let v = Violations::collected(messages.clone(), 0, "unused");
        assert_eq!(v.messages, messages);
    }
}
