//! Helpers on the WIT types: decoding requests, building replies and outcomes, describing a plugin.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::bindings::smev_gateway::plugin::types::{
    Annotation, Denial, Description, Outcome, PayloadFormat, Qname, RejectCode, Rejection, Reply,
    Request, Status,
};
use crate::codec;
use crate::error::CodecError;

impl Qname {
    /// `{namespace}local_name`.
    pub fn new(namespace: impl Into<String>, local_name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            local_name: local_name.into(),
        }
    }

    /// Reads Clark notation, `{namespace}local_name` (what [`Display`](fmt::Display) writes): `None` unless
    /// the text starts with `{`, the namespace and the local name are both non-empty (message types always
    /// have a namespace) and the local name has no brace. The namespace is everything up to the first `}`.
    ///
    /// ```
    /// use gateway_plugin_sdk::prelude::QName;
    ///
    /// let name = QName::from_clark("{urn://x/1.0}Req").unwrap();
    /// assert_eq!(name, QName::new("urn://x/1.0", "Req"));
    /// assert_eq!(QName::from_clark(&name.to_string()), Some(name));
    /// assert_eq!(QName::from_clark("Req"), None);
    /// ```
    pub fn from_clark(name: &str) -> Option<Self> {
        let (namespace, local_name) = name.strip_prefix('{')?.split_once('}')?;
        (!namespace.is_empty() && !local_name.is_empty() && !local_name.contains(['{', '}']))
            .then(|| Self::new(namespace, local_name))
    }
}

/// Clark notation: `{namespace}local-name`.
impl fmt::Display for Qname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}{}", self.namespace, self.local_name)
    }
}

impl Request {
    /// Decodes the payload (either format) into `T`; see the crate docs for the convention.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, CodecError> {
        codec::decode(self.format, &self.payload)
    }

    /// The value of the last annotation with `key` left by an earlier step, if any.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .iter()
            .rev()
            .find(|note| note.key == key)
            .map(|note| note.value.as_str())
    }

    /// A reply of type `message_type` holding `value`, encoded in this request's format.
    pub fn reply<T: Serialize + ?Sized>(
        &self,
        message_type: Qname,
        value: &T,
    ) -> Result<Outcome, CodecError> {
        Reply::new(message_type, value, self.format).map(Outcome::Reply)
    }
}

impl Reply {
    /// A reply of type `message_type` holding `value` encoded in `format` (use the request's format).
    pub fn new<T: Serialize + ?Sized>(
        message_type: Qname,
        value: &T,
        format: PayloadFormat,
    ) -> Result<Self, CodecError> {
        let payload = codec::encode(&message_type, value, format)?;
        Ok(Self {
            message_type,
            payload,
            expires_at: None,
        })
    }

    /// Marks the reply as holding data that must not outlive `unix_ms` (the host deletes it unfetched then).
    pub fn expires_at(mut self, unix_ms: u64) -> Self {
        self.expires_at = Some(unix_ms);
        self
    }
}

impl Annotation {
    /// A note for later steps of the chain.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

impl Outcome {
    /// A `RequestRejected` answer.
    pub fn rejected(code: RejectCode, description: impl Into<String>) -> Self {
        Outcome::Rejected(Rejection {
            code,
            description: description.into(),
        })
    }

    /// A `RequestStatus` answer; `retry_after_ms` set means the sender should try again later.
    pub fn status(code: i32, description: impl Into<String>, retry_after_ms: Option<u64>) -> Self {
        Outcome::Status(Status {
            code,
            description: description.into(),
            retry_after_ms,
            parameters: Vec::new(),
        })
    }

    /// Policy steps: let the envelope go on with these notes.
    pub fn proceed<K: Into<String>, V: Into<String>>(
        notes: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Outcome::Proceed(
            notes
                .into_iter()
                .map(|(key, value)| Annotation::new(key, value))
                .collect(),
        )
    }

