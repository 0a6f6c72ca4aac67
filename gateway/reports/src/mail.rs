//! The e-mail: a plain-text body with files attached (a report's zip), a deterministic Message-ID, and delivery over
//! real SMTP with lettre (plain, STARTTLS or implicit TLS; optional credentials).
//!
//! The Message-ID is made from the report's kind, organisation, period and a domain, so the same report
//! always carries the same id: if the gateway crashes after the SMTP server accepted a message and before
//! it recorded that, the repeated message has the same id and a mail system that deduplicates by
//! Message-ID drops it.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::ReportError;
use crate::period::Period;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP (a relay on the same host or a trusted network).
    None,
    /// Plain, upgraded with STARTTLS (required: no fallback to plain).
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

impl Security {
    /// Parses `none`, `starttls` or `tls`.
    pub fn parse(text: &str) -> Option<Security> {
        match text {
            "none" => Some(Security::None),
            "starttls" => Some(Security::StartTls),
            "tls" => Some(Security::Tls),
            _ => None,
        }
    }
}

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// The SMTP server's host name or address.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// Plain, STARTTLS or TLS.
    pub security: Security,
    /// User name and password for AUTH, if the server wants them.
    pub credentials: Option<(String, String)>,
    /// The sender, `Name <address>` or `address`.
    pub from: String,
    /// Time allowed to each SMTP command.
    pub timeout: Duration,
    /// Extra CA certificates (PEM) trusted for the server's certificate.
    pub ca_pem: Option<Vec<u8>>,
}

/// One e-mail to send.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The recipient.
    pub to: Mailbox,
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// The attached files (a report's zip; a plugin's files).
    pub files: Vec<MailFile>,
    /// The Message-ID, `<...@...>`.
    pub message_id: String,
}

/// A file attached to a [`Mail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    /// Its file name.
    pub name: String,
    /// Its MIME type, `type/subtype`.
    pub content_type: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// What the SMTP server said when it accepted a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// Its reply, e.g. `250 2.0.0 Ok: queued as 4F2A`.
    pub response: String,
}

/// Sends e-mails. The gateway uses [`SmtpOutbox`]; tests and benchmarks may record instead.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Sends `mail`; `Ok` once the server accepted it.
    async fn send(&self, mail: Mail) -> Result<Accepted, ReportError>;
}

