//! Exactly-once hand-off to the channel: a row claimed by this process
//! keeps its claim however long it waits here, and no other worker or
//! instance sends it meanwhile.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use baton::conversation::SystemClock;
use baton::store::Store;
use common::graph::FakeGraph;
use common::receiver::Receiver;
use common::{Backend, Setup, TestApp, wait_until};
use serde_json::{Value, json};

const SECRET: &str = "app-secret";
const NUMBER: &str = "106540352242922";

/// A signed WhatsApp text webhook from `from`, timestamped now.
async fn whatsapp_text(app: &TestApp, wamid: &str, from: &str, text: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        .to_string();
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
    "field": "messages",
    "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER},
        "contacts": [{"profile": {"name": "Ani"}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": now, "type": "text",
                      "text": {"body": text}}]
    }}]}]});
    let bytes = serde_json::to_vec(&body).expect("json");
    let r = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            baton_channel_whatsapp::sign(SECRET.as_bytes(), &bytes),
        )
        .body(bytes)
        .send()
        .await
        .expect("webhook");
    assert_eq!(r.status(), 200);
}

async fn pending_outbox_rows(store: &Store) -> i64 {
    store
        .db()
        .fetch_optional(
            "SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'",
            &[],
        )
        .await
        .expect("query")
        .map_or(0, |r| r.i64("n").expect("n"))
}

/// Counts each text among `texts` (every occurrence).
fn counts<'a>(texts: impl IntoIterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for t in texts {
        *out.entry(t.to_string()).or_insert(0) += 1;
    }
    out
}

/// Agent replies held back by the per-customer pacing for several times
/// the lease: each reaches the customer exactly once (the poller used to
/// claim the waiting rows again when their lease ran out and send them a
/// second time).
async fn paced_sends_that_outlive_their_lease_go_out_once(backend: Backend) {
    let graph = FakeGraph::start().await;
    let mut setup = Setup::new(backend)
        .arg("whatsapp-access-token", "test-token")
        .arg("whatsapp-phone-number-id", NUMBER)
        .arg("whatsapp-app-secret", SECRET)
        .arg("whatsapp-verify-token", "verify-me")
        .arg("whatsapp-api-base", &graph.base())
        .arg("whatsapp-pair-burst", "1")
        .arg("whatsapp-pair-interval", "300ms")
        .arg("outbox-lease", "1s");
    setup.options.poll_every = std::time::Duration::from_millis(50);
    let app = setup.start().await;
    whatsapp_text(&app, "wamid.lease1", "6281400000077", "hello").await;
    app.wait_routed("wamid.lease1").await;
    let list = app.get_json("/api/v1/conversations").await;
    let id = list["conversations"][0]["id"].as_i64().expect("id");
    // Twelve replies at one per 300 ms: the last waits about 3.6 s in this
    // process, more than three leases.
    let texts: Vec<String> = (1..=12).map(|i| format!("reply {i}")).collect();
    for t in &texts {
        let r = app
            .post(&format!("/api/v1/conversations/{id}/messages"))
            .json(&json!({"text": t}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 202);
    }
    let store = Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("store");
    wait_until("every reply is sent", || async {
        pending_outbox_rows(&store).await == 0
    })
    .await;
    let sent = graph.sent();
    let seen = counts(sent.iter().filter_map(|r| r.body["text"]["body"].as_str()));
    for t in &texts {
        assert_eq!(seen.get(t), Some(&1), "{t} sent exactly once: {seen:?}");
    }
    store.close().await;
    app.stop().await;
}

on_both_backends!(paced_sends_that_outlive_their_lease_go_out_once);

/// Two gateways on one PostgreSQL: rows one of them holds in flight (a
/// hook keeps them waiting, for many leases) are not claimed and sent by
/// the other; released, each goes out once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL suite: set BATON_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn two_instances_never_send_the_same_row() {
    let receiver = Receiver::start().await;
    let (release, released) = tokio::sync::watch::channel(false);
    let hook: baton::outbox::BeforeSend = Arc::new(move |_row| {
        let mut released = released.clone();
        Box::pin(async move {
            let _ = released.wait_for(|r| *r).await;
        })
    });
    let setup = |backend| {
        let mut s = Setup::new(backend)
            .callback(&receiver.url("/callback"), "fence-secret")
            .arg("outbox-lease", "1s");
        s.options.poll_every = std::time::Duration::from_millis(50);
        s
    };
    let mut first = setup(Backend::Postgres);
    first.options.before_send = Some(hook);
    let a = first.start().await;
    let b = setup(Backend::Postgres).same_database(&a).start().await;

    let id = a.converse("fence-1", "+628111", "hello").await;
    let texts: Vec<String> = (1..=5).map(|i| format!("agent {i}")).collect();
    for t in &texts {
        let r = a
            .post(&format!("/api/v1/conversations/{id}/messages"))
            .json(&json!({"text": t}))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 202);
    }
    let store = Store::open(&a.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("store");
    // Wait until every held row's lease has been renewed past three of its
    // original lengths: without the renewal, B would have claimed each of
    // them (it polls every 50 ms) two leases ago.
    wait_until(
        "held leases are renewed well past their first term",
        || async {
            store
                .db()
                .fetch_optional(
                    "SELECT COUNT(*) AS n FROM outbox
                 WHERE state = 'pending' AND lease_until > created_at + 3000",
                    &[],
                )
                .await
                .expect("query")
                .is_some_and(|r| r.i64("n").expect("n") == 6)
        },
    )
    .await;
    assert!(
        receiver.all().is_empty(),
        "nothing sent while A holds the rows"
    );
    release.send(true).expect("release");
    wait_until("every row is sent", || async {
        pending_outbox_rows(&store).await == 0
    })
    .await;
    let got: Vec<Value> = receiver.all().iter().map(|r| r.json()).collect();
    let seen = counts(got.iter().filter_map(|v| v["data"]["text"].as_str()));
    for t in &texts {
        assert_eq!(
            seen.get(t),
            Some(&1),
            "{t} delivered exactly once: {seen:?}"
        );
    }
    assert_eq!(got.len(), 6, "five agent replies and the bot's answer");
    let attempts = store
        .db()
        .fetch_optional("SELECT COUNT(*) AS n FROM outbox_attempts", &[])
        .await
        .expect("query")
        .map_or(0, |r| r.i64("n").expect("n"));
    assert_eq!(attempts, 6, "one attempt per row");
    store.close().await;
    b.stop().await;
    a.stop().await;
}

