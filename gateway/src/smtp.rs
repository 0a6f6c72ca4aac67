//! The SMTP delivery of `[smtp]`, shared by the reports and the e-mail plugins queue.

use anyhow::Context;
use gateway_reports::mail::{Security, SmtpOutbox, SmtpSettings};

use crate::config::{Config, SmtpConfig};

/// The outbox of `[smtp]` (nothing is connected yet).
pub fn outbox(config: &Config, smtp: &SmtpConfig) -> anyhow::Result<SmtpOutbox> {
    let ca_pem = match &smtp.ca {
        Some(p) => Some(
            std::fs::read(config.resolve(p))
                .with_context(|| format!("[smtp] ca {}", p.display()))?,
        ),
        None => None,
    };
    Ok(SmtpOutbox::new(&SmtpSettings {
        host: smtp.host.clone(),
        port: smtp.port,
        security: Security::parse(&smtp.security).context("[smtp] security")?,
        credentials: smtp.username.clone().zip(smtp.password.clone()),
        from: smtp.from.clone(),
        timeout: smtp.timeout.get(),
        ca_pem,
    })?)
}
