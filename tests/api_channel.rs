//! The API channel end to end: inbound dedup, signed callbacks, retries
//! with a stable webhook-id, dead letters, validation and errors.

mod common;

use std::sync::atomic::Ordering;

use baton_channel_api::WebhookSecret;
use common::receiver::Receiver;
use common::{Backend, Setup, wait_until};
use serde_json::{Value, json};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn posted_twice_is_stored_once(backend: Backend) {
    let rx = Receiver::start().await;
    // The second post meets the database's dedup key, not the cache.
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .without_inbound_cache()
        .start()
        .await;
    let first = app.inbound("ext-1", "+6281100", "halo").await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = app.inbound("ext-1", "+6281100", "halo").await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["message_id"], first["message_id"]);
    let conv = first["conversation_id"].as_i64().unwrap();
    wait_until("the reply is delivered", || async {
        rx.accepted().len() == 1
    })
    .await;
    let inbound: Vec<Value> = app
        .messages(conv)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "in")
        .collect();
    assert_eq!(inbound.len(), 1, "stored once");
    assert_eq!(inbound[0]["text"], "halo");
    assert_eq!(inbound[0]["channel_message_id"], "ext-1");
    // And the duplicate was not routed again: one bot reply, sent once.
    let bot = app
        .messages(conv)
        .await
        .into_iter()
        .filter(|m| m["author"] == "bot")
        .count();
    assert_eq!(bot, 1);
    assert_eq!(rx.all().len(), 1);
    app.stop().await;
}

