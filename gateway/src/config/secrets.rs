//! Secrets never leave in a message: database URLs carry passwords (`postgres://user:PASSWORD@host/db`,
//! `?password=...`), and they would otherwise be quoted by config errors, `gateway check` and logs.
//! [`mask`] rewrites any text so that every such password reads `***`.

/// What a masked secret reads as.
pub const MASK: &str = "***";

/// `text` with the password of every URL in it (`scheme://user:password@`) and every `password=` query
/// parameter replaced by [`MASK`].
pub fn mask(text: &str) -> String {
    mask_query_passwords(&mask_userinfo(text))
}

/// `scheme://user:secret@host` → `scheme://user:***@host`, for every URL in `text`.
fn mask_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends at the first '/', '?', '#', whitespace or quote.
        let end = after
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '`') || c.is_whitespace())
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@').and_then(|at| {
            let userinfo = &authority[..at];
            userinfo.find(':').map(|colon| (colon, at))
        }) {
            Some((colon, at)) => {
                out.push_str(&authority[..=colon]);
                out.push_str(MASK);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `password=secret` (any case, in a query string or a key-value connection string) → `password=***`.
fn mask_query_passwords(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find("password=") {
        let start = from + found + "password=".len();
        let end = text[start..]
            .find(|c: char| matches!(c, '&' | '"' | '\'' | '`') || c.is_whitespace())
            .map_or(text.len(), |e| start + e);
        out.push_str(&text[last..start]);
        out.push_str(MASK);
        last = end;
        from = end;
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
    }

    #[test]
    fn text_without_secrets_is_unchanged() {
        for text in [
            "sqlite://data/gateway.db?mode=rwc",
            "postgres://gw@db/gw",
            "https://www.gosuslugi.ru/somc2/",
            "no url here: just text",
            "",
        ] {
            assert_eq!(mask(text), text);
        }
    }
}
