//! WhatsApp Cloud API webhook bodies → Baton's normalized events.
//!
//! Meta posts `{"object":"whatsapp_business_account","entry":[…]}`; every
//! `entry[].changes[]` with `field: "messages"` carries customer messages,
//! delivery statuses and system-level errors, and any other field (template
//! status, account updates…) is acknowledged as [`WebhookEvent::Ignored`].
//!
//! The body is walked as a [`serde_json::Value`] rather than deserialized into
//! strict structs: Meta adds fields and message types without notice and has
//! shipped more than one shape for the same thing (empty-string vs omitted
//! phone fields, `emoji: ""` vs no emoji), so one odd message must never make
//! the whole body — and the other messages in it — fail. Only a body that is
//! not JSON, or not a WhatsApp Business Account webhook at all, is an error.
//!
//! Mapping decisions worth knowing:
//!
//! * A message without an `id` is skipped (it cannot be deduplicated or
//!   answered by id); a status without an `id`, or with a status value we do
//!   not know, is skipped too.
//! * A message with an id but no identity at all (no `from`, no
//!   `from_user_id`, no matching contact) is [`WebhookEvent::Skipped`]:
//!   there is nobody to store it for or to answer. So is a message over the
//!   shared [`limits`] (NUL characters are stripped and long names cut
//!   first): the rest of the body is still delivered.
//! * `contacts[]` is joined to messages by identity (`wa_id == from` or
//!   `user_id == from_user_id`, both non-empty), never by position. The one
//!   fallback: a `value` with exactly one contact and exactly one message
//!   pairs them even when the ids differ, because Meta only lists the senders
//!   of that value's messages (this is the Brazilian 9th-digit case, where
//!   `contacts[].wa_id` and `messages[].from` are the same person written two
//!   ways). Ids are always kept exactly as received.
//! * A known message type whose payload has the wrong shape (e.g.
//!   `"text": 5`, or an image that is not an object) becomes
//!   [`MessageKind::Unsupported`] with `meta.original_type`, `meta.raw` and
//!   `meta.malformed = true`; an unknown type becomes `Unsupported` with
//!   `meta.original_type` and `meta.raw`.
//! * Within one `value`, events come out as messages, then statuses, then
//!   `errors`; entries, changes and array items keep their order.
//! * `account` on [`StatusEvent`] and [`WebhookEvent::ContactChanged`] is the
//!   empty string when `metadata.phone_number_id` is missing; an error in
//!   `value.errors` without a numeric `code` gets code 0.
//! * `ContactChanged` follows the message it came from, and only when both
//!   old and new handles are known and differ. For `user_changed_user_id`
//!   the old handle is `from_user_id` (or `system.previous_user_id`): a
//!   customer known by phone number keeps that handle, so nothing is renamed.
//! * `context.frequently_forwarded` also sets `meta.forwarded`.

use baton_channel::{
    ChannelKind, ContactRef, Delivery, Inbound, Media, MessageKind, StatusUpdate, limits,
};
use serde_json::{Map, Value};

/// The `object` value of every WhatsApp Business Account webhook.
const WABA_OBJECT: &str = "whatsapp_business_account";

/// Everything one webhook body says, in order of appearance.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    /// A customer message (any type, including unsupported/unknown ones).
    Message(Inbound),
    /// A delivery status for a message the business sent.
    Status(StatusEvent),
    /// A customer changed number / user id (system message): update the contact.
    ContactChanged {
        account: String,
        old_handle: String,
        new_handle: String,
    },
    /// A system-level error Meta reports in `value.errors` (no message).
    Error {
        account: Option<String>,
        code: i64,
        title: String,
        detail: Option<String>,
    },
    /// A change for a field we do not handle (e.g. account_update, template status).
    Ignored { field: String },
    /// A message that cannot be stored: no sender, or a field over its
    /// limit. Acknowledged (a refusal would be redelivered for days) and
    /// logged by the caller.
    Skipped { id: String, reason: String },
}

/// A delivery status with the WhatsApp details the normalized
/// [`StatusUpdate`] has no room for.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEvent {
    /// Channel `Whatsapp`, `channel_message_id` = wamid, `error` =
    /// `"CODE: title — details"`, `at_ms` from the status timestamp.
    pub update: StatusUpdate,
    /// The business `phone_number_id` the message left from.
    pub account: String,
    /// `recipient_id` (or `recipient_user_id` for username-only users).
    pub recipient: Option<String>,
    /// The first `errors[].code`, e.g. 131047.
    pub error_code: Option<i64>,
    /// Meta's status word: `sent`, `delivered`, `read`, `played`, `failed`.
    pub raw_status: String,
}

