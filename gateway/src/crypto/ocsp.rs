//! Online revocation checks (OCSP, RFC 6960) of a signer's chain, after the chain verified offline.
//!
//! For each certificate of the chain below the trust anchor the gateway asks the OCSP responder the
//! certificate names (its Authority Information Access), or the responder configured in
//! `[crypto.ocsp] responder`, whether it is revoked. The answer must be signed as RFC 6960 says (by the issuing
//! CA, or a responder it delegated to) and be current. `revoked` refuses the signature; `unknown` makes the
//! signer untrusted; a responder that cannot be reached or answers nonsense makes the check unavailable (the
//! caller may retry later): never a pass. Answers are kept until their next update, at most `cache`.

use std::time::{Duration, Instant};

use gateway_host::VerifyError;
use moka::sync::Cache;
use openssl::hash::MessageDigest;
use openssl::ocsp::{
    OcspCertId, OcspCertStatus, OcspFlag, OcspRequest, OcspResponse, OcspResponseStatus,
};
use openssl::stack::Stack;
use openssl::x509::store::X509Store;
use openssl::x509::{X509, X509Ref};

use crate::config::OcspConfig;

/// The largest OCSP answer read.
const MAX_ANSWER: u64 = 1 << 20;
/// Leeway for the clocks of responder and gateway when checking an answer's validity, in seconds.
const CLOCK_LEEWAY: u32 = 300;

/// A certificate's status as a responder gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Status {
    Good,
    Revoked,
    Unknown,
}

/// The OCSP client of the trust store.
pub struct Ocsp {
    responder: Option<String>,
    agent: ureq::Agent,
    keep: Duration,
    answers: Cache<String, (Status, Instant)>,
}

