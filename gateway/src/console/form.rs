//! What the console reads from a request: the query string and `application/x-www-form-urlencoded` bodies.

use std::collections::HashMap;
use std::time::Duration;

use hyper::Request;
use hyper::body::Incoming;

use crate::respond::{BodyLimits, read_body};

/// The most a console form's body may hold.
pub const MAX_FORM: usize = 16 * 1024;

/// Names and values, the first of each name.
pub type Fields = HashMap<String, String>;

/// The fields of `text` (`a=1&b=x+y`, percent-decoded).
pub fn parse(text: &str) -> Fields {
    let mut fields = Fields::new();
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        fields
            .entry(name.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    fields
}

/// The fields of the request's query string.
pub fn query<B>(req: &Request<B>) -> Fields {
    parse(req.uri().query().unwrap_or(""))
}

/// The fields of the request's form body (at most [`MAX_FORM`] bytes, read within `read_timeout`); `None` when
/// it is too large, too slow or not UTF-8.
pub async fn body(req: Request<Incoming>, read_timeout: Duration) -> Option<Fields> {
    let limits = BodyLimits {
        max_body: MAX_FORM,
        read_timeout,
    };
    let bytes = read_body(req, &limits).await.ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    Some(parse(text))
}

/// The value of `name`, trimmed, when it is not empty.
pub fn value<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_decoded_and_the_first_of_a_name_wins() {
        let f = parse("token=a%2Bb+c&csrf=1&csrf=2&empty=&sp=+x+");
        assert_eq!(f["token"], "a+b c");
        assert_eq!(f["csrf"], "1");
        assert_eq!(value(&f, "empty"), None);
        assert_eq!(value(&f, "sp"), Some("x"));
        assert_eq!(value(&f, "missing"), None);
    }
}
