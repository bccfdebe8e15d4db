//! Input an attacker (or a broken sender) controls: absurd times, huge or
//! NUL-laden fields, messages without a sender, and what stays true for all
//! of it — it is stored bounded or skipped, and every page still renders.

mod common;

use std::sync::Arc;

use baton::conversation::SystemClock;
use baton::store::Store;
use common::graph::FakeGraph;
use common::{Backend, Setup, TestApp};
use serde_json::{Value, json};

const SECRET: &str = "app-secret";
const NUMBER: &str = "106540352242922";

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A Meta-shaped webhook with the given contacts and messages.
fn webhook(contacts: Value, messages: Value) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER},
            "contacts": contacts,
            "messages": messages
        }}]}]
    })
}

fn text(from: &str, id: &str, body: &str, timestamp: &str) -> Value {
    json!({"from": from, "id": id, "timestamp": timestamp, "type": "text", "text": {"body": body}})
}

async fn post(app: &TestApp, body: &Value) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).unwrap();
    app.client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            baton_channel_whatsapp::sign(SECRET.as_bytes(), &bytes),
        )
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn start(backend: Backend, graph_base: &str) -> TestApp {
    Setup::new(backend)
        .arg("whatsapp-access-token", "test-token")
        .arg("whatsapp-phone-number-id", NUMBER)
        .arg("whatsapp-app-secret", SECRET)
        .arg("whatsapp-verify-token", "verify-me")
        .arg("whatsapp-api-base", graph_base)
        .arg("body-limit", "8MiB")
        .start()
        .await
}

async fn store_of(app: &TestApp) -> Store {
    Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .unwrap()
}

/// GET that must answer 200 with JSON.
async fn renders(app: &TestApp, path: &str) -> Value {
    let r = app.get(path).send().await.expect("request");
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.expect("valid JSON")
}

async fn conversations(app: &TestApp) -> Vec<Value> {
    renders(app, "/api/v1/conversations?limit=100").await["conversations"]
        .as_array()
        .expect("a list")
        .clone()
}

async fn far_future_timestamps_are_clamped_and_never_break_rendering(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph.base()).await;
    // The exact payload from the report: a timestamp past year 9999.
    let body = webhook(
        json!([{"profile": {"name": "Eve"}, "wa_id": "15550001111"}]),
        json!([text(
            "15550001111",
            "wamid.future",
            "hello",
            "99999999999999"
        )]),
    );
    assert_eq!(post(&app, &body).await.status(), 200);
    let list = conversations(&app).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let id = list[0]["id"].as_i64().unwrap();
    renders(&app, &format!("/api/v1/conversations/{id}")).await;

    // The message keeps the receive time instead of the impossible one.
    let store = store_of(&app).await;
    let sent_at = store
        .db()
        .fetch_optional(
            "SELECT sent_at FROM messages WHERE channel_message_id = 'wamid.future'",
            &[],
        )
        .await
        .unwrap()
        .unwrap()
        .i64("sent_at")
        .unwrap();
    let now_ms = now_secs() * 1000;
    assert!((sent_at - now_ms).abs() < 3_600_000, "sent_at {sent_at}");

    // Whatever is in the database, rendering is total.
    for absurd in [i64::MAX, 99_999_999_999_999_000, -1, i64::MIN] {
        store
            .db()
            .execute(
                "UPDATE messages SET sent_at = $1, created_at = $1, updated_at = $1",
                baton::params![absurd],
            )
            .await
            .unwrap();
        store
            .db()
            .execute(
                "UPDATE conversations SET created_at = $1, updated_at = $1,
                    last_inbound_at = $1, paused_until = $1",
                baton::params![absurd],
            )
            .await
            .unwrap();
        assert_eq!(conversations(&app).await.len(), 1, "{absurd}");
        renders(&app, &format!("/api/v1/conversations/{id}")).await;
    }
    store.close().await;
    app.stop().await;
}

