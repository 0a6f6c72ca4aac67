//! The simulated registries. One module per registry; each owns its fixture file and its routes under
//! `/<name>/`. Fault injection and counting are done around them by the server, not by the services.
//!
//! To add a registry: write a module with a type implementing [`Service`] and a `load(fixtures_dir)`
//! function, and add that function to [`LOADERS`].

use std::path::Path;

use hyper::{Method, StatusCode};
use serde_json::Value;

pub mod diagnosis_register;
pub mod digital_id;
pub mod large_family_bank;
pub mod mchd_registry;
pub mod mod_showcase;
pub mod org_profile;
pub mod records;
pub mod sms;

/// A simulated registry.
pub trait Service: Send + Sync {
    /// The service's name: the first path segment of its routes, and its key in `/__config` and
    /// `/__stats`.
    fn name(&self) -> &'static str;

    /// Answers a request for `/<name>/<rest>`; `rest` has no leading slash.
    fn handle(&self, method: &Method, rest: &str, body: &[u8]) -> Reply;
}

/// A service's answer: status, JSON body and what it counts as.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The HTTP status.
    pub status: StatusCode,
    /// The JSON body.
    pub body: Value,
    /// For the counters.
    pub kind: ReplyKind,
}

/// What an answer counts as in `/__stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// A lookup that found a record.
    Found,
    /// A lookup that found nothing.
    NotFound,
    /// Anything else (bad request, unknown route).
    Other,
}

impl Reply {
    /// A 200 answer counted as found.
    pub fn found(body: Value) -> Reply {
        Reply {
            status: StatusCode::OK,
            body,
            kind: ReplyKind::Found,
        }
    }

    /// A 200 answer counted as not found.
    pub fn not_found(body: Value) -> Reply {
        Reply {
            status: StatusCode::OK,
            body,
            kind: ReplyKind::NotFound,
        }
    }

    /// An error answer `{"error": message}`.
    pub fn error(status: StatusCode, message: impl Into<String>) -> Reply {
        Reply {
            status,
            body: serde_json::json!({ "error": message.into() }),
            kind: ReplyKind::Other,
        }
    }
}

/// Builds a service from the fixtures directory.
pub type Loader = fn(&Path) -> anyhow::Result<Box<dyn Service>>;

/// Every simulated registry, in the order `/__stats` lists them.
pub const LOADERS: &[Loader] = &[
    mod_showcase::load,
    org_profile::load,
    mchd_registry::load,
    large_family_bank::load,
    digital_id::load,
    records::load,
    sms::load,
    diagnosis_register::load,
];

/// Loads every service from `fixtures_dir`.
pub fn load_all(fixtures_dir: &Path) -> anyhow::Result<Vec<Box<dyn Service>>> {
    LOADERS.iter().map(|load| load(fixtures_dir)).collect()
}

/// The answer to a request no route of service `name` takes: 405 for a known route (`known`) asked with the
/// wrong method, 404 otherwise.
pub fn unrouted(name: &str, rest: &str, known: &[&str]) -> Reply {
    if known.contains(&rest) {
        Reply::error(StatusCode::METHOD_NOT_ALLOWED, "wrong method")
    } else {
        Reply::error(
            StatusCode::NOT_FOUND,
            format!("{name} has no route /{rest}"),
        )
    }
}

/// The digits of a string, in order (identifiers are matched by digits only).
pub fn digits_only(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_only_drops_separators() {
        assert_eq!(digits_only("112-233-445 95"), "11223344595");
        assert_eq!(digits_only(" 1a2 "), "12");
    }
}
