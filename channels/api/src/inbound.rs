//! The JSON an integrator posts to `POST /api/v1/inbound`.

use baton_channel::{ChannelKind, ContactRef, Inbound, Media, MessageKind, limits};
use serde::Deserialize;

/// One customer message from an integrator's system (SMS gateway, Telegram
/// bot, mobile app…). Only `external_id`, `contact.handle` and some content
/// are required.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundPayload {
    /// The integrator's id for this message; posting the same id again is a
    /// no-op, so integrators can retry freely.
    pub external_id: String,
    pub contact: ContactPayload,
    #[serde(default)]
    pub text: Option<String>,
    /// Defaults to `text`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub media: Option<Media>,
    #[serde(default)]
    pub reply_to: Option<String>,
    /// RFC 3339 time the customer sent it; arrival time when absent.
    #[serde(default)]
    pub sent_at: Option<String>,
    /// Which of the integrator's numbers/inboxes it arrived at.
    #[serde(default)]
    pub account: Option<String>,
    /// Anything else the integrator wants kept with the message.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactPayload {
    pub handle: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// A field that failed validation, for a 422 answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl InboundPayload {
    /// Validates and normalizes; every problem is reported, not just the first.
    pub fn into_inbound(self) -> Result<Inbound, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field, message: &str| {
            errors.push(FieldError {
                field,
                message: message.to_string(),
            })
        };
        let external_id = self.external_id.trim().to_string();
        if external_id.is_empty() {
            fail("external_id", "must not be empty");
        }
        let handle = self.contact.handle.trim().to_string();
        if handle.is_empty() {
            fail("contact.handle", "must not be empty");
        }
        let kind = match self.kind.as_deref() {
            None => MessageKind::Text,
            Some(k) => k.parse().unwrap_or_else(|e: String| {
                fail("kind", &e);
                MessageKind::Text
            }),
        };
        let text = self.text.filter(|t| !t.trim().is_empty());
        if text.is_none() && self.media.is_none() && kind == MessageKind::Text {
            fail("text", "is required when there is no media");
        }
        let sent_at_ms = match self.sent_at.as_deref() {
            None => None,
            Some(s) => match humantime::parse_rfc3339_weak(s) {
                Ok(t) => t
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()
                    .map(|d| d.as_millis() as i64),
                Err(_) => {
                    fail(
                        "sent_at",
                        "must be an RFC 3339 time, e.g. 2026-01-31T09:30:00Z",
                    );
                    None
                }
            },
        };
        let mut inbound = Inbound {
            channel: ChannelKind::Api,
            channel_message_id: external_id,
            account: self.account.filter(|a| !a.is_empty()),
            contact: ContactRef {
                handle,
                name: self.contact.name.filter(|n| !n.trim().is_empty()),
            },
            kind,
            text,
            media: self.media,
            reply_to: self.reply_to,
            sent_at_ms,
            meta: self.meta,
        };
        for e in limits::sanitize(&mut inbound) {
            let field = match e.field {
                "channel_message_id" => "external_id",
                other => other,
            };
            errors.push(FieldError {
                field,
                message: e.message,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(inbound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Inbound, Vec<FieldError>> {
        serde_json::from_str::<InboundPayload>(json)
            .expect("valid JSON shape")
            .into_inbound()
    }

    #[test]
    fn minimal_message_is_text_on_the_api_channel() {
        let m = parse(
            r#"{"external_id":"m1","contact":{"handle":"+62811","name":"Ani"},"text":"halo"}"#,
        )
        .unwrap();
        assert_eq!(m.channel, ChannelKind::Api);
        assert_eq!(m.kind, MessageKind::Text);
        assert_eq!(m.contact.name.as_deref(), Some("Ani"));
        assert_eq!(m.text.as_deref(), Some("halo"));
        assert_eq!(m.sent_at_ms, None);
    }

    #[test]
    fn reports_every_bad_field() {
        let errs = parse(
            r#"{"external_id":" ","contact":{"handle":""},"kind":"fax","sent_at":"yesterday"}"#,
        )
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["external_id", "contact.handle", "kind", "text", "sent_at"]
        );
    }

    #[test]
    fn text_is_required_without_media() {
        let errs =
            parse(r#"{"external_id":"1","contact":{"handle":"a"},"text":"  "}"#).unwrap_err();
        assert_eq!(errs[0].field, "text");
        let ok = parse(
            r#"{"external_id":"1","contact":{"handle":"a"},"kind":"image","media":{"url":"http://x/y.png"}}"#,
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn sent_at_is_parsed_to_millis() {
        let m = parse(r#"{"external_id":"1","contact":{"handle":"a"},"text":"x","sent_at":"2026-01-02T03:04:05Z"}"#)
            .unwrap();
        assert_eq!(m.sent_at_ms, Some(1_767_323_045_000));
    }

    #[test]
    fn limits_are_named_in_the_error() {
        let long = "x".repeat(100_000);
        let json = serde_json::json!({"external_id": long, "contact": {"handle": long,
            "name": "n".repeat(2_000_000)}, "text": "t".repeat(40_000)});
        let errs = serde_json::from_value::<InboundPayload>(json)
            .unwrap()
            .into_inbound()
            .unwrap_err();
        let shown: Vec<String> = errs
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        assert_eq!(
            shown,
            [
                "external_id: is longer than 256 characters",
                "contact.handle: is longer than 256 characters",
                "text: is longer than 32768 characters"
            ]
        );
        let m = parse(r#"{"external_id":"1","contact":{"handle":"a\u0000b","name":"A\u0000"},"text":"x\u0000"}"#)
            .unwrap();
        assert_eq!(
            (m.contact.handle.as_str(), m.text.as_deref()),
            ("ab", Some("x"))
        );
        assert_eq!(m.contact.name.as_deref(), Some("A"));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let r = serde_json::from_str::<InboundPayload>(
            r#"{"external_id":"1","contact":{"handle":"a"},"txt":"x"}"#,
        );
        assert!(r.unwrap_err().to_string().contains("unknown field `txt`"));
    }
}