/// Delivery over SMTP with lettre, one connection per message.
pub struct SmtpOutbox {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpOutbox {
    /// An outbox for `settings` (nothing is connected yet).
    pub fn new(settings: &SmtpSettings) -> Result<SmtpOutbox, ReportError> {
        let from = parse_mailbox(&settings.from)?;
        let tls = match settings.security {
            Security::None => Tls::None,
            Security::StartTls => Tls::Required(tls_parameters(settings)?),
            Security::Tls => Tls::Wrapper(tls_parameters(settings)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpOutbox {
            transport: builder.build(),
            from,
        })
    }

    /// The sender.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }
}

fn tls_parameters(settings: &SmtpSettings) -> Result<TlsParameters, ReportError> {
    let mut b = TlsParameters::builder(settings.host.clone());
    if let Some(pem) = &settings.ca_pem {
        let cert = Certificate::from_pem(pem)
            .map_err(|e| ReportError::Config(format!("[smtp] ca: {e}")))?;
        b = b.add_root_certificate(cert);
    }
    b.build()
        .map_err(|e| ReportError::Config(format!("[smtp] TLS: {e}")))
}

#[async_trait]
impl Outbox for SmtpOutbox {
    async fn send(&self, mail: Mail) -> Result<Accepted, ReportError> {
        let message = build(&self.from, mail)?;
        let response = self
            .transport
            .send(message)
            .await
            .map_err(|e| ReportError::Mail(smtp_error(&e)))?;
        let text: Vec<&str> = response.message().collect();
        Ok(Accepted {
            response: format!("{} {}", response.code(), text.join(" "))
                .trim()
                .to_owned(),
        })
    }
}

/// lettre's error with its causes (its own message alone is often just "Connection error").
fn smtp_error(e: &lettre::transport::smtp::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Parses `Name <address>` or `address`.
pub fn parse_mailbox(text: &str) -> Result<Mailbox, ReportError> {
    text.parse::<Mailbox>()
        .map_err(|e| ReportError::Config(format!("`{text}` is not an e-mail address: {e}")))
}

/// The message: From, To, Subject, Date, the deterministic Message-ID, the body as text/plain (UTF-8)
/// and each file as an attachment of its type.
pub fn build(from: &Mailbox, mail: Mail) -> Result<Message, ReportError> {
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(mail.body));
    for file in mail.files {
        let content_type =
            ContentType::parse(&file.content_type).map_err(|e| ReportError::Mail(e.to_string()))?;
        parts = parts.singlepart(Attachment::new(file.name).body(file.data, content_type));
    }
    Message::builder()
        .from(from.clone())
        .to(mail.to)
        .subject(mail.subject)
        .message_id(Some(mail.message_id))
        .date_now()
        .multipart(parts)
        .map_err(|e| ReportError::Mail(e.to_string()))
}

/// The Message-ID of a report: `<scan-report.KIND.ORG.FIRST.LAST@DOMAIN>`.
pub fn message_id(kind: &str, organisation: &str, period: &Period, domain: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .collect()
    };
    format!(
        "<scan-report.{}.{}.{}.{}@{}>",
        clean(kind),
        clean(organisation),
        period.first,
        period.last,
        domain
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn mail() -> Mail {
        Mail {
            to: parse_mailbox("ООО «Пример» <reports@example.org>").unwrap(),
            subject: "Отчёт о сканированиях за период".into(),
            body: "Здравствуйте!\nОтчёт во вложении.".into(),
            files: vec![MailFile {
                name: "scan-report.zip".into(),
                content_type: "application/zip".into(),
                data: b"PK\x03\x04zip bytes".to_vec(),
            }],
            message_id: "<scan-report.scheduled.1027700132195.2025-03-01.2025-03-31@gw.example>"
                .into(),
        }
    }

    #[test]
    fn message_ids_are_deterministic_and_distinguish_reports() {
        let p = Period::new(date(2025, 3, 1), date(2025, 3, 31)).unwrap();
        let a = message_id("scheduled", "1027700132195", &p, "gw.example");
        assert_eq!(
            a,
            "<scan-report.scheduled.1027700132195.2025-03-01.2025-03-31@gw.example>"
        );
        assert_eq!(
            a,
            message_id("scheduled", "1027700132195", &p, "gw.example")
        );
        assert_ne!(a, message_id("adhoc", "1027700132195", &p, "gw.example"));
        assert_ne!(
            a,
            message_id("scheduled", "1037739010891", &p, "gw.example")
        );
        assert!(!message_id("x", "1<2>@", &p, "d").contains("1<2>@"));
    }

    #[test]
    fn the_message_carries_the_id_the_texts_and_the_zip() {
        let from = parse_mailbox("Шлюз <gateway@gw.example>").unwrap();
        let m = build(&from, mail()).unwrap();
        let text = String::from_utf8_lossy(&m.formatted()).into_owned();
        assert!(
            text.contains(
                "Message-ID: <scan-report.scheduled.1027700132195.2025-03-01.2025-03-31@gw.example>"
            ),
            "{text}"
        );
        assert!(text.contains("To: "), "{text}");
        assert!(text.contains("reports@example.org"));
        assert!(text.contains("Content-Type: application/zip"));
        assert!(text.contains("filename=\"scan-report.zip\""));
        assert!(
            !text.contains("Отчёт о сканированиях"),
            "the subject is encoded (RFC 2047)"
        );
        assert_eq!(m.envelope().to()[0].to_string(), "reports@example.org");
    }

    #[test]
    fn settings_are_checked() {
        assert!(parse_mailbox("not an address").is_err());
        assert_eq!(Security::parse("starttls"), Some(Security::StartTls));
        assert_eq!(Security::parse("ssl"), None);
        let s = SmtpSettings {
            host: "127.0.0.1".into(),
            port: 25,
            security: Security::StartTls,
            credentials: None,
            from: "g@x.example".into(),
            timeout: Duration::from_secs(1),
            ca_pem: Some(b"junk".to_vec()),
        };
        assert!(SmtpOutbox::new(&s).is_err());
    }
}