/// Why a whole body was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("webhook body is not valid JSON: {0}")]
    Json(String),
    #[error("not a WhatsApp Business Account webhook: {0}")]
    NotWhatsapp(String),
}

/// Parses a webhook body. Errors only when the body is not JSON or not a
/// WhatsApp Business Account webhook object; anything unexpected inside
/// (unknown fields, unknown types, missing optional fields, wrong types in
/// one message) degrades gracefully: that message becomes kind Unsupported
/// (or is skipped only if it has no id), never an error for the whole body.
pub fn parse_webhook(body: &[u8]) -> Result<Vec<WebhookEvent>, ParseError> {
    let root: Value = serde_json::from_slice(body).map_err(|e| ParseError::Json(e.to_string()))?;
    let Value::Object(root) = root else {
        return Err(ParseError::NotWhatsapp(format!(
            "expected a JSON object, got {}",
            json_type(&root)
        )));
    };
    match root.get("object") {
        Some(Value::String(s)) if s == WABA_OBJECT => {}
        Some(Value::String(s)) => {
            return Err(ParseError::NotWhatsapp(format!(
                "`object` is \"{}\", expected \"{WABA_OBJECT}\"",
                truncate(s, 64)
            )));
        }
        Some(other) => {
            return Err(ParseError::NotWhatsapp(format!(
                "`object` is {}, expected \"{WABA_OBJECT}\"",
                json_type(other)
            )));
        }
        None => {
            return Err(ParseError::NotWhatsapp(
                "no `object` field (a Graph API response rather than a webhook?)".to_string(),
            ));
        }
    }

    let mut events = Vec::new();
    for entry in items(root.get("entry")) {
        for change in items(entry.get("changes")) {
            parse_change(change, &mut events);
        }
    }
    Ok(events)
}

/// One `entry[].changes[]` item.
fn parse_change(change: &Value, events: &mut Vec<WebhookEvent>) {
    let field = change.get("field").and_then(Value::as_str).unwrap_or("");
    if field != "messages" {
        events.push(WebhookEvent::Ignored {
            field: field.to_string(),
        });
        return;
    }
    let Some(value) = change.get("value").and_then(Value::as_object) else {
        return;
    };
    let account = value
        .get("metadata")
        .and_then(|m| m.get("phone_number_id"))
        .and_then(id_string);
    let contacts = items(value.get("contacts"));
    let messages = items(value.get("messages"));
    // Meta lists the senders of this value's messages; with one of each
    // they are the same person even when the ids are written differently.
    let sole_contact = match (contacts, messages.len()) {
        ([only], 1) => Some(only),
        _ => None,
    };

    for message in messages {
        parse_message(message, account.as_deref(), contacts, sole_contact, events);
    }
    for status in items(value.get("statuses")) {
        if let Some(event) = parse_status(status, account.as_deref()) {
            events.push(WebhookEvent::Status(event));
        }
    }
    for error in items(value.get("errors")) {
        let Some(error) = error.as_object() else {
            continue;
        };
        let (code, title, detail) = error_parts(error);
        events.push(WebhookEvent::Error {
            account: account.clone(),
            code: code.unwrap_or(0),
            title: title.unwrap_or_default(),
            detail,
        });
    }
}

/// What a message's type-specific part contributes.
struct Content {
    kind: MessageKind,
    text: Option<String>,
    media: Option<Media>,
}

impl Content {
    fn new(kind: MessageKind, text: Option<String>) -> Self {
        Content {
            kind,
            text,
            media: None,
        }
    }
}

