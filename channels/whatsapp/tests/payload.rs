//! The WhatsApp webhook parser against Meta-shaped fixtures
//! (`tests/fixtures/`, described in its README) and arbitrary JSON.

use std::path::PathBuf;

use baton_channel::{ChannelKind, Delivery, Inbound, MessageKind};
use proptest::prelude::*;
use serde_json::{Value, json};

use baton_channel_whatsapp::payload::*;

const PNID: &str = "106540352242922";
const SHEENA: &str = "16505551234";
const BUSINESS_MSG: &str =
    "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NjBGRkQ5QUQ0RDdBNzc4NkI5QkQ4QzQ0RDgAA==";

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn parse(name: &str) -> Vec<WebhookEvent> {
    parse_webhook(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn messages(events: &[WebhookEvent]) -> Vec<&Inbound> {
    events
        .iter()
        .filter_map(|e| match e {
            WebhookEvent::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn statuses(events: &[WebhookEvent]) -> Vec<&StatusEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            WebhookEvent::Status(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// The single message a fixture carries.
fn only_message(name: &str) -> Inbound {
    let events = parse(name);
    match events.as_slice() {
        [WebhookEvent::Message(m)] => m.clone(),
        other => panic!("{name}: expected one message, got {other:#?}"),
    }
}

/// The single status a fixture carries.
fn only_status(name: &str) -> StatusEvent {
    let events = parse(name);
    match events.as_slice() {
        [WebhookEvent::Status(s)] => s.clone(),
        other => panic!("{name}: expected one status, got {other:#?}"),
    }
}

fn meta(m: &Inbound) -> &Value {
    m.meta.as_ref().unwrap_or(&Value::Null)
}

/// Wraps message objects (and contacts) into a full `messages` webhook.
fn envelope(value: Value) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]
    })
    .to_string()
    .into_bytes()
}

// ---------------------------------------------------------------- all files

#[test]
fn every_fixture_parses() {
    let mut webhooks = 0;
    let mut graph = 0;
    let mut entries: Vec<_> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    assert_eq!(entries.len(), 55, "fixture count changed");
    for path in entries {
        let body = std::fs::read(&path).expect("read fixture");
        let name = path.display().to_string();
        let is_webhook = serde_json::from_slice::<Value>(&body)
            .expect("fixtures are JSON")
            .get("object")
            .is_some_and(|o| o == "whatsapp_business_account");
        match parse_webhook(&body) {
            Ok(events) => {
                assert!(is_webhook, "{name} is not a webhook but parsed");
                assert!(!events.is_empty(), "{name}: no events");
                webhooks += 1;
            }
            // Graph API responses (`graph_*`, `media_url_*`) share the
            // folder; they are not webhook bodies and are refused cleanly.
            Err(ParseError::NotWhatsapp(_)) if !is_webhook => graph += 1,
            Err(e) => panic!("{name}: {e}"),
        }
    }
    assert_eq!((webhooks, graph), (44, 11));
}

// ---------------------------------------------------------------- text

#[test]
fn text_message() {
    let m = only_message("text.json");
    assert_eq!(m.channel, ChannelKind::Whatsapp);
    assert_eq!(
        m.channel_message_id,
        "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NjBGRkQ5MzcyRUEwOENBQjMzRTcxQzAyQzYAA=="
    );
    assert_eq!(m.account.as_deref(), Some(PNID));
    assert_eq!(m.contact.handle, SHEENA);
    assert_eq!(m.contact.name.as_deref(), Some("Sheena Nelson"));
    assert_eq!(m.kind, MessageKind::Text);
    assert_eq!(m.text.as_deref(), Some("Hi! Do you ship to Canada?"));
    assert_eq!(m.sent_at_ms, Some(1_750_030_100_000));
    assert_eq!(m.reply_to, None);
    assert_eq!(m.media, None);
    assert_eq!(meta(&m), &json!({"wa_id": SHEENA, "from": SHEENA}));
}

#[test]
fn reply_has_reply_to_but_forward_does_not() {
    let reply = only_message("text_with_context_reply.json");
    assert_eq!(reply.reply_to.as_deref(), Some(BUSINESS_MSG));
    assert_eq!(reply.text.as_deref(), Some("Yes, the blue one please"));
    assert!(meta(&reply).get("forwarded").is_none());

    let fwd = only_message("text_forwarded.json");
    assert_eq!(fwd.reply_to, None);
    assert_eq!(fwd.kind, MessageKind::Text);
    assert_eq!(meta(&fwd)["forwarded"], json!(true));
    assert!(meta(&fwd).get("frequently_forwarded").is_none());

    let freq = only_message("text_frequently_forwarded.json");
    assert_eq!(freq.reply_to, None);
    assert_eq!(meta(&freq)["frequently_forwarded"], json!(true));
    // Forwarded more than five times is forwarded too.
    assert_eq!(meta(&freq)["forwarded"], json!(true));
}

#[test]
fn referral_is_kept_whole() {
    let m = only_message("referral_ctwa.json");
    assert_eq!(m.kind, MessageKind::Text);
    assert_eq!(m.text.as_deref(), Some("Can I get more info about this?"));
    let referral = &meta(&m)["referral"];
    assert_eq!(referral["source_type"], "ad");
    assert_eq!(referral["source_id"], "120226305854810726");
    assert_eq!(referral["media_type"], "image");
    assert_eq!(
        referral["welcome_message"]["text"],
        "Hi there! Let us know how we can help!"
    );
    assert!(
        referral["ctwa_clid"]
            .as_str()
            .is_some_and(|c| c.starts_with("Aff-"))
    );
}

// ---------------------------------------------------------------- media

#[test]
fn image_with_caption() {
    let m = only_message("image.json");
    assert_eq!(m.kind, MessageKind::Image);
    assert_eq!(m.text.as_deref(), Some("Taj Mahal"));
    let media = m.media.expect("media");
    assert_eq!(media.id.as_deref(), Some("1003383421387256"));
    assert_eq!(media.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(
        media.sha256.as_deref(),
        Some("SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=")
    );
    assert!(
        media
            .url
            .is_some_and(|u| u.starts_with("https://lookaside.fbsbx.com/"))
    );
    assert_eq!(media.filename, None);
}

#[test]
fn voice_note_sets_voice_flag() {
    let m = only_message("audio_voice.json");
    assert_eq!(m.kind, MessageKind::Audio);
    assert_eq!(m.text, None);
    assert_eq!(meta(&m)["voice"], json!(true));
    let media = m.media.expect("media");
    assert_eq!(media.id.as_deref(), Some("1233451245678901"));
    assert_eq!(media.mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
}

#[test]
fn video_and_document() {
    let v = only_message("video.json");
    assert_eq!(v.kind, MessageKind::Video);
    assert_eq!(v.text.as_deref(), Some("Unboxing the order"));
    assert_eq!(
        v.media.as_ref().and_then(|m| m.mime_type.as_deref()),
        Some("video/mp4")
    );
    assert!(meta(&v).get("voice").is_none());

    let d = only_message("document.json");
    assert_eq!(d.kind, MessageKind::Document);
    assert_eq!(d.text.as_deref(), Some("Invoice for May"));
    let media = d.media.expect("media");
    assert_eq!(media.filename.as_deref(), Some("invoice-2025-05.pdf"));
    assert_eq!(media.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(media.id.as_deref(), Some("1021382769516213"));
}

#[test]
fn animated_sticker() {
    let m = only_message("sticker.json");
    assert_eq!(m.kind, MessageKind::Sticker);
    assert_eq!(meta(&m)["animated"], json!(true));
    let media = m.media.expect("media");
    assert_eq!(media.mime_type.as_deref(), Some("image/webp"));
    assert!(media.id.is_some());
}

// ---------------------------------------------------------------- location, contacts

#[test]
fn location_pin() {
    let m = only_message("location.json");
    assert_eq!(m.kind, MessageKind::Location);
    assert_eq!(
        m.text.as_deref(),
        Some("Meta Headquarters, 1 Hacker Way, Menlo Park, CA 94025")
    );
    assert_eq!(
        meta(&m)["location"],
        json!({
            "latitude": 37.483307,
            "longitude": -122.148981,
            "name": "Meta Headquarters",
            "address": "1 Hacker Way, Menlo Park, CA 94025",
            "url": "https://www.facebook.com"
        })
    );
}

#[test]
fn shared_contact_cards() {
    let m = only_message("contacts.json");
    assert_eq!(m.kind, MessageKind::Contacts);
    assert_eq!(m.text.as_deref(), Some("Barbara J. Johnson"));
    let cards = meta(&m)["contacts"].as_array().expect("contacts array");
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0]["phones"][0]["wa_id"], "19405551234");
    // The sender is still Sheena, not the shared card.
    assert_eq!(m.contact.handle, SHEENA);
    assert_eq!(m.contact.name.as_deref(), Some("Sheena Nelson"));
}

#[test]
fn several_contact_cards_are_joined() {
    let body = envelope(json!({
        "messages": [{
            "from": "1", "id": "c1", "type": "contacts",
            "contacts": [
                {"name": {"formatted_name": "Ann Lee"}},
                {"name": {"first_name": "Bo", "last_name": "Chen"}},
                {"phones": []}
            ]
        }]
    }));
    let events = parse_webhook(&body).expect("parses");
    let m = messages(&events)[0];
    assert_eq!(m.text.as_deref(), Some("Ann Lee, Bo Chen"));
}

// ---------------------------------------------------------------- interactive, button

#[test]
fn interactive_button_reply() {
    let m = only_message("interactive_button_reply.json");
    assert_eq!(m.kind, MessageKind::Interactive);
    assert_eq!(m.text.as_deref(), Some("Change"));
    assert_eq!(meta(&m)["button_id"], "change-button");
    assert_eq!(meta(&m)["interactive_type"], "button_reply");
    assert_eq!(m.reply_to.as_deref(), Some(BUSINESS_MSG));
}

#[test]
fn interactive_list_reply() {
    let m = only_message("interactive_list_reply.json");
    assert_eq!(m.kind, MessageKind::Interactive);
    assert_eq!(m.text.as_deref(), Some("Priority Mail Express"));
    assert_eq!(meta(&m)["button_id"], "priority_express");
    assert_eq!(meta(&m)["interactive_type"], "list_reply");
    assert_eq!(meta(&m)["description"], "Next Day to 2 Days");
}

#[test]
fn flow_response_json_is_parsed() {
    let m = only_message("interactive_nfm_reply.json");
    assert_eq!(m.kind, MessageKind::Interactive);
    assert_eq!(m.text.as_deref(), Some("Sent"));
    assert_eq!(meta(&m)["interactive_type"], "nfm_reply");
    let flow = &meta(&m)["flow"];
    assert_eq!(flow["name"], "flow");
    assert_eq!(
        flow["response"],
        json!({
            "flow_token": "AQAAAAACS5FpgQ_cAAAAAD0QI3s.",
            "appointment_date": "2025-06-20",
            "department": "cardiology"
        })
    );
}

#[test]
fn flow_response_that_is_not_json_stays_a_string() {
    let body = envelope(json!({
        "messages": [{
            "from": "1", "id": "f1", "type": "interactive",
            "interactive": {"type": "nfm_reply", "nfm_reply": {"body": "Sent", "response_json": "{not json"}}
        }]
    }));
    let events = parse_webhook(&body).expect("parses");
    assert_eq!(meta(messages(&events)[0])["flow"]["response"], "{not json");
}

#[test]
fn template_button_payload_is_the_button_id() {
    let m = only_message("button.json");
    assert_eq!(m.kind, MessageKind::Interactive);
    assert_eq!(m.text.as_deref(), Some("Stop promotions"));
    assert_eq!(meta(&m)["button_id"], "STOP_PROMOS_PAYLOAD");
    assert_eq!(m.reply_to.as_deref(), Some(BUSINESS_MSG));
}

// ---------------------------------------------------------------- reaction, order

#[test]
fn reaction_and_its_removal() {
    let m = only_message("reaction.json");
    assert_eq!(m.kind, MessageKind::Reaction);
    assert_eq!(m.text.as_deref(), Some("👍"));
    assert_eq!(
        meta(&m)["reaction"],
        json!({"message_id": BUSINESS_MSG, "emoji": "👍", "removed": false})
    );

    for name in ["reaction_removed.json", "reaction_removed_empty_emoji.json"] {
        let m = only_message(name);
        assert_eq!(m.kind, MessageKind::Reaction, "{name}");
        assert_eq!(m.text, None, "{name}");
        assert_eq!(
            meta(&m)["reaction"],
            json!({"message_id": BUSINESS_MSG, "removed": true}),
            "{name}"
        );
    }
}

#[test]
fn order_keeps_the_cart() {
    let m = only_message("order.json");
    assert_eq!(m.kind, MessageKind::Order);
    assert_eq!(m.text.as_deref(), Some("Please deliver after 5pm"));
    let order = &meta(&m)["order"];
    assert_eq!(order["catalog_id"], "194836987003835");
    assert_eq!(order["product_items"].as_array().map(Vec::len), Some(2));
    assert_eq!(order["product_items"][1]["item_price"], json!(25.5));
}

// ---------------------------------------------------------------- system

#[test]
fn number_change_emits_contact_changed_after_the_message() {
    for (name, old, new) in [
        ("system_number_change.json", SHEENA, "16505553333"),
        ("system_number_change_legacy.json", SHEENA, "16505553333"),
    ] {
        let events = parse(name);
        assert_eq!(events.len(), 2, "{name}: {events:#?}");
        let WebhookEvent::Message(m) = &events[0] else {
            panic!("{name}: message first");
        };
        assert_eq!(m.kind, MessageKind::System);
        assert_eq!(m.contact.handle, old);
        assert_eq!(m.contact.name, None, "{name}: no contacts array");
        assert!(
            m.text
                .as_deref()
                .is_some_and(|t| t.contains("changed from"))
        );
        assert!(meta(m)["system"]["type"].is_string());
        assert_eq!(
            events[1],
            WebhookEvent::ContactChanged {
                account: PNID.to_string(),
                old_handle: old.to_string(),
                new_handle: new.to_string(),
            },
            "{name}"
        );
    }
}

#[test]
fn user_id_change_needs_the_old_user_id() {
    // The fixture has no `from_user_id`: the customer is known by phone
    // number, which did not change, so there is no handle to rename.
    let events = parse("system_user_id_change.json");
    let [WebhookEvent::Message(m)] = events.as_slice() else {
        panic!("one message: {events:#?}");
    };
    assert_eq!(m.kind, MessageKind::System);
    assert_eq!(m.contact.handle, "16505553333");
    assert_eq!(meta(m)["system"]["user_id"], "US.20871930486519023775");

    // A username-only customer is known by user id: that handle moves.
    let body = envelope(json!({
        "metadata": {"phone_number_id": PNID},
        "messages": [{
            "from_user_id": "US.1", "id": "s1", "timestamp": "1", "type": "system",
            "system": {"body": "changed", "user_id": "US.2", "type": "user_changed_user_id"}
        }]
    }));
    let events = parse_webhook(&body).expect("parses");
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[1],
        WebhookEvent::ContactChanged {
            account: PNID.to_string(),
            old_handle: "US.1".to_string(),
            new_handle: "US.2".to_string(),
        }
    );
}

#[test]
fn identity_change_is_a_system_message_only() {
    let events = parse("system_identity_change.json");
    let [WebhookEvent::Message(m)] = events.as_slice() else {
        panic!("one message: {events:#?}");
    };
    assert_eq!(m.kind, MessageKind::System);
    assert_eq!(
        m.text.as_deref(),
        Some("User Sheena Nelson changed identity")
    );
    assert_eq!(meta(m)["system"]["type"], "customer_identity_changed");
    assert_eq!(meta(m)["identity"]["acknowledged"], json!(true));
}

#[test]
fn request_welcome() {
    let m = only_message("request_welcome.json");
    assert_eq!(m.kind, MessageKind::System);
    assert_eq!(m.text, None);
    assert_eq!(meta(&m)["request_welcome"], json!(true));
    assert_eq!(m.contact.name.as_deref(), Some("Sheena Nelson"));
}

// ---------------------------------------------------------------- unsupported, unknown

#[test]
fn unsupported_keeps_meta_error_code() {
    let m = only_message("unsupported.json");
    assert_eq!(m.kind, MessageKind::Unsupported);
    assert_eq!(meta(&m)["error_code"], json!(131051));
    assert_eq!(meta(&m)["unsupported_type"], "poll_creation");
    assert_eq!(meta(&m)["errors"][0]["code"], json!(131051));
    assert_eq!(m.contact.handle, SHEENA);
}

#[test]
fn unknown_type_becomes_unsupported() {
    let m = only_message("unknown_type.json");
    assert_eq!(m.kind, MessageKind::Unsupported);
    assert_eq!(meta(&m)["original_type"], "future_thing");
    assert_eq!(meta(&m)["raw"]["kind"], "hologram");
    assert_eq!(meta(&m)["raw"]["payload"]["frames"], json!([1, 2, 3]));
    assert!(meta(&m).get("malformed").is_none());
    assert_eq!(m.sent_at_ms, Some(1_750_031_360_000));
}

#[test]
fn text_with_a_non_object_body_is_unsupported_not_an_error() {
    let body = br#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"x","from":"15551234567","type":"text","text":5}]}}]}]}"#;
    let events = parse_webhook(body).expect("one bad message is not a bad body");
    let [WebhookEvent::Message(m)] = events.as_slice() else {
        panic!("one message: {events:#?}");
    };
    assert_eq!(m.channel_message_id, "x");
    assert_eq!(m.kind, MessageKind::Unsupported);
    assert_eq!(m.text, None);
    assert_eq!(m.account, None);
    assert_eq!(m.contact.handle, "15551234567");
    assert_eq!(
        meta(m),
        &json!({"from": "15551234567", "original_type": "text", "malformed": true, "raw": 5})
    );
}

#[test]
fn messages_without_an_id_are_skipped_the_rest_survive() {
    let body = envelope(json!({
        "metadata": {"phone_number_id": PNID},
        "messages": [
            {"from": "1", "type": "text", "text": {"body": "no id"}},
            "not an object",
            {"from": "2", "id": "ok", "type": "image", "image": "not an object"},
            {"from": "3", "id": "ok2", "timestamp": 1700000000, "type": "text", "text": {"body": "hi"}}
        ]
    }));
    let events = parse_webhook(&body).expect("parses");
    let ms = messages(&events);
    assert_eq!(ms.len(), 2);
    assert_eq!(ms[0].channel_message_id, "ok");
    assert_eq!(ms[0].kind, MessageKind::Unsupported);
    assert_eq!(meta(ms[0])["original_type"], "image");
    assert_eq!(ms[1].text.as_deref(), Some("hi"));
    // A numeric timestamp is accepted too.
    assert_eq!(ms[1].sent_at_ms, Some(1_700_000_000_000));
}

// ---------------------------------------------------------------- identities

#[test]
fn batch_joins_contacts_by_identity_not_position() {
    let events = parse("batch_multi.json");
    let ms = messages(&events);
    let got: Vec<_> = ms
        .iter()
        .map(|m| {
            (
                m.contact.handle.as_str(),
                m.contact.name.as_deref(),
                m.account.as_deref(),
                m.kind,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "14155550101",
                Some("Alice Moreno"),
                Some(PNID),
                MessageKind::Text
            ),
            (
                "447700900123",
                Some("Bob Smith"),
                Some(PNID),
                MessageKind::Text
            ),
            (
                "5491155550199",
                Some("Carol Díaz"),
                Some(PNID),
                MessageKind::Image
            ),
            (
                "447700900123",
                Some("Bob Smith"),
                Some("114503234599312"),
                MessageKind::Text
            ),
        ]
    );
    assert_eq!(ms[2].text.as_deref(), Some("Carol: this arrived broken"));

    // Order of appearance: change 0's messages, then its status, then
    // change 1, then entry 1's status.
    let order: Vec<&str> = events
        .iter()
        .map(|e| match e {
            WebhookEvent::Message(_) => "message",
            WebhookEvent::Status(_) => "status",
            _ => "other",
        })
        .collect();
    assert_eq!(
        order,
        [
            "message", "message", "message", "status", "message", "status"
        ]
    );
    let st = statuses(&events);
    assert_eq!(st[0].account, PNID);
    assert_eq!(st[0].update.delivery, Delivery::Delivered);
    assert_eq!(st[0].recipient.as_deref(), Some("14155550101"));
    assert_eq!(st[1].account, "120987654321098");
    assert_eq!(st[1].update.delivery, Delivery::Read);
    assert_eq!(st[1].recipient.as_deref(), Some("5491155550199"));
}

#[test]
fn username_only_sender() {
    let m = only_message("username_only.json");
    assert_eq!(m.contact.handle, "US.13491208655302741918");
    assert_eq!(m.contact.name.as_deref(), Some("Rina"));
    assert_eq!(m.text.as_deref(), Some("hi"));
    assert_eq!(
        meta(&m),
        &json!({"user_id": "US.13491208655302741918", "username": "@rina"})
    );
}

#[test]
fn username_only_with_empty_phone_fields() {
    let m = only_message("username_only_empty_phone_fields.json");
    assert_eq!(m.contact.handle, "US.48201937561029384756");
    assert_eq!(m.contact.name.as_deref(), Some("Rina"));
    assert_eq!(m.text.as_deref(), Some("Does it come in another color?"));
    // Empty strings are absent, not identities.
    assert_eq!(
        meta(&m),
        &json!({"user_id": "US.48201937561029384756", "username": "@rina"})
    );
}

#[test]
fn empty_wa_id_never_matches_empty_from() {
    // Two hidden-number users: joining on "" == "" would give both the
    // first name.
    let body = envelope(json!({
        "contacts": [
            {"profile": {"name": "Ann"}, "wa_id": "", "user_id": "US.A"},
            {"profile": {"name": "Ben"}, "wa_id": "", "user_id": "US.B"}
        ],
        "messages": [
            {"from": "", "from_user_id": "US.B", "id": "1", "type": "text", "text": {"body": "b"}},
            {"from": "", "from_user_id": "US.A", "id": "2", "type": "text", "text": {"body": "a"}}
        ]
    }));
    let events = parse_webhook(&body).expect("parses");
    let names: Vec<_> = messages(&events)
        .iter()
        .map(|m| (m.contact.handle.clone(), m.contact.name.clone()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("US.B".to_string(), Some("Ben".to_string())),
            ("US.A".to_string(), Some("Ann".to_string())),
        ]
    );
}

#[test]
fn bsuid_alongside_phone_number() {
    let m = only_message("bsuid_with_phone.json");
    assert_eq!(m.contact.handle, "16315551181");
    assert_eq!(m.contact.name.as_deref(), Some("Kai Ito"));
    assert_eq!(
        meta(&m),
        &json!({"wa_id": "16315551181", "from": "16315551181", "user_id": "US.73920184756102938475"})
    );
}

#[test]
fn brazil_and_mexico_numbers_are_kept_exactly() {
    let br = only_message("brazil_number.json");
    assert_eq!(br.contact.handle, "551187654321");
    // One contact, one message: the contact is the sender even though its
    // wa_id has the 9th digit; both spellings are kept.
    assert_eq!(br.contact.name.as_deref(), Some("João Silva"));
    assert_eq!(
        meta(&br),
        &json!({"wa_id": "5511987654321", "from": "551187654321"})
    );

    let mx = only_message("mexico_number.json");
    assert_eq!(mx.contact.handle, "5215512345678");
    assert_eq!(mx.contact.name.as_deref(), Some("María López"));
    assert_eq!(mx.text.as_deref(), Some("Hola, ¿tienen envío a CDMX?"));
}

#[test]
fn identity_falls_back_to_the_contact_and_without_one_the_message_is_skipped() {
    let body = envelope(json!({
        "contacts": [{"profile": {"name": "Zed"}, "user_id": "US.Z"}],
        "messages": [{"id": "m1", "type": "text", "text": {"body": "hi"}}]
    }));
    let events = parse_webhook(&body).expect("parses");
    let m = messages(&events)[0];
    assert_eq!(m.contact.handle, "US.Z");
    assert_eq!(m.contact.name.as_deref(), Some("Zed"));

    let body = envelope(json!({
        "messages": [{"id": "m2", "type": "text", "text": {"body": "hi"}}]
    }));
    let events = parse_webhook(&body).expect("parses");
    assert!(
        matches!(events.as_slice(), [WebhookEvent::Skipped { id, .. }] if id == "m2"),
        "{events:#?}"
    );
}

#[test]
fn oversized_and_nul_fields_are_bounded_and_the_rest_of_the_body_kept() {
    let body = envelope(json!({
        "contacts": [{"profile": {"name": format!("N\u{0}{}", "n".repeat(2_000_000))}, "wa_id": "155501"}],
        "messages": [
            {"from": "155501", "id": "big", "type": "text", "text": {"body": "t".repeat(3_000_000)}},
            {"from": "155501", "id": "i".repeat(100_000), "type": "text", "text": {"body": "hi"}},
            {"from": "1555\u{0}01", "id": "ok\u{0}", "type": "text", "text": {"body": "a\u{0}b"}}
        ]
    }));
    let events = parse_webhook(&body).expect("parses");
    let skipped: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            WebhookEvent::Skipped { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        skipped,
        [
            "text is longer than 32768 characters",
            "channel_message_id is longer than 256 characters"
        ]
    );
    let ms = messages(&events);
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].channel_message_id, "ok");
    assert_eq!(ms[0].contact.handle, "155501");
    assert_eq!(ms[0].text.as_deref(), Some("ab"));
}

