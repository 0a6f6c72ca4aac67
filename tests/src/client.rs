//! A small HTTP/1.1 client for tests (hyper, keep-alive pool).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// A response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// The client.
#[derive(Clone)]
pub struct Client {
    inner: HyperClient<HttpConnector, Full<Bytes>>,
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

impl Client {
    pub fn new() -> Client {
        Client {
            inner: HyperClient::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends `req`.
    pub async fn send(&self, req: Request<Full<Bytes>>) -> Reply {
        self.try_send(req).await.expect("the server answers")
    }

    /// Sends `req`; `None` when the connection fails (a server that is not up, or went down).
    pub async fn try_send(&self, req: Request<Full<Bytes>>) -> Option<Reply> {
        let resp = self.inner.request(req).await.ok()?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.ok()?.to_bytes();
        Some(Reply {
            status,
            headers,
            body,
        })
    }

    /// `POST url` with `body` of `content_type`, bearer `token` if given.
    pub async fn post(
        &self,
        url: &str,
        content_type: &str,
        body: impl Into<Bytes>,
        token: Option<&str>,
    ) -> Reply {
        let mut b = Request::post(url).header(CONTENT_TYPE, content_type);
        if let Some(t) = token {
            b = b.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Full::new(body.into())).expect("request"))
            .await
    }

    /// `POST url` with a JSON body.
    pub async fn post_json(
        &self,
        url: &str,
        body: &serde_json::Value,
        token: Option<&str>,
    ) -> Reply {
        self.post(
            url,
            "application/json",
            serde_json::to_vec(body).expect("json"),
            token,
        )
        .await
    }

    /// A GET with extra headers.
    pub async fn get_with(&self, url: &str, headers: &[(&str, &str)]) -> Reply {
        let mut b = Request::get(url);
        for (name, value) in headers {
            b = b.header(*name, *value);
        }
        self.send(b.body(Full::new(Bytes::new())).expect("request"))
            .await
    }

    /// `GET url`.
    pub async fn get(&self, url: &str, token: Option<&str>) -> Reply {
        let mut b = Request::get(url);
        if let Some(t) = token {
            b = b.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(b.body(Full::new(Bytes::new())).expect("request"))
            .await
    }
}