fn parse_message(
    message: &Value,
    account: Option<&str>,
    contacts: &[Value],
    sole_contact: Option<&Value>,
    events: &mut Vec<WebhookEvent>,
) {
    let Some(msg) = message.as_object() else {
        return;
    };
    let Some(id) = msg.get("id").and_then(id_string) else {
        return;
    };
    let from = msg.get("from").and_then(id_string);
    let from_user_id = msg.get("from_user_id").and_then(id_string);

    let contact = contacts
        .iter()
        .find(|c| {
            let wa_matches = from.is_some() && c.get("wa_id").and_then(id_string) == from;
            let user_matches =
                from_user_id.is_some() && c.get("user_id").and_then(id_string) == from_user_id;
            wa_matches || user_matches
        })
        .or(sole_contact);
    let contact_wa_id = contact.and_then(|c| c.get("wa_id")).and_then(id_string);
    let contact_user_id = contact.and_then(|c| c.get("user_id")).and_then(id_string);
    let profile = contact.and_then(|c| c.get("profile"));
    let name = profile.and_then(|p| p.get("name")).and_then(non_empty_str);
    let username = profile
        .and_then(|p| p.get("username"))
        .and_then(non_empty_str);

    let handle = from
        .clone()
        .or_else(|| from_user_id.clone())
        .or_else(|| contact_wa_id.clone())
        .or_else(|| contact_user_id.clone())
        .filter(|h| h.chars().any(|c| c != '\0'));
    let Some(handle) = handle else {
        events.push(WebhookEvent::Skipped {
            reason: "no sender (`from`, `from_user_id` or a matching contact)".to_string(),
            id,
        });
        return;
    };

    let mut meta = Map::new();
    let user_id = from_user_id.clone().or(contact_user_id);
    for (key, value) in [
        ("wa_id", contact_wa_id),
        ("from", from.clone()),
        ("user_id", user_id),
        ("username", username),
    ] {
        if let Some(value) = value {
            meta.insert(key.to_string(), Value::String(value));
        }
    }

    let ty = msg.get("type").and_then(Value::as_str).unwrap_or("");
    let content = parse_content(msg, ty, &mut meta);

    // Context: a quote has an id; a forward has only flags.
    let mut reply_to = None;
    if let Some(context) = msg.get("context").and_then(Value::as_object) {
        reply_to = context.get("id").and_then(id_string);
        let frequently = context.get("frequently_forwarded").and_then(Value::as_bool) == Some(true);
        // Forwarded more than five times is still forwarded.
        if frequently || context.get("forwarded").and_then(Value::as_bool) == Some(true) {
            meta.insert("forwarded".to_string(), Value::Bool(true));
        }
        if frequently {
            meta.insert("frequently_forwarded".to_string(), Value::Bool(true));
        }
        if let Some(product) = context.get("referred_product").filter(|v| !v.is_null()) {
            meta.insert("referred_product".to_string(), product.clone());
        }
    }
    for key in ["referral", "identity"] {
        if let Some(value) = msg.get(key).filter(|v| !v.is_null()) {
            meta.insert(key.to_string(), value.clone());
        }
    }
    if let Some(errors) = msg.get("errors").and_then(Value::as_array) {
        let first_code = errors
            .first()
            .and_then(Value::as_object)
            .and_then(|e| error_parts(e).0);
        if let Some(code) = first_code {
            meta.insert("error_code".to_string(), Value::from(code));
        }
        if !errors.is_empty() {
            meta.insert("errors".to_string(), Value::Array(errors.clone()));
        }
    }

    let contact_change = if content.kind == MessageKind::System {
        contact_change(msg, from.as_deref(), from_user_id.as_deref())
    } else {
        None
    };

    let mut inbound = Inbound {
        channel: ChannelKind::Whatsapp,
        channel_message_id: id,
        account: account.map(str::to_string),
        contact: ContactRef { handle, name },
        kind: content.kind,
        text: content.text,
        media: content.media,
        reply_to,
        sent_at_ms: timestamp_ms(msg.get("timestamp")),
        meta: (!meta.is_empty()).then_some(Value::Object(meta)),
    };
    let violations = limits::sanitize(&mut inbound);
    if !violations.is_empty() {
        let reason = violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        events.push(WebhookEvent::Skipped {
            id: truncate(&inbound.channel_message_id, 64),
            reason,
        });
        return;
    }
    events.push(WebhookEvent::Message(inbound));
    if let Some((old_handle, new_handle)) = contact_change {
        events.push(WebhookEvent::ContactChanged {
            account: account.unwrap_or_default().to_string(),
            old_handle,
            new_handle,
        });
    }
}