// ---------------------------------------------------------------- statuses

#[test]
fn sent_delivered_read_statuses() {
    let wamid = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NjBGRkQ5QTM3MTY4MkY4QzBGNThFMDdBOEQAA==";
    for (name, delivery, raw, at) in [
        (
            "status_sent.json",
            Delivery::Sent,
            "sent",
            1_750_032_000_000,
        ),
        (
            "status_delivered.json",
            Delivery::Delivered,
            "delivered",
            1_750_032_005_000,
        ),
        (
            "status_read.json",
            Delivery::Read,
            "read",
            1_750_032_030_000,
        ),
    ] {
        let s = only_status(name);
        assert_eq!(s.update.channel, ChannelKind::Whatsapp);
        assert_eq!(s.update.channel_message_id, wamid, "{name}");
        assert_eq!(s.update.delivery, delivery, "{name}");
        assert_eq!(s.update.at_ms, Some(at), "{name}");
        assert_eq!(s.update.error, None, "{name}");
        assert_eq!(s.raw_status, raw);
        assert_eq!(s.account, PNID);
        assert_eq!(s.recipient.as_deref(), Some(SHEENA));
        assert_eq!(s.error_code, None);
    }
}

#[test]
fn played_counts_as_read_but_keeps_its_word() {
    let s = only_status("status_played.json");
    assert_eq!(s.update.delivery, Delivery::Read);
    assert_eq!(s.raw_status, "played");
}

