//! The credential header sent with every request to the registry: its name from `auth_header`, its value from
//! the environment variable named by `auth_value_env` (preferred: no secret in the config file) or from
//! `auth_value`.
//!
//! The value is never part of a message, a `Debug` output or a log line: errors name where it came from (the
//! key or the variable), never what it is.

use std::ffi::OsString;
use std::fmt;

use ureq::http::{HeaderName, HeaderValue};

/// Headers the client sets itself; a credential may not replace them.
const RESERVED: &[&str] = &[
    "host",
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "accept",
    "te",
    "upgrade",
];

/// Why the credential keys were refused. No variant carries the value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error(
        "auth_value and auth_value_env need auth_header (the header to send the credential in)"
    )]
    ValueWithoutHeader,
    #[error(
        "auth_header `{0}` needs its value: auth_value_env (the name of an environment variable) or auth_value"
    )]
    NoValue(String),
    #[error("set either auth_value_env or auth_value, not both")]
    BothValues,
    #[error("auth_header `{0}` is not a valid HTTP header name")]
    BadName(String),
    #[error("auth_header `{0}` is a header the client sets itself")]
    Reserved(String),
    #[error("auth_value_env `{0}` is not a valid environment variable name")]
    BadVariable(String),
    #[error("environment variable `{0}` (auth_value_env) is not set")]
    Unset(String),
    #[error("environment variable `{0}` (auth_value_env) is not valid UTF-8")]
    NotUnicode(String),
    #[error("the credential from {0} is empty")]
    Empty(Source),
    #[error("the credential from {0} has leading or trailing whitespace")]
    Whitespace(Source),
    #[error(
        "the credential from {0} has characters a header value cannot carry (only printable ASCII is allowed)"
    )]
    NotPrintable(Source),
}

/// Where the value was read from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The `auth_value` key.
    Config,
    /// The environment variable of that name.
    Env(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Config => f.write_str("auth_value"),
            Source::Env(name) => write!(f, "environment variable `{name}`"),
        }
    }
}

/// A validated credential header. `Debug` shows the header name only.
#[derive(Clone)]
pub struct Credential {
    name: HeaderName,
    value: HeaderValue,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

impl Credential {
    /// Reads the keys `auth_header`, `auth_value`, `auth_value_env`; `env` looks a variable up (the process
    /// environment in production). `None` when no credential is configured.
    pub fn from_keys(
        header: Option<&str>,
        value: Option<&str>,
        value_env: Option<&str>,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Option<Credential>, CredentialError> {
        let Some(header) = header else {
            return match (value, value_env) {
                (None, None) => Ok(None),
                _ => Err(CredentialError::ValueWithoutHeader),
            };
        };
        let name = HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| CredentialError::BadName(header.to_owned()))?;
        if RESERVED.contains(&name.as_str()) {
            return Err(CredentialError::Reserved(header.to_owned()));
        }
        let (secret, source) = match (value, value_env) {
            (Some(_), Some(_)) => return Err(CredentialError::BothValues),
            (None, None) => return Err(CredentialError::NoValue(header.to_owned())),
            (Some(value), None) => (value.to_owned(), Source::Config),
            (None, Some(var)) => {
                if var.is_empty() || var.contains(['=', '\0']) {
                    return Err(CredentialError::BadVariable(var.to_owned()));
                }
                let raw = env(var).ok_or_else(|| CredentialError::Unset(var.to_owned()))?;
                let value = raw
                    .into_string()
                    .map_err(|_| CredentialError::NotUnicode(var.to_owned()))?;
                (value, Source::Env(var.to_owned()))
            }
        };
        if secret.is_empty() {
            return Err(CredentialError::Empty(source));
        }
        if secret.trim() != secret {
            return Err(CredentialError::Whitespace(source));
        }
        if !secret.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(CredentialError::NotPrintable(source));
        }
        let mut value =
            HeaderValue::from_str(&secret).map_err(|_| CredentialError::NotPrintable(source))?;
        value.set_sensitive(true);
        Ok(Some(Credential { name, value }))
    }

    /// The header name.
    pub fn name(&self) -> &HeaderName {
        &self.name
    }

