//! The console's login sessions: kept in memory on this node (a restart or another node asks for the token
//! again), each with a random id (the cookie), the operator's mnemonic, its own CSRF token and an end eight
//! hours after the login. A client certificate needs no session: its CSRF token is derived from the
//! certificate with a key of this process.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use hyper::HeaderMap;
use sha2::Sha256;

/// The cookie's name.
pub const COOKIE: &str = "gw_console";

/// How long a session lasts after its login.
pub const LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// One logged-in operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The operator's sender mnemonic.
    pub sender: String,
    /// The token every form of this session carries.
    pub csrf: String,
    /// When the session ends.
    pub expires: Instant,
}

/// The sessions of this process.
#[derive(Debug, Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// The sessions of this process: they outlive a reload of the config.
    pub fn global() -> &'static Sessions {
        static SESSIONS: OnceLock<Sessions> = OnceLock::new();
        SESSIONS.get_or_init(Sessions::default)
    }

    /// Opens a session for `sender` at `now`; returns its id (the cookie's value). Ended sessions are
    /// forgotten on the way.
    pub fn open(&self, sender: &str, now: Instant) -> (String, Session) {
        let id = random_hex();
        let session = Session {
            sender: sender.to_owned(),
            csrf: random_hex(),
            expires: now + LIFETIME,
        };
        let mut map = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, s| s.expires > now);
        map.insert(id.clone(), session.clone());
        (id, session)
    }

    /// The session `id` names, unless it has ended by `now` (then it is forgotten).
    pub fn get(&self, id: &str, now: Instant) -> Option<Session> {
        let mut map = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(id) {
            Some(s) if s.expires > now => Some(s.clone()),
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    /// Ends session `id`.
    pub fn close(&self, id: &str) {
        self.by_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

/// 32 random bytes from OpenSSL's generator, hex.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    if let Err(e) = openssl::rand::rand_bytes(&mut bytes) {
        // Without randomness no session may be opened: a fixed id would let anyone in.
        panic!("the random number generator failed: {e}");
    }
    hex::encode(bytes)
}

/// The session id in the request's `Cookie` headers, if any.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The `Set-Cookie` value that opens session `id` (`Secure` when the listener speaks TLS).
pub fn set_cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age={}{}",
        LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Whether the CSRF token a form sent is the expected one (compared in constant time).
pub fn csrf_matches(expected: &str, sent: Option<&str>) -> bool {
    match sent {
        Some(sent) if sent.len() == expected.len() && !expected.is_empty() => {
            openssl::memcmp::eq(sent.as_bytes(), expected.as_bytes())
        }
        _ => false,
    }
}

/// The CSRF token of an operator known by its client certificate (SHA-256 `fingerprint`): stable for the
/// life of this process, unguessable without its key.
pub fn certificate_csrf(fingerprint: &str) -> String {
    static KEY: OnceLock<String> = OnceLock::new();
    let key = KEY.get_or_init(random_hex);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"console-csrf:");
    mac.update(fingerprint.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_lasts_eight_hours_then_is_gone() {
        let sessions = Sessions::default();
        let start = Instant::now();
        let (id, opened) = sessions.open("OPS", start);
        assert_eq!(id.len(), 64);
        assert_ne!(id, opened.csrf, "the cookie and the form token differ");
        assert_eq!(sessions.get(&id, start).as_ref(), Some(&opened));
        let late = start + LIFETIME - Duration::from_secs(1);
        assert_eq!(
            sessions.get(&id, late).map(|s| s.sender),
            Some("OPS".into())
        );
        assert_eq!(sessions.get(&id, start + LIFETIME), None, "ended");
        assert_eq!(sessions.get(&id, start), None, "and forgotten");
        assert_eq!(sessions.get("no-such-id", start), None);
    }

    #[test]
    fn closing_ends_a_session_and_each_login_gets_new_tokens() {
        let sessions = Sessions::default();
        let now = Instant::now();
        let (a, sa) = sessions.open("OPS", now);
        let (b, sb) = sessions.open("OPS", now);
        assert_ne!(a, b);
        assert_ne!(sa.csrf, sb.csrf);
        sessions.close(&a);
        assert_eq!(sessions.get(&a, now), None);
        assert!(sessions.get(&b, now).is_some());
    }

    #[test]
    fn the_csrf_token_must_match_exactly() {
        let expected = random_hex();
        assert!(csrf_matches(&expected, Some(&expected)));
        assert!(!csrf_matches(&expected, None));
        assert!(!csrf_matches(&expected, Some("")));
        assert!(!csrf_matches(&expected, Some(&expected[1..])));
        assert!(!csrf_matches(&expected, Some(&random_hex())));
        assert!(!csrf_matches("", Some("")), "an empty token never passes");
        let cert = certificate_csrf("ab01");
        assert_eq!(cert, certificate_csrf("ab01"), "stable per certificate");
        assert_ne!(cert, certificate_csrf("ab02"));
    }

    #[test]
    fn the_cookie_is_found_among_others_and_set_strictly() {
        let mut headers = HeaderMap::new();
        headers.append(
            hyper::header::COOKIE,
            "a=1; gw_console=abc ; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers).as_deref(), Some("abc"));
        let mut other = HeaderMap::new();
        other.append(hyper::header::COOKIE, "gw_console_x=1".parse().unwrap());
        other.append(hyper::header::COOKIE, "gw_console=".parse().unwrap());
        assert_eq!(cookie(&other), None);
        let set = set_cookie("abc", false);
        assert!(set.starts_with("gw_console=abc; Path=/console; HttpOnly; SameSite=Strict"));
        assert!(!set.contains("Secure"));
        assert!(set_cookie("abc", true).ends_with("; Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }
}
