//! Pages (contract 1.1.0): the [`Pages`] trait a plugin implements to serve web pages, the glue that exports it
//! as the WIT `page` (beside `handler`: the world `plugin-with-pages`), and helpers on the request and
//! response.

use crate::error::PluginError;
use crate::page_bindings::exports::smev_gateway::plugin::page;
use crate::page_bindings::exports::smev_gateway::plugin::page::{
    Method, PageRequest, PageResponse,
};
use crate::plugin::{Plugin, install_panic_hook};

/// What a plugin that serves pages implements besides [`Plugin`]. Export both with
/// [`export_plugin!(MyPlugin, pages)`](crate::export_plugin).
pub trait Pages {
    /// Renders the page for `request` (a GET, or the POST of a form) in a fresh instance, with the deadline,
    /// memory cap and host capabilities of [`Plugin::handle`]. An `Err` is a plugin failure: the client sees
    /// the gateway's error page, not its message.
    fn render(request: PageRequest) -> Result<PageResponse, PluginError>;
}

impl<P: Plugin + Pages> page::Guest for P {
    fn render(request: PageRequest) -> Result<PageResponse, String> {
        install_panic_hook();
        <P as Pages>::render(request).map_err(PluginError::into_message)
    }
}

impl PageRequest {
    /// Whether this is a GET.
    pub fn is_get(&self) -> bool {
        self.method == Method::Get
    }

    /// Whether this is the POST of a form.
    pub fn is_post(&self) -> bool {
        self.method == Method::Post
    }

    /// The first value of the query parameter `name`, if any.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        first(&self.query, name)
    }

    /// The first value of the form field `name`, if any (POST only).
    pub fn form_value(&self, name: &str) -> Option<&str> {
        first(&self.form, name)
    }

    /// The non-empty segments of the path below the prefix: `a/b/` → `["a", "b"]`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.path.split('/').filter(|segment| !segment.is_empty())
    }
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The content type of [`PageResponse::html`].
pub const HTML: &str = "text/html; charset=utf-8";
/// The content type of [`PageResponse::text`].
pub const TEXT: &str = "text/plain; charset=utf-8";

impl PageResponse {
    /// An HTML page with `status` (`content-type: text/html; charset=utf-8`).
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), HTML.into())],
            body: body.into(),
        }
    }

    /// A plain-text answer with `status`.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), TEXT.into())],
            body: body.into(),
        }
    }

    /// `303 See Other` to `location`, a path on the gateway (`/…`): the answer to a form POST, so that reloading
    /// the next page does not post the form again.
    pub fn see_other(location: impl Into<String>) -> Self {
        Self {
            status: 303,
            headers: vec![("location".into(), location.into())],
            body: String::new(),
        }
    }

    /// The same response with the header `name: value` added. The host refuses framing, connection and
    /// server headers, `set-cookie`, line breaks and non-ASCII values, and a `location` off the gateway.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The same response with `cache-control: no-store`: for pages that show personal data.
    pub fn no_store(self) -> Self {
        self.header("cache-control", "no-store")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, path: &str) -> PageRequest {
        PageRequest {
            method,
            prefix: "/reg/".into(),
            path: path.into(),
            query: vec![("step".into(), "2".into()), ("step".into(), "3".into())],
            form: vec![("phone".into(), "+7 900".into())],
            language: Some("ru".into()),
        }
    }

    #[test]
    fn requests_answer_their_method_values_and_segments() {
        let get = request(Method::Get, "a//b/");
        assert!(get.is_get() && !get.is_post());
        assert_eq!(get.query_value("step"), Some("2"), "the first value");
        assert_eq!(get.query_value("none"), None);
        assert_eq!(get.segments().collect::<Vec<_>>(), ["a", "b"]);
        let post = request(Method::Post, "");
        assert!(post.is_post());
        assert_eq!(post.form_value("phone"), Some("+7 900"));
        assert_eq!(post.segments().count(), 0);
    }

    #[test]
    fn responses_are_built_with_their_headers() {
        let page = PageResponse::html(200, "<p>x</p>").no_store();
        assert_eq!(
            page.headers,
            [
                ("content-type".to_owned(), HTML.to_owned()),
                ("cache-control".to_owned(), "no-store".to_owned())
            ]
        );
        assert_eq!(PageResponse::text(404, "no").headers[0].1, TEXT);
        let redirect = PageResponse::see_other("/reg/done");
        assert_eq!(redirect.status, 303);
        assert_eq!(
            redirect.headers,
            [("location".to_owned(), "/reg/done".to_owned())]
        );
        assert!(redirect.body.is_empty());
    }
}
