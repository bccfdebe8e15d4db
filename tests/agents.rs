//! Agents: tokens issued once and stored hashed, rotation and revocation,
//! validation, presence (online, away after `AGENT_AWAY_AFTER`), the agents
//! assignment may choose, and what an agent may see of conversations.

mod common;

use std::sync::Arc;

use baton::conversation::SystemClock;
use baton::handover::Presence;
use baton::store::Store;
use common::{Backend, Setup, TestApp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn division(app: &TestApp, name: &str) -> i64 {
    let r = app
        .post("/api/v1/divisions")
        .json(&json!({"name": name}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

async fn new_agent(app: &TestApp, body: Value) -> (i64, String) {
    let r = app
        .post("/api/v1/agents")
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let v: Value = r.json().await.expect("json");
    let token = v["token"]
        .as_str()
        .expect("a token, shown once")
        .to_string();
    (v["id"].as_i64().expect("id"), token)
}

async fn as_agent(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

async fn store(app: &TestApp) -> Store {
    Store::open(&app.database_url, 1, Arc::new(SystemClock))
        .await
        .expect("open store")
}

fn sha256_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn tokens_work_for_agents_only_and_stay_secret(backend: Backend) {
    let app = Setup::new(backend)
        .arg("auth-failure-limit", "2")
        .start()
        .await;
    division(&app, "Sales").await;
    let (id, token) = new_agent(
        &app,
        json!({"name": "Ana", "whatsapp": "+62 812-3456-7890", "email": "ana@example.com", "divisions": ["Sales"]}),
    )
    .await;
    assert!(token.starts_with("bat_") && token.len() > 40, "{token}");

    let me = as_agent(&app, &token, reqwest::Method::GET, "/api/v1/agents/me").await;
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.expect("json");
    assert_eq!(me["id"], id);
    assert_eq!(me["whatsapp"], "6281234567890", "digits only, like a wa_id");
    assert_eq!(me["divisions"], json!(["Sales"]));

    // A valid agent token on admin endpoints is refused without spending
    // the address's failed-token budget (2 here): it is not a guess.
    for path in ["/api/v1/agents", "/api/v1/divisions", "/api/v1/kb/articles"] {
        for _ in 0..3 {
            let r = as_agent(&app, &token, reqwest::Method::GET, path).await;
            assert_eq!(r.status(), 403, "{path}");
        }
    }
    assert_eq!(
        app.get("/api/v1/agents")
            .send()
            .await
            .expect("get")
            .status(),
        200
    );
    // The admin token is not an agent.
    let r = app
        .put("/api/v1/agents/me/presence")
        .json(&json!({"online": true}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 403);

    // Listed with divisions and presence, never the token or its hash.
    let s = store(&app).await;
    let hash = s
        .db()
        .fetch_optional(
            "SELECT token_hash FROM agents WHERE id = $1",
            baton::params![id],
        )
        .await
        .expect("query")
        .expect("the agent")
        .text("token_hash")
        .expect("column");
    assert_eq!(hash, sha256_hex(&token), "stored as SHA-256 hex");
    let listed = app
        .get("/api/v1/agents")
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    let list: Value = serde_json::from_str(&listed).expect("json");
    assert_eq!(list["agents"][0]["name"], "Ana");
    assert_eq!(list["agents"][0]["online"], false);
    assert!(list["agents"][0].get("last_seen_at").is_some());
    assert!(
        !listed.contains(&token) && !listed.contains(&hash) && !listed.contains("token"),
        "{listed}"
    );
    let one = app
        .get(&format!("/api/v1/agents/{id}"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(!one.contains(&hash) && !one.contains("token"), "{one}");
    s.close().await;
    app.stop().await;
}

async fn divisions_change_and_tokens_rotate_and_revoke(backend: Backend) {
    let app = Setup::new(backend).start().await;
    division(&app, "Sales").await;
    division(&app, "Billing").await;
    let (id, old) = new_agent(&app, json!({"name": "Budi", "divisions": ["Sales"]})).await;

    let r = app
        .patch(&format!("/api/v1/agents/{id}"))
        .json(&json!({"divisions": ["billing", "Sales"], "name": "Budi S."}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["divisions"], json!(["Billing", "Sales"]));
    assert_eq!(v["name"], "Budi S.");
    assert!(v.get("token").is_none(), "no new token unless asked");

    let r = app
        .patch(&format!("/api/v1/agents/{id}"))
        .json(&json!({"rotate_token": true}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let new = r.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("the new token")
        .to_string();
    assert_ne!(new, old);
    let me = "/api/v1/agents/me";
    assert_eq!(
        as_agent(&app, &old, reqwest::Method::GET, me)
            .await
            .status(),
        401
    );
    assert_eq!(
        as_agent(&app, &new, reqwest::Method::GET, me)
            .await
            .status(),
        200
    );

    let r = app
        .delete(&format!("/api/v1/agents/{id}"))
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    assert_eq!(
        as_agent(&app, &new, reqwest::Method::GET, me)
            .await
            .status(),
        401,
        "revoked at once"
    );
    let v = app.get_json(&format!("/api/v1/agents/{id}")).await;
    assert_eq!(v["active"], false, "kept for history: {v}");
    assert_eq!(v["online"], false);
    let r = app
        .delete("/api/v1/agents/999999")
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 404);
    app.stop().await;
}

async fn duplicates_and_unknown_divisions_are_refused(backend: Backend) {
    let app = Setup::new(backend).start().await;
    division(&app, "Sales").await;
    new_agent(&app, json!({"name": "Ana", "whatsapp": "6281234567890"})).await;

    let r = app
        .post("/api/v1/agents")
        .json(&json!({"name": "Other", "whatsapp": "+62 (812) 3456-7890"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 409, "the same number, written differently");

    let r = app
        .post("/api/v1/agents")
        .json(&json!({"name": "Cici", "divisions": ["Sales", "Nope", "Ghost"]}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.expect("json");
    let message = e["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("Nope") && message.contains("Ghost") && !message.contains("Sales"),
        "{message}"
    );
    assert_eq!(e["error"]["fields"][0]["field"], "divisions");

    let r = app
        .post("/api/v1/agents")
        .json(&json!({"name": "Dedi", "whatsapp": "call me"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 422);

    let (id, _) = new_agent(&app, json!({"name": "Eka", "whatsapp": "6289999999"})).await;
    let r = app
        .patch(&format!("/api/v1/agents/{id}"))
        .json(&json!({"whatsapp": "+62 812 3456 7890"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 409);
    let r = app
        .patch(&format!("/api/v1/agents/{id}"))
        .json(&json!({"divisions": ["Nope"]}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 422);
    let v = app.get_json(&format!("/api/v1/agents/{id}")).await;
    assert_eq!(v["whatsapp"], "6289999999", "nothing changed");
    let r = app
        .patch(&format!("/api/v1/agents/{id}"))
        .json(&json!({"whatsapp": null}))
        .send()
        .await
        .expect("patch");
    assert_eq!(
        r.json::<Value>().await.expect("json")["whatsapp"],
        Value::Null
    );
    app.stop().await;
}

async fn events(s: &Store, agent_id: i64) -> Vec<Value> {
    let rows = s
        .db()
        .fetch_all(
            "SELECT data FROM events WHERE kind = 'agent.presence_changed' ORDER BY id",
            &[],
        )
        .await
        .expect("events");
    rows.iter()
        .map(|r| r.json::<Value>("data").expect("data").expect("json"))
        .filter(|d| d["agent_id"] == agent_id)
        .collect()
}

async fn presence_and_away(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let sales = division(&app, "Sales").await;
    let billing = division(&app, "Billing").await;
    let (ana, token) = new_agent(&app, json!({"name": "Ana", "divisions": ["Sales"]})).await;
    let (budi, budi_token) = new_agent(&app, json!({"name": "Budi", "divisions": ["Sales"]})).await;
    let s = store(&app).await;
    let presence = Presence::new(Some(std::time::Duration::from_secs(30 * 60)));
    assert!(
        presence
            .online_agents(&s, Some(sales), s.now())
            .await
            .expect("agents")
            .is_empty()
    );

    for t in [&token, &budi_token] {
        let r = app
            .client
            .put(app.url("/api/v1/agents/me/presence"))
            .bearer_auth(t)
            .json(&json!({"online": true}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.expect("json");
        assert_eq!(
            (v["online"].clone(), v["away"].clone()),
            (json!(true), json!(false))
        );
    }
    assert_eq!(events(&s, ana).await.len(), 1);
    assert_eq!(events(&s, ana).await[0]["online"], true);

    // Ana has an open conversation: Budi is less busy and comes first.
    let c = app.converse("p-1", "cust-1", "hello").await;
    s.db()
        .execute(
            "UPDATE conversations SET status = 'open', assignee_id = $1, division_id = $2 WHERE id = $3",
            baton::params![ana, sales, c],
        )
        .await
        .expect("assign");
    let online = presence
        .online_agents(&s, Some(sales), s.now())
        .await
        .expect("agents");
    let ids: Vec<(i64, i64)> = online.iter().map(|a| (a.id, a.open_count)).collect();
    assert_eq!(ids, vec![(budi, 0), (ana, 1)]);
    assert!(
        presence
            .online_agents(&s, Some(billing), s.now())
            .await
            .expect("agents")
            .is_empty()
    );
    assert_eq!(
        presence
            .online_agents(&s, None, s.now())
            .await
            .expect("agents")
            .len(),
        2
    );

    // Ana has been quiet for 31 minutes: away, not chosen.
    let past = s.now() - 31 * 60 * 1000;
    s.db()
        .execute(
            "UPDATE agents SET last_seen_at = $1 WHERE id = $2",
            baton::params![past, ana],
        )
        .await
        .expect("age");
    let v = app.get_json(&format!("/api/v1/agents/{ana}")).await;
    assert_eq!(
        (v["online"].clone(), v["away"].clone()),
        (json!(true), json!(true))
    );
    let online = presence
        .online_agents(&s, Some(sales), s.now())
        .await
        .expect("agents");
    assert_eq!(online.iter().map(|a| a.id).collect::<Vec<_>>(), vec![budi]);
    let never_away = Presence::new(None);
    assert_eq!(
        never_away
            .online_agents(&s, Some(sales), s.now())
            .await
            .expect("agents")
            .len(),
        2
    );

    // Any authenticated request of hers marks her seen: back, and told.
    let r = as_agent(&app, &token, reqwest::Method::GET, "/api/v1/conversations").await;
    assert_eq!(r.status(), 200);
    let v = app.get_json(&format!("/api/v1/agents/{ana}")).await;
    assert_eq!(v["away"], false, "{v}");
    let seen = v["last_seen_at"]
        .as_str()
        .expect("last_seen_at")
        .to_string();
    assert_eq!(events(&s, ana).await.len(), 2);
    assert_eq!(events(&s, ana).await[1]["cause"], "activity");
    // Seen again within 30 s: no write.
    as_agent(&app, &token, reqwest::Method::GET, "/api/v1/agents/me").await;
    assert_eq!(
        app.get_json(&format!("/api/v1/agents/{ana}")).await["last_seen_at"],
        seen.as_str()
    );

    let r = app
        .client
        .put(app.url("/api/v1/agents/me/presence"))
        .bearer_auth(&token)
        .json(&json!({"online": false}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.json::<Value>().await.expect("json")["online"], false);
    let ev = events(&s, ana).await;
    assert_eq!((ev.len(), ev[2]["online"].clone()), (3, json!(false)));
    let online = presence
        .online_agents(&s, Some(sales), s.now())
        .await
        .expect("agents");
    assert_eq!(online.iter().map(|a| a.id).collect::<Vec<_>>(), vec![budi]);
    s.close().await;
    app.stop().await;
}

async fn away_zero_means_never(backend: Backend) {
    let app = Setup::new(backend)
        .arg("agent-away-after", "0")
        .start()
        .await;
    let (id, token) = new_agent(&app, json!({"name": "Ana"})).await;
    let r = app
        .client
        .put(app.url("/api/v1/agents/me/presence"))
        .bearer_auth(&token)
        .json(&json!({"online": true}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    let s = store(&app).await;
    s.db()
        .execute(
            "UPDATE agents SET last_seen_at = 1 WHERE id = $1",
            baton::params![id],
        )
        .await
        .expect("age");
    let v = app.get_json(&format!("/api/v1/agents/{id}")).await;
    assert_eq!(
        (v["online"].clone(), v["away"].clone()),
        (json!(true), json!(false))
    );
    s.close().await;
    app.stop().await;
}

async fn agents_see_their_divisions_and_their_own(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let sales = division(&app, "Sales").await;
    let billing = division(&app, "Billing").await;
    let (ana, token) = new_agent(&app, json!({"name": "Ana", "divisions": ["Sales"]})).await;
    let (budi, _) = new_agent(&app, json!({"name": "Budi", "divisions": ["Billing"]})).await;
    let s = store(&app).await;
    let mut ids = Vec::new();
    // (division, assignee): Sales; Billing; nobody's; Billing but Ana's;
    // no division but Budi's.
    for (i, (d, a)) in [
        (Some(sales), None),
        (Some(billing), None),
        (None, None),
        (Some(billing), Some(ana)),
        (None, Some(budi)),
    ]
    .into_iter()
    .enumerate()
    {
        let c = app
            .converse(&format!("v-{i}"), &format!("cust-{i}"), "hi")
            .await;
        s.db()
            .execute(
                "UPDATE conversations SET division_id = $1, assignee_id = $2 WHERE id = $3",
                baton::params![d, a, c],
            )
            .await
            .expect("set");
        ids.push(c);
    }
    let listed = |v: Value| -> Vec<i64> {
        v["conversations"]
            .as_array()
            .expect("list")
            .iter()
            .map(|c| c["id"].as_i64().expect("id"))
            .collect()
    };
    let get = |path: String| {
        let app = &app;
        let token = token.clone();
        async move { as_agent(app, &token, reqwest::Method::GET, &path).await }
    };
    let mine = listed(
        get("/api/v1/conversations".into())
            .await
            .json()
            .await
            .expect("json"),
    );
    assert_eq!(mine, vec![ids[3], ids[2], ids[0]], "newest first");
    let assigned = listed(
        get("/api/v1/conversations?assignee=me".into())
            .await
            .json()
            .await
            .expect("json"),
    );
    assert_eq!(assigned, vec![ids[3]]);
    // Pages: one at a time, following the cursor.
    let mut paged = Vec::new();
    let mut path = "/api/v1/conversations?limit=1".to_string();
    for _ in 0..5 {
        let v: Value = get(path.clone()).await.json().await.expect("json");
        paged.extend(listed(v.clone()));
        match v["next_before"].as_i64() {
            Some(b) => path = format!("/api/v1/conversations?limit=1&before={b}"),
            None => break,
        }
    }
    assert_eq!(paged, mine);
    // The admin sees all five, and is nobody's `me`.
    assert_eq!(listed(app.get_json("/api/v1/conversations").await).len(), 5);
    let r = app
        .get("/api/v1/conversations?assignee=me")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 422);

    for (i, visible) in [true, false, true, true, false].into_iter().enumerate() {
        let r = get(format!("/api/v1/conversations/{}", ids[i])).await;
        let status = r.status();
        let body: Value = r.json().await.expect("json");
        match visible {
            true => assert_eq!(status, 200, "conversation {i}"),
            false => {
                assert_eq!(status, 404, "conversation {i}: not 403");
                assert_eq!(body["error"]["code"], "not_found");
            }
        }
    }
    s.close().await;
    app.stop().await;
}

on_both_backends!(
    tokens_work_for_agents_only_and_stay_secret,
    divisions_change_and_tokens_rotate_and_revoke,
    duplicates_and_unknown_divisions_are_refused,
    presence_and_away,
    away_zero_means_never,
    agents_see_their_divisions_and_their_own,
);