#[test]
fn failed_statuses_carry_code_and_text() {
    let s = only_status("status_failed.json");
    assert_eq!(s.update.delivery, Delivery::Failed);
    assert_eq!(s.raw_status, "failed");
    assert_eq!(s.error_code, Some(131047));
    assert_eq!(
        s.update.error.as_deref(),
        Some(
            "131047: Re-engagement message — Message failed to send because more than 24 hours \
             have passed since the customer last replied to this number."
        )
    );

    let s = only_status("status_failed_131026.json");
    assert_eq!(s.error_code, Some(131026));
    assert_eq!(s.recipient.as_deref(), Some("16505550000"));
    assert_eq!(
        s.update.error.as_deref(),
        Some("131026: Message undeliverable — Message Undeliverable.")
    );
}

#[test]
fn status_with_pricing_and_conversation() {
    let s = only_status("status_with_pricing_conversation.json");
    assert_eq!(s.update.delivery, Delivery::Sent);
    assert_eq!(s.update.at_ms, Some(1_750_030_073_000));
}

#[test]
fn statuses_out_of_order_stay_in_body_order() {
    let events = parse("statuses_out_of_order.json");
    let st = statuses(&events);
    assert_eq!(events.len(), 2);
    assert_eq!(st.len(), 2);
    assert_eq!(st[0].update.delivery, Delivery::Read);
    assert_eq!(st[0].update.at_ms, Some(1_750_032_210_000));
    assert_eq!(st[1].update.delivery, Delivery::Delivered);
    assert_eq!(st[1].update.at_ms, Some(1_750_032_200_000));
    assert_eq!(
        st[0].update.channel_message_id,
        st[1].update.channel_message_id
    );
}