impl Ocsp {
    /// A client for `config`.
    pub fn new(config: &OcspConfig) -> Ocsp {
        // An https:// responder is reached through the system's OpenSSL (and its trust store).
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .build();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout.get()))
            .http_status_as_error(false)
            .tls_config(tls)
            .build()
            .new_agent();
        Ocsp {
            responder: config.responder.clone(),
            agent,
            keep: config.cache.get(),
            answers: Cache::builder().max_capacity(100_000).build(),
        }
    }

    /// Checks every certificate of `chain` (signer first, trust anchor last) but the anchor.
    /// `Ok(Some(_))`: refused (revoked, unknown); `Ok(None)`: every certificate is good or names no
    /// responder; `Err(why)`: a responder could not say.
    pub fn check_chain(
        &self,
        store: &X509Store,
        chain: &[X509],
    ) -> Result<Option<VerifyError>, String> {
        for (depth, pair) in chain.windows(2).enumerate() {
            let (cert, issuer) = (&pair[0], &pair[1]);
            let Some(url) = self.responder_of(cert) else {
                continue;
            };
            let whose = if depth == 0 {
                "the signer's certificate".to_owned()
            } else {
                format!("a CA certificate of the signer's chain (depth {depth})")
            };
            match self.status(store, chain, cert, issuer, &url)? {
                Status::Good => {}
                Status::Revoked => {
                    return Ok(Some(VerifyError::Revoked(format!(
                        "{whose} is revoked (OCSP)"
                    ))));
                }
                Status::Unknown => {
                    return Ok(Some(VerifyError::Untrusted(format!(
                        "the OCSP responder does not know {whose}"
                    ))));
                }
            }
        }
        Ok(None)
    }

    /// The responder to ask about `cert`: the configured one, else the one the certificate names.
    fn responder_of(&self, cert: &X509Ref) -> Option<String> {
        self.responder.clone().or_else(|| {
            cert.ocsp_responders()
                .ok()
                .and_then(|list| list.iter().next().map(|url| url.to_string()))
        })
    }

    /// The status of `cert`, from the cache or from `url`.
    fn status(
        &self,
        store: &X509Store,
        chain: &[X509],
        cert: &X509Ref,
        issuer: &X509Ref,
        url: &str,
    ) -> Result<Status, String> {
        let key = cache_key(cert, issuer);
        if let Some((status, until)) = self.answers.get(&key)
            && Instant::now() < until
        {
            return Ok(status);
        }
        let (status, valid_for) = self.ask(store, chain, cert, issuer, url)?;
        let keep = valid_for.map_or(self.keep, |v| v.min(self.keep));
        self.answers
            .insert(key, (status.clone(), Instant::now() + keep));
        Ok(status)
    }

    /// Asks `url` about `cert`; the status and how long the answer stays current (its next update).
    fn ask(
        &self,
        store: &X509Store,
        chain: &[X509],
        cert: &X509Ref,
        issuer: &X509Ref,
        url: &str,
    ) -> Result<(Status, Option<Duration>), String> {
        let failed =
            |what: &str, e: &dyn std::fmt::Display| format!("OCSP responder {url}: {what}: {e}");
        let id = || OcspCertId::from_cert(MessageDigest::sha1(), cert, issuer);
        let mut request = OcspRequest::new().map_err(|e| failed("request", &e))?;
        request
            .add_id(id().map_err(|e| failed("certificate id", &e))?)
            .map_err(|e| failed("request", &e))?;
        let der = request.to_der().map_err(|e| failed("request", &e))?;
        let mut answer = self
            .agent
            .post(url)
            .header("Content-Type", "application/ocsp-request")
            .send(&der[..])
            .map_err(|e| failed("unreachable", &e))?;
        if answer.status() != 200 {
            return Err(failed("HTTP status", &answer.status()));
        }
        let body = answer
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_vec()
            .map_err(|e| failed("reading the answer", &e))?;
        let response =
            OcspResponse::from_der(&body).map_err(|e| failed("not an OCSP answer", &e))?;
        if response.status() != OcspResponseStatus::SUCCESSFUL {
            return Err(failed(
                "answered",
                &format!("status {}", response.status().as_raw()),
            ));
        }
        let basic = response
            .basic()
            .map_err(|e| failed("no basic answer", &e))?;
        let mut certs = Stack::new().map_err(|e| failed("openssl", &e))?;
        for c in chain {
            certs.push(c.clone()).map_err(|e| failed("openssl", &e))?;
        }
        basic
            .verify(&certs, store, OcspFlag::empty())
            .map_err(|e| failed("the answer's signature does not verify", &e))?;
        let id = id().map_err(|e| failed("certificate id", &e))?;
        let found = basic
            .find_status(&id)
            .ok_or_else(|| failed("the answer", &"says nothing of the certificate asked about"))?;
        // An answer with a next update is current until then; one without is taken only while fresh (at most
        // `cache` old), so that an old "good" answer cannot be replayed after a revocation.
        let max_age = found
            .next_update()
            .is_none()
            .then(|| u32::try_from(self.keep.as_secs().max(60)).unwrap_or(u32::MAX));
        found
            .check_validity(CLOCK_LEEWAY, max_age)
            .map_err(|e| failed("the answer is not current", &e))?;
        let valid_for = found
            .next_update()
            .and_then(|next| until(&next.to_string()));
        let status = if found.status == OcspCertStatus::GOOD {
            Status::Good
        } else if found.status == OcspCertStatus::REVOKED {
            Status::Revoked
        } else {
            Status::Unknown
        };
        Ok((status, valid_for))
    }
}

/// How long from now until `when`, as OpenSSL prints a time (`Dec  5 18:30:00 2026 GMT`); `None` when it is
/// past or unreadable.
fn until(when: &str) -> Option<Duration> {
    let normalised = when.split_whitespace().collect::<Vec<_>>().join(" ");
    let at = jiff::fmt::strtime::parse("%b %d %H:%M:%S %Y GMT", &normalised)
        .ok()?
        .to_datetime()
        .ok()?
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()?;
    let left = at.timestamp().as_millisecond() - jiff::Timestamp::now().as_millisecond();
    u64::try_from(left).ok().map(Duration::from_millis)
}

/// The issuer's subject and the certificate's serial: what names a certificate to a responder.
fn cache_key(cert: &X509Ref, issuer: &X509Ref) -> String {
    let serial = cert
        .serial_number()
        .to_bn()
        .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
        .unwrap_or_default();
    let issuer = issuer
        .subject_name()
        .to_der()
        .map(hex::encode)
        .unwrap_or_default();
    format!("{issuer}/{serial}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_times_are_read() {
        let next = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
        let printed = next.strftime("%b %e %H:%M:%S %Y GMT").to_string();
        let left = until(&printed).expect("in the future");
        assert!(
            left > Duration::from_secs(7000) && left <= Duration::from_secs(7200),
            "{printed}: {left:?}"
        );
        assert_eq!(until("Jan  1 00:00:00 2001 GMT"), None, "past");
        assert_eq!(until("nonsense"), None);
    }
}
