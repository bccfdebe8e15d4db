//! The Graph API failing the way networks and Meta do: a 500, a 429 with
//! `Retry-After`, a refused connection, an answer that never comes, a
//! connection cut in the middle of the answer. Every case ends with the
//! customer holding the message and the message stored as `sent`.
//!
//! WhatsApp's send has no idempotency key. An answer cut after its 2xx
//! status still says Meta took the message, so it is not sent again. When
//! the answer never comes (a timeout), the gateway cannot tell a message
//! Meta took from one that never arrived; but every send carries our key as
//! `biz_opaque_callback_data`, which Meta echoes in the message's status
//! webhooks, so the retry first waits `WHATSAPP_CONFIRM_WAIT` for that
//! status: when it comes, the send is settled and never repeated. Only a
//! message Meta took whose status does not come within the wait reaches
//! the customer twice; a test pins that down rather than pretend otherwise.

mod common;

use std::time::Duration;

use common::graph::{Answer, FakeGraph, graph_error};
use common::wa::{self, post, text_from};
use common::{Backend, TestApp, wait_until};
use serde_json::{Value, json};

const QUESTION: &str = "how long does delivery take to surabaya?";

/// Asks the bot a question and waits until its answer is stored as `sent`.
async fn ask_and_wait_sent(app: &TestApp, wamid: &str, customer: &str) -> Value {
    assert_eq!(
        post(app, &text_from(wamid, customer, QUESTION))
            .await
            .status(),
        200
    );
    let answer = || async {
        wa::messages_of(app, customer)
            .await
            .into_iter()
            .find(|m| m["author"] == "bot")
    };
    wait_until("the answer is stored as sent", || async {
        answer().await.is_some_and(|m| m["delivery"] == "sent")
    })
    .await;
    answer().await.expect("the answer")
}

/// The answer went out once, the stored message names the wamid Meta
/// returned for the accepted send, and every attempt carried the same body.
fn assert_delivered_once(graph: &FakeGraph, answer: &Value, attempts: usize) {
    let sent = graph.sent();
    assert_eq!(sent.len(), attempts, "attempts");
    assert_eq!(graph.accepted().len(), 1, "the customer got it once");
    assert!(sent.iter().all(|r| r.body == sent[0].body), "same message");
    assert_eq!(answer["channel_message_id"], "wamid.OUT0", "{answer}");
}

async fn a_500_is_retried(backend: Backend) {
    let graph = FakeGraph::start().await;
    graph.push(Answer::Status(
        500,
        graph_error(2, "Service temporarily unavailable"),
        None,
    ));
    let app = wa::start(backend, &graph).await;
    let answer = ask_and_wait_sent(&app, "wamid.f500", "6281500000001").await;
    assert_delivered_once(&graph, &answer, 2);
    app.stop().await;
}

async fn a_429_waits_for_retry_after(backend: Backend) {
    let graph = FakeGraph::start().await;
    graph.push(Answer::Status(
        429,
        graph_error(130429, "Rate limit hit"),
        Some(1),
    ));
    let app = wa::start(backend, &graph).await;
    let answer = ask_and_wait_sent(&app, "wamid.f429", "6281500000002").await;
    assert_delivered_once(&graph, &answer, 2);
    let sent = graph.sent();
    let waited = sent[1].at.duration_since(sent[0].at);
    // The retry base is 50 ms in tests: only Retry-After explains a second.
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    app.stop().await;
}

async fn a_refused_connection_is_retried(backend: Backend) {
    // A port nobody listens on until the test says so.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let app = wa::setup(backend, &format!("http://{addr}/v23.0"))
        .arg("outbox-max-attempts", "1000")
        .start()
        .await;
    let store = baton::store::Store::open(
        &app.database_url,
        1,
        std::sync::Arc::new(baton::conversation::SystemClock),
    )
    .await
    .unwrap();
    post(&app, &text_from("wamid.fref", "6281500000003", QUESTION)).await;
    wait_until("a send was refused", || async {
        store
            .db()
            .fetch_optional(
                "SELECT COUNT(*) AS n FROM outbox WHERE attempts > 0 AND state = 'pending'",
                &[],
            )
            .await
            .unwrap()
            .is_some_and(|r| r.i64("n").unwrap() > 0)
    })
    .await;
    let graph = FakeGraph::start_on(&addr.to_string()).await;
    wait_until("the answer is sent", || async {
        wa::messages_of(&app, "6281500000003")
            .await
            .iter()
            .any(|m| m["author"] == "bot" && m["delivery"] == "sent")
    })
    .await;
    assert_eq!(graph.sent().len(), 1, "nothing reached Meta before");
    assert_eq!(graph.accepted().len(), 1);
    store.close().await;
    app.stop().await;
}