/// A stand-in for Meta that takes the first message and never answers
/// (the send times out on our side although Meta has it), then answers
/// every later one at once.
async fn meta_that_loses_its_first_answer() -> (String, Arc<std::sync::Mutex<Vec<Value>>>) {
    use axum::routing::post;
    let bodies: Arc<std::sync::Mutex<Vec<Value>>> = Arc::default();
    let state = bodies.clone();
    let app = axum::Router::new().route(
        "/v23.0/{id}/messages",
        post(move |axum::Json(body): axum::Json<Value>| {
            let bodies = state.clone();
            async move {
                if body.get("to").is_none() {
                    // Mark-as-read and typing calls.
                    return axum::Json(json!({"success": true}));
                }
                let n = {
                    let mut b = bodies.lock().expect("lock");
                    b.push(body);
                    b.len()
                };
                if n == 1 {
                    std::future::pending::<()>().await;
                }
                axum::Json(json!({"messages": [{"id": format!("wamid.answered{n}")}]}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/v23.0"), bodies)
}

/// A signed status webhook for `wamid`, echoing our key the way Meta
/// echoes `biz_opaque_callback_data`.
async fn whatsapp_status(app: &TestApp, wamid: &str, to: &str, key: &str) {
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{
    "field": "messages",
    "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": NUMBER},
        "statuses": [{"id": wamid, "status": "sent", "timestamp": "1750030100",
                      "recipient_id": to, "biz_opaque_callback_data": key}]
    }}]}]});
    let bytes = serde_json::to_vec(&body).expect("json");
    let r = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            baton_channel_whatsapp::sign(SECRET.as_bytes(), &bytes),
        )
        .body(bytes)
        .send()
        .await
        .expect("webhook");
    assert_eq!(r.status(), 200);
}