    /// Policy steps: refuse the envelope. `step` may be left empty: the host fills in the plugin's name.
    pub fn deny(
        step: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Outcome::Deny(Denial {
            step: step.into(),
            code: code.into(),
            message: message.into(),
        })
    }
}

impl Description {
    /// A description with a name and a version, accepting and producing nothing yet, not a policy step.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            accepts: Vec::new(),
            produces: Vec::new(),
            policy: false,
        }
    }

    /// Adds an accepted message type.
    pub fn accepts(mut self, message_type: Qname) -> Self {
        self.accepts.push(message_type);
        self
    }

    /// Adds a produced message type.
    pub fn produces(mut self, message_type: Qname) -> Self {
        self.produces.push(message_type);
        self
    }

    /// Marks the plugin as a policy step (answers `proceed` or `deny`).
    pub fn policy(mut self) -> Self {
        self.policy = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const NS: &str = "urn://gateway/test/1.0";

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Person {
        snils: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        middle_name: Option<String>,
        #[serde(default)]
        phones: Vec<String>,
    }

    fn request(format: PayloadFormat, payload: &str) -> Request {
        Request {
            message_id: "m-1".into(),
            message_type: Qname::new(NS, "Person"),
            format,
            payload: payload.as_bytes().to_vec(),
            namespaces: Vec::new(),
            attachments: Vec::new(),
            sender: "TEST".into(),
            test_message: false,
            annotations: vec![
                Annotation::new("k", "first"),
                Annotation::new("other", "x"),
                Annotation::new("k", "last"),
            ],
            denial: None,
        }
    }

    #[test]
    fn both_formats_decode_to_the_same_value() {
        let xml = request(
            PayloadFormat::Xml,
            r#"<p:Person xmlns:p="urn://gateway/test/1.0"><p:Snils>12345678901</p:Snils><p:Phones>1</p:Phones></p:Person>"#,
        );
        let json = request(
            PayloadFormat::Json,
            r#"{"snils": "12345678901", "phones": ["1"]}"#,
        );
        let expected = Person {
            snils: "12345678901".into(),
            middle_name: None,
            phones: vec!["1".into()],
        };
        assert_eq!(xml.decode::<Person>().expect("xml"), expected);
        assert_eq!(json.decode::<Person>().expect("json"), expected);
    }

    #[test]
    fn replies_follow_the_request_format() {
        let person = Person {
            snils: "1".into(),
            middle_name: Some("M".into()),
            phones: vec!["a".into(), "b".into()],
        };
        let answer = Qname::new(NS, "PersonAnswer");
        let Outcome::Reply(xml) = request(PayloadFormat::Xml, "<Person/>")
            .reply(answer.clone(), &person)
            .expect("xml")
        else {
            panic!("a reply");
        };
        assert_eq!(xml.message_type, answer);
        assert_eq!(
            String::from_utf8(xml.payload).expect("utf-8"),
            r#"<PersonAnswer xmlns="urn://gateway/test/1.0"><Snils>1</Snils><MiddleName>M</MiddleName><Phones>a</Phones><Phones>b</Phones></PersonAnswer>"#
        );
        let json = Reply::new(answer, &person, PayloadFormat::Json)
            .expect("json")
            .expires_at(99);
        assert_eq!(json.expires_at, Some(99));
        let value: serde_json::Value = serde_json::from_slice(&json.payload).expect("json payload");
        assert_eq!(
            value,
            serde_json::json!({"snils": "1", "middleName": "M", "phones": ["a", "b"]})
        );
    }

    #[test]
    fn annotations_outcomes_and_descriptions() {
        let req = request(PayloadFormat::Json, "{}");
        assert_eq!(req.annotation("k"), Some("last"));
        assert_eq!(req.annotation("absent"), None);
        assert_eq!(
            Outcome::proceed([("test.policy", "passed")]),
            Outcome::Proceed(vec![Annotation::new("test.policy", "passed")])
        );
        let Outcome::Deny(denial) = Outcome::deny("", "TEST_DENIED", "no") else {
            panic!("a denial")
        };
        assert_eq!(
            (denial.step.as_str(), denial.code.as_str()),
            ("", "TEST_DENIED")
        );
        let description = Description::new("p", "1.0")
            .accepts(Qname::new(NS, "A"))
            .produces(Qname::new(NS, "B"))
            .policy();
        assert!(description.policy);
        assert_eq!(
            description.accepts[0].to_string(),
            "{urn://gateway/test/1.0}A"
        );
        assert_eq!(description.produces.len(), 1);
    }

    #[test]
    fn clark_names_read_back() {
        assert_eq!(
            Qname::from_clark("{urn://x/1.0}Req"),
            Some(Qname::new("urn://x/1.0", "Req"))
        );
        let name = Qname::new("urn://gateway/svo-status/1.0", "VerifyQrRequest");
        assert_eq!(Qname::from_clark(&name.to_string()), Some(name));
        for bad in [
            "{}Req",
            "{urn}",
            "Req",
            "urn}Req",
            "{urn",
            "{urn}Re{q",
            "{urn}Re}q",
            " {urn}Req",
            "",
        ] {
            assert_eq!(Qname::from_clark(bad), None, "{bad}");
        }
    }
}
