//! Conversions between the plain types of [`crate::types`] and the generated bindings. Values are moved, not
//! copied: a request's payload goes to the guest without another allocation.

use std::time::Duration;

use crate::bindings::exports::smev_gateway::plugin::page as wit_page;
use crate::bindings::smev_gateway::plugin::{
    crypto as wit_crypto, tokens as wit_tokens, types as wit,
};
use crate::error::HostError;
use crate::pages::{PageMethod, PageRequest, PageResponse};
use crate::types::{
    Annotation, Attachment, Denial, Description, Fact, Outcome, PayloadFormat, QName,
    REVOKED_PREFIX, RejectCode, Rejection, Reply, Request, Signer, Status, Token, TokenLookup,
    VerifyError,
};

impl From<QName> for wit::Qname {
    fn from(name: QName) -> Self {
        Self {
            namespace: name.namespace,
            local_name: name.local,
        }
    }
}

impl From<wit::Qname> for QName {
    fn from(name: wit::Qname) -> Self {
        Self {
            namespace: name.namespace,
            local: name.local_name,
        }
    }
}

impl From<Annotation> for wit::Annotation {
    fn from(note: Annotation) -> Self {
        Self {
            key: note.key,
            value: note.value,
        }
    }
}

impl From<wit::Annotation> for Annotation {
    fn from(note: wit::Annotation) -> Self {
        Self {
            key: note.key,
            value: note.value,
        }
    }
}

impl From<Denial> for wit::Denial {
    fn from(denial: Denial) -> Self {
        Self {
            step: denial.step,
            code: denial.code,
            message: denial.message,
        }
    }
}

impl From<wit::Denial> for Denial {
    fn from(denial: wit::Denial) -> Self {
        Self {
            step: denial.step,
            code: denial.code,
            message: denial.message,
        }
    }
}

impl From<Request> for wit::Request {
    fn from(request: Request) -> Self {
        Self {
            message_id: request.message_id,
            message_type: request.message_type.into(),
            format: match request.format {
                PayloadFormat::Xml => wit::PayloadFormat::Xml,
                PayloadFormat::Json => wit::PayloadFormat::Json,
            },
            payload: request.payload,
            namespaces: request.namespaces,
            attachments: request
                .attachments
                .into_iter()
                .map(|file: Attachment| wit::Attachment {
                    content_id: file.content_id,
                    mime_type: file.mime_type,
                    data: file.data,
                })
                .collect(),
            sender: request.sender,
            test_message: request.test_message,
            annotations: request.annotations.into_iter().map(Into::into).collect(),
            denial: request.denial.map(Into::into),
        }
    }
}

impl From<wit::Description> for Description {
    fn from(description: wit::Description) -> Self {
        Self {
            name: description.name,
            version: description.version,
            accepts: description.accepts.into_iter().map(Into::into).collect(),
            produces: description.produces.into_iter().map(Into::into).collect(),
            policy: description.policy,
        }
    }
}

impl From<wit::Outcome> for Outcome {
    fn from(outcome: wit::Outcome) -> Self {
        match outcome {
            wit::Outcome::Reply(reply) => Outcome::Reply(Reply {
                message_type: reply.message_type.into(),
                payload: reply.payload,
                expires_at: reply.expires_at,
                // Attached through the `attachments` interface; the host adds them after the call.
                attachments: Vec::new(),
            }),
            wit::Outcome::Rejected(rejection) => Outcome::Rejected(Rejection {
                code: match rejection.code {
                    wit::RejectCode::AccessDenied => RejectCode::AccessDenied,
                    wit::RejectCode::NoData => RejectCode::NoData,
                    wit::RejectCode::UnknownRequestDescription => {
                        RejectCode::UnknownRequestDescription
                    }
                    wit::RejectCode::Failure => RejectCode::Failure,
                },
                description: rejection.description,
            }),
            wit::Outcome::Status(status) => Outcome::Status(Status {
                code: status.code,
                description: status.description,
                retry_after: status.retry_after_ms.map(Duration::from_millis),
                parameters: status.parameters,
            }),
            wit::Outcome::Proceed(notes) => {
                Outcome::Proceed(notes.into_iter().map(Into::into).collect())
            }
            wit::Outcome::Deny(denial) => Outcome::Deny(denial.into()),
        }
    }
}

impl From<wit::Fact> for Fact {
    fn from(fact: wit::Fact) -> Self {
        Self {
            kind: fact.kind,
            organisation: fact.organisation,
            document_type: fact.document_type,
            occurred_at: fact.occurred_at,
            attributes: fact.attributes,
        }
    }
}

impl From<PageRequest> for wit_page::PageRequest {
    fn from(request: PageRequest) -> Self {
        Self {
            method: match request.method {
                PageMethod::Get => wit_page::Method::Get,
                PageMethod::Post => wit_page::Method::Post,
            },
            prefix: request.prefix,
            path: request.path,
            query: request.query,
            form: request.form,
            language: request.language,
        }
    }
}

