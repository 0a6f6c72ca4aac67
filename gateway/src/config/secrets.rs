//! Secrets never leave in a message: database URLs carry passwords (`postgres://user:PASSWORD@host/db`,
//! `?password=...`), config keys hold them (`password = "..."`, `auth_value`, `subject_key`), and they would
//! otherwise be quoted by config errors, `gateway check` and logs. [`mask`] rewrites any text so that every
//! such secret reads `***`; [`is_secret_key`] names the keys whose values are secrets.

/// What a masked secret reads as.
pub const MASK: &str = "***";

/// The config keys (last part of a key path) whose values are secrets.
const SECRET_KEYS: &[&str] = &["password", "auth_value", "subject_key", "secret", "token"];

/// Whether a config key (any case, `-` or `_`) holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase().replace('-', "_");
    SECRET_KEYS
        .iter()
        .any(|s| key == *s || key.ends_with(&format!("_{s}")))
}

/// `text` with the password of every URL in it (`scheme://user:password@`), every `password=` parameter and
/// the value of every secret key written `key = value` replaced by [`MASK`].
pub fn mask(text: &str) -> String {
    mask_assignments(&mask_userinfo(text))
}

/// `scheme://user:secret@host` → `scheme://user:***@host`, for every URL in `text`.
fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The URL ends at whitespace or a quote; its user part at the last '@' in it (a password may hold
        // '/', '?', '#' or '@').
        let end = after
            .find(|c: char| matches!(c, '"' | '\'' | '`') || c.is_whitespace())
            .unwrap_or(after.len());
        let url = &after[..end];
        let userinfo = url.rfind('@').map(|at| (at, &url[..at]));
        match userinfo.and_then(|(at, user)| user.find(':').map(|colon| (colon, at))) {
            Some((colon, at)) => {
                out.push_str(&url[..=colon]);
                out.push_str(MASK);
                out.push_str(&url[at..]);
            }
            None => out.push_str(url),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `password=secret`, `password = "secret"`, `auth_value='x'` (any secret key, any case) → the value masked.
fn mask_assignments(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut at = 0;
    while at < text.len() {
        let Some(key) = SECRET_KEYS
            .iter()
            .filter_map(|k| lower[at..].find(k).map(|i| (at + i, *k)))
            .min_by_key(|(i, _)| *i)
        else {
            break;
        };
        let (start, name) = key;
        let mut i = start + name.len();
        // `key` `=` or `: `, with any spaces around (and the key's closing quote in JSON: `"key": "v"`).
        let after_key = text[i..]
            .strip_prefix(['"', '\''])
            .unwrap_or(&text[i..])
            .trim_start();
        i = text.len() - after_key.len();
        let Some(rest) = after_key
            .strip_prefix('=')
            .or_else(|| after_key.strip_prefix(':'))
        else {
            at = start + name.len();
            continue;
        };
        let rest_trimmed = rest.trim_start();
        let value_start = text.len() - rest_trimmed.len();
        let value_end = match rest_trimmed.chars().next() {
            Some(q @ ('"' | '\'' | '`')) => rest_trimmed[1..]
                .find(q)
                .map_or(text.len(), |e| value_start + 1 + e + 1),
            Some(_) => rest_trimmed
                .find(|c: char| matches!(c, '&' | ',' | ';' | ')' | ']' | '}') || c.is_whitespace())
                .map_or(text.len(), |e| value_start + e),
            None => {
                at = value_start.max(i + 1);
                continue;
            }
        };
        if value_end > value_start {
            out.push_str(&text[last..value_start]);
            out.push_str(MASK);
            last = value_end;
        }
        at = value_end.max(start + name.len());
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            mask("store postgres://gw:s3cr%40t@db.example:5432/gw: connection refused"),
            "store postgres://gw:***@db.example:5432/gw: connection refused"
        );
        assert_eq!(
            mask("url = \"postgresql://gw:p@ss:w@rd@db/gw?sslmode=require\""),
            "url = \"postgresql://gw:***@db/gw?sslmode=require\""
        );
        assert_eq!(
            mask("postgres://db/gw?user=gw&Password=secret&sslmode=require"),
            "postgres://db/gw?user=gw&Password=***&sslmode=require"
        );
        assert_eq!(
            mask("host=db password=secret user=gw"),
            "host=db password=*** user=gw"
        );
        assert_eq!(
            mask("store postgres://gw:pa/ss?w#rd@db/gw: invalid port"),
            "store postgres://gw:***@db/gw: invalid port"
        );
        assert_eq!(mask("password='s3cret' next"), "password=*** next");
        assert_eq!(mask("password = \"x y\"\nurl"), "password = ***\nurl");
        assert_eq!(
            mask("3 | auth_value = \"tok-123\"\n  |              ^ invalid"),
            "3 | auth_value = ***\n  |              ^ invalid"
        );
        assert_eq!(mask("subject_key: k3y"), "subject_key: ***");
        assert_eq!(
            mask(r#"{"password":"s3cret","user":"gw"}"#),
            r#"{"password":***,"user":"gw"}"#
        );
    }

    #[test]
    fn secret_keys_are_named() {
        for key in [
            "password",
            "PASSWORD",
            "auth_value",
            "subject_key",
            "api_token",
            "client-secret",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in ["url", "max_body", "tokens", "auth_header", "keep"] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn text_without_secrets_is_unchanged() {
        for text in [
            "sqlite://data/gateway.db?mode=rwc",
            "postgres://gw@db/gw",
            "https://www.gosuslugi.ru/somc2/",
            "no url here: just text",
            "[tokens] cache_capacity = 5",
            "passwords go in the environment",
            "",
        ] {
            assert_eq!(mask(text), text);
        }
    }
}
