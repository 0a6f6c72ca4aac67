//! Logging: `tracing` to stderr as text or JSON, with personal identifiers masked in every line (where
//! configured) and passwords always.
//!
//! Masking happens on the formatted output, so nothing logged anywhere (the gateway, its dependencies, plugin
//! log calls) can leak a СНИЛС, ИНН, ОГРН, phone number, e-mail address or a token id. Runs of 10 to 15 digits
//! (with the separators a СНИЛС or a phone is written with: `-`, ` `, `(`, `)`) keep only their last two digits;
//! UUIDs keep their first 8 hex digits, which is enough to correlate lines but not to use a QR token; an e-mail
//! address keeps the first character of its local part and its domain.

use std::io::{self, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogConfig;

/// Installs the global subscriber. Call once, from `main`.
pub fn init(cfg: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&cfg.level));
    let writer = MaskingWriter {
        mask: cfg.mask_identifiers,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(writer);
    let result = if cfg.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    if let Err(e) = result {
        eprintln!("logging already initialised: {e}");
    }
}

/// Makes writers that mask identifiers before writing to stderr.
#[derive(Clone, Copy)]
pub struct MaskingWriter {
    mask: bool,
}

impl<'a> MakeWriter<'a> for MaskingWriter {
    type Writer = LineWriter;
    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            buf: Vec::with_capacity(256),
            mask: self.mask,
        }
    }
}

/// Collects one event's output and writes it masked, in one write, when dropped.
pub struct LineWriter {
    buf: Vec<u8>,
    mask: bool,
}

impl Write for LineWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        // Passwords (of database URLs, say) are masked always; identifiers where configured.
        let text = crate::config::secrets::mask(&String::from_utf8_lossy(&self.buf));
        let out = if self.mask { mask(&text) } else { text };
        let _ = io::stderr().lock().write_all(out.as_bytes());
    }
}

/// Masks identifiers in `s` (see the module docs).
pub fn mask(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        if let Some(len) = uuid_at(b, i) {
            out.push_str(&s[copied..i]);
            out.push_str(&s[i..i + 8]);
            out.push_str("-****");
            i += len;
            copied = i;
            continue;
        }
        if b[i].is_ascii_digit() && (i == 0 || !is_word(b[i - 1])) && !is_fraction(b, i) {
            // A run of digits with single `-`, ` ` or `+`/`(`/`)` separators between digit groups.
            let (end, digits) = digit_run(b, i);
            if (10..=15).contains(&digits) && (end == b.len() || !is_word(b[end])) {
                out.push_str(&s[copied..i]);
                let run = &s[i..end];
                let keep: String = run
                    .chars()
                    .rev()
                    .filter(char::is_ascii_digit)
                    .take(2)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                out.push_str("***");
                out.push_str(&keep);
                i = end;
                copied = i;
                continue;
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
    mask_emails(&out)
}

/// Whether the digits at `i` are a decimal fraction (`14.312345678901234`, a duration as a JSON log writes it):
/// no identifier is written so, and masking one would leave a number a JSON reader cannot read.
fn is_fraction(b: &[u8], i: usize) -> bool {
    i >= 2 && b[i - 1] == b'.' && b[i - 2].is_ascii_digit()
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The end of a digit run starting at `i` and the number of digits in it.
fn digit_run(b: &[u8], i: usize) -> (usize, usize) {
    let mut j = i;
    let mut digits = 0;
    while j < b.len() {
        if b[j].is_ascii_digit() {
            digits += 1;
            j += 1;
        } else if j > i
            && b[j - 1].is_ascii_digit()
            && let Some(n) = separator(b, j)
        {
            j += n;
        } else {
            break;
        }
    }
    (j, digits)
}

/// The length of a separator between two digit groups at `j`: one or two of `-`, ` `, `(`, `)` followed by a
/// digit (`123-45`, `+7 (912) 345`).
fn separator(b: &[u8], j: usize) -> Option<usize> {
    let is_sep = |c: u8| matches!(c, b'-' | b' ' | b'(' | b')');
    let n = b[j..].iter().take(2).take_while(|c| is_sep(**c)).count();
    (n > 0 && b.get(j + n).is_some_and(u8::is_ascii_digit)).then_some(n)
}

/// `text` with the local part of every e-mail address masked but its first character (`v***@primer.example`).
fn mask_emails(text: &str) -> String {
    let local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut start = 0;
    for (at, &c) in chars.iter().enumerate() {
        if c != '@' || !chars.get(at + 1).is_some_and(char::is_ascii_alphanumeric) {
            continue;
        }
        let mut begin = at;
        while begin > start && local(chars[begin - 1]) {
            begin -= 1;
        }
        if begin == at {
            continue;
        }
        out.extend(&chars[start..=begin]);
        out.push_str("***");
        start = at;
    }
    out.extend(&chars[start..]);
    out
}

/// The length of a UUID (8-4-4-4-12 hex) at `i`, if one starts there.
fn uuid_at(b: &[u8], i: usize) -> Option<usize> {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    if i > 0 && b[i - 1].is_ascii_hexdigit() {
        return None;
    }
    let mut j = i;
    for (g, n) in GROUPS.iter().enumerate() {
        for _ in 0..*n {
            if j >= b.len() || !b[j].is_ascii_hexdigit() {
                return None;
            }
            j += 1;
        }
        if g < 4 {
            if j >= b.len() || b[j] != b'-' {
                return None;
            }
            j += 1;
        }
    }
    if j < b.len() && b[j].is_ascii_hexdigit() {
        return None;
    }
    Some(j - i)
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_identifiers() {
        assert_eq!(mask("snils=112-233-445 95 ok"), "snils=***95 ok");
        assert_eq!(mask("snils=11223344595"), "snils=***95");
        assert_eq!(
            mask("ogrn 1027700132195, inn 7707083893"),
            "ogrn ***95, inn ***93"
        );
        assert_eq!(mask("phone +7 912 345-67-89"), "phone +***89");
        assert_eq!(mask("phone +7 (912) 345-67-89."), "phone +***89.");
        assert_eq!(mask("phone 8(912)3456789"), "phone ***89");
        assert_eq!(
            mask("to visitor.a@primer.example, b@x.ru; not @home or a@"),
            "to v***@primer.example, b***@x.ru; not @home or a@"
        );
        assert_eq!(
            mask("guid 3f2b8c1e-7a4d-4e2b-9c3a-1b2c3d4e5f60 x"),
            "guid 3f2b8c1e-**** x"
        );
    }

    #[test]
    fn leaves_other_numbers() {
        assert_eq!(
            mask("took 1234 ms at 2026-11-24T10:00:00Z port 8080"),
            "took 1234 ms at 2026-11-24T10:00:00Z port 8080"
        );
        assert_eq!(mask("id abc1234567890123"), "id abc1234567890123");
        assert_eq!(
            mask(r#"{"deleted":111198,"seconds":14.312345678901234}"#),
            r#"{"deleted":111198,"seconds":14.312345678901234}"#,
            "a decimal fraction is not an identifier, and the line stays JSON"
        );
        assert_eq!(mask("v 1.5 snils 11223344595"), "v 1.5 snils ***95");
    }
}
