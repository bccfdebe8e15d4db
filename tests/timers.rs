//! The timers, on the real app: a pause that ran out returns a waiting
//! conversation to the bot (also when it ran out while no process was
//! running), an agent's conversation stays theirs, and an overdue task is
//! flagged and announced exactly once even with two instances ticking on
//! one database.

mod common;

use std::sync::Arc;
use std::time::Duration;

use baton::conversation::{SystemClock, lifecycle};
use baton::hooks::{Hooks, Point};
use baton::store::{NewTask, Store};
use common::receiver::Receiver;
use common::{Backend, Setup, TestApp, wait_until};
use serde_json::{Value, json};

fn setup(backend: Backend, rx: &Receiver) -> Setup {
    let mut s = Setup::new(backend)
        .with_kb_bot()
        .callback(&rx.url("/cb"), "secret");
    s.options.timers_every = Duration::from_millis(50);
    s
}

async fn store(app: &TestApp) -> Store {
    Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("open store")
}

/// A customer message, once the router has handled it; the conversation.
async fn say(app: &TestApp, handle: &str, id: &str, text: &str) -> Value {
    let conv = app.converse(id, handle, text).await;
    app.wait_routed(id).await;
    app.conversation(conv).await
}

fn bot_texts(c: &Value) -> Vec<String> {
    c["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["author"] == "bot")
        .filter_map(|m| m["text"].as_str().map(str::to_string))
        .collect()
}

/// A customer who asks for a person: the conversation waits (`pending`).
async fn waiting(app: &TestApp, handle: &str) -> i64 {
    let c = say(app, handle, &format!("{handle}-1"), "agent please").await;
    assert_eq!(c["status"], "pending");
    c["id"].as_i64().expect("id")
}

/// Sets the bot's pause through the lifecycle, `offset_ms` from now.
async fn pause(store: &Store, id: i64, offset_ms: i64) {
    let mut tx = store.begin().await.expect("begin");
    lifecycle::pause(store, &mut tx, id, Some(store.now() + offset_ms))
        .await
        .expect("pause");
    tx.commit().await.expect("commit");
}

async fn count_events(store: &Store, kind: &str, conversation_id: Option<i64>) -> i64 {
    let rows = match conversation_id {
        Some(c) => {
            store
                .db()
                .fetch_all(
                    "SELECT id FROM events WHERE kind = $1 AND conversation_id = $2",
                    baton::params![kind, c],
                )
                .await
        }
        None => {
            store
                .db()
                .fetch_all(
                    "SELECT id FROM events WHERE kind = $1",
                    baton::params![kind],
                )
                .await
        }
    };
    rows.expect("events").len() as i64
}

async fn wait_status(app: &TestApp, id: i64, status: &str) {
    wait_until(&format!("conversation {id} is {status}"), || async {
        app.conversation(id).await["status"] == status
    })
    .await;
}

async fn pause_expiry_returns_a_waiting_conversation_to_the_bot(backend: Backend) {
    let rx = Receiver::start().await;
    let app = setup(backend, &rx).start().await;
    let s = store(&app).await;
    let id = waiting(&app, "+62821").await;
    let c = say(&app, "+62821", "+62821-2", "how long does shipping take?").await;
    assert!(
        bot_texts(&c).is_empty(),
        "silent while waiting for a person"
    );

    pause(&s, id, -1).await;
    wait_status(&app, id, "bot").await;
    let c = app.conversation(id).await;
    assert_eq!(c["paused_until"], Value::Null);
    assert_eq!(c["assignee"], Value::Null);
    assert_eq!(count_events(&s, "bot.resumed", Some(id)).await, 1);

    let c = say(&app, "+62821", "+62821-3", "how long does shipping take?").await;
    assert!(!bot_texts(&c).is_empty(), "the bot answers again");
    s.close().await;
    app.stop().await;
}

async fn pause_expiry_survives_a_restart(backend: Backend) {
    let rx = Receiver::start().await;
    let app = setup(backend, &rx).start().await;
    let s = store(&app).await;
    let id = waiting(&app, "+62822").await;
    // Due in an hour when the process stops; it runs out while none runs.
    pause(&s, id, 3_600_000).await;
    let restarted = setup(backend, &rx).same_database(&app);
    app.stop().await;
    assert_eq!(count_events(&s, "bot.resumed", Some(id)).await, 0);
    s.db()
        .execute(
            "UPDATE conversations SET paused_until = $2 WHERE id = $1",
            baton::params![id, s.now() - 1],
        )
        .await
        .expect("make the pause due");

    let app = restarted.start().await;
    wait_status(&app, id, "bot").await;
    wait_until("bot.resumed is recorded", || async {
        count_events(&s, "bot.resumed", Some(id)).await == 1
    })
    .await;
    let c = say(&app, "+62822", "+62822-2", "how long does shipping take?").await;
    assert!(
        !bot_texts(&c).is_empty(),
        "the bot answers after the restart"
    );
    s.close().await;
    app.stop().await;
}

async fn an_agents_conversation_is_not_resumed(backend: Backend) {
    let rx = Receiver::start().await;
    let app = setup(backend, &rx).start().await;
    let s = store(&app).await;
    let r = app
        .post("/api/v1/agents")
        .json(&json!({"name": "Ana", "divisions": []}))
        .send()
        .await
        .expect("post agent");
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let owned = waiting(&app, "+62823").await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/conversations/{owned}/claim")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("claim");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    pause(&s, owned, -1).await;
    // A waiting conversation whose pause ran out after the owned one's:
    // once it is back with the bot, a tick has looked at both.
    let sentinel = waiting(&app, "+62824").await;
    pause(&s, sentinel, -1).await;
    wait_status(&app, sentinel, "bot").await;

    let c = app.conversation(owned).await;
    assert_eq!(c["status"], "open");
    assert_eq!(c["assignee"]["name"], "Ana");
    assert_eq!(count_events(&s, "bot.resumed", Some(owned)).await, 0);
    let c = say(&app, "+62823", "+62823-2", "how long does shipping take?").await;
    assert!(
        bot_texts(&c).is_empty(),
        "the bot stays out of Ana's conversation"
    );
    s.close().await;
    app.stop().await;
}

async fn overdue_tasks_fire_once_with_two_instances(backend: Backend) {
    let rx = Receiver::start().await;
    let mut first = setup(backend, &rx);
    first.options.timers_every = Duration::from_millis(5);
    let app = first.start().await;
    let mut second = setup(backend, &rx).same_database(&app);
    second.options.timers_every = Duration::from_millis(5);
    let other = second.start().await;
    let s = store(&app).await;
    let conv = app.converse("o1", "+62825", "hello").await;

    let mut tx = s.begin().await.expect("begin");
    let mut ids = Vec::new();
    for n in 0..20 {
        let id = s
            .insert_task(
                &mut tx,
                &NewTask {
                    conversation_id: conv,
                    assignee_id: None,
                    title: format!("follow up {n}"),
                    description: None,
                    // Half overdue, half due tomorrow.
                    due_at: Some(s.now() + if n % 2 == 0 { -1 } else { 86_400_000 }),
                },
            )
            .await
            .expect("task");
        ids.push(id);
    }
    tx.commit().await.expect("commit");

    wait_until("ten tasks are flagged overdue", || async {
        s.db()
            .fetch_all("SELECT id FROM tasks WHERE overdue_at IS NOT NULL", &[])
            .await
            .expect("tasks")
            .len()
            == 10
    })
    .await;
    // The flag and its event commit together, so every event is in now.
    let events = s
        .db()
        .fetch_all(
            "SELECT data FROM events WHERE kind = 'task.overdue' ORDER BY id",
            &[],
        )
        .await
        .expect("events");
    let mut announced: Vec<i64> = events
        .iter()
        .map(|r| {
            let data: Value = r.json("data").expect("data").expect("json");
            data["task_id"].as_i64().expect("task_id")
        })
        .collect();
    announced.sort_unstable();
    let expected: Vec<i64> = ids.iter().copied().step_by(2).collect();
    assert_eq!(announced, expected, "each overdue task announced once");

    let listed = app.get_json("/api/v1/tasks?overdue=true&limit=100").await;
    let listed: Vec<i64> = listed["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| {
            assert_eq!(t["overdue"], true);
            t["id"].as_i64().expect("id")
        })
        .collect();
    assert_eq!(listed.len(), 10);
    s.close().await;
    other.stop().await;
    app.stop().await;
}

