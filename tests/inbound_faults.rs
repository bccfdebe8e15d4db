//! Inbound faults on the real app: Meta delivering one webhook sixteen
//! times at once, a replay after a restart (cold duplicate cache), and a
//! status racing the recording of its send.

mod common;

use std::sync::Arc;

use baton::conversation::SystemClock;
use baton::hooks::{Hooks, Point};
use baton::store::{Dialect, Store};
use common::graph::FakeGraph;
use common::wa::{self, post, post_to, status, text_from};
use common::{Backend, TestApp, wait_until};
use serde_json::Value;

const QUESTION: &str = "how long does delivery take to surabaya?";

async fn count(store: &Store, sql: &str, wamid: &str) -> i64 {
    store
        .db()
        .fetch_optional(sql, baton::params![wamid])
        .await
        .unwrap()
        .map_or(0, |r| r.i64("n").unwrap())
}

/// One stored message for `wamid`, answered by one bot reply that reached
/// the Graph API once.
async fn assert_stored_and_answered_once(app: &TestApp, graph: &FakeGraph, wamid: &str) {
    app.wait_routed(wamid).await;
    let store = Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .unwrap();
    let n = count(
        &store,
        "SELECT COUNT(*) AS n FROM messages WHERE channel_message_id = $1",
        wamid,
    )
    .await;
    assert_eq!(n, 1, "stored once");
    let replies = count(
        &store,
        "SELECT COUNT(*) AS n FROM messages m JOIN messages q
           ON q.conversation_id = m.conversation_id
         WHERE q.channel_message_id = $1 AND m.direction = 'out'",
        wamid,
    )
    .await;
    assert_eq!(replies, 1, "answered once");
    // The reply's outbox row is settled, so no second send can follow.
    wait_until("the reply is sent", || async {
        count(
            &store,
            "SELECT COUNT(*) AS n FROM outbox o JOIN messages m ON m.id = o.message_id
             JOIN messages q ON q.conversation_id = m.conversation_id
             WHERE q.channel_message_id = $1 AND o.state = 'done'",
            wamid,
        )
        .await
            == 1
    })
    .await;
    assert_eq!(graph.sent().len(), 1, "one reply reached the Graph API");
    store.close().await;
}

/// Sixteen deliveries of one webhook at once, with the duplicate cache off
/// so every one of them meets the database's unique key.
async fn sixteen_identical_webhooks_store_one(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = wa::setup(backend, &graph.base())
        .without_inbound_cache()
        .start()
        .await;
    let body = text_from("wamid.x16", "6281600000001", QUESTION);
    let posts = (0..16).map(|_| post(&app, &body));
    for r in futures_util::future::join_all(posts).await {
        assert_eq!(r.status(), 200);
    }
    assert_stored_and_answered_once(&app, &graph, "wamid.x16").await;
    app.stop().await;
}

/// Meta replays a webhook after the gateway restarted: the in-memory cache
/// is empty, the database key answers.
async fn a_replay_after_a_restart_is_stored_once(backend: Backend) {
    let graph = FakeGraph::start().await;
    let app = wa::start(backend, &graph).await;
    let body = text_from("wamid.xr", "6281600000002", QUESTION);
    assert_eq!(post(&app, &body).await.status(), 200);
    assert_stored_and_answered_once(&app, &graph, "wamid.xr").await;
    let again = wa::setup(backend, &graph.base()).same_database(&app);
    app.stop().await;
    let app = again.start().await;
    assert_eq!(post(&app, &body).await.status(), 200);
    assert_stored_and_answered_once(&app, &graph, "wamid.xr").await;
    app.stop().await;
}

/// A status for our reply arrives while the send's outcome (with the wamid)
/// is written but not committed. On PostgreSQL the two transactions run
/// side by side and neither sees the other's rows; the status must still
/// be applied. (On SQLite the one writer serialises them.)
async fn a_status_racing_its_send_record_is_applied(backend: Backend) {
    let graph = FakeGraph::start().await;
    let hooks = Hooks::armable();
    let mut held = hooks.pause(Point::OutcomeRecorded, 1);
    let app = wa::setup(backend, &graph.base())
        .hooks(&hooks)
        .start()
        .await;
    let customer = "6281600000003";
    post(&app, &text_from("wamid.xs", customer, QUESTION)).await;
    held.reached().await;
    let sent = graph.accepted()[0].clone();
    assert_eq!(sent.body["to"], customer);
    let (client, url) = (app.client.clone(), app.url("/webhooks/whatsapp"));
    let delivered = status("wamid.OUT0", "delivered");
    let webhook = tokio::spawn(async move { post_to(&client, &url, &delivered).await.status() });
    if backend == Backend::Postgres {
        // Release only once the status has either been committed or is
        // waiting for the send's transaction: the race itself.
        let store = Store::open(&app.database_url, 1, Arc::new(SystemClock))
            .await
            .unwrap();
        assert_eq!(store.dialect(), Dialect::Postgres);
        wait_until("the status is in or waiting", || async {
            webhook.is_finished()
                || store
                    .db()
                    .fetch_optional(
                        "SELECT COUNT(*) AS n FROM pg_locks WHERE NOT granted AND database =
                           (SELECT oid FROM pg_database WHERE datname = current_database())",
                        &[],
                    )
                    .await
                    .unwrap()
                    .is_some_and(|r| r.i64("n").unwrap() > 0)
        })
        .await;
        store.close().await;
    }
    held.release();
    assert_eq!(webhook.await.unwrap(), 200);
    let reply = || async {
        wa::messages_of(&app, customer)
            .await
            .into_iter()
            .find(|m| m["author"] == "bot")
            .unwrap_or(Value::Null)
    };
    wait_until("the reply is delivered", || async {
        reply().await["delivery"] == "delivered"
    })
    .await;
    assert_eq!(reply().await["channel_message_id"], "wamid.OUT0");
    app.stop().await;
}

on_both_backends!(
    sixteen_identical_webhooks_store_one,
    a_replay_after_a_restart_is_stored_once,
    a_status_racing_its_send_record_is_applied,
);