/// A gateway whose WhatsApp sends go to [`meta_that_loses_its_first_answer`].
async fn gateway_with_lossy_meta(
    backend: Backend,
    confirm_wait: &str,
) -> (TestApp, Arc<std::sync::Mutex<Vec<Value>>>) {
    let (base, bodies) = meta_that_loses_its_first_answer().await;
    let app = Setup::new(backend)
        .arg("whatsapp-access-token", "test-token")
        .arg("whatsapp-phone-number-id", NUMBER)
        .arg("whatsapp-app-secret", SECRET)
        .arg("whatsapp-verify-token", "verify-me")
        .arg("whatsapp-api-base", &base)
        .arg("send-timeout", "300ms")
        .arg("whatsapp-confirm-wait", confirm_wait)
        .start()
        .await;
    (app, bodies)
}

/// Meta accepted a message but its answer never came back (the send timed
/// out). Every send carries our idempotency key as
/// `biz_opaque_callback_data`; the retry waits (here a minute, longer than
/// the test) for Meta's status webhook, which echoes the key and settles
/// the message: it is not sent twice.
async fn a_send_meta_accepted_but_never_answered_is_not_sent_twice(backend: Backend) {
    let (app, bodies) = gateway_with_lossy_meta(backend, "60s").await;
    whatsapp_text(&app, "wamid.lost1", "6281400000088", "hello").await;
    wait_until("the first send reached Meta", || async {
        !bodies.lock().expect("lock").is_empty()
    })
    .await;
    let first = bodies.lock().expect("lock")[0].clone();
    let key = first["biz_opaque_callback_data"]
        .as_str()
        .expect("the send carries our key")
        .to_string();
    let store = Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("store");
    wait_until("the timed-out send waits for a confirmation", || async {
        store
            .db()
            .fetch_optional(
                "SELECT COUNT(*) AS n FROM outbox WHERE idempotency_key = $1
                 AND state = 'pending' AND attempts = 1",
                baton::params![key.as_str()],
            )
            .await
            .expect("query")
            .is_some_and(|r| r.i64("n").expect("n") == 1)
    })
    .await;
    // Meta's status webhook for the message it accepted.
    whatsapp_status(&app, "wamid.accepted", "6281400000088", &key).await;
    wait_until("the confirmation settles the send", || async {
        pending_outbox_rows(&store).await == 0
    })
    .await;
    let conversation = app.get_json("/api/v1/conversations").await["conversations"][0]["id"]
        .as_i64()
        .expect("id");
    let bot = app
        .message_by(conversation, "bot")
        .await
        .expect("bot reply");
    assert_eq!(bot["channel_message_id"], "wamid.accepted");
    assert_eq!(bot["delivery"], "sent");
    assert_eq!(bodies.lock().expect("lock").len(), 1, "sent once");
    store.close().await;
    app.stop().await;
}

/// When no confirmation comes (Meta never had it), the send goes out again
/// after the wait, under the same key: at least once, never lost.
async fn an_unconfirmed_send_is_retried_after_the_wait(backend: Backend) {
    let (app, bodies) = gateway_with_lossy_meta(backend, "1s").await;
    whatsapp_text(&app, "wamid.lost2", "6281400000089", "hello").await;
    let store = Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("store");
    wait_until("the unconfirmed send is retried", || async {
        bodies.lock().expect("lock").len() == 2 && pending_outbox_rows(&store).await == 0
    })
    .await;
    let sent = bodies.lock().expect("lock").clone();
    assert_eq!(
        sent[0]["biz_opaque_callback_data"], sent[1]["biz_opaque_callback_data"],
        "one key across attempts"
    );
    store.close().await;
    app.stop().await;
}

on_both_backends!(
    a_send_meta_accepted_but_never_answered_is_not_sent_twice,
    an_unconfirmed_send_is_retried_after_the_wait
);