impl From<wit_page::PageResponse> for PageResponse {
    fn from(response: wit_page::PageResponse) -> Self {
        Self {
            status: response.status,
            headers: response.headers,
            body: response.body,
        }
    }
}

impl From<HostError> for wit::HostError {
    fn from(error: HostError) -> Self {
        match error {
            HostError::Unavailable(why) => Self::Unavailable(why),
            HostError::Invalid(why) => Self::Invalid(why),
            HostError::Failed(why) => Self::Failed(why),
        }
    }
}

impl From<Token> for wit_tokens::Token {
    fn from(token: Token) -> Self {
        Self {
            id: token.id,
            data: token.data,
            issued_at: token.issued_at,
            expires_at: token.expires_at,
        }
    }
}

impl From<TokenLookup> for wit_tokens::Lookup {
    fn from(lookup: TokenLookup) -> Self {
        match lookup {
            TokenLookup::Live(token) => Self::Live(token.into()),
            TokenLookup::Expired(at) => Self::Expired(at),
            TokenLookup::Unknown => Self::Unknown,
        }
    }
}

impl From<Signer> for wit_crypto::Signer {
    fn from(signer: Signer) -> Self {
        Self {
            subject: signer.subject,
            issuer: signer.issuer,
            serial: signer.serial,
            snils: signer.snils,
            inn: signer.inn,
            ogrn: signer.ogrn,
            not_before: signer.not_before,
            not_after: signer.not_after,
        }
    }
}

impl From<VerifyError> for wit_crypto::VerifyError {
    fn from(error: VerifyError) -> Self {
        match error {
            VerifyError::BadSignature(why) => Self::BadSignature(why),
            VerifyError::Untrusted(why) => Self::Untrusted(why),
            VerifyError::Revoked(why) => Self::Untrusted(format!("{REVOKED_PREFIX} {why}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_keep_every_field() {
        let mut request = Request::new(
            "m-1",
            "SENDER",
            QName::new("urn:x", "R"),
            PayloadFormat::Json,
            b"{}".to_vec(),
        );
        request.namespaces = vec![("p".into(), "urn:p".into())];
        request.attachments = vec![Attachment {
            content_id: "a".into(),
            mime_type: "text/plain".into(),
            data: vec![1],
        }];
        request.test_message = true;
        request.annotations = vec![Annotation {
            key: "k".into(),
            value: "v".into(),
        }];
        request.denial = Some(Denial {
            step: "s".into(),
            code: "C".into(),
            message: "m".into(),
        });
        let wit: wit::Request = request.into();
        assert_eq!(wit.message_id, "m-1");
        assert_eq!(wit.message_type.local_name, "R");
        assert_eq!(wit.format, wit::PayloadFormat::Json);
        assert_eq!(wit.payload, b"{}");
        assert_eq!(wit.namespaces.len(), 1);
        assert_eq!(wit.attachments[0].content_id, "a");
        assert_eq!(wit.sender, "SENDER");
        assert!(wit.test_message);
        assert_eq!(wit.annotations[0].key, "k");
        assert_eq!(wit.denial.map(|denial| denial.code), Some("C".into()));
    }

    #[test]
    fn page_requests_and_responses_keep_every_field() {
        let request = PageRequest::post("/reg/", "step/2", vec![("phone".into(), "+7".into())])
            .with_query(vec![("a".into(), "1".into())])
            .with_accept_language("ru");
        let wit: wit_page::PageRequest = request.into();
        assert_eq!(wit.method, wit_page::Method::Post);
        assert_eq!(
            (wit.prefix.as_str(), wit.path.as_str()),
            ("/reg/", "step/2")
        );
        assert_eq!(wit.query, [("a".to_owned(), "1".to_owned())]);
        assert_eq!(wit.form, [("phone".to_owned(), "+7".to_owned())]);
        assert_eq!(wit.language.as_deref(), Some("ru"));
        let response = PageResponse::from(wit_page::PageResponse {
            status: 410,
            headers: vec![("x".into(), "y".into())],
            body: "gone".into(),
        });
        assert_eq!(
            (
                response.status,
                response.header("x"),
                response.body.as_str()
            ),
            (410, Some("y"), "gone")
        );
    }

    #[test]
    fn outcomes_convert_with_durations() {
        let status = wit::Outcome::Status(wit::Status {
            code: 503,
            description: "later".into(),
            retry_after_ms: Some(1500),
            parameters: vec![],
        });
        let Outcome::Status(status) = Outcome::from(status) else {
            panic!("a status")
        };
        assert_eq!(status.retry_after, Some(Duration::from_millis(1500)));
        let rejected = wit::Outcome::Rejected(wit::Rejection {
            code: wit::RejectCode::NoData,
            description: "d".into(),
        });
        assert_eq!(
            Outcome::from(rejected),
            Outcome::Rejected(Rejection {
                code: RejectCode::NoData,
                description: "d".into()
            })
        );
    }
}