#[test]
fn unknown_or_idless_statuses_are_skipped() {
    let body = envelope(json!({
        "metadata": {"phone_number_id": PNID},
        "statuses": [
            {"id": "a", "status": "deleted", "timestamp": "1"},
            {"status": "read"},
            {"id": "b", "status": 3},
            {"id": "c", "status": "read", "recipient_user_id": "US.C",
             "errors": [{"message": "only a message"}]}
        ]
    }));
    let events = parse_webhook(&body).expect("parses");
    let st = statuses(&events);
    assert_eq!(events.len(), 1);
    assert_eq!(st[0].update.channel_message_id, "c");
    assert_eq!(st[0].recipient.as_deref(), Some("US.C"));
    assert_eq!(st[0].error_code, None);
    assert_eq!(st[0].update.error.as_deref(), Some("only a message"));
}

// ---------------------------------------------------------------- other shapes

#[test]
fn errors_webhook_gives_error_events() {
    let events = parse("errors_webhook.json");
    assert_eq!(
        events,
        vec![WebhookEvent::Error {
            account: Some(PNID.to_string()),
            code: 131000,
            title: "Something went wrong".to_string(),
            detail: Some("Unsupported webhook payload".to_string()),
        }]
    );
}

#[test]
fn other_fields_are_ignored() {
    assert_eq!(
        parse("other_field.json"),
        vec![WebhookEvent::Ignored {
            field: "message_template_status_update".to_string()
        }]
    );
    assert_eq!(
        parse("other_field_account_update.json"),
        vec![WebhookEvent::Ignored {
            field: "account_update".to_string()
        }]
    );
}

