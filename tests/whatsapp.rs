//! The WhatsApp channel end to end with Meta-shaped payloads and a local
//! fake Graph API: handshake, signatures, every kind stored, batches,
//! replays, statuses (duplicates, out of order, failures), send errors by
//! class, the 24-hour window, pair pacing, media download, the backlog rule.

mod common;

use std::sync::Arc;
use std::time::Duration;

use baton::conversation::SystemClock;
use baton::hooks::{Hooks, Point};
use baton::store::Store;
use common::graph::{FakeGraph, graph_error};
use common::{Backend, Setup, TestApp, wait_until};
use serde_json::{Value, json};

const SECRET: &str = "app-secret";
const NUMBER: &str = "106540352242922";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/channels/whatsapp/tests/fixtures/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json")
}

/// Moves every message and status timestamp to now, so the bot treats them
/// as live (the fixtures carry Meta's example times from 2025).
fn fresh(mut v: Value) -> Value {
    let now = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs())
    .to_string();
    for entry in v["entry"].as_array_mut().into_iter().flatten() {
        for change in entry["changes"].as_array_mut().into_iter().flatten() {
            for key in ["messages", "statuses"] {
                for m in change["value"][key].as_array_mut().into_iter().flatten() {
                    m["timestamp"] = json!(now);
                }
            }
        }
    }
    v
}

fn text_from(wamid: &str, from: &str, text: &str) -> Value {
    let mut v = fresh(fixture("text"));
    let value = &mut v["entry"][0]["changes"][0]["value"];
    value["contacts"][0]["wa_id"] = json!(from);
    value["messages"][0]["from"] = json!(from);
    value["messages"][0]["id"] = json!(wamid);
    value["messages"][0]["text"]["body"] = json!(text);
    v
}

