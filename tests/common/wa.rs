//! WhatsApp webhooks as Meta sends them, for tests that drive the gateway
//! through its WhatsApp channel against a [`FakeGraph`].

use serde_json::{Value, json};

use super::graph::FakeGraph;
use super::{Backend, Setup, TestApp};

pub const SECRET: &str = "app-secret";
pub const NUMBER: &str = "106540352242922";

pub fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/channels/whatsapp/tests/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

fn now_secs() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        .to_string()
}

/// A customer's text message, timestamped now (the bot answers it).
pub fn text_from(wamid: &str, from: &str, text: &str) -> Value {
    let mut v = fixture("text");
    let value = &mut v["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = json!(from);
    let m = &mut value["messages"][0];
    m["from"] = json!(from);
    m["id"] = json!(wamid);
    m["text"]["body"] = json!(text);
    m["timestamp"] = json!(now_secs());
    v
}

/// A status webhook for one of our messages.
pub fn status(wamid: &str, status: &str) -> Value {
    let mut v = fixture("status_delivered");
    let s = &mut v["entry"][0]["changes"][0]["value"]["statuses"][0];
    s["id"] = json!(wamid);
    s["status"] = json!(status);
    s["timestamp"] = json!(now_secs());
    v
}

/// Posts a signed webhook.
pub async fn post(app: &TestApp, body: &Value) -> reqwest::Response {
    post_to(&app.client, &app.url("/webhooks/whatsapp"), body).await
}

/// Posts a signed webhook to `url` (for posts spawned apart from the app).
pub async fn post_to(client: &reqwest::Client, url: &str, body: &Value) -> reqwest::Response {
    let bytes = serde_json::to_vec(body).expect("json");
    client
        .post(url)
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            baton_channel_whatsapp::sign(SECRET.as_bytes(), &bytes),
        )
        .body(bytes)
        .send()
        .await
        .expect("webhook post")
}

/// A gateway with the knowledge-base bot and WhatsApp pointed at `graph`.
pub fn setup(backend: Backend, graph_base: &str) -> Setup {
    Setup::new(backend)
        .with_kb_bot()
        .arg("whatsapp-access-token", "test-token")
        .arg("whatsapp-phone-number-id", NUMBER)
        .arg("whatsapp-app-secret", SECRET)
        .arg("whatsapp-verify-token", "verify-me")
        .arg("whatsapp-api-base", graph_base)
}

pub async fn start(backend: Backend, graph: &FakeGraph) -> TestApp {
    setup(backend, &graph.base()).start().await
}

/// The messages of `handle`'s conversation, oldest first.
pub async fn messages_of(app: &TestApp, handle: &str) -> Vec<Value> {
    let list = app.get_json("/api/v1/conversations?limit=100").await;
    let Some(id) = list["conversations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["contact"]["handle"] == handle)
        .and_then(|c| c["id"].as_i64())
    else {
        return Vec::new();
    };
    app.messages(id).await
}