async fn receiver_failing_twice_gets_same_webhook_id(backend: Backend) {
    let rx = Receiver::start().await;
    rx.script.fail_first.store(2, Ordering::SeqCst);
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .start()
        .await;
    let conv = app.converse("ext-2", "+6281101", "hello").await;
    wait_until("three attempts reach the receiver", || async {
        rx.all().len() >= 3
    })
    .await;
    app.wait_delivery(conv, "bot", "delivered").await;
    let got = rx.all();
    assert_eq!(got.len(), 3);
    assert_eq!(
        got.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    let id = got[0].header("webhook-id");
    assert!(id.starts_with("msg_"), "{id}");
    assert!(
        got.iter().all(|r| r.header("webhook-id") == id),
        "same webhook-id on every attempt"
    );
    // Every attempt is correctly signed, and the body is the reply.
    let secret = WebhookSecret::new(SECRET);
    for r in &got {
        let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
        assert!(secret.verify(&id, ts, &r.body, &r.header("webhook-signature")));
    }
    let body = got[2].json();
    assert_eq!(body["type"], "message.created");
    assert_eq!(body["data"]["conversation_id"], conv);
    assert_eq!(body["data"]["contact"]["handle"], "+6281101");
    assert_eq!(body["data"]["author"], "bot");
    // A signature made with another secret does not verify.
    let wrong = WebhookSecret::new("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let ts: i64 = got[2].header("webhook-timestamp").parse().unwrap();
    assert!(!wrong.verify(&id, ts, &got[2].body, &got[2].header("webhook-signature")));
    app.stop().await;
}

async fn receiver_down_ends_failed_with_reason(backend: Backend) {
    let rx = Receiver::start().await;
    rx.script.always.store(503, Ordering::SeqCst);
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .arg("outbox-max-attempts", "3")
        .start()
        .await;
    let conv = app.converse("ext-3", "+6281102", "anyone?").await;
    let m = app.wait_delivery(conv, "bot", "failed").await;
    let error = m["error"].as_str().unwrap();
    assert!(
        error.contains("gave up after 3 attempts") && error.contains("HTTP 503"),
        "{error}"
    );
    assert_eq!(rx.all().len(), 3);
    app.stop().await;
}

async fn permanent_rejection_is_not_retried(backend: Backend) {
    let rx = Receiver::start().await;
    rx.script.always.store(410, Ordering::SeqCst);
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .start()
        .await;
    let conv = app.converse("ext-4", "+6281103", "hi").await;
    let m = app.wait_delivery(conv, "bot", "failed").await;
    assert!(
        m["error"].as_str().unwrap().starts_with("http_410"),
        "{}",
        m["error"]
    );
    // Failed is final: the row is dead, nothing will retry it.
    assert_eq!(rx.all().len(), 1);
    app.stop().await;
}

async fn agent_reply_reaches_the_callback(backend: Backend) {
    let rx = Receiver::start().await;
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .start()
        .await;
    let conv = app.converse("ext-5", "+6281104", "hi").await;
    wait_until("the bot answers", || async { rx.accepted().len() == 1 }).await;
    let resp = app
        .post(&format!("/api/v1/conversations/{conv}/messages"))
        .json(&json!({"text": "Hi, this is Sari from support."}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let msg: Value = resp.json().await.unwrap();
    assert_eq!(msg["author"], "agent");
    assert_eq!(msg["direction"], "out");
    // The bot's acknowledgement, then — the agent's reply taking the
    // conversation over — the takeover greeting and the reply, in order.
    wait_until("three messages arrive", || async {
        rx.accepted().len() == 3
    })
    .await;
    let texts: Vec<String> = rx
        .accepted()
        .iter()
        .map(|r| r.json()["data"]["text"].as_str().unwrap().to_string())
        .collect();
    assert!(
        texts[1].starts_with("Your conversation is now handled"),
        "{texts:?}"
    );
    assert_eq!(texts[2], "Hi, this is Sari from support.", "{texts:?}");
    let c = app.conversation(conv).await;
    assert_eq!(c["status"], "open", "the bot is silent now");
    assert!(c["paused_until"].is_string(), "the pause is pushed on: {c}");
    app.stop().await;
}

on_both_backends!(
    posted_twice_is_stored_once,
    receiver_failing_twice_gets_same_webhook_id,
    receiver_down_ends_failed_with_reason,
    permanent_rejection_is_not_retried,
    agent_reply_reaches_the_callback,
);

async fn retry_after_is_honoured(backend: Backend) {
    let rx = Receiver::start().await;
    rx.script.fail_first.store(1, Ordering::SeqCst);
    rx.script.fail_status.store(429, Ordering::SeqCst);
    rx.script.retry_after.store(2, Ordering::SeqCst);
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .start()
        .await;
    let conv = app.converse("ext-6", "+6281105", "hi").await;
    let first_seen = std::time::Instant::now();
    wait_until("the first attempt is refused", || async {
        !rx.all().is_empty()
    })
    .await;
    app.wait_delivery(conv, "bot", "delivered").await;
    // The retry base is 50 ms in tests: only Retry-After explains the wait.
    assert!(
        first_seen.elapsed() >= std::time::Duration::from_millis(1900),
        "{:?}",
        first_seen.elapsed()
    );
    assert_eq!(
        rx.all().iter().map(|r| r.answered).collect::<Vec<_>>(),
        [429, 200]
    );
    app.stop().await;
}

async fn shutdown_finishes_sends_in_flight(backend: Backend) {
    let rx = Receiver::start().await;
    rx.script.delay_ms.store(700, Ordering::SeqCst);
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), SECRET)
        .start()
        .await;
    let conv = app.converse("ext-7", "+6281106", "hi").await;
    wait_until("the send is in flight", || async {
        rx.script.arrived.load(Ordering::SeqCst) == 1
    })
    .await;
    let url = app.database_url.clone();
    let dir = app.dir.clone();
    app.stop().await;
    // The in-flight send finished and was recorded before shutdown completed.
    assert_eq!(rx.accepted().len(), 1);
    let store = baton::store::Store::open(
        &url,
        2,
        std::sync::Arc::new(baton::conversation::SystemClock),
    )
    .await
    .unwrap();
    let msgs = store.messages(conv, 10).await.unwrap();
    let bot = msgs.iter().find(|m| m.author.as_str() == "bot").unwrap();
    assert_eq!(bot.delivery, Some(baton_channel::Delivery::Delivered));
    store.close().await;
    drop(dir);
}

on_both_backends!(retry_after_is_honoured, shutdown_finishes_sends_in_flight);
