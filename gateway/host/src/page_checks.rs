//! The host's rules for a page a plugin rendered: the status, the size of the body, the number, size and
//! spelling of the headers, and the headers a plugin may not set.
//!
//! - Status 200–599 (no informational statuses: the server owns the connection).
//! - Body at most [`MAX_PAGE_BODY`] bytes.
//! - At most [`MAX_PAGE_HEADERS`] headers of at most [`MAX_HEADER_BYTES`] bytes in all; names are HTTP tokens
//!   (passed on in lower case), values visible ASCII, spaces and tabs (no line breaks: no header injection).
//! - Refused names ([`REFUSED_HEADERS`]): framing and connection headers, which the server computes
//!   (`content-length`, `transfer-encoding`, `connection`, …); headers that belong to the server and its
//!   operator (`date`, `server`, `strict-transport-security`, `alt-svc`); `set-cookie`, because pages keep no
//!   state in the client (a plugin keeps what it needs in tokens and links), and authentication challenges.
//! - `location` is a path on the gateway (`/…`, not `//…`): a plugin cannot send a citizen to another site.
//! - One `content-type` at most, `text/html; charset=utf-8` when the plugin sets none.

use crate::pages::PageResponse;

/// The largest body a page may have: 1 MiB.
pub const MAX_PAGE_BODY: usize = 1 << 20;
/// The most headers a page may set.
pub const MAX_PAGE_HEADERS: usize = 32;
/// The most bytes a page's headers may take, names and values together.
pub const MAX_HEADER_BYTES: usize = 16 << 10;
/// The header names a plugin may not set.
pub const REFUSED_HEADERS: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "trailer",
    "te",
    "connection",
    "keep-alive",
    "upgrade",
    "proxy-connection",
    "date",
    "server",
    "strict-transport-security",
    "alt-svc",
    "set-cookie",
    "set-cookie2",
    "www-authenticate",
    "proxy-authenticate",
];
/// The content type of a page that sets none.
pub const DEFAULT_CONTENT_TYPE: &str = "text/html; charset=utf-8";

/// Checks `response` against the rules of this module; lower-cases header names and adds the default
/// `content-type`. `Err` says which rule the page broke.
pub(crate) fn checked_page(mut response: PageResponse) -> Result<PageResponse, String> {
    if !(200..=599).contains(&response.status) {
        return Err(format!("the status {} is not 200–599", response.status));
    }
    if response.body.len() > MAX_PAGE_BODY {
        return Err(format!(
            "the body has {} bytes, more than {MAX_PAGE_BODY}",
            response.body.len()
        ));
    }
    if response.headers.len() > MAX_PAGE_HEADERS {
        return Err(format!(
            "{} headers, more than {MAX_PAGE_HEADERS}",
            response.headers.len()
        ));
    }
    let bytes: usize = response
        .headers
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if bytes > MAX_HEADER_BYTES {
        return Err(format!(
            "the headers take {bytes} bytes, more than {MAX_HEADER_BYTES}"
        ));
    }
    for (name, value) in &mut response.headers {
        name.make_ascii_lowercase();
        check_header(name, value)?;
    }
    let content_types = response
        .headers
        .iter()
        .filter(|(name, _)| name == "content-type")
        .count();
    match content_types {
        0 => response
            .headers
            .push(("content-type".into(), DEFAULT_CONTENT_TYPE.into())),
        1 => {}
        _ => return Err("more than one content-type".into()),
    }
    Ok(response)
}

/// Checks one header; `name` is already in lower case.
fn check_header(name: &str, value: &str) -> Result<(), String> {
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(format!("{name:?} is not a header name"));
    }
    if REFUSED_HEADERS.contains(&name) {
        return Err(format!("the header {name} is the server's to set"));
    }
    if !value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        return Err(format!(
            "the value of {name} holds a line break, a control or a non-ASCII character"
        ));
    }
    if name == "location" && !is_local_path(value) {
        return Err(format!(
            "location {value:?} is not a path on the gateway (it must begin with one /)"
        ));
    }
    Ok(())
}

/// An HTTP token character (RFC 9110 `tchar`).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `/…` but not `//…` or `/\…` (which browsers read as another host).
fn is_local_path(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/' | b'\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(status: u16, headers: &[(&str, &str)], body: &str) -> PageResponse {
        PageResponse {
            status,
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            body: body.to_owned(),
        }
    }

    #[test]
    fn good_pages_pass_with_lower_case_names_and_a_content_type() {
        let checked = checked_page(page(200, &[("Cache-Control", "no-store")], "<p>hi</p>"))
            .expect("a good page");
        assert_eq!(
            checked.headers,
            [
                ("cache-control".to_owned(), "no-store".to_owned()),
                ("content-type".to_owned(), DEFAULT_CONTENT_TYPE.to_owned())
            ]
        );
        let own_type = checked_page(page(404, &[("Content-Type", "text/plain")], "")).expect("ok");
        assert_eq!(own_type.header("content-type"), Some("text/plain"));
        assert_eq!(own_type.headers.len(), 1);
        let redirect = checked_page(page(303, &[("Location", "/reg/done?x=1")], "")).expect("ok");
        assert_eq!(redirect.header("location"), Some("/reg/done?x=1"));
        let limits = page(599, &[("x-a", &"v".repeat(MAX_HEADER_BYTES - 3))], "");
        assert!(checked_page(limits).is_ok());
        assert!(checked_page(page(200, &[], &"x".repeat(MAX_PAGE_BODY))).is_ok());
    }

    #[test]
    fn bad_pages_say_which_rule_they_broke() {
        let many: Vec<(String, String)> = (0..=MAX_PAGE_HEADERS)
            .map(|i| (format!("x-{i}"), "v".to_owned()))
            .collect();
        let too_many = PageResponse {
            status: 200,
            headers: many,
            body: String::new(),
        };
        let cases = [
            (page(101, &[], ""), "status"),
            (page(600, &[], ""), "status"),
            (page(200, &[], &"x".repeat(MAX_PAGE_BODY + 1)), "body"),
            (too_many, "headers"),
            (
                page(200, &[("x-a", &"v".repeat(MAX_HEADER_BYTES))], ""),
                "bytes",
            ),
            (page(200, &[("Content-Length", "5")], ""), "server's"),
            (page(200, &[("Set-Cookie", "a=b")], ""), "server's"),
            (
                page(200, &[("transfer-encoding", "chunked")], ""),
                "server's",
            ),
            (page(200, &[("x a", "b")], ""), "header name"),
            (page(200, &[("", "b")], ""), "header name"),
            (
                page(200, &[("x-a", "b\r\nset-cookie: c=d")], ""),
                "line break",
            ),
            (page(200, &[("x-a", "привет")], ""), "non-ASCII"),
            (
                page(302, &[("location", "https://evil.example/")], ""),
                "path",
            ),
            (page(302, &[("location", "//evil.example/")], ""), "path"),
            (page(302, &[("location", "/\\evil.example/")], ""), "path"),
            (
                page(
                    200,
                    &[
                        ("content-type", "text/html"),
                        ("Content-Type", "text/plain"),
                    ],
                    "",
                ),
                "content-type",
            ),
        ];
        for (bad, expected) in cases {
            let reason = checked_page(bad.clone()).expect_err("must be refused");
            assert!(
                reason.contains(expected),
                "{reason:?} should mention {expected:?} ({bad:?})"
            );
        }
    }
}
