//! The answer a queued response carries, read once for every codec: SOAP's `GetResponse` and the JSON
//! `/get` both render what [`read`] gives. An answer whose data was purged on time (a 5-minute QR fetched
//! too late) reads as a `NO_DATA` rejection.

use gateway_host::{Attachment, RejectCode};
use gateway_store::{Format, QueuedResponse, ResponseKind};

use crate::convert::reject_code_from_name;
use crate::queued::{StoredNotice, read_reply};

/// What the sender is told of a purged answer.
pub const PURGED: &str = "Данные ответа удалены по истечении срока хранения";

/// A queued answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<'a> {
    /// The plugin's content, in the encoding of the request, and the files it attached.
    Reply {
        format: Format,
        body: &'a [u8],
        attachments: Vec<Attachment>,
    },
    /// `RequestRejected`.
    Rejected {
        code: RejectCode,
        description: String,
    },
    /// `RequestStatus`.
    Status {
        code: i32,
        description: String,
        retry_after_ms: Option<u64>,
        parameters: Vec<(String, String)>,
    },
}

/// The answer `q` carries.
pub fn read(q: &QueuedResponse) -> Answer<'_> {
    let notice = || serde_json::from_slice::<StoredNotice>(&q.body).ok();
    match q.kind {
        ResponseKind::Reply => match read_reply(&q.body) {
            Some((body, attachments)) => Answer::Reply {
                format: q.format,
                body,
                attachments,
            },
            None => purged(),
        },
        ResponseKind::Status => match notice() {
            Some(n) => Answer::Status {
                code: n.status_code.unwrap_or(0),
                description: n.description,
                retry_after_ms: n.retry_after_ms,
                parameters: n.parameters,
            },
            None => purged(),
        },
        ResponseKind::Rejected => match notice() {
            Some(n) => Answer::Rejected {
                code: n
                    .reject_code
                    .as_deref()
                    .and_then(reject_code_from_name)
                    .unwrap_or(RejectCode::NoData),
                description: n.description,
            },
            None => purged(),
        },
    }
}

fn purged<'a>() -> Answer<'a> {
    Answer::Rejected {
        code: RejectCode::NoData,
        description: PURGED.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queued::outcome_body;
    use gateway_host::{Outcome, Rejection, Status};

    fn queued(kind: ResponseKind, body: Vec<u8>) -> QueuedResponse {
        QueuedResponse {
            id: "r".into(),
            request_message_id: "m".into(),
            sender: "A".into(),
            response_type: "{urn:t}A".into(),
            kind,
            body,
            format: Format::Json,
            smev_version: "json".into(),
            reference_message_id: None,
            transaction_code: None,
            reply_to: None,
            created_at: 0,
            deliveries: 1,
        }
    }

    #[test]
    fn every_kind_reads_back_as_stored() {
        let (kind, body) = outcome_body(&Outcome::Rejected(Rejection {
            code: RejectCode::AccessDenied,
            description: "нет".into(),
        }));
        assert_eq!(
            read(&queued(kind, body)),
            Answer::Rejected {
                code: RejectCode::AccessDenied,
                description: "нет".into()
            }
        );
        let (kind, body) = outcome_body(&Outcome::Status(Status {
            code: 503,
            description: "позже".into(),
            retry_after: Some(std::time::Duration::from_millis(1500)),
            parameters: vec![("k".into(), "v".into())],
        }));
        assert_eq!(
            read(&queued(kind, body)),
            Answer::Status {
                code: 503,
                description: "позже".into(),
                retry_after_ms: Some(1500),
                parameters: vec![("k".into(), "v".into())]
            }
        );
        let q = queued(ResponseKind::Reply, b"{}".to_vec());
        assert_eq!(
            read(&q),
            Answer::Reply {
                format: Format::Json,
                body: b"{}",
                attachments: Vec::new(),
            }
        );
        let file = Attachment {
            content_id: "f".into(),
            mime_type: "text/plain".into(),
            data: b"x".to_vec(),
        };
        let (kind, body) = outcome_body(&Outcome::Reply(gateway_host::Reply {
            message_type: gateway_host::QName::new("urn:t", "R"),
            payload: b"<R/>".to_vec(),
            expires_at: None,
            attachments: vec![file.clone()],
        }));
        assert_eq!(
            read(&queued(kind, body)),
            Answer::Reply {
                format: Format::Json,
                body: b"<R/>",
                attachments: vec![file],
            }
        );
    }

    #[test]
    fn a_purged_notice_is_no_data() {
        for kind in [ResponseKind::Rejected, ResponseKind::Status] {
            assert_eq!(
                read(&queued(kind, Vec::new())),
                Answer::Rejected {
                    code: RejectCode::NoData,
                    description: PURGED.into()
                }
            );
        }
    }
}
