//! The console's login sessions: kept in memory on this node (a restart or another node asks for the token
//! again), each with a random id (the cookie), the operator's mnemonic, the SHA-256 of the token it logged in
//! with (a session lasts only while the running config still accepts that token for that sender), its own
//! CSRF token and an end eight hours after the login. At most [`MAX_SESSIONS`] are open at once. A client
//! certificate needs no session: its CSRF token is derived from the certificate with the gateway's shared
//! hash key, so every node accepts a form another node rendered.

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

/// The most sessions open at once on this node; a login beyond them is refused (after ended ones are
/// forgotten).
pub const MAX_SESSIONS: usize = 10_000;

/// One logged-in operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The operator's sender mnemonic.
    pub sender: String,
    /// The SHA-256 (lower-case hex) of the access token the session was opened with.
    pub token_sha256: String,
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

    /// Opens a session for `sender`, logged in with the token whose SHA-256 is `token_sha256`, at `now`;
    /// returns its id (the cookie's value). Ended sessions are forgotten on the way, and session `replaces`
    /// (the one the browser presented, if any) is closed. `None` when [`MAX_SESSIONS`] are open already.
    pub fn open(
        &self,
        sender: &str,
        token_sha256: &str,
        replaces: Option<&str>,
        now: Instant,
    ) -> Option<(String, Session)> {
        self.open_at_most(sender, token_sha256, replaces, now, MAX_SESSIONS)
    }

    fn open_at_most(
        &self,
        sender: &str,
        token_sha256: &str,
        replaces: Option<&str>,
        now: Instant,
        max: usize,
    ) -> Option<(String, Session)> {
        let mut map = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = replaces {
            map.remove(old);
        }
        map.retain(|_, s| s.expires > now);
        if map.len() >= max {
            return None;
        }
        let id = random_hex();
        let session = Session {
            sender: sender.to_owned(),
            token_sha256: token_sha256.to_ascii_lowercase(),
            csrf: random_hex(),
            expires: now + LIFETIME,
        };
        map.insert(id.clone(), session.clone());
        Some((id, session))
    }

    /// How many sessions are held (ended ones not yet forgotten included).
    pub fn len(&self) -> usize {
        self.by_id
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

/// Whether the session cookie gets `Secure`: when the listener speaks TLS, or when the public URL is
/// `https://` (TLS ended by a proxy in front of the gateway).
pub fn secure(tls: bool, public_url: &str) -> bool {
    tls || public_url
        .get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// Whether a `POST` to the console may come from where the browser says it comes from: refused when
/// `Sec-Fetch-Site` is present and neither `same-origin` nor `none` (a user typing the address), or when
/// `Origin` is present and does not name `host` (the request's `Host`, or its authority over HTTP/2). A
/// request without either header (an old browser, a script with the token) passes: the CSRF token and the
/// `SameSite=Strict` cookie still hold.
pub fn same_origin(headers: &HeaderMap, host: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or("").trim();
        if !site.eq_ignore_ascii_case("same-origin") && !site.eq_ignore_ascii_case("none") {
            return false;
        }
    }
    let Some(origin) = headers.get(hyper::header::ORIGIN) else {
        return true;
    };
    let (Ok(origin), Some(host)) = (origin.to_str(), host) else {
        return false;
    };
    let Some((scheme, authority)) = origin.trim().split_once("://") else {
        // `null` (a sandboxed page, a redirect across sites) and anything else unreadable.
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    let without_default_port = |a: &str| -> String {
        let a = a.trim().to_ascii_lowercase();
        let default = match scheme.as_str() {
            "https" => ":443",
            "http" => ":80",
            _ => return a,
        };
        a.strip_suffix(default).map(str::to_owned).unwrap_or(a)
    };
    (scheme == "http" || scheme == "https")
        && !authority.contains('/')
        && without_default_port(authority) == without_default_port(host)
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

/// The CSRF token of an operator known by its client certificate (SHA-256 `fingerprint`), keyed with `key`:
/// the gateway's shared hash key (`TokenService::key`), the same on every node, so the token is stable
/// across nodes and restarts and unguessable without the key.
pub fn certificate_csrf(key: &[u8], fingerprint: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
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
        let (id, opened) = sessions.open("OPS", "AB12", None, start).unwrap();
        assert_eq!(opened.token_sha256, "ab12");
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
        let (a, sa) = sessions.open("OPS", "h", None, now).unwrap();
        let (b, sb) = sessions.open("OPS", "h", None, now).unwrap();
        assert_ne!(a, b);
        assert_ne!(sa.csrf, sb.csrf);
        sessions.close(&a);
        assert_eq!(sessions.get(&a, now), None);
        assert!(sessions.get(&b, now).is_some());
        let (c, _) = sessions.open("OPS", "h", Some(&b), now).unwrap();
        assert_eq!(
            sessions.get(&b, now),
            None,
            "a new login closes the one presented"
        );
        assert!(sessions.get(&c, now).is_some());
        assert_eq!(sessions.len(), 1);
    }

    #[test]
    fn sessions_are_capped_after_ended_ones_are_dropped() {
        let sessions = Sessions::default();
        let start = Instant::now();
        let (first, _) = sessions.open_at_most("OPS", "h", None, start, 2).unwrap();
        let later = start + Duration::from_secs(60);
        let (second, _) = sessions.open_at_most("OPS", "h", None, later, 2).unwrap();
        assert_eq!(
            sessions.open_at_most("OPS", "h", None, later, 2),
            None,
            "full"
        );
        // Logging in again from a browser that holds a session replaces it: no refusal.
        let (third, _) = sessions
            .open_at_most("OPS", "h", Some(&second), later, 2)
            .unwrap();
        assert!(sessions.get(&first, later).is_some() && sessions.get(&third, later).is_some());
        // Once the first has ended, there is room again.
        let end_of_first = start + LIFETIME;
        assert!(
            sessions
                .open_at_most("OPS", "h", None, end_of_first, 2)
                .is_some()
        );
        assert_eq!(sessions.len(), 2);
        assert_eq!(MAX_SESSIONS, 10_000);
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
        let cert = certificate_csrf(b"node key", "ab01");
        assert_eq!(
            cert,
            certificate_csrf(b"node key", "ab01"),
            "stable per certificate and key: any node with the shared key accepts it"
        );
        assert_ne!(cert, certificate_csrf(b"node key", "ab02"));
        assert_ne!(cert, certificate_csrf(b"other key", "ab01"));
    }

    #[test]
    fn a_post_must_come_from_the_console_itself() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (n, v) in pairs {
                h.append(*n, v.parse().unwrap());
            }
            h
        };
        let host = Some("gw.example:8443");
        assert!(
            same_origin(&headers(&[]), host),
            "neither header: the token decides"
        );
        assert!(same_origin(&headers(&[]), None));
        assert!(same_origin(
            &headers(&[
                ("sec-fetch-site", "same-origin"),
                ("origin", "https://GW.example:8443")
            ]),
            host
        ));
        assert!(same_origin(&headers(&[("sec-fetch-site", "none")]), host));
        for site in ["cross-site", "same-site", "", "bogus"] {
            let mut h = HeaderMap::new();
            h.insert("sec-fetch-site", site.parse().unwrap());
            assert!(!same_origin(&h, host), "{site:?}");
        }
        for origin in [
            "null",
            "https://evil.example",
            "https://gw.example",
            "https://gw.example:8443/x",
            "ftp://gw.example:8443",
            "gw.example:8443",
        ] {
            let mut h = HeaderMap::new();
            h.insert("origin", origin.parse().unwrap());
            assert!(!same_origin(&h, host), "{origin:?}");
        }
        assert!(!same_origin(
            &headers(&[("origin", "https://gw.example")]),
            None
        ));
        // Default ports are written in neither or one of them.
        assert!(same_origin(
            &headers(&[("origin", "https://gw.example")]),
            Some("gw.example:443")
        ));
        assert!(same_origin(
            &headers(&[("origin", "http://127.0.0.1:80")]),
            Some("127.0.0.1")
        ));
        assert!(!same_origin(
            &headers(&[("origin", "http://gw.example")]),
            Some("gw.example:443")
        ));
    }

    #[test]
    fn cookies_are_secure_over_tls_or_behind_an_https_proxy() {
        assert!(secure(true, "http://gw.example"));
        assert!(secure(false, "https://gw.example"));
        assert!(secure(false, "HTTPS://gw.example"));
        assert!(!secure(false, "http://gw.example"));
        assert!(!secure(false, ""));
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
