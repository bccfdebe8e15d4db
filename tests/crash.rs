//! Crash safety with the real binary: SIGKILL mid-delivery and right after
//! acknowledging inbound messages; after a restart nothing is lost.

mod common;

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;

use common::receiver::Receiver;
use common::{ADMIN, wait_until};
use serde_json::{Value, json};

struct Gateway {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Gateway {
    async fn start(db: &str, callback: &str, log: &std::path::Path) -> Gateway {
        baton::install_crypto_provider();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .env("BATON_LISTEN", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", db)
            .env("BATON_ADMIN_TOKEN", ADMIN)
            .env("API_CHANNEL_CALLBACK_URL", callback)
            .env("API_CHANNEL_SECRET", "crash-secret")
            .env("API_CHANNEL_MPS", "1000")
            .env("OUTBOX_CONCURRENCY", "4")
            .env("OUTBOX_RETRY_BASE", "100ms")
            .env("RUST_LOG", "info")
            .env("BATON_KB_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/kb"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the baton binary");
        let g = Gateway {
            child,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        wait_until("the binary answers /healthz", || async {
            g.client
                .get(format!("{}/healthz", g.base))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;
        g
    }

    fn post(&self, path: &str, body: Value) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(ADMIN)
            .json(&body)
    }

    async fn conversation(&self, id: i64) -> Value {
        self.client
            .get(format!("{}/api/v1/conversations/{id}", self.base))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_outbound_messages_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("baton.db").display());
    let log = dir.path().join("baton.log");
    let rx = Receiver::start().await;
    rx.script.delay_ms.store(60, Ordering::SeqCst);
    let gw = Gateway::start(&db, &rx.url("/cb"), &log).await;
    let r: Value = gw
        .post(
            "/api/v1/inbound",
            json!({"external_id": "c-0", "contact": {"handle": "+6285"}, "text": "hi"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let conv = r["conversation_id"].as_i64().unwrap();
    for i in 0..100 {
        let resp = gw
            .post(
                &format!("/api/v1/conversations/{conv}/messages"),
                json!({"text": format!("agent message {i}")}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
    }
    wait_until("some messages arrived", || async {
        rx.accepted().len() >= 10
    })
    .await;
    gw.kill();
    let before = rx.accepted().len();
    assert!(
        before < 101,
        "the kill happened mid-delivery ({before} delivered)"
    );

    let gw = Gateway::start(&db, &rx.url("/cb"), &log).await;
    wait_until("all 100 agent messages arrived", || async {
        let texts: HashSet<String> = rx
            .accepted()
            .iter()
            .map(|r| r.json()["data"]["text"].as_str().unwrap().to_string())
            .collect();
        let ids: HashSet<String> = rx
            .accepted()
            .iter()
            .map(|r| r.header("webhook-id"))
            .collect();
        // All 100 agent messages, and the bot's greeting, each under its id.
        (0..100).all(|i| texts.contains(&format!("agent message {i}"))) && ids.len() == 101
    })
    .await;
    let ids: HashSet<String> = rx
        .accepted()
        .iter()
        .map(|r| r.header("webhook-id"))
        .collect();
    assert_eq!(
        ids.len(),
        101,
        "every webhook-id seen (100 agent messages + 1 bot reply)"
    );
    wait_until("every message is marked delivered", || async {
        let c = gw.conversation(conv).await;
        let out: Vec<&Value> = c["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["direction"] == "out")
            .collect();
        out.len() == 101 && out.iter().all(|m| m["delivery"] == "delivered")
    })
    .await;
    gw.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_inbound_messages_are_answered_after_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("baton.db").display());
    let log = dir.path().join("baton.log");
    let rx = Receiver::start().await;
    rx.script.delay_ms.store(200, Ordering::SeqCst);
    let gw = Gateway::start(&db, &rx.url("/cb"), &log).await;
    let posts = (0..40).map(|i| {
        let gw = &gw;
        async move {
            let r = gw
                .post("/api/v1/inbound", json!({"external_id": format!("k-{i}"), "contact": {"handle": format!("+6286{i}")}, "text": "where is my order?"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201, "acknowledged");
            r.json::<Value>().await.unwrap()["conversation_id"].as_i64().unwrap()
        }
    });
    let conversations = futures_util::future::join_all(posts).await;
    gw.kill();
    assert!(
        rx.accepted().len() < 40,
        "killed before all replies went out"
    );

    let gw = Gateway::start(&db, &rx.url("/cb"), &log).await;
    wait_until("every customer got an answer", || async {
        let handles: HashSet<String> = rx
            .accepted()
            .iter()
            .map(|r| {
                r.json()["data"]["contact"]["handle"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        (0..40).all(|i| {
            rx.accepted()
                .iter()
                .filter(|r| r.json()["data"]["contact"]["handle"] == format!("+6286{i}").as_str())
                .count()
                == 1
        }) && handles.len() == 40
    })
    .await;
    for conv in conversations {
        let c = gw.conversation(conv).await;
        let msgs = c["messages"].as_array().unwrap();
        assert_eq!(
            msgs.iter().filter(|m| m["direction"] == "in").count(),
            1,
            "stored once"
        );
        // The knowledge-base bot answers with the article and asks whether
        // it helped, in one message, once.
        let bot: Vec<&Value> = msgs.iter().filter(|m| m["author"] == "bot").collect();
        assert_eq!(bot.len(), 1, "answered exactly once: {c}");
    }
    gw.kill();
}
