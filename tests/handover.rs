//! The handover as users live it, on the real app with the knowledge-base
//! bot, a customer on the API channel (a real local receiver) and agents
//! using their own tokens: the actions a handover runs, nobody online,
//! outside office hours, claim / takeover / hand back / transfer, and
//! reassignment after silence.

mod common;

use std::sync::Arc;
use std::time::Duration;

use baton::conversation::SystemClock;
use baton::store::Store;
use common::receiver::Receiver;
use common::{Backend, Setup, TestApp, wait_until};
use serde_json::{Value, json};

const SECRET: &str = "handover-secret";
const KB_QUESTION: &str = "how long does delivery take to surabaya?";

async fn gateway(backend: Backend, rx: &Receiver, args: &[(&str, &str)]) -> TestApp {
    let mut setup = Setup::new(backend)
        .with_kb_bot()
        .callback(&rx.url("/cb"), SECRET);
    for (k, v) in args {
        setup = setup.arg(k, v);
    }
    setup.options.timers_every = Duration::from_millis(50);
    setup.start().await
}

/// Creates an agent; returns (id, token).
async fn agent(app: &TestApp, name: &str) -> (i64, String) {
    let r = app
        .post("/api/v1/agents")
        .json(&json!({"name": name, "divisions": []}))
        .send()
        .await
        .expect("create agent");
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.expect("json");
    (
        v["id"].as_i64().expect("id"),
        v["token"].as_str().expect("token").to_string(),
    )
}

async fn set_online(app: &TestApp, token: &str, online: bool) -> Value {
    let r = app
        .client
        .put(app.url("/api/v1/agents/me/presence"))
        .bearer_auth(token)
        .json(&json!({"online": online}))
        .send()
        .await
        .expect("presence");
    assert_eq!(r.status(), 200);
    r.json().await.expect("json")
}

/// An agent's POST on a conversation.
async fn act(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request")
}

/// The customer writes; waits until the message is routed.
async fn say(app: &TestApp, handle: &str, id: &str, text: &str) -> i64 {
    let r = app.inbound(id, handle, text).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.expect("json");
    app.wait_routed(id).await;
    v["conversation_id"].as_i64().expect("conversation")
}

