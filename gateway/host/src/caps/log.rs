//! `log`: plugin log lines go to `tracing` (target `plugin`, field `plugin` = the plugin's name), with
//! personal identifiers masked, lines capped in length, and at most [`MAX_LINES`] lines per invocation.
//! Error lines are also kept with the plugin's stderr, which a trap report quotes.

use crate::bindings::smev_gateway::plugin::log::{Host, Level};
use crate::state::StoreState;

/// The most lines one invocation may log; further lines are dropped (one warning says so).
pub(crate) const MAX_LINES: u32 = 256;
/// The longest line kept, in bytes; longer lines are cut.
const MAX_LINE_BYTES: usize = 4096;
/// Runs of at least this many digits are treated as identifiers (ИНН 10/12, СНИЛС 11, ОГРН 13, ОГРНИП 15).
const MIN_IDENTIFIER_DIGITS: usize = 10;

/// Emits `$message` (masked and cut) at `$level` if that level is enabled for target `plugin`; the masking
/// costs nothing when the line would be dropped.
macro_rules! emit {
    ($level:expr, $plugin:expr, $message:expr) => {
        if tracing::enabled!(target: "plugin", $level) {
            let line = mask_identifiers(truncate($message, MAX_LINE_BYTES));
            tracing::event!(target: "plugin", $level, plugin = $plugin, "{line}");
        }
    };
}

impl Host for StoreState {
    fn log(&mut self, level: Level, message: String) {
        self.log_lines = self.log_lines.saturating_add(1);
        let plugin = self.plugin.name.as_str();
        if level == Level::Error {
            // Kept with stderr (within its cap) for a trap report, past the line limit too: a plugin built
            // without WASI reports its panic this way.
            self.stderr.append_line(&message);
        }
        if self.log_lines > MAX_LINES {
            if self.log_lines == MAX_LINES + 1 {
                tracing::warn!(target: "plugin", plugin, "log limit of {MAX_LINES} lines reached; further lines dropped");
            }
            return;
        }
        match level {
            Level::Trace => emit!(tracing::Level::TRACE, plugin, &message),
            Level::Debug => emit!(tracing::Level::DEBUG, plugin, &message),
            Level::Info => emit!(tracing::Level::INFO, plugin, &message),
            Level::Warn => emit!(tracing::Level::WARN, plugin, &message),
            Level::Error => emit!(tracing::Level::ERROR, plugin, &message),
        }
    }
}

/// `text` cut to at most `max` bytes at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Replaces every digit but the last two of each identifier-like run (digits, possibly separated by single
/// spaces or hyphens as in `123-456-789 01`, with at least [`MIN_IDENTIFIER_DIGITS`] digits) with `*`.
pub(crate) fn mask_identifiers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < chars.len() {
        if !chars[index].is_ascii_digit() {
            out.push(chars[index]);
            index += 1;
            continue;
        }
        // The run: digits, with single separators between digits.
        let start = index;
        let mut end = index;
        while end < chars.len() {
            let separator_then_digit = matches!(chars[end], ' ' | '-')
                && chars.get(end + 1).is_some_and(char::is_ascii_digit);
            if !(chars[end].is_ascii_digit() || separator_then_digit) {
                break;
            }
            end += 1;
        }
        let run = &chars[start..end];
        let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
        if digits >= MIN_IDENTIFIER_DIGITS {
            let mut seen = 0;
            for &c in run {
                if c.is_ascii_digit() {
                    seen += 1;
                    out.push(if seen > digits - 2 { c } else { '*' });
                } else {
                    out.push(c);
                }
            }
        } else {
            out.extend(run);
        }
        index = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_masked_and_short_numbers_kept() {
        assert_eq!(
            mask_identifiers("snils 112-233-445 95 ok"),
            "snils ***-***-*** 95 ok"
        );
        assert_eq!(
            mask_identifiers("inn 7707083893, ogrn 1027700132195"),
            "inn ********93, ogrn ***********95"
        );
        assert_eq!(
            mask_identifiers("found 3 records in 2024 - 2025"),
            "found 3 records in 2024 - 2025"
        );
        assert_eq!(mask_identifiers("code 12345"), "code 12345");
        assert_eq!(
            mask_identifiers("фио: Иванов 123456789012"),
            "фио: Иванов **********12"
        );
        assert_eq!(mask_identifiers(""), "");
    }

    #[test]
    fn lines_are_cut_at_character_boundaries() {
        assert_eq!(truncate("абв", 3), "а");
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("abc", 0), "");
    }
}
