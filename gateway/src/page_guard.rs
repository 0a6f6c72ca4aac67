//! What keeps the pages plugins serve (the QR page `/somc2/{guid}`, say) from starving authenticated senders:
//! a rate limit per client address, a negative cache that answers pages that are not there (404) or no
//! longer (410) without calling the plugin again, and capacity of their own (a page renders only on a free
//! page slot; with none free it answers "busy" at once, so pages never take the plugin instances senders
//! need).
//!
//! Configured by `[limits.pages]` ([`crate::config::PageLimits`]).

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gateway_host::PageResponse;
use moka::sync::Cache;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::PageLimits;

/// How many client addresses the limiter remembers; the least recently seen are forgotten first.
const CLIENTS: u64 = 100_000;

/// What the guard decided before a page runs.
pub enum Admission {
    /// Serve it, holding the slot until done.
    Run(OwnedSemaphorePermit),
    /// The client asks too often: answer 429 with this `Retry-After`.
    TooMany(Duration),
    /// Every page slot is taken: answer 503 at once.
    Busy,
}

/// A token bucket.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The guard of the public pages, shared by every connection of this node.
pub struct PageGuard {
    rate: f64,
    burst: f64,
    clients: Cache<IpAddr, Arc<Mutex<Bucket>>>,
    slots: Arc<Semaphore>,
    answers: Cache<String, PageResponse>,
}

impl PageGuard {
    /// A guard with `limits`.
    pub fn new(limits: &PageLimits) -> PageGuard {
        PageGuard {
            rate: f64::from(limits.rate),
            burst: f64::from(limits.burst.max(1)),
            clients: Cache::builder()
                .max_capacity(CLIENTS)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            slots: Arc::new(Semaphore::new(limits.concurrency)),
            answers: Cache::builder()
                .max_capacity(limits.negative_cache_capacity)
                .time_to_live(limits.negative_cache.get())
                .build(),
        }
    }

    /// May `client` have a page now?
    pub fn admit(&self, client: IpAddr, now: Instant) -> Admission {
        if let Some(wait) = self.take_token(client, now) {
            return Admission::TooMany(wait);
        }
        match self.slots.clone().try_acquire_owned() {
            Ok(permit) => Admission::Run(permit),
            Err(_) => Admission::Busy,
        }
    }

    /// Takes one token of `client`'s bucket; `Some(wait)` when there is none, with the time until one is.
    /// An IPv6 client is known by its /64: one host has a whole /64 to rotate addresses in.
    fn take_token(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        if self.rate <= 0.0 {
            return None;
        }
        let client = match client {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        };
        let bucket = self.clients.get_with(client, || {
            Arc::new(Mutex::new(Bucket {
                tokens: self.burst,
                at: now,
            }))
        });
        let mut b = bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - b.tokens) / self.rate))
        }
    }

    /// The page remembered for `path` (prefix and path), if any.
    pub fn remembered(&self, path: &str) -> Option<PageResponse> {
        self.answers.get(path)
    }

    /// Remembers the page of `path` that is not there (404) or no longer (410).
    pub fn remember(&self, path: String, page: PageResponse) {
        self.answers.insert(path, page);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::units::Dur;

    fn limits(rate: u32, burst: u32, concurrency: usize) -> PageLimits {
        PageLimits {
            rate,
            burst,
            concurrency,
            negative_cache: Dur::secs(60),
            negative_cache_capacity: 1000,
        }
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn each_client_has_its_own_bucket_that_refills() {
        let guard = PageGuard::new(&limits(2, 3, 100));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(matches!(guard.admit(A, t0), Admission::Run(_)));
        }
        match guard.admit(A, t0) {
            Admission::TooMany(wait) => {
                assert!(wait > Duration::ZERO && wait <= Duration::from_millis(500))
            }
            _ => panic!("the fourth at once is too many"),
        }
        assert!(
            matches!(guard.admit(B, t0), Admission::Run(_)),
            "another client is not affected"
        );
        // Half a second later one token (rate 2/s) is back.
        let later = t0 + Duration::from_millis(500);
        assert!(matches!(guard.admit(A, later), Admission::Run(_)));
        assert!(matches!(guard.admit(A, later), Admission::TooMany(_)));
    }

    #[test]
    fn pages_beyond_their_slots_are_busy_until_one_ends() {
        let guard = PageGuard::new(&limits(0, 1, 2));
        let now = Instant::now();
        let first = guard.admit(A, now);
        let second = guard.admit(B, now);
        assert!(matches!(first, Admission::Run(_)) && matches!(second, Admission::Run(_)));
        assert!(matches!(guard.admit(A, now), Admission::Busy));
        drop(first);
        assert!(matches!(guard.admit(A, now), Admission::Run(_)));
    }

    #[test]
    fn pages_not_there_are_remembered() {
        let guard = PageGuard::new(&limits(0, 1, 1));
        assert_eq!(guard.remembered("/somc2/x"), None);
        let gone = PageResponse {
            status: 410,
            headers: Vec::new(),
            body: "истёк".into(),
        };
        guard.remember("/somc2/x".into(), gone.clone());
        assert_eq!(guard.remembered("/somc2/x"), Some(gone));
        assert_eq!(guard.remembered("/somc2/y"), None);
    }
}
