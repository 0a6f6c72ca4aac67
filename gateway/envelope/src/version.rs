//! The SMEV 3 message-exchange versions and their namespaces.

use std::fmt;
use std::str::FromStr;

/// The SOAP 1.1 envelope namespace (every SMEV 3 version uses SOAP 1.1).
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// The SOAP 1.2 envelope namespace, recognised only to refuse it with a clear error.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";

/// The XML namespace bound to the reserved `xml` prefix.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// A version of the SMEV 3 message-exchange protocol.
///
/// The versions differ in their namespaces and in details of the schemas: 1.2 requires
/// `ReferenceMessageID` and `TransactionCode` in a request, 1.1 and 1.2 require more routing
/// data in `MessageMetadata`, only 1.3 knows `PersonalAccessDenied` and routing directives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SmevVersion {
    /// SMEV 3, message-exchange 1.1.
    V1_1,
    /// SMEV 3, message-exchange 1.2 (no public WSDL; derived from 1.1).
    V1_2,
    /// SMEV 3, message-exchange 1.3.
    V1_3,
}

/// The error of parsing an unknown version string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("неизвестная версия СМЭВ {0:?}: ожидается 1.1, 1.2 или 1.3")]
pub struct UnknownVersion(pub String);

const PREFIX: &str = "urn://x-artefacts-smev-gov-ru/services/message-exchange";

impl SmevVersion {
    /// Every version, oldest first.
    pub const ALL: [SmevVersion; 3] = [SmevVersion::V1_1, SmevVersion::V1_2, SmevVersion::V1_3];

    /// Parses `"1.1"`, `"1.2"` or `"1.3"`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "1.1" => Some(Self::V1_1),
            "1.2" => Some(Self::V1_2),
            "1.3" => Some(Self::V1_3),
            _ => None,
        }
    }

    /// The version number as written in namespaces and file names (`"1.3"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V1_1 => "1.1",
            Self::V1_2 => "1.2",
            Self::V1_3 => "1.3",
        }
    }

    /// The namespace of the operation elements (`SendRequestRequest`, `MessageMetadata`, ...).
    pub const fn types_ns(self) -> &'static str {
        match self {
            Self::V1_1 => "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1",
            Self::V1_2 => "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.2",
            Self::V1_3 => "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3",
        }
    }

    /// The namespace of the shared elements (`MessagePrimaryContent`, `Timestamp`, `Code`, ...).
    pub const fn basic_ns(self) -> &'static str {
        match self {
            Self::V1_1 => "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1",
            Self::V1_2 => "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.2",
            Self::V1_3 => "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3",
        }
    }

    /// The namespace of the SOAP fault detail elements.
    pub const fn faults_ns(self) -> &'static str {
        match self {
            Self::V1_1 => {
                "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.1"
            }
            Self::V1_2 => {
                "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.2"
            }
            Self::V1_3 => {
                "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.3"
            }
        }
    }

    /// The target namespace of the service WSDL.
    pub const fn service_ns(self) -> &'static str {
        match self {
            Self::V1_1 => "urn://x-artefacts-smev-gov-ru/services/message-exchange/1.1",
            Self::V1_2 => "urn://x-artefacts-smev-gov-ru/services/message-exchange/1.2",
            Self::V1_3 => "urn://x-artefacts-smev-gov-ru/services/message-exchange/1.3",
        }
    }

    /// The namespace of routing directives (`Routing`), which only 1.3 has.
    pub const fn routing_ns(self) -> Option<&'static str> {
        match self {
            Self::V1_3 => {
                Some("urn://x-artefacts-smev-gov-ru/services/message-exchange/types/routing/1.3")
            }
            Self::V1_1 | Self::V1_2 => None,
        }
    }

    /// Whether the version has the `GetStatus` operation. Every published version does (the
    /// 1.1 and 1.3 WSDLs declare it and the 1.2 types schema has its elements); the method
    /// exists so that callers do not hard-code that fact.
    pub const fn has_get_status(self) -> bool {
        true
    }

    /// The version whose message-exchange namespace (types, basic, faults, routing, directive
    /// or service) `ns` is, if any.
    pub fn of_namespace(ns: &str) -> Option<Self> {
        let rest = ns.strip_prefix(PREFIX)?.strip_prefix('/')?;
        let version = rest.rsplit('/').next()?;
        let kind = &rest[..rest.len() - version.len()];
        match kind {
            "" | "types/" | "types/basic/" | "types/faults/" | "types/routing/"
            | "types/directive/" => Self::parse(version),
            _ => None,
        }
    }
}

impl fmt::Display for SmevVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SmevVersion {
    type Err = UnknownVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownVersion(s.to_owned()))
    }
}

impl serde::Serialize for SmevVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for SmevVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_version() {
        for v in SmevVersion::ALL {
            assert_eq!(SmevVersion::parse(v.as_str()), Some(v));
            assert_eq!(v.to_string().parse::<SmevVersion>(), Ok(v));
        }
        assert_eq!(SmevVersion::parse("1.4"), None);
        assert_eq!(SmevVersion::parse(" 1.3"), None);
        assert!("2".parse::<SmevVersion>().is_err());
    }

    #[test]
    fn namespaces_carry_the_version() {
        for v in SmevVersion::ALL {
            for ns in [v.types_ns(), v.basic_ns(), v.faults_ns(), v.service_ns()] {
                assert!(ns.ends_with(v.as_str()), "{ns}");
                assert_eq!(SmevVersion::of_namespace(ns), Some(v), "{ns}");
            }
        }
        assert_eq!(
            SmevVersion::V1_3
                .routing_ns()
                .and_then(SmevVersion::of_namespace),
            Some(SmevVersion::V1_3)
        );
        assert_eq!(SmevVersion::V1_1.routing_ns(), None);
    }

    #[test]
    fn foreign_namespaces_have_no_version() {
        for ns in [
            "",
            "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.4",
            "urn://x-artefacts-smev-gov-ru/services/message-exchange/other/1.3",
            "urn://x-artefacts-smev-gov-ru/services/message-exchange1.3",
            "urn://example/types/1.3",
            SOAP11_NS,
        ] {
            assert_eq!(SmevVersion::of_namespace(ns), None, "{ns}");
        }
    }
}