/// What the customer received, in order.
fn received(rx: &Receiver, handle: &str) -> Vec<(String, String)> {
    rx.accepted()
        .iter()
        .map(|r| r.json())
        .filter(|v| v["data"]["contact"]["handle"] == handle)
        .map(|v| {
            (
                v["data"]["author"].as_str().unwrap_or_default().to_string(),
                v["data"]["text"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn events(app: &TestApp, kind: &str, conversation: Option<i64>) -> Vec<Value> {
    let store = Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("store");
    let rows = store
        .db()
        .fetch_all(
            "SELECT data, conversation_id FROM events WHERE kind = $1 ORDER BY id",
            baton::params![kind],
        )
        .await
        .expect("events");
    store.close().await;
    rows.iter()
        .filter(|r| {
            conversation.is_none() || r.opt_i64("conversation_id").expect("c") == conversation
        })
        .map(|r| serde_json::from_str(&r.text("data").expect("data")).expect("json"))
        .collect()
}

async fn asking_for_a_person_runs_every_handover_action(backend: Backend) {
    let rx = Receiver::start().await;
    let app = gateway(backend, &rx, &[]).await;
    let (ana, ana_token) = agent(&app, "Ana").await;
    set_online(&app, &ana_token, true).await;
    for (handle, text) in [
        ("+628500001", "can I talk to a real person please"),
        ("+628500002", "mau ngomong sama admin dong kak"),
    ] {
        let id = say(&app, handle, &format!("{handle}-1"), text).await;
        let c = app.conversation(id).await;
        assert_eq!(c["status"], "pending", "{text}");
        assert_eq!(c["assignee"]["id"], ana, "assigned to the online agent");
        assert!(
            c["tags"]
                .as_array()
                .unwrap()
                .contains(&json!("human_handover")),
            "{c}"
        );
        let h = &c["handovers"][0];
        assert_eq!(h["reason"], "human_requested");
        assert_eq!(h["agent_id"], ana);
        let outcomes: Vec<(&str, &str)> = h["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["action"].as_str().unwrap(),
                    a["outcome"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            outcomes,
            [
                ("assign", "ok"),
                ("tag", "ok"),
                ("task", "ok"),
                ("message", "ok"),
                ("pause", "ok"),
                ("notify", "ok")
            ]
        );
        // The task: Ana's, due in 24 hours, with the summary.
        let tasks = app
            .get_json(&format!("/api/v1/tasks?conversation={id}"))
            .await;
        let task = &tasks["tasks"][0];
        assert_eq!(task["assignee_id"], ana);
        assert_eq!(task["status"], "open");
        let created = app.conversation(id).await["updated_at"].clone();
        assert!(task["due_at"].as_str().unwrap() > created.as_str().unwrap());
        // The customer is told; the agent is notified.
        wait_until("the handover message arrives", || async {
            received(&rx, handle)
                .iter()
                .any(|(_, t)| t == "Thank you! Someone from the team will get back to you.")
        })
        .await;
        let notified = events(&app, "agent.notified", Some(id)).await;
        assert_eq!(notified[0]["agent_ids"], json!([ana]));
        assert_eq!(events(&app, "handover.requested", Some(id)).await.len(), 1);
        // From now on the bot is silent.
        say(&app, handle, &format!("{handle}-2"), KB_QUESTION).await;
        assert!(
            !received(&rx, handle).iter().any(|(a, _)| a == "bot"),
            "the bot never speaks after a handover: {:?}",
            received(&rx, handle)
        );
    }
    // The tasks are in Ana's own list.
    let r = app
        .client
        .get(app.url("/api/v1/tasks?assignee=me"))
        .bearer_auth(&ana_token)
        .send()
        .await
        .unwrap();
    let mine: Value = r.json().await.unwrap();
    assert_eq!(mine["tasks"].as_array().unwrap().len(), 2);
    app.stop().await;
}

async fn nobody_online_gets_the_offline_message_and_the_first_agent_back_is_told(backend: Backend) {
    let rx = Receiver::start().await;
    let app = gateway(backend, &rx, &[]).await;
    let (_, token) = agent(&app, "Budi").await;
    let id = say(&app, "+628500003", "off-1", "I want to speak to a human").await;
    let c = app.conversation(id).await;
    assert_eq!(c["status"], "pending");
    assert!(c["assignee"].is_null(), "nobody to assign");
    wait_until("the offline message arrives", || async {
        received(&rx, "+628500003")
            .iter()
            .any(|(_, t)| t.contains("not online right now"))
    })
    .await;
    assert!(
        !received(&rx, "+628500003")
            .iter()
            .any(|(_, t)| t.contains("Someone from the team")),
        "not the ordinary handover text"
    );
    let back = set_online(&app, &token, true).await;
    assert_eq!(back["waiting"], 1, "told how many wait: {back}");
    assert_eq!(events(&app, "queue.waiting", None).await[0]["waiting"], 1);
    app.stop().await;
}

async fn outside_office_hours_the_message_comes_once_a_day(backend: Backend) {
    let rx = Receiver::start().await;
    let app = gateway(
        backend,
        &rx,
        &[
            ("office-hours", "daily closed"),
            ("timezone", "Asia/Jakarta"),
        ],
    )
    .await;
    let handle = "+628500004";
    let id = say(&app, handle, "ooh-1", "can I talk to a real person please").await;
    wait_until("the out-of-hours message arrives", || async {
        received(&rx, handle)
            .iter()
            .any(|(_, t)| t.contains("outside our office hours"))
    })
    .await;
    // Handed back, then a person asked for again the same day: no second
    // out-of-hours message.
    app.post(&format!("/api/v1/conversations/{id}/handback"))
        .send()
        .await
        .unwrap();
    say(&app, handle, "ooh-2", "talk to a real person please").await;
    let c = app.conversation(id).await;
    assert_eq!(c["status"], "pending");
    let second = &c["handovers"][1]["actions"];
    let message = second
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "message")
        .unwrap();
    assert_eq!(message["outcome"], "skipped", "{second}");
    let times = received(&rx, handle)
        .iter()
        .filter(|(_, t)| t.contains("outside our office hours"))
        .count();
    assert_eq!(times, 1);
    app.stop().await;
}

async fn claim_reply_and_a_second_claim(backend: Backend) {
    let rx = Receiver::start().await;
    let app = gateway(backend, &rx, &[("assign-strategy", "pool")]).await;
    let (ana, ana_token) = agent(&app, "Ana").await;
    let (_, bima_token) = agent(&app, "Bima").await;
    let handle = "+628500005";
    let id = say(&app, handle, "cl-1", "can I talk to a real person please").await;
    assert!(
        app.conversation(id).await["assignee"].is_null(),
        "pool: in the queue"
    );
    // Both claim at once: exactly one wins.
    let path = format!("/api/v1/conversations/{id}/claim");
    let (a, b) = tokio::join!(
        act(&app, &ana_token, &path, json!({})),
        act(&app, &bima_token, &path, json!({}))
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "one claim wins");
    let owner = app.conversation(id).await["assignee"]["id"]
        .as_i64()
        .unwrap();
    let (winner, winner_name, loser) = if owner == ana {
        (&ana_token, "Ana", &bima_token)
    } else {
        (&bima_token, "Bima", &ana_token)
    };
    let again = act(&app, loser, &path, json!({})).await;
    assert_eq!(again.status(), 409);
    let err: Value = again.json().await.unwrap();
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("already claimed by {winner_name}")),
        "{err}"
    );
    // The owner replies: the customer gets the greeting, then the reply.
    let r = act(
        &app,
        winner,
        &format!("/api/v1/conversations/{id}/messages"),
        json!({"text": "Hello, how can I help?"}),
    )
    .await;
    assert_eq!(r.status(), 202);
    wait_until("the reply arrives", || async {
        received(&rx, handle)
            .iter()
            .any(|(a, t)| a == "agent" && t == "Hello, how can I help?")
    })
    .await;
    let texts: Vec<String> = received(&rx, handle).into_iter().map(|(_, t)| t).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&format!("I'm {winner_name} ready to assist you"))),
        "{texts:?}"
    );
    // The conversation is the owner's now: the other agent no longer even
    // sees it (not their division, not theirs, no longer nobody's).
    let r = act(
        &app,
        loser,
        &format!("/api/v1/conversations/{id}/resolve"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 404);
    app.stop().await;
}

async fn takeover_silences_the_bot_and_hand_back_restores_it(backend: Backend) {
    let rx = Receiver::start().await;
    let app = gateway(backend, &rx, &[]).await;
    let (_, token) = agent(&app, "Sari").await;
    let handle = "+628500006";
    let id = say(&app, handle, "tb-1", KB_QUESTION).await;
    wait_until("the bot answers", || async {
        received(&rx, handle).iter().any(|(a, _)| a == "bot")
    })
    .await;
    let r = act(
        &app,
        &token,
        &format!("/api/v1/conversations/{id}/takeover"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    wait_until("the takeover greeting arrives", || async {
        received(&rx, handle)
            .iter()
            .any(|(_, t)| t.contains("I'm Sari ready to assist you"))
    })
    .await;
    let bot_before = received(&rx, handle)
        .iter()
        .filter(|(a, _)| a == "bot")
        .count();
    say(&app, handle, "tb-2", KB_QUESTION).await;
    assert_eq!(
        received(&rx, handle)
            .iter()
            .filter(|(a, _)| a == "bot")
            .count(),
        bot_before,
        "the bot is silent while Sari has it"
    );
    let r = act(
        &app,
        &token,
        &format!("/api/v1/conversations/{id}/handback"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    wait_until("the hand-back text arrives", || async {
        received(&rx, handle)
            .iter()
            .any(|(_, t)| t.contains("back to being handled by AI assistant"))
    })
    .await;
    say(&app, handle, "tb-3", KB_QUESTION).await;
    wait_until("the bot answers again", || async {
        received(&rx, handle)
            .iter()
            .filter(|(a, _)| a == "bot")
            .count()
            > bot_before
    })
    .await;
    assert_eq!(app.conversation(id).await["status"], "bot");
    app.stop().await;
}

async fn transfer_with_a_note(backend: Backend) {
    let rx = Receiver::start().await;
    let app = gateway(backend, &rx, &[("assign-strategy", "pool")]).await;
    let (_, ana_token) = agent(&app, "Ana").await;
    let (bima, bima_token) = agent(&app, "Bima").await;
    let id = say(
        &app,
        "+628500007",
        "tr-1",
        "can I talk to a real person please",
    )
    .await;
    let claim = act(
        &app,
        &ana_token,
        &format!("/api/v1/conversations/{id}/claim"),
        json!({}),
    )
    .await;
    assert_eq!(claim.status(), 200);
    let transfer_path = format!("/api/v1/conversations/{id}/transfer");
    let transfer = || {
        act(
            &app,
            &ana_token,
            &transfer_path,
            json!({"agent_id": bima, "note": "VIP, wants a refund"}),
        )
    };
    assert_eq!(transfer().await.status(), 422, "only to an online agent");
    set_online(&app, &bima_token, true).await;
    assert_eq!(transfer().await.status(), 200);
    let c = app.conversation(id).await;
    assert_eq!(c["status"], "open");
    assert_eq!(c["assignee"]["id"], bima);
    let note = c["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["meta"]["note"] == true)
        .expect("the note is kept");
    assert_eq!(note["text"], "VIP, wants a refund");
    assert!(note["delivery"].is_null(), "a note is never sent");
    let transferred = events(&app, "conversation.transferred", Some(id)).await;
    assert_eq!(transferred[0]["note"], "VIP, wants a refund");
    assert!(
        !received(&rx, "+628500007")
            .iter()
            .any(|(_, t)| t.contains("VIP")),
        "the customer never sees the note"
    );
    app.stop().await;
}

async fn a_silent_assignee_loses_the_conversation(backend: Backend) {
    let rx = Receiver::start().await;
    let app = gateway(backend, &rx, &[("handover-reassign-after", "1m")]).await;
    let (ana, ana_token) = agent(&app, "Ana").await;
    set_online(&app, &ana_token, true).await;
    let id = say(
        &app,
        "+628500008",
        "ra-1",
        "can I talk to a real person please",
    )
    .await;
    assert_eq!(app.conversation(id).await["assignee"]["id"], ana);
    let (bima, bima_token) = agent(&app, "Bima").await;
    set_online(&app, &bima_token, true).await;
    // Ana was given it over a minute ago and has not taken it.
    let store = Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("store");
    store
        .db()
        .execute(
            "UPDATE conversations SET assigned_at = $2 WHERE id = $1",
            baton::params![id, store.now() - 61_000],
        )
        .await
        .unwrap();
    wait_until("the conversation moves to Bima", || async {
        app.conversation(id).await["assignee"]["id"] == bima
    })
    .await;
    let assigned = events(&app, "conversation.assigned", Some(id)).await;
    let last = assigned.last().unwrap();
    assert_eq!(last["from_agent_id"], ana, "both are named: {last}");
    assert_eq!(last["agent"]["id"], bima);
    let tasks = app
        .get_json(&format!("/api/v1/tasks?conversation={id}"))
        .await;
    assert_eq!(tasks["tasks"][0]["assignee_id"], bima, "the task follows");
    store.close().await;
    app.stop().await;
}

/// A division overrides the customer's text and the action list.
async fn a_division_overrides_the_text_and_the_actions(backend: Backend) {
    let rx = Receiver::start().await;
    let app = gateway(backend, &rx, &[]).await;
    let r = app
        .post("/api/v1/divisions")
        .json(&json!({"name": "Sales", "prompt": "buying, prices, orders"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let division: Value = r.json().await.unwrap();
    let path = format!("/api/v1/divisions/{}", division["id"]);
    let bad = app
        .patch(&path)
        .json(&json!({"actions": "tag,fax"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422, "an unknown action is refused");
    let r = app
        .patch(&path)
        .json(
            &json!({"handover_message": "Our sales team will call you back.",
                      "actions": "tag,message"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["handover"]["actions"], "tag,message");
    // Someone of Sales is online, so the handover text (not the offline
    // one) goes out.
    let r = app
        .post("/api/v1/agents")
        .json(&json!({"name": "Dewi", "divisions": ["Sales"]}))
        .send()
        .await
        .unwrap();
    let dewi: Value = r.json().await.unwrap();
    set_online(&app, dewi["token"].as_str().unwrap(), true).await;
    let handle = "+628500009";
    let id = say(&app, handle, "dv-1", "can I talk to a real person please").await;
    let c = app.conversation(id).await;
    assert_eq!(c["division"], "Sales");
    let actions: Vec<&str> = c["handovers"][0]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["tag", "message"], "the division's list, in order");
    wait_until("the division's text arrives", || async {
        received(&rx, handle)
            .iter()
            .any(|(_, t)| t == "Our sales team will call you back.")
    })
    .await;
    // Two agents of the division: one claims; the other can see it but not
    // answer in it (409 naming the owner); after a resolve, replying needs
    // a claim first.
    let r = app
        .post("/api/v1/agents")
        .json(&json!({"name": "Eko", "divisions": ["Sales"]}))
        .send()
        .await
        .unwrap();
    let eko: Value = r.json().await.unwrap();
    let eko_token = eko["token"].as_str().unwrap();
    let dewi_token = dewi["token"].as_str().unwrap();
    let path = |what: &str| format!("/api/v1/conversations/{id}/{what}");
    assert_eq!(
        act(&app, dewi_token, &path("claim"), json!({}))
            .await
            .status(),
        200
    );
    let r = act(&app, eko_token, &path("messages"), json!({"text": "Hi"})).await;
    assert_eq!(r.status(), 409);
    let err: Value = r.json().await.unwrap();
    assert!(
        err["error"]["message"].as_str().unwrap().contains("Dewi"),
        "{err}"
    );
    assert_eq!(
        act(&app, dewi_token, &path("resolve"), json!({}))
            .await
            .status(),
        200
    );
    let r = act(&app, dewi_token, &path("messages"), json!({"text": "Hi"})).await;
    assert_eq!(r.status(), 409, "resolved: claim it first");
    app.stop().await;
}

/// Round robin takes turns; an empty `TAKEOVER_MESSAGE` sends nothing; a
/// resolve carries its closing text; `HANDOVER_PAUSE=0` sets no pause (the
/// bot waits for a hand-back).
async fn round_robin_silent_takeover_closing_text_and_no_pause(backend: Backend) {
    let rx = Receiver::start().await;
    let app = gateway(
        backend,
        &rx,
        &[
            ("assign-strategy", "round_robin"),
            ("takeover-message", ""),
            ("handover-pause", "0"),
        ],
    )
    .await;
    let (ana, ana_token) = agent(&app, "Ana").await;
    let (bima, bima_token) = agent(&app, "Bima").await;
    set_online(&app, &ana_token, true).await;
    set_online(&app, &bima_token, true).await;
    let mut assignees = Vec::new();
    for (i, handle) in ["+628500011", "+628500012", "+628500013"]
        .iter()
        .enumerate()
    {
        let id = say(
            &app,
            handle,
            &format!("rr-{i}"),
            "can I talk to a real person please",
        )
        .await;
        let c = app.conversation(id).await;
        assert!(c["paused_until"].is_null(), "no pause: {c}");
        assignees.push(c["assignee"]["id"].as_i64().unwrap());
    }
    assert_ne!(assignees[0], assignees[1], "turns: {assignees:?}");
    assert_eq!(assignees[0], assignees[2], "turns: {assignees:?}");
    assert!(assignees.contains(&ana) && assignees.contains(&bima));
    // The agent of the first one takes it, silently, and resolves it with
    // a closing text.
    let handle = "+628500011";
    let id = app.get_json("/api/v1/conversations?limit=100").await["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contact"]["handle"] == handle)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let token = if assignees[0] == ana {
        &ana_token
    } else {
        &bima_token
    };
    let r = act(
        &app,
        token,
        &format!("/api/v1/conversations/{id}/claim"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = act(
        &app,
        token,
        &format!("/api/v1/conversations/{id}/resolve"),
        json!({"text": "Glad we could help. Bye!"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.conversation(id).await["status"], "resolved");
    wait_until("the closing text arrives", || async {
        received(&rx, handle)
            .iter()
            .any(|(_, t)| t == "Glad we could help. Bye!")
    })
    .await;
    assert!(
        !received(&rx, handle)
            .iter()
            .any(|(_, t)| t.contains("ready to assist you")),
        "an empty TAKEOVER_MESSAGE sends nothing"
    );
    app.stop().await;
}

on_both_backends!(
    round_robin_silent_takeover_closing_text_and_no_pause,
    a_division_overrides_the_text_and_the_actions,
    asking_for_a_person_runs_every_handover_action,
    nobody_online_gets_the_offline_message_and_the_first_agent_back_is_told,
    outside_office_hours_the_message_comes_once_a_day,
    claim_reply_and_a_second_claim,
    takeover_silences_the_bot_and_hand_back_restores_it,
    transfer_with_a_note,
    a_silent_assignee_loses_the_conversation,
);
