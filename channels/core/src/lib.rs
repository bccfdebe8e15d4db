//! Baton's channel contract: the normalized shapes every channel speaks.
//!
//! A channel crate turns its wire format into [`Inbound`] messages and
//! [`StatusUpdate`]s, and turns an [`Outbound`] into a request on the wire.
//! It knows nothing of storage, the bot or the handover engine; the one
//! judgement it makes is how a failed send should be treated ([`SendError`]):
//! retried later or given up on, because only the channel knows what its
//! provider's error codes mean.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

mod kinds;
pub mod limits;
mod secret;
pub use kinds::{ChannelKind, Delivery, MessageKind};
pub use secret::{constant_time_eq, redact_userinfo};

/// A message a customer sent, normalized from any channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inbound {
    pub channel: ChannelKind,
    /// The channel's own id for this message; the deduplication key together
    /// with `channel`. Providers redeliver, so this must be stable.
    pub channel_message_id: String,
    /// The business-side identity the message arrived at (a WhatsApp phone
    /// number id, an inbox address). Replies leave from the same one.
    #[serde(default)]
    pub account: Option<String>,
    pub contact: ContactRef,
    pub kind: MessageKind,
    /// Body text, or a media caption.
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub media: Option<Media>,
    /// The channel message id this message quotes.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// When the customer sent it, by the channel's clock (unix milliseconds).
    /// `None` when the channel does not say; arrival time is used then.
    #[serde(default)]
    pub sent_at_ms: Option<i64>,
    /// Channel-specific details kept with the message (location, referral,
    /// interactive payloads…), as JSON.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

/// Who wrote, as the channel identifies them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRef {
    /// The stable address replies go to (phone number, email address,
    /// widget visitor id, integrator's contact id).
    pub handle: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// A media attachment as the channel describes it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Media {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

/// A delivery status the channel reports for a message Baton sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusUpdate {
    pub channel: ChannelKind,
    pub channel_message_id: String,
    pub delivery: Delivery,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub at_ms: Option<i64>,
    /// The send's idempotency key as the provider echoed it back (WhatsApp's
    /// `biz_opaque_callback_data`): names our send even when its answer,
    /// with the provider's id, was lost.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// A message Baton sends to a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outbound {
    /// Baton's message id.
    pub message_id: i64,
    pub conversation_id: i64,
    /// Stable across every attempt of this send, so the receiver can drop
    /// repeats (the Standard Webhooks `webhook-id`, an idempotency key).
    pub idempotency_key: String,
    pub to: ContactRef,
    #[serde(default)]
    pub account: Option<String>,
    /// `bot`, `agent` or `system`.
    pub author: String,
    pub text: String,
    /// Channel message id of the customer message this answers, if quoted.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Short answer choices; channels without buttons render them as text.
    #[serde(default)]
    pub quick_replies: Vec<QuickReply>,
    /// Unix milliseconds when Baton created the message.
    pub created_at_ms: i64,
    /// Send this pre-approved template instead of free text (WhatsApp's way
    /// to reach a customer outside the 24-hour window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Template>,
    /// An attachment to send, with `text` as its caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<OutboundMedia>,
}

/// A file to send: by the provider's media id, or by a public link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundMedia {
    /// `image`, `audio`, `video`, `document` or `sticker`.
    pub kind: MessageKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

/// A message template registered with the provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    /// Language code, e.g. `en_US`, `id`.
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuickReply {
    pub id: String,
    pub title: String,
}

/// What a successful send tells us.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The provider's id for the sent message, used to match later statuses.
    pub channel_message_id: Option<String>,
    /// How far the message got: `Sent` when the provider accepted it,
    /// `Delivered` when the receiver itself confirmed it.
    pub delivery: Delivery,
    /// Response status code or similar, for the attempt log.
    pub detail: Option<String>,
}

/// Why a send failed, and what to do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again: timeouts, 5xx, rate limits, throttling codes.
    #[error("retryable: {reason}")]
    Retryable {
        reason: String,
        /// The provider asked us to wait at least this long.
        retry_after: Option<Duration>,
        /// The request may have reached the provider and been accepted
        /// (a timeout or a connection lost after it was written): a retry
        /// could duplicate the message.
        maybe_sent: bool,
    },
    /// Retrying cannot help: bad recipient, policy refusal, invalid payload.
    #[error("permanent: {reason}")]
    Permanent {
        /// The provider's error code, kept on the message for agents.
        code: Option<String>,
        reason: String,
    },
}

impl SendError {
    /// The reason is stored and logged, so the user-info of any URL quoted
    /// in it (HTTP client errors quote theirs) is redacted here.
    pub fn retryable(reason: impl Into<String>) -> Self {
        SendError::Retryable {
            reason: redact_userinfo(&reason.into()),
            retry_after: None,
            maybe_sent: false,
        }
    }

    /// A failure after which the provider may or may not have the message.
    pub fn maybe_sent(reason: impl Into<String>) -> Self {
        SendError::Retryable {
            reason: redact_userinfo(&reason.into()),
            retry_after: None,
            maybe_sent: true,
        }
    }

    pub fn permanent(code: Option<String>, reason: impl Into<String>) -> Self {
        SendError::Permanent {
            code,
            reason: redact_userinfo(&reason.into()),
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self, SendError::Retryable { .. })
    }
}

/// A boxed future, so `Channel` stays object safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A way out to customers.
pub trait Channel: Send + Sync + 'static {
    fn kind(&self) -> ChannelKind;

    /// The key rate limits are kept under: the provider account or endpoint
    /// this message leaves through.
    fn destination(&self, out: &Outbound) -> String;

    fn send<'a>(&'a self, out: &'a Outbound) -> BoxFuture<'a, Result<Sent, SendError>>;

    /// How long a send that may have reached the provider (its answer was
    /// lost) waits before it is retried, for the provider's own report of
    /// it to arrive and settle it — `None` when the provider reports
    /// nothing that names our send (the retry then goes out at once).
    fn confirmation_wait(&self) -> Option<Duration> {
        None
    }
}

/// Reads an HTTP `Retry-After` value: delay seconds or an HTTP date.
/// Absurd values are capped at one hour so a bad header cannot park a
/// message for days.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    const CAP: Duration = Duration::from_secs(3600);
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(CAP));
    }
    let at = parse_http_date(value)?;
    let now = std::time::SystemTime::now();
    Some(at.duration_since(now).unwrap_or(Duration::ZERO).min(CAP))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only form RFC 9110
/// requires senders to produce.
fn parse_http_date(s: &str) -> Option<std::time::SystemTime> {
    let mut parts = s.split_whitespace();
    let _weekday = parts.next()?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if parts.next()? != "GMT" || day == 0 || day > 31 || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day as i64);
    let secs = days.checked_mul(86_400)? + (h * 3600 + m * 60 + sec) as i64;
    Some(std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm), so date arithmetic needs no calendar crate here.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod retry_after_tests {
    use super::*;

    #[test]
    fn seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("999999"), Some(Duration::from_secs(3600)));
        // A date in the past means "now".
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
    }
}
