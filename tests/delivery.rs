//! Exactly-once hand-off to the channel: a row claimed by this process
//! keeps its claim however long it waits here, and no other worker or
//! instance sends it meanwhile.

mod common;

use std::collections::HashMap;
use std::sync::Arc;

use baton::conversation::SystemClock;
use baton::hooks::{Hooks, Point};
use baton::store::Store;
use common::graph::FakeGraph;
use common::receiver::Receiver;
use common::wa::{self, NUMBER, SECRET};
use common::{Backend, Setup, TestApp, wait_until};
use serde_json::{Value, json};

/// A signed WhatsApp text webhook from `from`, timestamped now.
async fn whatsapp_text(app: &TestApp, wamid: &str, from: &str, text: &str) {
    let r = wa::post(app, &wa::text_from(wamid, from, text)).await;
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
    let setup = |backend| {
        let mut s = Setup::new(backend)
            .callback(&receiver.url("/callback"), "fence-secret")
            .arg("outbox-lease", "1s");
        s.options.poll_every = std::time::Duration::from_millis(50);
        s
    };
    // A holds a send after pacing, with its only send slot: every later
    // row waits in A's memory for that slot.
    let hooks = Hooks::armable();
    // The bot's answer goes through; the second send (the takeover
    // greeting the first agent reply brings) is held.
    let mut held = hooks.pause(Point::OutboxPaced, 2);
    let mut first = setup(Backend::Postgres).arg("outbox-concurrency", "1");
    first.options.hooks = hooks;
    let a = first.start().await;
    let b = setup(Backend::Postgres).same_database(&a).start().await;

    let id = a.converse("fence-1", "+628111", "hello").await;
    wait_until("the bot's answer is delivered", || async {
        receiver.accepted().len() == 1
    })
    .await;
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
    held.reached().await;
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
    assert_eq!(
        receiver.all().len(),
        1,
        "nothing more sent while A holds the rows"
    );
    held.release();
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
    assert_eq!(
        got.len(),
        7,
        "the bot's answer, the takeover greeting, five agent replies"
    );
    let attempts = store
        .db()
        .fetch_optional("SELECT COUNT(*) AS n FROM outbox_attempts", &[])
        .await
        .expect("query")
        .map_or(0, |r| r.i64("n").expect("n"));
    assert_eq!(attempts, 7, "one attempt per row");
    store.close().await;
    b.stop().await;
    a.stop().await;
}

/// Two gateways on one PostgreSQL polling the same due rows (queued with
/// no lease, as retries are): each row is claimed by one of them and sent
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL suite: set BATON_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn two_instances_share_due_rows_without_sending_one_twice() {
    let receiver = Receiver::start().await;
    let setup = |backend| {
        let mut s = Setup::new(backend)
            .callback(&receiver.url("/callback"), "share-secret")
            .arg("outbox-lease", "1s");
        s.options.poll_every = std::time::Duration::from_millis(20);
        s
    };
    let a = setup(Backend::Postgres).start().await;
    let b = setup(Backend::Postgres).same_database(&a).start().await;
    let id = a.converse("share-1", "+628222", "hello").await;
    wait_until("the bot's answer is delivered", || async {
        receiver.accepted().len() == 1
    })
    .await;
    let store = Store::open(&a.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("store");
    let texts: Vec<String> = (1..=60).map(|i| format!("due {i}")).collect();
    let drafts: Vec<baton::store::NewOutbound> = texts
        .iter()
        .map(|t| baton::store::NewOutbound {
            author: baton::conversation::Author::Agent,
            agent_id: None,
            text: t.clone(),
            quick_replies: vec![],
            reply_to: None,
            meta: None,
            template: None,
            media: None,
        })
        .collect();
    let mut tx = store.begin().await.expect("tx");
    store
        .queue_outbound(&mut tx, id, &drafts, None)
        .await
        .expect("queue");
    tx.commit().await.expect("commit");
    wait_until("every due row is sent", || async {
        pending_outbox_rows(&store).await == 0
    })
    .await;
    let got: Vec<Value> = receiver.accepted().iter().map(|r| r.json()).collect();
    let seen = counts(got.iter().filter_map(|v| v["data"]["text"].as_str()));
    for t in &texts {
        assert_eq!(
            seen.get(t),
            Some(&1),
            "{t} delivered exactly once: {seen:?}"
        );
    }
    store.close().await;
    b.stop().await;
    a.stop().await;
}
