//! The tasks API: what the admin and each agent see, the filters, cursor
//! pagination, and completing or reopening a task (`task.updated`).

mod common;

use std::sync::Arc;

use baton::bot::HandoverRequest;
use baton::conversation::{SystemClock, lifecycle};
use baton::store::{NewTask, Store};
use common::{Backend, Setup, TestApp};
use serde_json::{Value, json};

async fn new_agent(app: &TestApp, name: &str, division: &str) -> (i64, String) {
    let r = app
        .post("/api/v1/agents")
        .json(&json!({"name": name, "divisions": [division]}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.expect("json");
    let token = v["token"].as_str().expect("token").to_string();
    (v["id"].as_i64().expect("id"), token)
}

async fn as_agent(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("get")
}

/// The task ids a listing answers, in order.
async fn ids(resp: reqwest::Response) -> Vec<i64> {
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.expect("json");
    v["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect()
}

/// A conversation waiting in `division` (or nobody's).
async fn conversation(app: &TestApp, store: &Store, handle: &str, division: Option<&str>) -> i64 {
    let id = app.converse(handle, handle, "hello").await;
    app.wait_routed(handle).await;
    let mut tx = store.begin().await.expect("begin");
    let request = HandoverRequest {
        reason: "human_requested".into(),
        division: division.map(str::to_string),
        summary: None,
    };
    lifecycle::hand_over(store, &mut tx, id, &request, None)
        .await
        .expect("hand over");
    tx.commit().await.expect("commit");
    id
}

async fn task(store: &Store, conversation_id: i64, assignee: Option<i64>, due_in_ms: i64) -> i64 {
    let mut tx = store.begin().await.expect("begin");
    let id = store
        .insert_task(
            &mut tx,
            &NewTask {
                conversation_id,
                assignee_id: assignee,
                title: "Follow up".into(),
                description: Some("the summary".into()),
                due_at: Some(store.now() + due_in_ms),
            },
        )
        .await
        .expect("task");
    tx.commit().await.expect("commit");
    id
}

async fn tasks_are_listed_filtered_and_completed(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let store = Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("store");
    for name in ["Sales", "Billing"] {
        let r = app
            .post("/api/v1/divisions")
            .json(&json!({"name": name}))
            .send()
            .await
            .expect("division");
        assert_eq!(r.status(), 201);
    }
    let (ana, ana_token) = new_agent(&app, "Ana", "Sales").await;
    let (budi, budi_token) = new_agent(&app, "Budi", "Billing").await;
    let sales = conversation(&app, &store, "+62831", Some("Sales")).await;
    let billing = conversation(&app, &store, "+62832", Some("Billing")).await;
    let nobodys = conversation(&app, &store, "+62833", None).await;
    const DAY: i64 = 86_400_000;
    let t1 = task(&store, sales, Some(ana), -1).await; // overdue
    let t2 = task(&store, billing, Some(ana), DAY).await; // Ana's, in Billing
    let t3 = task(&store, billing, Some(budi), DAY).await;
    let t4 = task(&store, nobodys, None, DAY).await;

    // Who sees what: the admin all; an agent their own and their
    // conversations' tasks.
    assert_eq!(
        ids(app.get("/api/v1/tasks").send().await.expect("get")).await,
        [t4, t3, t2, t1]
    );
    assert_eq!(
        ids(as_agent(&app, &ana_token, "/api/v1/tasks").await).await,
        [t4, t2, t1]
    );
    assert_eq!(
        ids(as_agent(&app, &budi_token, "/api/v1/tasks").await).await,
        [t4, t3, t2]
    );
    assert_eq!(
        as_agent(&app, &budi_token, &format!("/api/v1/tasks/{t1}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        as_agent(&app, &ana_token, &format!("/api/v1/tasks/{t2}"))
            .await
            .status(),
        200
    );

    // Filters.
    let ana_mine = as_agent(&app, &ana_token, "/api/v1/tasks?assignee=me").await;
    assert_eq!(ids(ana_mine).await, [t2, t1]);
    let by_id = app
        .get(&format!("/api/v1/tasks?assignee={budi}"))
        .send()
        .await
        .expect("get");
    assert_eq!(ids(by_id).await, [t3]);
    let overdue = app.get_json("/api/v1/tasks?overdue=true").await;
    assert_eq!(overdue["tasks"].as_array().expect("tasks").len(), 1);
    assert_eq!(overdue["tasks"][0]["id"], t1);
    assert_eq!(overdue["tasks"][0]["overdue"], true);
    assert_eq!(overdue["tasks"][0]["description"], "the summary");
    let not_overdue = app
        .get("/api/v1/tasks?overdue=false")
        .send()
        .await
        .expect("get");
    assert_eq!(ids(not_overdue).await, [t4, t3, t2]);
    let of_billing = app
        .get(&format!("/api/v1/tasks?conversation={billing}"))
        .send()
        .await
        .expect("get");
    assert_eq!(ids(of_billing).await, [t3, t2]);
    for bad in [
        "status=closed",
        "overdue=maybe",
        "assignee=me",
        "conversation=x",
        "sort=id",
    ] {
        let r = app
            .get(&format!("/api/v1/tasks?{bad}"))
            .send()
            .await
            .expect("get");
        assert!(
            matches!(r.status().as_u16(), 400 | 422),
            "{bad}: {}",
            r.status()
        );
    }

    // Cursor pagination.
    let page = app.get_json("/api/v1/tasks?limit=3").await;
    let next = page["next_before"].as_i64().expect("a next page");
    assert_eq!(next, t2);
    let rest = app
        .get_json(&format!("/api/v1/tasks?limit=3&before={next}"))
        .await;
    assert_eq!(rest["tasks"][0]["id"], t1);
    assert_eq!(rest["next_before"], Value::Null);

    // Completing: an agent may not touch what they cannot see; a change
    // fires `task.updated` once.
    let patch = |token: &str, id: i64, body: Value| {
        app.client
            .patch(app.url(&format!("/api/v1/tasks/{id}")))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let r = patch(&budi_token, t1, json!({"status": "done"}))
        .await
        .expect("patch");
    assert_eq!(r.status(), 404);
    let r = patch(&ana_token, 9_999, json!({"status": "done"}))
        .await
        .expect("patch");
    assert_eq!(r.status(), 404);
    let r = patch(&ana_token, t1, json!({"status": "finished"}))
        .await
        .expect("patch");
    assert_eq!(r.status(), 422);
    for _ in 0..2 {
        let r = patch(&ana_token, t1, json!({"status": "done"}))
            .await
            .expect("patch");
        assert_eq!(r.status(), 200);
        let t: Value = r.json().await.expect("json");
        assert_eq!(
            (t["status"].as_str(), t["overdue"].as_bool()),
            (Some("done"), Some(false))
        );
    }
    let done = app
        .get("/api/v1/tasks?status=done")
        .send()
        .await
        .expect("get");
    assert_eq!(ids(done).await, [t1]);
    let open = as_agent(&app, &ana_token, "/api/v1/tasks?status=open&assignee=me").await;
    assert_eq!(ids(open).await, [t2]);
    let events = store
        .db()
        .fetch_all(
            "SELECT data FROM events WHERE kind = 'task.updated' ORDER BY id",
            &[],
        )
        .await
        .expect("events");
    assert_eq!(events.len(), 1, "an unchanged status fires nothing");
    let data: Value = events[0].json("data").expect("data").expect("json");
    assert_eq!(
        (data["task_id"].as_i64(), data["status"].as_str()),
        (Some(t1), Some("done"))
    );
    // The admin reopens it.
    let r = app
        .patch(&format!("/api/v1/tasks/{t1}"))
        .json(&json!({"status": "open"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.expect("json")["overdue"], true);
    store.close().await;
    app.stop().await;
}

on_both_backends!(tasks_are_listed_filtered_and_completed);
