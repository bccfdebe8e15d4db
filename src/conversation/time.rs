//! Timestamps: unix milliseconds inside, RFC 3339 UTC on the wire.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ts(pub i64);

impl Ts {
    pub fn rfc3339(self) -> String {
        let t = UNIX_EPOCH + Duration::from_millis(self.0.max(0) as u64);
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
}