/// The type-specific part of a message: kind, text, media and meta keys.
fn parse_content(msg: &Map<String, Value>, ty: &str, meta: &mut Map<String, Value>) -> Content {
    let payload = if ty.is_empty() { None } else { msg.get(ty) };
    let object = payload.and_then(Value::as_object);
    let set = |meta: &mut Map<String, Value>, key: &str, value: Value| {
        meta.insert(key.to_string(), value);
    };

    let media_kind = match ty {
        "image" => Some(MessageKind::Image),
        "audio" => Some(MessageKind::Audio),
        "video" => Some(MessageKind::Video),
        "document" => Some(MessageKind::Document),
        "sticker" => Some(MessageKind::Sticker),
        _ => None,
    };
    if let Some(kind) = media_kind {
        let Some(m) = object else {
            return malformed(ty, payload, meta);
        };
        let media = Media {
            id: m.get("id").and_then(id_string),
            url: m.get("url").and_then(non_empty_str),
            mime_type: m.get("mime_type").and_then(non_empty_str),
            sha256: m.get("sha256").and_then(non_empty_str),
            filename: m.get("filename").and_then(non_empty_str),
        };
        if ty == "audio" && m.get("voice").and_then(Value::as_bool) == Some(true) {
            set(meta, "voice", Value::Bool(true));
        }
        if ty == "sticker" && m.get("animated").and_then(Value::as_bool) == Some(true) {
            set(meta, "animated", Value::Bool(true));
        }
        return Content {
            kind,
            text: m.get("caption").and_then(non_empty_str),
            media: Some(media),
        };
    }

    match ty {
        // The body is the whole message: without a string body it is malformed.
        "text" => match object.and_then(|t| t.get("body")) {
            Some(body @ Value::String(_)) => Content::new(MessageKind::Text, non_empty_str(body)),
            _ => malformed(ty, payload, meta),
        },
        "location" => {
            let Some(loc) = object else {
                return malformed(ty, payload, meta);
            };
            let mut location = Map::new();
            for key in ["latitude", "longitude", "name", "address", "url"] {
                if let Some(v) = loc.get(key).filter(|v| !v.is_null()) {
                    location.insert(key.to_string(), v.clone());
                }
            }
            set(meta, "location", Value::Object(location));
            let parts: Vec<String> = ["name", "address"]
                .iter()
                .filter_map(|k| loc.get(*k).and_then(non_empty_str))
                .collect();
            Content::new(MessageKind::Location, join_non_empty(&parts, ", "))
        }
        "contacts" => {
            let Some(cards) = payload.and_then(Value::as_array) else {
                return malformed(ty, payload, meta);
            };
            let names: Vec<String> = cards.iter().filter_map(card_name).collect();
            set(meta, "contacts", Value::Array(cards.clone()));
            Content::new(MessageKind::Contacts, join_non_empty(&names, ", "))
        }
        "interactive" => {
            let Some(inter) = object else {
                return malformed(ty, payload, meta);
            };
            interactive(inter, payload, meta)
        }
        "button" => {
            let Some(button) = object else {
                return malformed(ty, payload, meta);
            };
            set(meta, "interactive_type", Value::from("button"));
            if let Some(id) = button.get("payload").and_then(id_string) {
                set(meta, "button_id", Value::String(id));
            }
            Content::new(
                MessageKind::Interactive,
                button.get("text").and_then(non_empty_str),
            )
        }
        "reaction" => {
            let Some(reaction) = object else {
                return malformed(ty, payload, meta);
            };
            let emoji = reaction.get("emoji").and_then(non_empty_str);
            let mut out = Map::new();
            if let Some(target) = reaction.get("message_id").and_then(id_string) {
                out.insert("message_id".to_string(), Value::String(target));
            }
            if let Some(emoji) = &emoji {
                out.insert("emoji".to_string(), Value::String(emoji.clone()));
            }
            out.insert("removed".to_string(), Value::Bool(emoji.is_none()));
            set(meta, "reaction", Value::Object(out));
            Content::new(MessageKind::Reaction, emoji)
        }
        "order" => {
            let Some(order) = object else {
                return malformed(ty, payload, meta);
            };
            set(meta, "order", Value::Object(order.clone()));
            Content::new(
                MessageKind::Order,
                order.get("text").and_then(non_empty_str),
            )
        }
        "system" => {
            let Some(system) = object else {
                return malformed(ty, payload, meta);
            };
            set(meta, "system", Value::Object(system.clone()));
            Content::new(
                MessageKind::System,
                system.get("body").and_then(non_empty_str),
            )
        }
        "request_welcome" => {
            set(meta, "request_welcome", Value::Bool(true));
            Content::new(MessageKind::System, None)
        }
        "unsupported" => {
            if let Some(inner) = object.and_then(|u| u.get("type")).and_then(non_empty_str) {
                set(meta, "unsupported_type", Value::String(inner));
            }
            Content::new(MessageKind::Unsupported, None)
        }
        _ => {
            if !ty.is_empty() {
                set(meta, "original_type", Value::from(ty));
            }
            if let Some(raw) = payload {
                set(meta, "raw", raw.clone());
            }
            Content::new(MessageKind::Unsupported, None)
        }
    }
}