fn status(wamid: &str, status: &str) -> Value {
    let mut v = fresh(fixture("status_delivered"));
    let s = &mut v["entry"][0]["changes"][0]["value"]["statuses"][0];
    s["id"] = json!(wamid);
    s["status"] = json!(status);
    v
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

async fn start(backend: Backend, graph: &FakeGraph, extra: &[(&str, &str)]) -> TestApp {
    start_with(backend, graph, extra, |s| s).await
}

async fn start_with(
    backend: Backend,
    graph: &FakeGraph,
    extra: &[(&str, &str)],
    more: impl FnOnce(Setup) -> Setup,
) -> TestApp {
    let mut setup = Setup::new(backend)
        .with_kb_bot()
        .arg("whatsapp-access-token", "test-token")
        .arg(
            "whatsapp-phone-number-id",
            &format!("{NUMBER},114503234599312"),
        )
        .arg("whatsapp-app-secret", SECRET)
        .arg("whatsapp-verify-token", "verify-me")
        .arg("whatsapp-api-base", &graph.base());
    for (k, v) in extra {
        setup = setup.arg(k, v);
    }
    more(setup).start().await
}

/// A second connection to the gateway's database, for what the API does
/// not show.
async fn store_of(app: &TestApp) -> Store {
    Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .unwrap()
}

async fn conversation_of(app: &TestApp, handle: &str) -> Value {
    let list: Value = app.get_json("/api/v1/conversations?limit=100").await;
    let id = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contact"]["handle"] == handle)
        .unwrap_or_else(|| panic!("no conversation for {handle}: {list}"))["id"]
        .as_i64()
        .unwrap();
    app.conversation(id).await
}

/// Makes the customer's last message 25 hours old by their clock.
async fn age_window(app: &TestApp, id: i64) {
    let store = store_of(app).await;
    store
        .db()
        .execute(
            "UPDATE conversations SET last_inbound_at = $2 WHERE id = $1",
            baton::params![id, store.now() - 25 * 3600 * 1000],
        )
        .await
        .unwrap();
    store.close().await;
}

async fn handshake_and_signatures(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph, &[]).await;
    let ok = app.client.get(app.url("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["content-type"], "text/plain");
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let bad = app
        .client
        .get(app.url("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 403);

    let body = serde_json::to_vec(&text_from("wamid.sig1", "16505551234", "hello")).unwrap();
    for sig in [
        None,
        Some("sha256=00".to_string()),
        Some(baton_channel_whatsapp::sign(b"wrong", &body)),
    ] {
        let mut req = app
            .client
            .post(app.url("/webhooks/whatsapp"))
            .body(body.clone());
        if let Some(s) = sig {
            req = req.header("x-hub-signature-256", s);
        }
        assert_eq!(req.send().await.unwrap().status(), 401);
    }
    let list: Value = app.get_json("/api/v1/conversations").await;
    assert!(
        list["conversations"].as_array().unwrap().is_empty(),
        "nothing stored"
    );
    app.stop().await;
}

async fn every_kind_is_stored_and_acknowledged(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph, &[]).await;
    let cases = [
        ("text", "text"),
        ("image", "image"),
        ("audio_voice", "audio"),
        ("video", "video"),
        ("document", "document"),
        ("sticker", "sticker"),
        ("location", "location"),
        ("contacts", "contacts"),
        ("interactive_button_reply", "interactive"),
        ("interactive_list_reply", "interactive"),
        ("interactive_nfm_reply", "interactive"),
        ("button", "interactive"),
        ("reaction", "reaction"),
        ("order", "order"),
        ("unsupported", "unsupported"),
        ("unknown_type", "unsupported"),
        ("request_welcome", "system"),
        ("referral_ctwa", "text"),
        ("text_forwarded", "text"),
    ];
    let store = store_of(&app).await;
    for (name, kind) in cases {
        let body = fixture(name);
        let r = post(&app, &body).await;
        assert_eq!(r.status(), 200, "{name}");
        let wamid = body["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let row = store
            .db()
            .fetch_optional("SELECT kind, text, media, meta, reply_to FROM messages WHERE channel_message_id = $1", baton::params![wamid.as_str()])
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{name} stored"));
        assert_eq!(row.text("kind").unwrap(), kind, "{name}");
        if name == "image" {
            let media: Value = row.json("media").unwrap().unwrap();
            assert!(
                media["id"].is_string()
                    && media["mime_type"] == "image/jpeg"
                    && media["sha256"].is_string(),
                "{media}"
            );
        }
        if name == "text_forwarded" {
            assert!(
                row.opt_text("reply_to").unwrap().is_none(),
                "forwarded is not a reply"
            );
        }
        if name == "referral_ctwa" {
            let meta: Value = row.json("meta").unwrap().unwrap();
            assert!(meta["referral"]["source_id"].is_string(), "{meta}");
        }
    }
    // Statuses, errors and other fields are acknowledged too.
    for name in [
        "errors_webhook",
        "other_field",
        "status_sent",
        "status_with_pricing_conversation",
    ] {
        assert_eq!(post(&app, &fixture(name)).await.status(), 200, "{name}");
    }
    // A signed body that is not even JSON is acknowledged (Meta would resend it for days).
    let junk = b"not json".to_vec();
    let r = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .header(
            "x-hub-signature-256",
            baton_channel_whatsapp::sign(SECRET.as_bytes(), &junk),
        )
        .body(junk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    store.close().await;
    app.stop().await;
}

async fn batches_join_contacts_by_id_and_replays_are_noops(backend: Backend) {
    let graph = FakeGraph::start().await;
    // The replay meets the database's dedup key, not the in-memory cache.
    let app = start_with(backend, &graph, &[], |s| s.without_inbound_cache()).await;
    let body = fresh(fixture("batch_multi"));
    assert_eq!(post(&app, &body).await.status(), 200);
    assert_eq!(post(&app, &body).await.status(), 200, "a replay is fine");
    for (handle, name) in [
        ("14155550101", "Alice Moreno"),
        ("447700900123", "Bob Smith"),
        ("5491155550199", "Carol Díaz"),
    ] {
        let c = conversation_of(&app, handle).await;
        assert_eq!(c["contact"]["name"], name);
        let inbound = c["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["direction"] == "in")
            .count();
        assert_eq!(inbound, 1, "{handle}: stored once despite the replay");
    }
    // Bob wrote to two numbers: two conversations, each remembering its number.
    let list: Value = app.get_json("/api/v1/conversations?limit=100").await;
    let bobs: Vec<&Value> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["contact"]["handle"] == "447700900123")
        .collect();
    assert_eq!(bobs.len(), 2);
    let accounts: Vec<&str> = bobs
        .iter()
        .map(|c| c["account"].as_str().unwrap())
        .collect();
    assert!(accounts.contains(&NUMBER) && accounts.contains(&"114503234599312"));
    // A number change moves the contact (and its conversation) to the new number.
    let change = fresh(fixture("system_number_change"));
    let m = &change["entry"][0]["changes"][0]["value"]["messages"][0];
    let (old, new) = (
        m["from"].as_str().unwrap().to_string(),
        m["system"]["wa_id"].as_str().unwrap().to_string(),
    );
    assert_eq!(
        post(&app, &text_from("wamid.before-change", &old, "hello"))
            .await
            .status(),
        200
    );
    assert_eq!(post(&app, &change).await.status(), 200);
    let c = conversation_of(&app, &new).await;
    assert!(
        c["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["channel_message_id"] == "wamid.before-change"),
        "history follows the customer"
    );
    // Username-only senders are keyed on their user id.
    assert_eq!(
        post(&app, &fresh(fixture("username_only"))).await.status(),
        200
    );
    let c = conversation_of(&app, "US.13491208655302741918").await;
    assert_eq!(c["contact"]["name"], "Rina");
    app.stop().await;
}

async fn replies_statuses_and_failures(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph, &[]).await;
    assert_eq!(
        post(
            &app,
            &text_from(
                "wamid.in1",
                "5511987654321",
                "how long does delivery take to surabaya?"
            )
        )
        .await
        .status(),
        200
    );
    wait_until("the bot answered through the Graph API", || async {
        !graph.sent().is_empty()
    })
    .await;
    let first = &graph.sent()[0];
    assert_eq!(
        first.phone_number_id, NUMBER,
        "replies leave from the number the customer wrote to"
    );
    assert_eq!(first.authorization, "Bearer test-token");
    assert_eq!(
        first.body["to"], "5511987654321",
        "the number exactly as received"
    );
    // The answer quotes the question and carries the Yes/No buttons.
    assert_eq!(first.body["type"], "interactive");
    assert_eq!(first.body["context"]["message_id"], "wamid.in1");
    assert_eq!(first.body["interactive"]["type"], "button");
    assert!(
        first.body["interactive"]["body"]["text"]
            .as_str()
            .unwrap()
            .ends_with("Did this answer your question?")
    );
    assert_eq!(
        first.body["interactive"]["action"]["buttons"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        !graph.read_receipts().is_empty(),
        "marked read with a typing indicator"
    );
    assert_eq!(
        graph.read_receipts()[0].body["typing_indicator"]["type"],
        "text"
    );

    // The wamid Meta returned identifies the message; statuses move it forward only.
    let answer_wamid = "wamid.OUT0";
    wait_until("the wamid is recorded", || async {
        conversation_of(&app, "5511987654321").await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["channel_message_id"] == answer_wamid)
    })
    .await;
    for s in ["read", "delivered", "sent", "read", "delivered"] {
        assert_eq!(post(&app, &status(answer_wamid, s)).await.status(), 200);
    }
    let c = conversation_of(&app, "5511987654321").await;
    let m = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["channel_message_id"] == answer_wamid)
        .unwrap()
        .clone();
    assert_eq!(m["delivery"], "read", "never backwards: {m}");

    // A failed status (131047) marks the message failed with its reason.
    post(
        &app,
        &text_from("wamid.in2", "5511987654321", "how do i return an item?"),
    )
    .await;
    wait_until("the second answer's wamid is recorded", || async {
        conversation_of(&app, "5511987654321").await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["channel_message_id"] == "wamid.OUT1")
    })
    .await;
    let mut failed = fresh(fixture("status_failed"));
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = json!("wamid.OUT1");
    assert_eq!(post(&app, &failed).await.status(), 200);
    let c = conversation_of(&app, "5511987654321").await;
    let m = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["channel_message_id"] == "wamid.OUT1")
        .unwrap()
        .clone();
    assert_eq!(m["delivery"], "failed");
    assert!(m["error"].as_str().unwrap().contains("131047"), "{m}");
    app.stop().await;
}

async fn send_errors_by_class(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph, &[]).await;
    // Throttled once (131056, retried), then accepted.
    graph.push_answer(400, graph_error(131056, "pair rate limit"));
    post(&app, &text_from("wamid.e1", "6281100000001", "hi")).await;
    wait_until("delivered after a retry", || async {
        conversation_of(&app, "6281100000001").await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["author"] == "bot" && m["delivery"] == "sent")
    })
    .await;
    // Permanent (131026: undeliverable): failed with the code, not retried.
    graph.push_answer(400, graph_error(131026, "Message undeliverable"));
    post(&app, &text_from("wamid.e2", "6281100000002", "hi")).await;
    wait_until("failed permanently", || async {
        conversation_of(&app, "6281100000002").await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["author"] == "bot" && m["delivery"] == "failed")
    })
    .await;
    let c = conversation_of(&app, "6281100000002").await;
    let m = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["author"] == "bot")
        .unwrap()
        .clone();
    assert!(m["error"].as_str().unwrap().starts_with("131026"), "{m}");
    // 190: token expired → readiness reports WhatsApp unhealthy.
    graph.push_answer(401, graph_error(190, "Error validating access token"));
    post(&app, &text_from("wamid.e3", "6281100000003", "hi")).await;
    wait_until("readyz reports the token", || async {
        app.client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            == 503
    })
    .await;
    let body: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("190"));
    app.stop().await;
}