on_both_backends!(
    pause_expiry_returns_a_waiting_conversation_to_the_bot,
    pause_expiry_survives_a_restart,
    an_agents_conversation_is_not_resumed,
    overdue_tasks_fire_once_with_two_instances,
);

/// Two instances flag at once: the first holds its uncommitted flags (a
/// pause point), the second starts meanwhile and must find nothing left to
/// announce once the first commits.
async fn a_racing_instance_finds_the_tasks_flagged(backend: Backend) {
    let rx = Receiver::start().await;
    let mut s = setup(backend, &rx);
    // The app's own loop ticks once at startup, then not during the test.
    s.options.timers_every = Duration::from_secs(3_600);
    let app = s.start().await;
    let conv = app.converse("r1", "+62826", "hello").await;
    let hooks = Hooks::armable();
    let first = store(&app).await.with_hooks(hooks.clone());
    let second = store(&app).await;
    let watcher = store(&app).await;
    let mut tx = first.begin().await.expect("begin");
    let task = first
        .insert_task(
            &mut tx,
            &NewTask {
                conversation_id: conv,
                assignee_id: None,
                title: "call back".into(),
                description: None,
                due_at: Some(first.now() - 1),
            },
        )
        .await
        .expect("task");
    tx.commit().await.expect("commit");

    let mut held = hooks.pause(Point::OverdueFlagged, 1);
    let now = first.now();
    let a = tokio::spawn(async move { first.flag_overdue_tasks(now, 10).await });
    held.reached().await;
    let b = tokio::spawn(async move { second.flag_overdue_tasks(now, 10).await });
    if backend == Backend::Postgres {
        // The second instance is blocked on the first one's row lock.
        wait_until("the second instance waits for the row lock", || async {
            !watcher
                .db()
                .fetch_all(
                    "SELECT pid FROM pg_stat_activity
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                    &[],
                )
                .await
                .expect("pg_stat_activity")
                .is_empty()
        })
        .await;
    }
    held.release();
    let a = a.await.expect("first").expect("flagged");
    let b = b.await.expect("second").expect("flagged");
    assert_eq!(a.iter().map(|t| t.id).collect::<Vec<_>>(), [task]);
    assert!(b.is_empty(), "the second instance announces nothing: {b:?}");
    assert_eq!(count_events(&watcher, "task.overdue", Some(conv)).await, 1);
    watcher.close().await;
    app.stop().await;
}

on_both_backends!(a_racing_instance_finds_the_tasks_flagged);