/// `interactive` replies: buttons, list rows and completed Flows.
fn interactive(
    inter: &Map<String, Value>,
    payload: Option<&Value>,
    meta: &mut Map<String, Value>,
) -> Content {
    let itype = inter.get("type").and_then(Value::as_str).unwrap_or("");
    if !itype.is_empty() {
        meta.insert("interactive_type".to_string(), Value::from(itype));
    }
    match itype {
        "button_reply" | "list_reply" => {
            let Some(reply) = inter.get(itype).and_then(Value::as_object) else {
                return malformed("interactive", payload, meta);
            };
            if let Some(id) = reply.get("id").and_then(id_string) {
                meta.insert("button_id".to_string(), Value::String(id));
            }
            if let Some(description) = reply.get("description").and_then(non_empty_str) {
                meta.insert("description".to_string(), Value::String(description));
            }
            Content::new(
                MessageKind::Interactive,
                reply.get("title").and_then(non_empty_str),
            )
        }
        "nfm_reply" => {
            let Some(reply) = inter.get(itype).and_then(Value::as_object) else {
                return malformed("interactive", payload, meta);
            };
            let mut flow = Map::new();
            if let Some(name) = reply.get("name").and_then(non_empty_str) {
                flow.insert("name".to_string(), Value::String(name));
            }
            match reply.get("response_json") {
                Some(Value::String(raw)) => {
                    let parsed = serde_json::from_str::<Value>(raw)
                        .unwrap_or_else(|_| Value::String(raw.clone()));
                    flow.insert("response".to_string(), parsed);
                }
                Some(Value::Null) | None => {}
                Some(other) => {
                    flow.insert("response".to_string(), other.clone());
                }
            }
            meta.insert("flow".to_string(), Value::Object(flow));
            Content::new(
                MessageKind::Interactive,
                reply.get("body").and_then(non_empty_str),
            )
        }
        // A reply kind newer than this parser: keep it whole for the bot.
        _ => {
            meta.insert("interactive".to_string(), Value::Object(inter.clone()));
            Content::new(MessageKind::Interactive, None)
        }
    }
}

/// A known type whose payload has the wrong shape.
fn malformed(ty: &str, payload: Option<&Value>, meta: &mut Map<String, Value>) -> Content {
    meta.insert("original_type".to_string(), Value::from(ty));
    meta.insert("malformed".to_string(), Value::Bool(true));
    if let Some(raw) = payload {
        meta.insert("raw".to_string(), raw.clone());
    }
    Content::new(MessageKind::Unsupported, None)
}

/// `(old, new)` handles when a system message says the customer's number
/// or user id changed.
fn contact_change(
    msg: &Map<String, Value>,
    from: Option<&str>,
    from_user_id: Option<&str>,
) -> Option<(String, String)> {
    let system = msg.get("system")?.as_object()?;
    let field = |key: &str| system.get(key).and_then(id_string);
    let (old, new) = match system.get("type").and_then(Value::as_str)? {
        "customer_changed_number" => (
            from.map(str::to_string),
            field("new_wa_id").or_else(|| field("wa_id")),
        ),
        "user_changed_number" => (
            from.map(str::to_string),
            field("wa_id").or_else(|| field("new_wa_id")),
        ),
        // Without the old user id there is nothing to rename: a customer
        // known by phone number keeps that handle.
        "user_changed_user_id" => (
            from_user_id
                .map(str::to_string)
                .or_else(|| field("previous_user_id")),
            field("user_id"),
        ),
        _ => return None,
    };
    match (old, new) {
        (Some(old), Some(new)) if old != new => Some((old, new)),
        _ => None,
    }
}

