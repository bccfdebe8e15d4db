//! Timestamps: unix milliseconds inside, RFC 3339 UTC on the wire.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ts(pub i64);

/// 9999-12-31T23:59:59.999Z: RFC 3339 has four-digit years, and the
/// formatter panics past it.
const MAX_RFC3339_MS: i64 = 253_402_300_799_999;

/// 2000-01-01T00:00:00Z: no customer message was sent before it, so an
/// earlier channel time is a broken clock or a wrong unit.
pub const EARLIEST_SENT_MS: i64 = 946_684_800_000;

/// How far ahead of our clock a channel's time may be (clock skew, time
/// zones written as UTC) before it is treated as wrong.
pub const MAX_FUTURE_SKEW_MS: i64 = 24 * 3600 * 1000;

impl Ts {
    /// Total: any stored value renders (clamped to 1970..=9999), because
    /// one bad row must not take down every page that shows it.
    pub fn rfc3339(self) -> String {
        let ms = self.0.clamp(0, MAX_RFC3339_MS) as u64;
        let t = UNIX_EPOCH + Duration::from_millis(ms);
        humantime::format_rfc3339_millis(t).to_string()
    }

    pub fn opt(ms: Option<i64>) -> Option<Ts> {
        ms.map(Ts)
    }
}

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

/// The time a channel says a message was sent, if it is plausible (from
/// 2000 to a day after `now_ms`); otherwise `now_ms`, with a warning. A
/// timestamp in milliseconds where seconds were expected, or a year-99999
/// date, keeps the message and loses only the wrong time.
pub fn sane_sent_at(sent_ms: Option<i64>, now_ms: i64) -> i64 {
    match sent_ms {
        None => now_ms,
        Some(t) if (EARLIEST_SENT_MS..=now_ms.saturating_add(MAX_FUTURE_SKEW_MS)).contains(&t) => t,
        Some(t) => {
            tracing::warn!(
                sent_at_ms = t,
                now_ms,
                "implausible send time from the channel; using the receive time"
            );
            now_ms
        }
    }
}

/// Where "now" comes from: the system clock in production, a hand-moved one
/// in tests of timers.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_millis() {
        assert_eq!(Ts(1_767_323_045_123).rfc3339(), "2026-01-02T03:04:05.123Z");
        assert_eq!(
            serde_json::to_string(&Ts(0)).unwrap(),
            "\"1970-01-01T00:00:00.000Z\""
        );
    }

    #[test]
    fn any_value_renders() {
        for ms in [i64::MIN, -1, 99_999_999_999_999_000, i64::MAX] {
            let s = Ts(ms).rfc3339();
            assert!(s.ends_with('Z'), "{ms}: {s}");
        }
        assert_eq!(Ts(i64::MAX).rfc3339(), "9999-12-31T23:59:59.999Z");
        assert_eq!(Ts(-5).rfc3339(), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn implausible_send_times_become_the_receive_time() {
        let now = 1_767_323_045_123;
        assert_eq!(sane_sent_at(None, now), now);
        assert_eq!(sane_sent_at(Some(now - 60_000), now), now - 60_000);
        assert_eq!(sane_sent_at(Some(now + 3_600_000), now), now + 3_600_000);
        assert_eq!(sane_sent_at(Some(99_999_999_999_999_000), now), now);
        assert_eq!(sane_sent_at(Some(now * 1000), now), now);
        assert_eq!(sane_sent_at(Some(5_000), now), now);
        assert_eq!(sane_sent_at(Some(i64::MIN), now), now);
    }
}