/// Meta took the message; its answer never came, and neither did its
/// status webhook. After the confirmation wait the send is retried: the
/// customer gets it twice (see the module comment).
async fn a_lost_answer_without_a_status_is_resent_after_the_wait(backend: Backend) {
    let graph = FakeGraph::start().await;
    graph.push(Answer::Hang);
    let app = wa::setup(backend, &graph.base())
        .arg("send-timeout", "300ms")
        .arg("whatsapp-confirm-wait", "1s")
        .start()
        .await;
    let answer = ask_and_wait_sent(&app, "wamid.fhang", "6281500000004").await;
    assert_lost_answer_duplicated(&graph, &answer);
    app.stop().await;
}

/// Meta took the message and started a 200 answer; the connection closed
/// half way through its body. The status already said "accepted": the
/// message counts as sent (without the lost wamid) and is not sent again.
async fn a_cut_answer_after_acceptance_is_not_resent(backend: Backend) {
    let graph = FakeGraph::start().await;
    graph.push(Answer::Cut);
    let app = wa::start(backend, &graph).await;
    let answer = ask_and_wait_sent(&app, "wamid.fcut", "6281500000005").await;
    assert_eq!(graph.sent().len(), 1, "not retried");
    assert_eq!(graph.accepted().len(), 1);
    assert!(answer["channel_message_id"].is_null(), "{answer}");
    app.stop().await;
}

/// Meta took the message and its answer never came, but Meta's `sent`
/// status webhook echoes our key: it settles the send (records the wamid,
/// finishes the row), so the retry waiting for it (here a minute, longer
/// than the test) never happens.
async fn a_lost_answer_confirmed_by_its_status_is_not_resent(backend: Backend) {
    let graph = FakeGraph::start().await;
    graph.push(Answer::Hang);
    let app = wa::setup(backend, &graph.base())
        .arg("send-timeout", "300ms")
        .arg("whatsapp-confirm-wait", "60s")
        .start()
        .await;
    let customer = "6281500000006";
    assert_eq!(
        post(&app, &text_from("wamid.fconf", customer, QUESTION))
            .await
            .status(),
        200
    );
    let answer = || async {
        wa::messages_of(&app, customer)
            .await
            .into_iter()
            .find(|m| m["author"] == "bot")
    };
    let store = baton::store::Store::open(
        &app.database_url,
        1,
        std::sync::Arc::new(baton::conversation::SystemClock),
    )
    .await
    .unwrap();
    let pending = || async {
        store
            .db()
            .fetch_optional(
                "SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending' AND attempts = 1",
                &[],
            )
            .await
            .unwrap()
            .map_or(0, |r| r.i64("n").unwrap())
    };
    wait_until("the timed-out send waits for a confirmation", || async {
        pending().await == 1
    })
    .await;
    let sent = graph.sent();
    assert_eq!(sent.len(), 1);
    let key = sent[0].body["biz_opaque_callback_data"]
        .as_str()
        .expect("the send carries our key")
        .to_string();
    let mut status = wa::status("wamid.accepted", "sent");
    let s = &mut status["entry"][0]["changes"][0]["value"]["statuses"][0];
    s["recipient_id"] = json!(customer);
    s["biz_opaque_callback_data"] = json!(key);
    assert_eq!(post(&app, &status).await.status(), 200);
    wait_until("the status settles the send", || async {
        answer()
            .await
            .is_some_and(|m| m["delivery"] == "sent" && m["channel_message_id"] == "wamid.accepted")
    })
    .await;
    assert_eq!(pending().await, 0, "nothing left to retry");
    assert_eq!(graph.sent().len(), 1, "sent once");
    store.close().await;
    app.stop().await;
}

fn assert_lost_answer_duplicated(graph: &FakeGraph, answer: &Value) {
    let sent = graph.sent();
    assert_eq!(sent.len(), 2, "one retry");
    assert_eq!(sent[0].body, sent[1].body);
    assert_eq!(
        graph.accepted().len(),
        2,
        "no idempotency key: Meta took both, the customer sees two"
    );
    assert_eq!(
        sent[0].body["biz_opaque_callback_data"], sent[1].body["biz_opaque_callback_data"],
        "one key across attempts"
    );
    assert_eq!(answer["channel_message_id"], json!("wamid.OUT1"));
}

on_both_backends!(
    a_500_is_retried,
    a_429_waits_for_retry_after,
    a_refused_connection_is_retried,
    a_lost_answer_without_a_status_is_resent_after_the_wait,
    a_lost_answer_confirmed_by_its_status_is_not_resent,
    a_cut_answer_after_acceptance_is_not_resent,
);