#[test]
fn not_json_is_a_json_error() {
    for body in [&b"not json"[..], b"", b"{\"object\":", b"\xff\xfe"] {
        assert!(
            matches!(parse_webhook(body), Err(ParseError::Json(_))),
            "{body:?}"
        );
    }
}

#[test]
fn very_deep_nesting_is_refused_not_a_stack_overflow() {
    let depth = 100_000;
    let body = format!(
        r#"{{"object":"whatsapp_business_account","entry":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(matches!(
        parse_webhook(body.as_bytes()),
        Err(ParseError::Json(_))
    ));
}

#[test]
fn other_json_is_not_whatsapp() {
    for body in [
        "[]",
        "null",
        "42",
        "\"whatsapp_business_account\"",
        "{}",
        r#"{"object":"page","entry":[]}"#,
        r#"{"object":7,"entry":[]}"#,
        r#"{"messaging_product":"whatsapp","messages":[{"id":"wamid.x"}]}"#,
    ] {
        match parse_webhook(body.as_bytes()) {
            Err(e @ ParseError::NotWhatsapp(_)) => assert!(!e.to_string().is_empty()),
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn odd_envelopes_are_empty_not_errors() {
    for body in [
        r#"{"object":"whatsapp_business_account"}"#,
        r#"{"object":"whatsapp_business_account","entry":{}}"#,
        r#"{"object":"whatsapp_business_account","entry":[1,null,{"changes":"x"}]}"#,
        r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":[]}]}]}"#,
    ] {
        assert_eq!(parse_webhook(body.as_bytes()).ok(), Some(vec![]), "{body}");
    }
}

// ---------------------------------------------------------------- property

const KEYS: &[&str] = &[
    "object",
    "entry",
    "changes",
    "field",
    "value",
    "messages",
    "statuses",
    "contacts",
    "metadata",
    "phone_number_id",
    "profile",
    "name",
    "wa_id",
    "user_id",
    "username",
    "id",
    "from",
    "from_user_id",
    "type",
    "text",
    "body",
    "timestamp",
    "context",
    "forwarded",
    "frequently_forwarded",
    "referral",
    "errors",
    "code",
    "title",
    "error_data",
    "details",
    "status",
    "recipient_id",
    "interactive",
    "button_reply",
    "list_reply",
    "nfm_reply",
    "response_json",
    "button",
    "payload",
    "reaction",
    "emoji",
    "message_id",
    "system",
    "new_wa_id",
    "image",
    "audio",
    "voice",
    "location",
    "latitude",
    "order",
    "unsupported",
    "caption",
];

const WORDS: &[&str] = &[
    "whatsapp_business_account",
    "messages",
    "text",
    "image",
    "audio",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "button_reply",
    "list_reply",
    "nfm_reply",
    "button",
    "reaction",
    "order",
    "system",
    "user_changed_number",
    "customer_changed_number",
    "user_changed_user_id",
    "request_welcome",
    "unsupported",
    "sent",
    "delivered",
    "read",
    "played",
    "failed",
    "",
    "1750030100",
    "{\"a\":1}",
    "9223372036854775807",
    "-1",
    "é👍",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        4 => prop::sample::select(KEYS).prop_map(str::to_string),
                        1 => "[a-z_]{0,8}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// Puts an arbitrary value at each level of an otherwise valid webhook.
fn wrapped(v: Value, level: u8) -> Value {
    let waba = |entry: Value| json!({"object": "whatsapp_business_account", "entry": entry});
    match level {
        0 => v,
        1 => waba(v),
        2 => waba(json!([{"id": "1", "changes": v}])),
        3 => waba(json!([{"changes": [v]}])),
        4 => waba(json!([{"changes": [{"field": "messages", "value": v}]}])),
        5 => waba(json!([{"changes": [{"field": "messages", "value": {
            "metadata": {"phone_number_id": "1"},
            "contacts": [{"profile": {"name": "A"}, "wa_id": "1"}],
            "messages": [v]
        }}]}])),
        6 => waba(json!([{"changes": [{"field": "messages", "value": {"statuses": [v]}}]}])),
        _ => waba(json!([{"changes": [{"field": "messages", "value": {
            "contacts": v,
            "messages": [{"id": "m", "from": "1", "type": "text", "text": {"body": "x"}}]
        }}]}])),
    }
}

proptest! {
    #[test]
    fn arbitrary_json_never_panics(v in arb_json(), level in 0u8..8) {
        let body = serde_json::to_vec(&wrapped(v, level)).expect("serializes");
        let result = parse_webhook(&body);
        if level > 0 {
            prop_assert!(result.is_ok(), "a valid envelope must parse: {result:?}");
        }
    }

    #[test]
    fn arbitrary_message_fields_never_panic(
        ty in prop::sample::select(WORDS),
        payload in arb_json(),
        context in arb_json(),
        errors in arb_json(),
        ts in arb_json(),
    ) {
        let mut msg = json!({"id": "m", "from": "1", "type": ty, "context": context,
            "errors": errors, "timestamp": ts});
        if let Some(obj) = msg.as_object_mut() {
            obj.insert(ty.to_string(), payload);
        }
        let body = serde_json::to_vec(&wrapped(msg, 5)).expect("serializes");
        let events = parse_webhook(&body).expect("valid envelope");
        // A message with an id is never dropped.
        prop_assert!(events.iter().any(|e| matches!(e, WebhookEvent::Message(m) if m.channel_message_id == "m")));
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_webhook(&body);
    }
}
