//! The failed-authentication budget per client address: guessing tokens
//! is slowed to a crawl, and while an address is over its budget every
//! token it presents is refused, the right one included — otherwise the
//! answer to the right guess (200 among 429s) would still give it away.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// Entries kept before idle (fully refilled) addresses are dropped.
const PRUNE_AT: usize = 10_000;

/// A token bucket per address: `per_minute` failures a minute, bursts of
/// as many.
pub struct AuthFailures {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl AuthFailures {
    pub fn new(per_minute: u32) -> Self {
        AuthFailures {
            per_minute: per_minute.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn capacity(&self) -> f64 {
        f64::from(self.per_minute)
    }

    fn refill(&self, b: &mut Bucket, now: Instant) {
        let per_sec = self.capacity() / 60.0;
        let earned = now.saturating_duration_since(b.at).as_secs_f64() * per_sec;
        b.tokens = (b.tokens + earned).min(self.capacity());
        b.at = now;
    }

    /// 429 while `ip` has no failures left; does not spend any.
    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        let ip = key(ip);
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let Some(b) = map.get_mut(&ip) else {
            return Ok(());
        };
        self.refill(b, now);
        if b.tokens >= 1.0 {
            return Ok(());
        }
        let wait = Duration::from_secs_f64((1.0 - b.tokens) * 60.0 / self.capacity());
        Err(ApiError::RateLimited {
            retry_after_secs: wait.as_secs_f64().ceil() as u64,
        })
    }

    /// Spends one failure of `ip`'s budget.
    pub fn record(&self, ip: IpAddr) {
        let ip = key(ip);
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= PRUNE_AT && !map.contains_key(&ip) {
            let cap = self.capacity();
            map.retain(|_, b| {
                self.refill(b, now);
                b.tokens < cap
            });
        }
        let b = map.entry(ip).or_insert(Bucket {
            tokens: self.capacity(),
            at: now,
        });
        self.refill(b, now);
        b.tokens = (b.tokens - 1.0).max(0.0);
    }
}

/// The budget's key: an IPv4 address, or an IPv6 address's /64 (one
/// subscriber's network, whose 2^64 addresses would otherwise each get a
/// budget of their own).
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_budget_is_refused_and_others_are_not() {
        let f = AuthFailures::new(3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(f.check(a).is_ok());
            f.record(a);
        }
        match f.check(a) {
            Err(ApiError::RateLimited { retry_after_secs }) => {
                assert!((1..=20).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("{other:?}"),
        }
        assert!(f.check(b).is_ok());
    }

    #[test]
    fn an_ipv6_network_shares_one_budget() {
        let f = AuthFailures::new(2);
        f.record("2001:db8:1:2::1".parse().unwrap());
        f.record("2001:db8:1:2:ffff::9".parse().unwrap());
        assert!(f.check("2001:db8:1:2::77".parse().unwrap()).is_err());
        assert!(f.check("2001:db8:1:3::1".parse().unwrap()).is_ok());
        f.record("::ffff:10.0.0.9".parse().unwrap());
        f.record("10.0.0.9".parse().unwrap());
        assert!(f.check("10.0.0.9".parse().unwrap()).is_err());
    }
}
