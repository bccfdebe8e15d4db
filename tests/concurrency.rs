//! Many concurrent webhooks: all stored, none refused, no "database is
//! locked" (they share commits through the writer), one conversation per
//! customer (on PostgreSQL the writes spread over several writer queues,
//! each customer's always to the same one).

mod common;

use common::receiver::Receiver;
use common::{Backend, Setup, wait_until};
use serde_json::Value;

async fn two_hundred_concurrent_inbound_posts_are_all_stored(backend: Backend) {
    let rx = Receiver::start().await;
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), "secret")
        .arg("api-channel-mps", "10000")
        .start()
        .await;
    let posts = (0..200).map(|i| {
        let app = &app;
        async move {
            // 50 customers, 4 messages each, all at once.
            let r = app
                .inbound(
                    &format!("burst-{i}"),
                    &format!("+62900{}", i % 50),
                    &format!("message {i}"),
                )
                .await;
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            (status, body)
        }
    });
    let results = futures_util::future::join_all(posts).await;
    for (status, body) in &results {
        assert_eq!(*status, 201, "{body}");
        assert!(!body.contains("locked"), "{body}");
    }
    let mut conversations: Vec<i64> = results
        .iter()
        .map(|(_, b)| {
            serde_json::from_str::<Value>(b).unwrap()["conversation_id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    conversations.sort();
    conversations.dedup();
    assert_eq!(conversations.len(), 50, "one conversation per customer");
    let mut stored = 0;
    for id in &conversations {
        stored += app.conversation(*id).await["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["direction"] == "in")
            .count();
    }
    assert_eq!(stored, 200);
    wait_until("every message got its reply", || async {
        rx.accepted().len() == 200
    })
    .await;
    let metrics = app
        .get("/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("baton_inbound_messages_total{channel=\"api\"} 200"),
        "{metrics}"
    );
    assert!(
        metrics.contains("baton_http_responses_total{class=\"5xx\"} 0"),
        "{metrics}"
    );
    app.stop().await;
}

on_both_backends!(two_hundred_concurrent_inbound_posts_are_all_stored);

/// Another process holds SQLite's write lock for a while (a `baton kb
/// import`, a backup): webhooks wait and succeed, nothing is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_briefly_locked_database_delays_but_loses_nothing() {
    let app = Setup::new(Backend::Sqlite).start().await;
    let path = app.database_url.trim_start_matches("sqlite://").to_string();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let posts = (0..20).map(|i| {
        let app = &app;
        async move {
            app.inbound(&format!("locked-{i}"), "+6290001", "hello")
                .await
                .status()
                .as_u16()
        }
    });
    let release = async {
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        other.execute_batch("COMMIT").unwrap();
    };
    let (statuses, ()) = tokio::join!(futures_util::future::join_all(posts), release);
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let conv: Value = app.get_json("/api/v1/conversations").await;
    let id = conv["conversations"][0]["id"].as_i64().unwrap();
    let inbound = app
        .messages(id)
        .await
        .into_iter()
        .filter(|m| m["direction"] == "in")
        .count();
    assert_eq!(inbound, 20);
    app.stop().await;
}
