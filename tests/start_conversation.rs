//! An agent starts a conversation (`POST /api/v1/conversations`): the
//! customer receives the text, the conversation is open and the agent's,
//! the bot stays silent on the customer's answer; on WhatsApp a customer
//! who never wrote is outside the 24-hour window, so the re-engagement
//! template goes (or, with none configured, the start is refused).

mod common;

use common::graph::FakeGraph;
use common::receiver::Receiver;
use common::{Backend, Setup, TestApp, wait_until};
use serde_json::{Value, json};

const SECRET: &str = "whsec_c3RhcnQtY29udmVyc2F0aW9uLXRlc3Q=";

async fn new_agent(app: &TestApp, name: &str) -> (i64, String) {
    let r = app
        .post("/api/v1/agents")
        .json(&json!({"name": name}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let v: Value = r.json().await.expect("json");
    (
        v["id"].as_i64().expect("id"),
        v["token"].as_str().expect("token").to_string(),
    )
}

async fn start_as(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/conversations"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("start request")
}

async fn agent_starts_and_the_bot_stays_out(backend: Backend) {
    let rx = Receiver::start().await;
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .start()
        .await;
    let (sari, token) = new_agent(&app, "Sari").await;
    let r = start_as(
        &app,
        &token,
        json!({"channel": "api", "handle": "cust-42", "name": "Dewi", "text": "Hello Dewi, your order is ready."}),
    )
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let body: Value = r.json().await.expect("json");
    let id = body["conversation"]["id"].as_i64().expect("id");
    assert_eq!(body["conversation"]["status"], "open");
    assert_eq!(body["conversation"]["assignee"]["id"], sari);
    assert_eq!(body["conversation"]["contact"]["name"], "Dewi");
    assert_eq!(body["message"]["author"], "agent");
    assert_eq!(body["message"]["agent_id"], sari);

    wait_until("the customer receives the text", || async {
        rx.accepted().len() == 1
    })
    .await;
    let got = rx.accepted()[0].json();
    assert_eq!(got["data"]["text"], "Hello Dewi, your order is ready.");
    assert_eq!(got["data"]["contact"]["handle"], "cust-42");

    // The customer answers: it joins the same conversation, and the bot (an
    // acknowledger that answers everything it may) says nothing.
    let answer = app
        .converse("ext-answer", "cust-42", "Great, thanks!")
        .await;
    assert_eq!(answer, id, "the answer joins the started conversation");
    app.wait_routed("ext-answer").await;
    let c = app.conversation(id).await;
    assert_eq!(c["status"], "open");
    assert_eq!(c["assignee"]["id"], sari);
    let bot: Vec<&Value> = c["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["author"] == "bot")
        .collect();
    assert!(bot.is_empty(), "the bot jumped in: {bot:?}");
    assert_eq!(rx.accepted().len(), 1, "nothing else reached the customer");

    // Another agent cannot start over it: 409 naming the owner.
    let (_, other) = new_agent(&app, "Bima").await;
    let r = start_as(
        &app,
        &other,
        json!({"channel": "api", "handle": "cust-42", "text": "Hi!"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let e: Value = r.json().await.expect("json");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("Sari"),
        "{e}"
    );
    // The owner may write again through the same endpoint: same conversation.
    let r = start_as(
        &app,
        &token,
        json!({"channel": "api", "handle": "cust-42", "text": "One more thing."}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let again: Value = r.json().await.expect("json");
    assert_eq!(again["conversation"]["id"], id);
    assert_eq!(again["created"], false);
    app.stop().await;
}

async fn a_bot_conversation_is_taken_over(backend: Backend) {
    let rx = Receiver::start().await;
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .start()
        .await;
    let id = app.converse("ext-1", "cust-7", "hi").await;
    wait_until("the bot answers", || async { rx.accepted().len() == 1 }).await;
    let (ana, token) = new_agent(&app, "Ana").await;
    let r = start_as(
        &app,
        &token,
        json!({"channel": "api", "handle": "cust-7", "text": "Ana here, can I help?"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["conversation"]["id"], id, "the existing conversation");
    assert_eq!(body["conversation"]["status"], "open");
    assert_eq!(body["conversation"]["assignee"]["id"], ana);
    // The takeover greeting, then the agent's text.
    wait_until("greeting and text arrive", || async {
        rx.accepted().len() == 3
    })
    .await;
    let texts: Vec<String> = rx
        .accepted()
        .iter()
        .map(|r| r.json()["data"]["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(texts[1].contains("Ana"), "{texts:?}");
    assert_eq!(texts[2], "Ana here, can I help?");

    // Resolved, then started again: the same conversation reopens for her.
    let r = app
        .post(&format!("/api/v1/conversations/{id}/resolve"))
        .send()
        .await
        .expect("resolve");
    assert_eq!(r.status(), 200);
    let r = start_as(
        &app,
        &token,
        json!({"channel": "api", "handle": "cust-7", "text": "Following up."}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["conversation"]["id"], id);
    assert_eq!(body["conversation"]["status"], "open");
    assert_eq!(body["conversation"]["assignee"]["id"], ana);
    app.stop().await;
}

async fn input_is_validated(backend: Backend) {
    let rx = Receiver::start().await;
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .start()
        .await;
    for (body, field) in [
        (
            json!({"channel": "fax", "handle": "x", "text": "hi"}),
            "channel",
        ),
        // Configured channels only: no SMTP here.
        (
            json!({"channel": "email", "handle": "a@b.c", "text": "hi"}),
            "channel",
        ),
        (
            json!({"channel": "api", "handle": "  ", "text": "hi"}),
            "handle",
        ),
        (
            json!({"channel": "api", "handle": "h".repeat(257), "text": "hi"}),
            "handle",
        ),
        (
            json!({"channel": "api", "handle": "x", "text": " "}),
            "text",
        ),
    ] {
        let r = app
            .post("/api/v1/conversations")
            .json(&body)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 422, "{body}");
        let e: Value = r.json().await.expect("json");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(field),
            "{e}"
        );
    }
    let list = app.get_json("/api/v1/conversations").await;
    assert_eq!(list["conversations"], json!([]), "nothing was created");

    // The admin starts one too: open, with no assignee.
    let r = app
        .post("/api/v1/conversations")
        .json(&json!({"channel": "api", "handle": "cust-9", "text": "Hello from the team"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["conversation"]["status"], "open");
    assert_eq!(body["conversation"]["assignee"], Value::Null);
    assert_eq!(body["message"]["agent_id"], Value::Null);
    app.stop().await;
}

async fn whatsapp_without_template_is_refused(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = common::wa::start(backend, &graph).await;
    let (_, token) = new_agent(&app, "Sari").await;
    let r = start_as(
        &app,
        &token,
        json!({"channel": "whatsapp", "handle": "6281200000077", "text": "Hello!"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    let e: Value = r.json().await.expect("json");
    assert_eq!(e["error"]["code"], "outside_window");
    let list = app.get_json("/api/v1/conversations").await;
    assert_eq!(list["conversations"], json!([]), "nothing was created");
    assert!(graph.sent().is_empty());
    app.stop().await;
}

async fn whatsapp_with_template_sends_it(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = common::wa::setup(backend, &graph.base())
        .arg("whatsapp-reengage-template", "reengage:en_US")
        .start()
        .await;
    let (sari, token) = new_agent(&app, "Sari").await;
    let r = start_as(
        &app,
        &token,
        json!({"channel": "whatsapp", "handle": "6281200000078", "text": "Hello!"}),
    )
    .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["conversation"]["status"], "open");
    assert_eq!(body["conversation"]["assignee"]["id"], sari);
    assert!(
        body["message"]["notice"]
            .as_str()
            .unwrap()
            .contains("reengage"),
        "{body}"
    );
    wait_until("the template was sent", || async {
        graph.sent().iter().any(|r| r.body["type"] == "template")
    })
    .await;
    let sent = graph.sent();
    assert_eq!(sent.len(), 1, "only the template: {sent:?}");
    assert_eq!(sent[0].body["to"], "6281200000078");
    assert_eq!(sent[0].body["template"]["name"], "reengage");
    app.stop().await;
}

on_both_backends!(
    agent_starts_and_the_bot_stays_out,
    a_bot_conversation_is_taken_over,
    input_is_validated,
    whatsapp_without_template_is_refused,
    whatsapp_with_template_sends_it,
);
