//! Events: the SSE stream (live, and resumed with `Last-Event-ID` without
//! gaps or duplicates) and the signed events webhook (retried with the same
//! `webhook-id`, filtered by kind).

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use baton::hooks::{Hooks, Point};
use baton_channel_api::WebhookSecret;
use common::receiver::Receiver;
use common::{ADMIN, Backend, Setup, TestApp, wait_until};
use serde_json::Value;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One SSE event as received.
#[derive(Debug)]
struct Frame {
    id: i64,
    event: String,
    data: Value,
}

/// A tiny SSE reader over a real HTTP response.
struct SseClient {
    response: reqwest::Response,
    buf: String,
}

impl SseClient {
    async fn open(app: &TestApp, last_event_id: Option<i64>) -> SseClient {
        Self::open_as(app, ADMIN, last_event_id).await
    }

    async fn open_as(app: &TestApp, token: &str, last_event_id: Option<i64>) -> SseClient {
        let mut req = app.client.get(app.url("/api/v1/events")).bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        let response = req.send().await.expect("events request");
        assert_eq!(response.status(), 200);
        let ct = response.headers()["content-type"].to_str().unwrap();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        SseClient {
            response,
            buf: String::new(),
        }
    }

    /// The next event (comments skipped), or a panic after 15 s.
    async fn next(&mut self) -> Frame {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, None, None);
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().parse::<i64>().expect("numeric id"));
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data = Some(serde_json::from_str(v.trim()).expect("JSON data"));
                    }
                }
                if let (Some(id), Some(event), Some(data)) = (id, event, data) {
                    return Frame { id, event, data };
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .expect("an event within 15 s")
                .expect("stream read")
                .expect("the stream is still open");
            self.buf
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }

    /// The first frame `want` matches.
    async fn find(&mut self, want: impl Fn(&Frame) -> bool) -> Frame {
        loop {
            let f = self.next().await;
            if want(&f) {
                return f;
            }
        }
    }

    /// Frames up to (not including) the first that `stop` matches.
    async fn until(&mut self, stop: impl Fn(&Frame) -> bool) -> Vec<Frame> {
        let mut got = Vec::new();
        loop {
            let f = self.next().await;
            if stop(&f) {
                return got;
            }
            got.push(f);
        }
    }
}

fn inbound_text(f: &Frame, text: &str) -> bool {
    f.event == "message.created"
        && f.data["data"]["text"] == text
        && f.data["data"]["direction"] == "in"
}

/// The events table, oldest first.
async fn table(app: &TestApp) -> Vec<baton::events::Event> {
    let store = baton::store::Store::open(
        &app.database_url,
        1,
        Arc::new(baton::conversation::SystemClock),
    )
    .await
    .expect("open store");
    let events = store.events_after(0, 10_000).await.expect("events");
    store.close().await;
    events
}

async fn sse_streams_an_inbound_message(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let mut sse = SseClient::open(&app, None).await;
    let conv = app.converse("ev-1", "+6281200", "hello events").await;
    let f = sse.find(|f| inbound_text(f, "hello events")).await;
    assert_eq!(f.event, "message.created");
    assert_eq!(f.data["id"], f.id);
    assert_eq!(f.data["kind"], "message.created");
    assert_eq!(f.data["conversation_id"], conv);
    assert_eq!(f.data["data"]["author"], "customer");
    let at = f.data["created_at"].as_str().expect("created_at");
    assert!(humantime::parse_rfc3339(at).is_ok(), "RFC 3339: {at}");
    let stored = table(&app).await;
    let e = stored
        .iter()
        .find(|e| e.id == f.id)
        .expect("the same event is in the table");
    assert_eq!(
        (e.kind.as_str(), e.conversation_id),
        ("message.created", Some(conv))
    );
    // The bot's reply follows on the same stream.
    let reply = sse
        .find(|f| f.event == "message.created" && f.data["data"]["author"] == "bot")
        .await;
    assert!(reply.id > f.id);
    // Shutdown ends open streams instead of waiting for them.
    app.stop().await;
}