    /// The header value (marked sensitive).
    pub(crate) fn value(&self) -> &HeaderValue {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr3t-token-value";

    fn env(name: &str) -> Option<OsString> {
        match name {
            "REGISTRY_TOKEN" => Some(SECRET.into()),
            "EMPTY" => Some("".into()),
            "PADDED" => Some(format!("{SECRET}\n").into()),
            "CONTROL" => Some("a\u{7}b".into()),
            "CYRILLIC" => Some("ключ".into()),
            _ => None,
        }
    }

    fn read(
        header: Option<&str>,
        value: Option<&str>,
        var: Option<&str>,
    ) -> Result<Option<Credential>, CredentialError> {
        Credential::from_keys(header, value, var, env)
    }

    #[test]
    fn reads_the_value_from_the_environment_or_the_config() {
        assert!(read(None, None, None).expect("none").is_none());
        let from_env = read(Some("X-Api-Key"), None, Some("REGISTRY_TOKEN"))
            .expect("valid")
            .expect("some");
        assert_eq!(from_env.name().as_str(), "x-api-key");
        assert_eq!(from_env.value().to_str().expect("ascii"), SECRET);
        assert!(from_env.value().is_sensitive());
        let inline = read(Some("Authorization"), Some("Bearer abc"), None)
            .expect("valid")
            .expect("some");
        assert_eq!(inline.value().to_str().expect("ascii"), "Bearer abc");
    }

    #[test]
    fn debug_shows_the_name_but_never_the_value() {
        let credential = read(Some("X-Api-Key"), None, Some("REGISTRY_TOKEN"))
            .expect("valid")
            .expect("some");
        let shown = format!("{credential:?}");
        assert!(shown.contains("x-api-key"), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
    }

    #[test]
    fn refuses_incomplete_or_malformed_keys() {
        use CredentialError as E;
        assert_eq!(
            read(None, Some("x"), None).err(),
            Some(E::ValueWithoutHeader)
        );
        assert_eq!(
            read(None, None, Some("V")).err(),
            Some(E::ValueWithoutHeader)
        );
        let header = Some("X-Api-Key");
        assert_eq!(
            read(header, None, None).err(),
            Some(E::NoValue("X-Api-Key".into()))
        );
        assert_eq!(
            read(header, Some("x"), Some("REGISTRY_TOKEN")).err(),
            Some(E::BothValues)
        );
        assert_eq!(
            read(Some("Bad Header"), Some("x"), None).err(),
            Some(E::BadName("Bad Header".into()))
        );
        assert_eq!(
            read(Some("Content-Type"), Some("x"), None).err(),
            Some(E::Reserved("Content-Type".into()))
        );
        assert_eq!(
            read(header, None, Some("A=B")).err(),
            Some(E::BadVariable("A=B".into()))
        );
        assert_eq!(
            read(header, None, Some("NOT_SET")).err(),
            Some(E::Unset("NOT_SET".into()))
        );
        let env_source = |name: &str| Source::Env(name.into());
        assert_eq!(
            read(header, None, Some("EMPTY")).err(),
            Some(E::Empty(env_source("EMPTY")))
        );
        assert_eq!(
            read(header, None, Some("PADDED")).err(),
            Some(E::Whitespace(env_source("PADDED")))
        );
        assert_eq!(
            read(header, None, Some("CONTROL")).err(),
            Some(E::NotPrintable(env_source("CONTROL")))
        );
        assert_eq!(
            read(header, None, Some("CYRILLIC")).err(),
            Some(E::NotPrintable(env_source("CYRILLIC")))
        );
        assert_eq!(
            read(header, Some("a\r\nb"), None).err(),
            Some(E::NotPrintable(Source::Config))
        );
    }

    #[test]
    fn messages_name_the_source_but_never_echo_the_value() {
        let padded = read(Some("X-Api-Key"), None, Some("PADDED")).expect_err("refused");
        let message = padded.to_string();
        assert!(message.contains("`PADDED`"), "{message}");
        assert!(!message.contains(SECRET), "{message}");
        let inline = read(Some("X-Api-Key"), Some(" leaked "), None).expect_err("refused");
        assert!(!inline.to_string().contains("leaked"), "{inline}");
    }
}
