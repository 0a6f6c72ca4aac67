//! The plain Rust types of the WIT `page` interface (contract 1.1.0): what the gateway passes to a plugin that
//! serves pages ([`PageRequest`]) and what it answers ([`PageResponse`]), and the reading of `Accept-Language`
//! into [`PageRequest::language`].

/// The HTTP method of a page request: a plain GET, or the POST of an HTML form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageMethod {
    /// `GET`.
    Get,
    /// `POST` of an `application/x-www-form-urlencoded` form.
    Post,
}

/// A browser's request for a page below a prefix the gateway maps to a plugin. It carries neither the client's
/// address nor its headers (personal data) nor cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// GET or POST.
    pub method: PageMethod,
    /// The configured prefix, e.g. `/somc2/`.
    pub prefix: String,
    /// The rest of the path after the prefix, percent-decoded, without a leading `/`; empty for the prefix
    /// itself.
    pub path: String,
    /// The query string's pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// POST only: the form's fields, decoded, in order.
    pub form: Vec<(String, String)>,
    /// The client's preferred language (see [`preferred_language`]).
    pub language: Option<String>,
}

impl PageRequest {
    /// A GET of `path` below `prefix`, without query or language.
    pub fn get(prefix: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            method: PageMethod::Get,
            prefix: prefix.into(),
            path: path.into(),
            query: Vec::new(),
            form: Vec::new(),
            language: None,
        }
    }

    /// A form POST of `form` to `path` below `prefix`, without query or language.
    pub fn post(
        prefix: impl Into<String>,
        path: impl Into<String>,
        form: Vec<(String, String)>,
    ) -> Self {
        Self {
            method: PageMethod::Post,
            form,
            ..Self::get(prefix, path)
        }
    }

    /// The same request with these query pairs.
    pub fn with_query(mut self, query: Vec<(String, String)>) -> Self {
        self.query = query;
        self
    }

    /// The same request with the language read from this `Accept-Language` value.
    pub fn with_accept_language(mut self, accept_language: &str) -> Self {
        self.language = preferred_language(accept_language);
        self
    }
}

/// A page as the plugin rendered it, checked by the host (see the crate docs, "Pages").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageResponse {
    /// The HTTP status, 200–599.
    pub status: u16,
    /// The headers, names in lower case; always holds `content-type` (the plugin's, or
    /// `text/html; charset=utf-8`).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl PageResponse {
    /// The value of the header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The longest language tag passed on (RFC 5646 allows 35 characters for the usual forms).
const MAX_LANGUAGE_TAG: usize = 35;

/// The language range of an `Accept-Language` value with the highest weight (the first of equal weights), in
/// lower case: `ru-RU,ru;q=0.9,en;q=0.8` → `ru-ru`. `None` when the value names no language (empty, only `*`,
/// only weight 0) or only malformed ranges.
pub fn preferred_language(accept_language: &str) -> Option<String> {
    let mut best: Option<(u16, &str)> = None;
    for item in accept_language.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        if tag == "*" || !is_language_tag(tag) {
            continue;
        }
        let weight = parts
            .find_map(|param| {
                let (key, value) = param.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| weight(value.trim()))
            })
            .unwrap_or(Some(1000));
        let Some(weight) = weight.filter(|weight| *weight > 0) else {
            continue;
        };
        if best.is_none_or(|(top, _)| weight > top) {
            best = Some((weight, tag));
        }
    }
    best.map(|(_, tag)| tag.to_ascii_lowercase())
}

/// `alpha{1,8}(-alphanum{1,8})*`, at most [`MAX_LANGUAGE_TAG`] characters.
fn is_language_tag(tag: &str) -> bool {
    if tag.is_empty() || tag.len() > MAX_LANGUAGE_TAG {
        return false;
    }
    tag.split('-').enumerate().all(|(index, part)| {
        (1..=8).contains(&part.len())
            && if index == 0 {
                part.bytes().all(|b| b.is_ascii_alphabetic())
            } else {
                part.bytes().all(|b| b.is_ascii_alphanumeric())
            }
    })
}

/// A `q` value (`0`, `0.5`, `1.000`) in thousandths; `None` when malformed.
fn weight(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heaviest_language_wins_and_ties_keep_their_order() {
        assert_eq!(
            preferred_language("ru-RU,ru;q=0.9,en-US;q=0.8").as_deref(),
            Some("ru-ru")
        );
        assert_eq!(
            preferred_language("en;q=0.5, ru;q=0.8, de;q=0.8").as_deref(),
            Some("ru")
        );
        assert_eq!(preferred_language("de, fr").as_deref(), Some("de"));
        assert_eq!(
            preferred_language("*, kk;q=0.1").as_deref(),
            Some("kk"),
            "the wildcard names no language"
        );
        assert_eq!(preferred_language("en;Q=1.0").as_deref(), Some("en"));
    }

    #[test]
    fn absent_refused_and_malformed_ranges_name_no_language() {
        for value in [
            "",
            "*",
            "ru;q=0",
            "ru;q=1.5",
            "ru;q=abc",
            "ru;q=0.1234",
            "русский",
            "<script>",
            "toolonglanguage",
            "en-",
            "1en",
        ] {
            assert_eq!(preferred_language(value), None, "{value:?}");
        }
        assert_eq!(
            preferred_language("ru;q=0, en;q=0.001").as_deref(),
            Some("en")
        );
    }

    #[test]
    fn requests_are_built_for_each_method() {
        let get = PageRequest::get("/somc2/", "abc")
            .with_query(vec![("a".into(), "1".into())])
            .with_accept_language("ru");
        assert_eq!(get.method, PageMethod::Get);
        assert_eq!((get.prefix.as_str(), get.path.as_str()), ("/somc2/", "abc"));
        assert_eq!(get.language.as_deref(), Some("ru"));
        assert!(get.form.is_empty());
        let post = PageRequest::post("/reg/", "", vec![("phone".into(), "+7".into())]);
        assert_eq!(post.method, PageMethod::Post);
        assert_eq!(post.form.len(), 1);
        let response = PageResponse {
            status: 200,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: String::new(),
        };
        assert_eq!(response.header("Content-Type"), Some("text/plain"));
        assert_eq!(response.header("location"), None);
    }
}