async fn the_24_hour_window(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph, &[]).await;
    post(
        &app,
        &text_from("wamid.w1", "6281200000001", "agent please"),
    )
    .await;
    let c = conversation_of(&app, "6281200000001").await;
    let id = c["id"].as_i64().unwrap();
    let reply = |text: &'static str| {
        app.post(&format!("/api/v1/conversations/{id}/messages"))
            .json(&json!({"text": text}))
            .send()
    };
    assert_eq!(
        reply("Hi, Sari here").await.unwrap().status(),
        202,
        "inside the window"
    );
    // The customer's last message was 25 hours ago by their clock.
    age_window(&app, id).await;
    let refused = reply("Still there?").await.unwrap();
    assert_eq!(refused.status(), 409);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "outside_window");
    app.stop().await;

    // With a re-engagement template configured, the template goes instead.
    let graph = FakeGraph::start().await;
    let app = start(
        backend,
        &graph,
        &[("whatsapp-reengage-template", "reengage:en_US")],
    )
    .await;
    post(
        &app,
        &text_from("wamid.w2", "6281200000002", "agent please"),
    )
    .await;
    let id = conversation_of(&app, "6281200000002").await["id"]
        .as_i64()
        .unwrap();
    age_window(&app, id).await;
    let r = app
        .post(&format!("/api/v1/conversations/{id}/messages"))
        .json(&json!({"text": "Still there?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let m: Value = r.json().await.unwrap();
    assert!(
        m["notice"].as_str().unwrap().contains("reengage"),
        "the agent is told: {m}"
    );
    wait_until("the template was sent", || async {
        graph.sent().iter().any(|r| r.body["type"] == "template")
    })
    .await;
    let t = graph
        .sent()
        .into_iter()
        .find(|r| r.body["type"] == "template")
        .unwrap();
    assert_eq!(t.body["template"]["name"], "reengage");
    assert_eq!(t.body["template"]["language"]["code"], "en_US");
    app.stop().await;
}

/// A gateway allowing one message per `interval` to each customer (burst
/// 1), and two questions from `customer` (ids `{tag}` and `{tag}b`) whose
/// answers it must therefore pace.
async fn two_paced_questions(
    backend: Backend,
    interval: &str,
    tag: &str,
    customer: &str,
    hooks: &Hooks,
) -> (FakeGraph, TestApp) {
    let graph = FakeGraph::start().await;
    let app = start_with(
        backend,
        &graph,
        &[
            ("whatsapp-pair-burst", "1"),
            ("whatsapp-pair-interval", interval),
        ],
        |s| s.hooks(hooks),
    )
    .await;
    for (id, question) in [
        (tag.to_string(), "how long does delivery take to surabaya?"),
        (format!("{tag}b"), "how do i return an item?"),
    ] {
        post(&app, &text_from(&id, customer, question)).await;
    }
    (graph, app)
}

async fn pacing_backlog_and_media(backend: Backend) {
    // Two answers in a row to one customer are paced, not dropped.
    let (graph, app) = two_paced_questions(
        backend,
        "1s",
        "wamid.p1",
        "6281300000001",
        &Hooks::default(),
    )
    .await;
    wait_until("both answers sent", || async { graph.sent().len() >= 2 }).await;
    let sent = graph.sent();
    let gap = sent[1].at.duration_since(sent[0].at);
    assert!(
        gap >= Duration::from_millis(900),
        "paced by the pair limit: {gap:?}"
    );
    // A backlog message (sent an hour ago) is stored but not answered by the bot.
    let mut old = text_from(
        "wamid.p2",
        "6281300000002",
        "how long does delivery take to surabaya?",
    );
    let hour_ago = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600)
        .to_string();
    old["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = json!(hour_ago);
    post(&app, &old).await;
    let store = store_of(&app).await;
    app.wait_routed("wamid.p2").await;
    let c = conversation_of(&app, "6281300000002").await;
    assert!(
        c["messages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["author"] != "bot"),
        "no bot reply to a backlog message"
    );
    // Media reaches the agent through the two-step download.
    let image = fixture("image");
    post(&app, &image).await;
    let wamid = image["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        .as_str()
        .unwrap();
    let row = store
        .db()
        .fetch_optional(
            "SELECT id FROM messages WHERE channel_message_id = $1",
            baton::params![wamid],
        )
        .await
        .unwrap()
        .unwrap();
    let mid = row.i64("id").unwrap();
    let media = app
        .get(&format!("/api/v1/media/{mid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(media.status(), 200);
    assert_eq!(media.headers()["content-type"], "image/jpeg");
    assert!(media.text().await.unwrap().starts_with("JPEG:"));
    store.close().await;
    app.stop().await;
}

/// A second answer held back by the per-customer pace is not sent if a
/// human takes the conversation over while it waits: the ownership check
/// comes after the wait. The answer is held right after its pacing wait,
/// so the takeover provably lands between the wait and the send.
async fn takeover_during_a_pacing_wait_drops_the_held_answer(backend: Backend) {
    let hooks = Hooks::armable();
    let mut held = hooks.pause(Point::OutboxPaced, 2);
    let (graph, app) =
        two_paced_questions(backend, "1s", "wamid.t1", "6281300000009", &hooks).await;
    held.reached().await;
    assert_eq!(graph.sent().len(), 1, "the first answer went out");
    let conv = conversation_of(&app, "6281300000009").await["id"]
        .as_i64()
        .unwrap();
    let store = store_of(&app).await;
    app.takeover(conv).await;
    held.release();
    wait_until("the held answer is given up", || async {
        app.messages(conv)
            .await
            .iter()
            .any(|m| m["author"] == "bot" && m["delivery"] == "failed")
    })
    .await;
    assert_eq!(graph.sent().len(), 1, "only the first answer left");
    store.close().await;
    app.stop().await;
}

/// A row of the conversation that this version cannot decode (here, a
/// message kind it does not know) must stop neither storing new messages
/// (storing reads the router's view) nor routing them: the history the bot
/// sees just leaves that row out.
async fn an_unreadable_old_row_blocks_neither_storing_nor_routing(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph, &[]).await;
    let r = post(&app, &text_from("wamid.u1", "6281300000010", "hello")).await;
    assert_eq!(r.status(), 200);
    app.wait_routed("wamid.u1").await;
    let conv = conversation_of(&app, "6281300000010").await["id"]
        .as_i64()
        .unwrap();
    let store = store_of(&app).await;
    store
        .db()
        .execute(
            "INSERT INTO messages (conversation_id, direction, author, kind, text, created_at, updated_at)
             VALUES ($1, 'in', 'customer', 'hologram', 'from the future', 0, 0)",
            baton::params![conv],
        )
        .await
        .unwrap();
    let r = post(
        &app,
        &text_from("wamid.u2", "6281300000010", "is my order shipped?"),
    )
    .await;
    assert_eq!(r.status(), 200, "stored and acknowledged");
    app.wait_routed("wamid.u2").await;
    store.close().await;
    app.stop().await;
}

on_both_backends!(
    handshake_and_signatures,
    every_kind_is_stored_and_acknowledged,
    batches_join_contacts_by_id_and_replays_are_noops,
    replies_statuses_and_failures,
    send_errors_by_class,
    the_24_hour_window,
    pacing_backlog_and_media,
    takeover_during_a_pacing_wait_drops_the_held_answer,
    an_unreadable_old_row_blocks_neither_storing_nor_routing,
);

async fn reactions_and_system_notices_get_no_reply_but_welcome_does(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph, &[]).await;
    for name in ["reaction", "system_number_change"] {
        let body = fresh(fixture(name));
        post(&app, &body).await;
        let wamid = body["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.wait_routed(&wamid).await;
    }
    let welcome = fresh(fixture("request_welcome"));
    post(&app, &welcome).await;
    wait_until("the welcome is answered", || async {
        !graph.sent().is_empty()
    })
    .await;
    // The other two were routed before the welcome arrived, so any reply
    // of theirs would already be a stored message.
    let store = store_of(&app).await;
    let out = store
        .db()
        .fetch_optional(
            "SELECT COUNT(*) AS n FROM messages WHERE direction = 'out'",
            &[],
        )
        .await
        .unwrap()
        .map_or(0, |r| r.i64("n").unwrap());
    store.close().await;
    assert_eq!(out, 1, "one reply in all");
    let sent = graph.sent();
    assert_eq!(
        sent.len(),
        1,
        "only the welcome got a reply: {:?}",
        sent.iter().map(|r| r.body.clone()).collect::<Vec<_>>()
    );
    assert!(
        sent[0].body["text"]["body"]
            .as_str()
            .unwrap()
            .contains("How can I help")
    );
    app.stop().await;
}

on_both_backends!(reactions_and_system_notices_get_no_reply_but_welcome_does);

async fn agents_send_media_by_link_or_id(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = start(backend, &graph, &[]).await;
    post(
        &app,
        &text_from("wamid.m1", "6281400000001", "agent please"),
    )
    .await;
    let id = conversation_of(&app, "6281400000001").await["id"]
        .as_i64()
        .unwrap();
    let url = format!("/api/v1/conversations/{id}/messages");
    let r = app
        .post(&url)
        .json(&json!({"text": "Your invoice", "media": {"type": "document", "url": "https://files.example/inv.pdf", "filename": "inv.pdf"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["kind"], "document");
    let r = app
        .post(&url)
        .json(&json!({"media": {"type": "image", "id": "1234567890"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "media without text is fine");
    for bad in [
        json!({"media": {"type": "fax", "id": "1"}}),
        json!({"media": {"type": "image"}}),
        json!({"media": {"type": "image", "url": "ftp://x"}}),
        json!({}),
    ] {
        let r = app.post(&url).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), 422, "{bad}");
    }
    wait_until("both attachments sent", || async {
        graph
            .sent()
            .iter()
            .filter(|r| r.body["type"] == "document" || r.body["type"] == "image")
            .count()
            == 2
    })
    .await;
    let sent = graph.sent();
    let doc = sent.iter().find(|r| r.body["type"] == "document").unwrap();
    assert_eq!(
        doc.body["document"],
        json!({"link": "https://files.example/inv.pdf", "caption": "Your invoice", "filename": "inv.pdf"})
    );
    let img = sent.iter().find(|r| r.body["type"] == "image").unwrap();
    assert_eq!(img.body["image"], json!({"id": "1234567890"}));
    app.stop().await;
}

on_both_backends!(agents_send_media_by_link_or_id);
