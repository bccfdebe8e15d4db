//! Size limits every channel applies to an [`Inbound`] before it is stored,
//! so a field is bounded the same way whether it came from WhatsApp, the API
//! or any later channel.
//!
//! [`sanitize`] first removes NUL characters from every string (PostgreSQL's
//! TEXT cannot hold them, and no channel sends them on purpose), trims a
//! name to [`MAX_NAME_CHARS`] (a long display name is not worth losing a
//! message over) and then reports every field that is still too long. What
//! a caller does with a violation is its own choice: the API channel
//! answers 422 naming the limit; a signed WhatsApp webhook skips that one
//! message with a warning (Meta would redeliver a refusal for days).

use crate::Inbound;

/// Message text and media captions. WhatsApp's own maximum is 4,096.
pub const MAX_TEXT_CHARS: usize = 32_768;
/// Contact handles (phone numbers, addresses, visitor ids).
pub const MAX_HANDLE_CHARS: usize = 256;
/// Display names; longer ones are truncated, not refused.
pub const MAX_NAME_CHARS: usize = 256;
/// Message ids, quoted ids, account ids, media ids, MIME types, hashes,
/// file names.
pub const MAX_ID_CHARS: usize = 256;
/// Media links.
pub const MAX_URL_CHARS: usize = 2_048;
/// Channel details kept with the message, as serialized JSON.
pub const MAX_META_BYTES: usize = 64 * 1024;

/// A field over its limit.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitError {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for LimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.field, self.message)
    }
}

/// Strips NUL characters, truncates the name, and reports every field that
/// exceeds its limit (empty when the message may be stored).
pub fn sanitize(m: &mut Inbound) -> Vec<LimitError> {
    let mut errors = Vec::new();
    let mut check = |field: &'static str, value: &mut String, max: usize| {
        strip_nul(value);
        if value.chars().count() > max {
            errors.push(LimitError {
                field,
                message: format!("is longer than {max} characters"),
            });
        }
    };
    check(
        "channel_message_id",
        &mut m.channel_message_id,
        MAX_ID_CHARS,
    );
    check("contact.handle", &mut m.contact.handle, MAX_HANDLE_CHARS);
    if let Some(v) = m.account.as_mut() {
        check("account", v, MAX_ID_CHARS);
    }
    if let Some(v) = m.text.as_mut() {
        check("text", v, MAX_TEXT_CHARS);
    }
    if let Some(v) = m.reply_to.as_mut() {
        check("reply_to", v, MAX_ID_CHARS);
    }
    if let Some(media) = m.media.as_mut() {
        if let Some(v) = media.id.as_mut() {
            check("media.id", v, MAX_ID_CHARS);
        }
        if let Some(v) = media.url.as_mut() {
            check("media.url", v, MAX_URL_CHARS);
        }
        if let Some(v) = media.mime_type.as_mut() {
            check("media.mime_type", v, MAX_ID_CHARS);
        }
        if let Some(v) = media.sha256.as_mut() {
            check("media.sha256", v, MAX_ID_CHARS);
        }
        if let Some(v) = media.filename.as_mut() {
            check("media.filename", v, MAX_ID_CHARS);
        }
    }
    if let Some(name) = m.contact.name.as_mut() {
        strip_nul(name);
        truncate_chars(name, MAX_NAME_CHARS);
    }
    if m.contact
        .name
        .as_deref()
        .is_some_and(|n| n.trim().is_empty())
    {
        m.contact.name = None;
    }
    if let Some(meta) = &m.meta {
        // Serialized, NUL is the escape `\u0000`: storable as it is.
        let size = serde_json::to_string(meta).map_or(0, |s| s.len());
        if size > MAX_META_BYTES {
            errors.push(LimitError {
                field: "meta",
                message: format!("is larger than {MAX_META_BYTES} bytes"),
            });
        }
    }
    errors
}

fn strip_nul(s: &mut String) {
    if s.contains('\0') {
        s.retain(|c| c != '\0');
    }
}

/// Cuts `s` to at most `max` characters (never inside a character).
pub fn truncate_chars(s: &mut String, max: usize) {
    if let Some((end, _)) = s.char_indices().nth(max) {
        s.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChannelKind, ContactRef, MessageKind};

    fn inbound(text: &str) -> Inbound {
        Inbound {
            channel: ChannelKind::Api,
            channel_message_id: "m\u{0}1".into(),
            account: None,
            contact: ContactRef {
                handle: "+62\u{0}811".into(),
                name: Some(format!("\0{}", "é".repeat(300))),
            },
            kind: MessageKind::Text,
            text: Some(text.to_string()),
            media: None,
            reply_to: None,
            sent_at_ms: None,
            meta: None,
        }
    }

    #[test]
    fn nul_is_stripped_and_names_truncated() {
        let mut m = inbound("a\0b");
        assert!(sanitize(&mut m).is_empty());
        assert_eq!(m.channel_message_id, "m1");
        assert_eq!(m.contact.handle, "+62811");
        assert_eq!(m.text.as_deref(), Some("ab"));
        let name = m.contact.name.unwrap();
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        assert!(name.chars().all(|c| c == 'é'));
    }

    #[test]
    fn long_fields_are_reported_with_their_limit() {
        let mut m = inbound(&"x".repeat(MAX_TEXT_CHARS + 1));
        m.channel_message_id = "i".repeat(100_000);
        let errors = sanitize(&mut m);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "channel_message_id is longer than 256 characters",
                "text is longer than 32768 characters"
            ]
        );
        let mut ok = inbound(&"x".repeat(MAX_TEXT_CHARS));
        assert!(sanitize(&mut ok).is_empty());
    }
}