fn parse_status(status: &Value, account: Option<&str>) -> Option<StatusEvent> {
    let status = status.as_object()?;
    let id = status.get("id").and_then(id_string)?;
    let raw_status = status.get("status").and_then(Value::as_str)?;
    let delivery = match raw_status {
        "sent" => Delivery::Sent,
        "delivered" => Delivery::Delivered,
        "read" | "played" => Delivery::Read,
        "failed" => Delivery::Failed,
        _ => return None,
    };
    let recipient = status
        .get("recipient_id")
        .and_then(id_string)
        .or_else(|| status.get("recipient_user_id").and_then(id_string));
    let first_error = items(status.get("errors"))
        .first()
        .and_then(Value::as_object);
    let (error_code, error) = match first_error {
        Some(e) => {
            let (code, title, detail) = error_parts(e);
            let head = match (code, title) {
                (Some(code), Some(title)) => format!("{code}: {title}"),
                (Some(code), None) => code.to_string(),
                (None, Some(title)) => title,
                (None, None) => String::new(),
            };
            let text = match detail {
                Some(detail) if head.is_empty() => detail,
                Some(detail) => format!("{head} — {detail}"),
                None => head,
            };
            (code, (!text.is_empty()).then_some(text))
        }
        None => (None, None),
    };
    Some(StatusEvent {
        update: StatusUpdate {
            channel: ChannelKind::Whatsapp,
            channel_message_id: id,
            delivery,
            error,
            at_ms: timestamp_ms(status.get("timestamp")),
            idempotency_key: status
                .get("biz_opaque_callback_data")
                .and_then(Value::as_str)
                .map(str::to_string),
        },
        account: account.unwrap_or_default().to_string(),
        recipient,
        error_code,
        raw_status: raw_status.to_string(),
    })
}

/// `(code, title, details)` of a Meta error object; the title falls back to
/// `message`, which Meta says will replace it.
fn error_parts(error: &Map<String, Value>) -> (Option<i64>, Option<String>, Option<String>) {
    let code = error.get("code").and_then(|c| match c {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let title = error
        .get("title")
        .and_then(non_empty_str)
        .or_else(|| error.get("message").and_then(non_empty_str));
    let detail = error
        .get("error_data")
        .and_then(|d| d.get("details"))
        .and_then(non_empty_str);
    (code, title, detail)
}

/// The display name of a shared contact card.
fn card_name(card: &Value) -> Option<String> {
    let name = card.get("name")?;
    if let Some(formatted) = name.get("formatted_name").and_then(non_empty_str) {
        return Some(formatted);
    }
    let parts: Vec<String> = ["first_name", "last_name"]
        .iter()
        .filter_map(|k| name.get(*k).and_then(non_empty_str))
        .collect();
    join_non_empty(&parts, " ")
}

/// Meta's unix-seconds timestamp (a string, sometimes a number) in
/// milliseconds; `None` when absent, unreadable or out of range.
fn timestamp_ms(value: Option<&Value>) -> Option<i64> {
    let secs = match value? {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => match n.as_i64() {
            Some(i) => i,
            None => {
                let f = n.as_f64().filter(|f| f.is_finite())?;
                if f.abs() >= 9.0e15 {
                    return None;
                }
                f.trunc() as i64
            }
        },
        _ => return None,
    };
    secs.checked_mul(1000)
}

/// An array's items, or nothing when the value is absent or not an array.
fn items(value: Option<&Value>) -> &[Value] {
    value
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// A non-empty string, as received.
fn non_empty_str(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// An identifier: a non-empty string kept exactly as received, or an integer
/// written out (some senders type ids as numbers).
fn id_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

fn join_non_empty(parts: &[String], sep: &str) -> Option<String> {
    (!parts.is_empty()).then(|| parts.join(sep))
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// At most `max` characters, so an error message cannot echo a huge body.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", s.get(..end).unwrap_or_default()),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_in_every_form() {
        assert_eq!(
            timestamp_ms(Some(&json!("1750030100"))),
            Some(1_750_030_100_000)
        );
        assert_eq!(timestamp_ms(Some(&json!(" 17 "))), Some(17_000));
        assert_eq!(
            timestamp_ms(Some(&json!(1750030100))),
            Some(1_750_030_100_000)
        );
        assert_eq!(timestamp_ms(Some(&json!(1.9))), Some(1000));
        assert_eq!(timestamp_ms(Some(&json!(i64::MAX))), None);
        assert_eq!(timestamp_ms(Some(&json!(u64::MAX))), None);
        assert_eq!(timestamp_ms(Some(&json!(1e300))), None);
        assert_eq!(timestamp_ms(Some(&json!("soon"))), None);
        assert_eq!(timestamp_ms(Some(&json!(null))), None);
        assert_eq!(timestamp_ms(None), None);
    }

    #[test]
    fn ids_are_kept_as_received() {
        assert_eq!(id_string(&json!("0055 11")), Some("0055 11".to_string()));
        assert_eq!(
            id_string(&json!(5215512345678_u64)),
            Some("5215512345678".to_string())
        );
        assert_eq!(id_string(&json!("")), None);
        assert_eq!(id_string(&json!(1.5)), None);
        assert_eq!(id_string(&json!(true)), None);
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("ab", 2), "ab");
        assert_eq!(truncate("", 0), "");
    }
}
