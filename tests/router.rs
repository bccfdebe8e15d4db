//! The ownership rule under races: a takeover while the bot is thinking
//! wins, and the bot stays silent on conversations it does not own.

mod common;

use std::sync::Arc;
use std::time::Duration;

use baton::bot::{BotTurn, OutboundDraft};
use baton::conversation::SystemClock;
use baton::hooks::{Hooks, Point};
use baton::router::{Bot, BotContext};
use baton::store::Store;
use baton_channel::BoxFuture;
use common::receiver::Receiver;
use common::{Backend, Setup, wait_until};
use tokio::sync::{Notify, mpsc};

/// A bot that tells the test it started thinking, then waits to be released.
struct SlowBot {
    started: mpsc::UnboundedSender<i64>,
    release: Arc<Notify>,
}

impl Bot for SlowBot {
    fn respond<'a>(&'a self, ctx: &'a BotContext) -> BoxFuture<'a, BotTurn> {
        Box::pin(async move {
            let _ = self.started.send(ctx.conversation.id);
            self.release.notified().await;
            BotTurn {
                replies: vec![OutboundDraft {
                    text: "an answer computed before the takeover".into(),
                    ..OutboundDraft::default()
                }],
                ..BotTurn::default()
            }
        })
    }
}

async fn takeover_while_bot_thinks_wins(backend: Backend) {
    let rx = Receiver::start().await;
    let (started, mut started_rx) = mpsc::unbounded_channel();
    let release = Arc::new(Notify::new());
    let bot = Arc::new(SlowBot {
        started,
        release: release.clone(),
    });
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), "secret")
        .bot(bot)
        .start()
        .await;
    let conv = app
        .converse("race-1", "+628120", "what are your hours?")
        .await;
    let thinking = tokio::time::timeout(Duration::from_secs(10), started_rx.recv())
        .await
        .unwrap();
    assert_eq!(thinking, Some(conv));

    // An agent takes the conversation while the bot is still thinking.
    let store = Store::open(&app.database_url, 2, Arc::new(SystemClock))
        .await
        .unwrap();
    app.takeover(conv).await;
    release.notify_one();

    // The turn's transaction marks the message routed with its replies, if
    // any: once routed, what was written is final.
    app.wait_routed("race-1").await;
    let c = app.conversation(conv).await;
    assert_eq!(c["status"], "open");
    let authors: Vec<&str> = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author"].as_str().unwrap())
        .collect();
    assert_eq!(
        authors,
        ["customer", "agent"],
        "no bot message exists, only the takeover greeting"
    );
    let bot_sends = || {
        rx.all()
            .iter()
            .filter(|r| r.json()["data"]["author"] == "bot")
            .count()
    };
    assert_eq!(bot_sends(), 0, "the bot sent nothing");

    // While the conversation is open the bot is not even asked.
    app.inbound("race-2", "+628120", "hello?").await;
    app.wait_routed("race-2").await;
    assert!(started_rx.try_recv().is_err(), "the bot was not consulted");
    assert_eq!(bot_sends(), 0);
    store.close().await;
    app.stop().await;
}

on_both_backends!(takeover_while_bot_thinks_wins);

async fn queued_bot_reply_is_dropped_after_takeover(backend: Backend) {
    let rx = Receiver::start().await;
    // One send at a time; the first customer's reply is held (with the only
    // send slot) while the second customer's reply queues behind it and the
    // test hands that conversation to a human.
    let hooks = Hooks::armable();
    let mut held = hooks.pause(Point::OutboxPaced, 1);
    let app = Setup::new(backend)
        .callback(&rx.url("/cb"), "secret")
        .arg("outbox-concurrency", "1")
        .hooks(&hooks)
        .start()
        .await;
    let first = app.converse("q-1", "+628130", "first customer").await;
    held.reached().await;
    let conv = app.converse("q-2", "+628131", "second customer").await;
    let store = Store::open(&app.database_url, 2, Arc::new(SystemClock))
        .await
        .unwrap();
    wait_until("the second reply is queued", || async {
        app.message_by(conv, "bot").await.is_some()
    })
    .await;
    app.takeover(conv).await;
    held.release();
    app.wait_delivery(first, "bot", "delivered").await;
    let bot = app.wait_delivery(conv, "bot", "failed").await;
    assert!(
        bot["error"].as_str().unwrap().contains("a human took over"),
        "{bot}"
    );
    // Both rows are settled (delivered, dropped): nothing is left to send.
    let handles: Vec<String> = rx
        .all()
        .iter()
        .filter(|r| r.json()["data"]["author"] == "bot")
        .map(|r| {
            r.json()["data"]["contact"]["handle"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        handles,
        ["+628130"],
        "only the first customer got a bot reply"
    );
    store.close().await;
    app.stop().await;
}

on_both_backends!(queued_bot_reply_is_dropped_after_takeover);