/// An agent's stream shows what the agent may see: a conversation another
/// agent owns stays out of it, one that is nobody's comes through.
async fn an_agents_stream_shows_only_their_conversations(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for name in ["Ana", "Bima"] {
        let v: Value = app
            .post("/api/v1/agents")
            .json(&serde_json::json!({"name": name, "divisions": []}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(v["id"].as_i64().unwrap());
        tokens.push(v["token"].as_str().unwrap().to_string());
    }
    let presence = app
        .client
        .put(app.url("/api/v1/agents/me/presence"))
        .bearer_auth(&tokens[1])
        .json(&serde_json::json!({"online": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(presence.status(), 200);
    let bimas = app.converse("vis-1", "+6281301", "hello").await;
    app.takeover(bimas).await;
    let r = app
        .post(&format!("/api/v1/conversations/{bimas}/transfer"))
        .json(&serde_json::json!({"agent_id": ids[1], "note": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut ana = SseClient::open_as(&app, &tokens[0], None).await;
    app.converse("vis-2", "+6281301", "for Bima only").await;
    let nobodys = app.converse("vis-3", "+6281302", "hello anyone").await;
    let before = ana.until(|f| inbound_text(f, "hello anyone")).await;
    assert!(
        before.iter().all(|f| f.data["conversation_id"] != bimas),
        "Bima's conversation stays out of Ana's stream: {before:?}"
    );
    // Bima's own stream has it.
    let mut bima = SseClient::open_as(&app, &tokens[1], Some(0)).await;
    let f = bima.find(|f| inbound_text(f, "for Bima only")).await;
    assert_eq!(f.data["conversation_id"], bimas);
    assert_ne!(nobodys, bimas);
    app.stop().await;
}

async fn last_event_id_resumes_without_gaps_or_duplicates(backend: Backend) {
    let hooks = Hooks::armable();
    let app = Setup::new(backend).hooks(&hooks).start().await;
    let c1 = app.converse("ev-r1", "+6281201", "first").await;
    app.wait_delivery(c1, "bot", "failed").await;
    let before = table(&app).await;
    assert!(before.len() >= 3, "{before:?}");
    let resume_from = before[0].id;
    // The stream is held after subscribing to live events and before
    // reading the table; meanwhile more events commit. They are in the
    // table and on the bus: each must arrive once.
    let mut pause = hooks.pause(Point::EventsReplay, 1);
    let opening = {
        let base = app.url("/api/v1/events");
        let client = app.client.clone();
        tokio::spawn(async move {
            client
                .get(base)
                .bearer_auth(ADMIN)
                .header("last-event-id", resume_from.to_string())
                .send()
                .await
                .expect("events request")
        })
    };
    pause.reached().await;
    let c2 = app.converse("ev-r2", "+6281202", "second").await;
    app.wait_delivery(c2, "bot", "failed").await;
    pause.release();
    let mut sse = SseClient {
        response: opening.await.expect("task"),
        buf: String::new(),
    };
    // A live event after the replay marks the end of what to compare.
    let got = {
        let app = &app;
        let marker = async {
            // Sent once the replay is under way; arrives after it.
            app.converse("ev-r3", "+6281203", "third").await
        };
        let (frames, _) = tokio::join!(sse.until(|f| inbound_text(f, "third")), marker);
        frames
    };
    let marker_id = table(&app)
        .await
        .into_iter()
        .find(|e| e.data["text"] == "third")
        .expect("marker event")
        .id;
    let expected: Vec<i64> = table(&app)
        .await
        .iter()
        .map(|e| e.id)
        .filter(|id| *id > resume_from && *id < marker_id)
        .collect();
    let ids: Vec<i64> = got.iter().map(|f| f.id).collect();
    assert_eq!(
        ids, expected,
        "exactly the missed events, in order, once each"
    );
    assert!(
        got.iter().any(|f| inbound_text(f, "second")),
        "the events committed during the replay are there"
    );
    drop(sse);
    app.stop().await;
}

/// Every request is correctly signed, and its `webhook-id` names the event.
fn check_signed(r: &common::receiver::Received) -> (String, Value) {
    let secret = WebhookSecret::new(SECRET);
    let id = r.header("webhook-id");
    let ts: i64 = r.header("webhook-timestamp").parse().expect("timestamp");
    assert!(
        secret.verify(&id, ts, &r.body, &r.header("webhook-signature")),
        "signature of {id}"
    );
    let body = r.json();
    assert_eq!(id, format!("evt_{}", body["data"]["id"]));
    assert_eq!(body["type"], body["data"]["kind"]);
    (id, body)
}

async fn events_webhook_is_signed_and_retried_with_the_same_id(backend: Backend) {
    let rx = Receiver::start().await;
    rx.script.fail_first.store(1, Ordering::SeqCst);
    let app = Setup::new(backend)
        .arg("events-webhook-url", &rx.url("/events"))
        .arg("events-webhook-secret", SECRET)
        .start()
        .await;
    let conv = app.converse("ev-w1", "+6281204", "webhook me").await;
    app.wait_delivery(conv, "bot", "failed").await;
    let events = table(&app).await;
    let mut want: Vec<String> = events.iter().map(|e| format!("evt_{}", e.id)).collect();
    want.sort();
    wait_until("every event reached the receiver", || async {
        let mut ids: Vec<String> = rx
            .accepted()
            .iter()
            .map(|r| r.header("webhook-id"))
            .collect();
        ids.sort();
        ids == want
    })
    .await;
    let all = rx.all();
    let (failed_id, _) = check_signed(&all[0]);
    assert_eq!(all[0].answered, 500);
    let retried: Vec<_> = all
        .iter()
        .filter(|r| r.header("webhook-id") == failed_id)
        .collect();
    assert_eq!(retried.len(), 2, "the failed one again, with the same id");
    assert_eq!(retried[1].answered, 200);
    assert_eq!(retried[0].body, retried[1].body);
    for r in &all {
        check_signed(r);
    }
    let inbound = rx
        .accepted()
        .iter()
        .map(|r| r.json())
        .find(|b| b["type"] == "message.created" && b["data"]["data"]["direction"] == "in")
        .expect("the inbound message's event");
    assert_eq!(inbound["data"]["conversation_id"], conv);
    assert_eq!(inbound["data"]["data"]["text"], "webhook me");
    app.stop().await;
}

async fn events_webhook_sends_only_the_configured_kinds(backend: Backend) {
    let rx = Receiver::start().await;
    let app = Setup::new(backend)
        .arg("events-webhook-url", &rx.url("/events"))
        .arg("events-webhook-secret", SECRET)
        .arg("events-webhook-kinds", "message.created")
        .start()
        .await;
    let conv = app.converse("ev-k1", "+6281205", "only some").await;
    app.wait_delivery(conv, "bot", "failed").await;
    let events = table(&app).await;
    let created = events
        .iter()
        .filter(|e| e.kind == "message.created")
        .count();
    assert!(created >= 2 && created < events.len(), "{events:?}");
    wait_until("the message.created events arrived", || async {
        rx.accepted().len() >= created
    })
    .await;
    // Rows are written with their events: nothing else was queued.
    let store = baton::store::Store::open(
        &app.database_url,
        1,
        Arc::new(baton::conversation::SystemClock),
    )
    .await
    .expect("open store");
    let rows = store
        .db()
        .fetch_optional(
            "SELECT COUNT(*) AS n FROM outbox WHERE channel = 'events'",
            &[],
        )
        .await
        .expect("count")
        .expect("a row")
        .i64("n")
        .expect("n");
    store.close().await;
    assert_eq!(rows as usize, created);
    let got = rx.accepted();
    assert_eq!(got.len(), created);
    for r in &got {
        let (_, body) = check_signed(r);
        assert_eq!(body["type"], "message.created");
    }
    app.stop().await;
}

on_both_backends!(
    sse_streams_an_inbound_message,
    an_agents_stream_shows_only_their_conversations,
    last_event_id_resumes_without_gaps_or_duplicates,
    events_webhook_is_signed_and_retried_with_the_same_id,
    events_webhook_sends_only_the_configured_kinds,
);