async fn whatsapp_messages_are_bounded_and_senderless_ones_skipped(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph.base()).await;
    let ts = now_secs().to_string();
    let body = webhook(
        json!([{"profile": {"name": format!("Ann\u{0}{}", "a".repeat(2_000_000))}, "wa_id": "15550002222"}]),
        json!([
            // No sender anywhere: nobody to store it for or answer.
            {"id": "wamid.nofrom", "timestamp": ts, "type": "text", "text": {"body": "who am I"}},
            text("15550002222", "wamid.huge", &"x".repeat(3_000_000), &ts),
            text("15550002222", &"i".repeat(100_000), "long id", &ts),
            text("1555\u{0}0002222", "wamid.nul\u{0}", "a\u{0}b", &ts),
        ]),
    );
    assert_eq!(post(&app, &body).await.status(), 200);
    let list = conversations(&app).await;
    let handles: Vec<&str> = list
        .iter()
        .map(|c| c["contact"]["handle"].as_str().unwrap())
        .collect();
    assert_eq!(handles, ["15550002222"], "{list:?}");
    let id = list[0]["id"].as_i64().unwrap();
    let texts: Vec<Value> = app
        .messages(id)
        .await
        .into_iter()
        .filter(|m| m["author"] == "customer")
        .map(|m| json!([m["channel_message_id"], m["text"]]))
        .collect();
    assert_eq!(texts, [json!(["wamid.nul", "ab"])]);
    let store = store_of(&app).await;
    let unknown = store
        .db()
        .fetch_optional("SELECT id FROM contacts WHERE handle LIKE 'unknown:%'", &[])
        .await
        .unwrap();
    assert!(unknown.is_none(), "no contact is invented");
    store.close().await;
    // The bot answers the one real customer, never an invented address.
    common::wait_until("the bot answered", || async { !graph.sent().is_empty() }).await;
    for sent in graph.sent() {
        assert_eq!(sent.body["to"], "15550002222", "{:?}", sent.body);
    }
    app.stop().await;
}

async fn api_channel_limits_are_named_and_nul_is_stripped(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let r = app
        .post("/api/v1/inbound")
        .json(
            &json!({"external_id": "big", "contact": {"handle": "c1"}, "text": "t".repeat(40_000)}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "text: is longer than 32768 characters"
    );
    let r = app
        .post("/api/v1/inbound")
        .json(
            &json!({"external_id": "n\u{0}1", "contact": {"handle": "c\u{0}2",
            "name": format!("Bo\u{0}b{}", "b".repeat(5_000))}, "text": "hi\u{0}"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let list = conversations(&app).await;
    assert_eq!(list[0]["contact"]["handle"], "c2");
    let name = list[0]["contact"]["name"].as_str().unwrap();
    assert!(
        name.starts_with("Bobbb") && name.chars().count() == 256,
        "{name}"
    );
    app.stop().await;
}

async fn statuses_for_unknown_messages_are_bounded(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph.base()).await;
    let ts = now_secs().to_string();
    let statuses: Vec<Value> = (0..500)
        .map(|i| {
            json!({"id": format!("wamid.unknown{i}"), "status": "delivered",
            "timestamp": ts, "recipient_id": "15550004444"})
        })
        .collect();
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"metadata": {"phone_number_id": NUMBER},
            "statuses": statuses}}]}]});
    assert_eq!(post(&app, &body).await.status(), 200);
    let store = store_of(&app).await;
    let parked = store
        .db()
        .fetch_optional("SELECT COUNT(*) AS n FROM status_receipts", &[])
        .await
        .unwrap()
        .unwrap()
        .i64("n")
        .unwrap();
    assert_eq!(parked, baton::store::MAX_PARKED_PER_BATCH as i64);
    store.close().await;
    app.stop().await;
}

on_both_backends!(
    statuses_for_unknown_messages_are_bounded,
    far_future_timestamps_are_clamped_and_never_break_rendering,
    whatsapp_messages_are_bounded_and_senderless_ones_skipped,
    api_channel_limits_are_named_and_nul_is_stripped,
);
