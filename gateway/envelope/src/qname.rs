//! Qualified XML names in Clark notation (`{namespace}local`): the message type of SMEV.

use std::fmt;
use std::str::FromStr;

/// A namespace-qualified XML name. In SMEV the qualified name of the payload's root element is
/// the message type (*вид сведений*).
///
/// `Display` writes Clark notation, `{namespace}local`, or only `local` when the namespace is
/// empty; `FromStr` accepts exactly those two forms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QName {
    /// The namespace URI; empty for a name in no namespace.
    pub namespace: String,
    /// The local name (an XML NCName).
    pub local: String,
}

/// Why a string is not a qualified name in Clark notation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QNameError {
    /// The string is empty.
    #[error("пустое имя")]
    Empty,
    /// A `{` without its closing `}`.
    #[error("нет закрывающей фигурной скобки в {0:?}")]
    Unclosed(String),
    /// `{}` written for the empty namespace; the canonical form is the local name alone.
    #[error("пустое пространство имён записывается без фигурных скобок: {0:?}")]
    EmptyNamespace(String),
    /// The namespace part contains whitespace or braces.
    #[error("недопустимое пространство имён в {0:?}")]
    BadNamespace(String),
    /// The local part is not an XML NCName.
    #[error("недопустимое локальное имя в {0:?}")]
    BadLocalName(String),
}

impl QName {
    /// A qualified name from its parts (not validated; see [`QName::is_valid`]).
    pub fn new(namespace: impl Into<String>, local: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            local: local.into(),
        }
    }

    /// Whether the namespace is free of whitespace and braces and the local name is an NCName.
    pub fn is_valid(&self) -> bool {
        valid_namespace(&self.namespace) && is_ncname(&self.local)
    }
}

impl fmt::Display for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            f.write_str(&self.local)
        } else {
            write!(f, "{{{}}}{}", self.namespace, self.local)
        }
    }
}

impl FromStr for QName {
    type Err = QNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(QNameError::Empty);
        }
        let (namespace, local) = match s.strip_prefix('{') {
            Some(rest) => {
                let close = rest
                    .find('}')
                    .ok_or_else(|| QNameError::Unclosed(s.to_owned()))?;
                let namespace = &rest[..close];
                if namespace.is_empty() {
                    return Err(QNameError::EmptyNamespace(s.to_owned()));
                }
                if !valid_namespace(namespace) {
                    return Err(QNameError::BadNamespace(s.to_owned()));
                }
                (namespace, &rest[close + 1..])
            }
            None => ("", s),
        };
        if !is_ncname(local) {
            return Err(QNameError::BadLocalName(s.to_owned()));
        }
        Ok(Self::new(namespace, local))
    }
}

impl serde::Serialize for QName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for QName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn valid_namespace(ns: &str) -> bool {
    !ns.chars()
        .any(|c| c.is_whitespace() || c == '{' || c == '}')
}

/// Whether `s` is an XML NCName (a name without a colon), following the XML 1.0 (fifth
/// edition) `NameStartChar` / `NameChar` productions.
pub fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if is_name_start(c) => chars.all(is_name_char),
        _ => false,
    }
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clark_notation_round_trips() {
        let q: QName = "{urn://example/qr/1.0}QrRequest".parse().unwrap();
        assert_eq!(q, QName::new("urn://example/qr/1.0", "QrRequest"));
        assert_eq!(q.to_string(), "{urn://example/qr/1.0}QrRequest");
        let bare: QName = "Local".parse().unwrap();
        assert_eq!(bare.namespace, "");
        assert_eq!(bare.to_string(), "Local");
        let cyrillic: QName = "{urn://x-artefacts/EMCHD_1}Доверенность".parse().unwrap();
        assert_eq!(cyrillic.local, "Доверенность");
        assert!(cyrillic.is_valid());
    }

    #[test]
    fn malformed_names_are_refused() {
        assert_eq!("".parse::<QName>(), Err(QNameError::Empty));
        assert!(matches!(
            "{urn:x".parse::<QName>(),
            Err(QNameError::Unclosed(_))
        ));
        assert!(matches!(
            "{}a".parse::<QName>(),
            Err(QNameError::EmptyNamespace(_))
        ));
        assert!(matches!(
            "{urn: x}a".parse::<QName>(),
            Err(QNameError::BadNamespace(_))
        ));
        assert!(matches!(
            "{urn:{x}a".parse::<QName>(),
            Err(QNameError::BadNamespace(_))
        ));
        for bad in [
            "{urn:x}",
            "{urn:x}p:a",
            "{urn:x}1a",
            "{urn:x}a b",
            "{urn:x}a}",
            "p:a",
            "-a",
        ] {
            assert!(
                matches!(bad.parse::<QName>(), Err(QNameError::BadLocalName(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn ncname_rules() {
        assert!(is_ncname("a"));
        assert!(is_ncname("_a-1.b"));
        assert!(!is_ncname(""));
        assert!(!is_ncname("1a"));
        assert!(!is_ncname(".a"));
        assert!(!is_ncname("a:b"));
    }
}
