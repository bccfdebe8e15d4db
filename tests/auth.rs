//! Authentication: the failed-token budget per client address, the
//! `/metrics` token, and a readiness answer that names what is down
//! without echoing the driver's error.

mod common;

use common::{ADMIN, Backend, Setup, TestApp};
use serde_json::{Value, json};

/// A client whose connections come from `ip` (any 127.0.0.0/8 address
/// reaches the app on 127.0.0.1).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<std::net::IpAddr>().expect("ip"))
        .build()
        .expect("client")
}

async fn conversations(app: &TestApp, client: &reqwest::Client, token: &str) -> reqwest::Response {
    client
        .get(app.url("/api/v1/conversations"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

async fn wrong_tokens_are_limited_per_address(backend: Backend) {
    let app = Setup::new(backend).start().await;
    let attacker = client_from("127.0.0.1");
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for i in 0..300 {
        let r = conversations(&app, &attacker, &format!("guess-{i}")).await;
        if r.status() == 429 {
            retry_after = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            let body: Value = r.json().await.expect("json");
            assert_eq!(body["error"]["code"], "rate_limited");
            statuses.push(429);
        } else {
            statuses.push(r.status().as_u16());
        }
    }
    assert!(
        statuses[..20].iter().all(|s| *s == 401),
        "the default budget allows 20 wrong tokens: {statuses:?}"
    );
    assert!(
        statuses[20..].iter().all(|s| *s == 429),
        "then every guess is refused: {statuses:?}"
    );
    let secs: u64 = retry_after.expect("Retry-After").parse().expect("seconds");
    assert!((1..=60).contains(&secs), "{secs}");
    // The right token from the blocked address is refused too: a 200 among
    // the 429s would still tell a guesser when it is right.
    assert_eq!(conversations(&app, &attacker, ADMIN).await.status(), 429);
    // Another address keeps its own budget and the admin keeps working.
    let admin = client_from("127.0.0.2");
    assert_eq!(conversations(&app, &admin, ADMIN).await.status(), 200);
    assert_eq!(conversations(&app, &admin, "wrong").await.status(), 401);
    assert_eq!(conversations(&app, &admin, ADMIN).await.status(), 200);
    app.stop().await;
}

/// Behind a proxy every request comes from the proxy's address: with
/// `BATON_TRUST_FORWARDED_FOR` the budget is kept per client address the
/// proxy appended, so one guesser does not lock everyone out.
async fn behind_a_proxy_the_budget_is_per_forwarded_client(backend: Backend) {
    let app = Setup::new(backend)
        .arg("auth-failure-limit", "3")
        .arg("trust-forwarded-for", "true")
        .start()
        .await;
    let proxy = client_from("127.0.0.4");
    let via = |client_ip: &'static str, token: &'static str| {
        proxy
            .get(app.url("/api/v1/conversations"))
            .bearer_auth(token)
            // What the client claimed first, then what the proxy saw.
            .header("x-forwarded-for", format!("198.51.100.1, {client_ip}"))
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            via("203.0.113.7", "wrong")
                .await
                .expect("request")
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    assert_eq!(
        via("203.0.113.8", ADMIN).await.expect("request").status(),
        200
    );
    app.stop().await;
}

async fn the_failure_budget_is_configurable(backend: Backend) {
    let app = Setup::new(backend)
        .arg("auth-failure-limit", "3")
        .start()
        .await;
    let c = client_from("127.0.0.3");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(conversations(&app, &c, "wrong").await.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    // A request without any token is not a guess and spends nothing.
    let other = client_from("127.0.0.4");
    for _ in 0..5 {
        let r = other
            .get(app.url("/api/v1/conversations"))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), 401);
    }
    assert_eq!(conversations(&app, &other, ADMIN).await.status(), 200);
    app.stop().await;
}

async fn metrics_token(backend: Backend) {
    let open = Setup::new(backend).start().await;
    let r = open.client.get(open.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200, "without METRICS_TOKEN /metrics is open");
    open.stop().await;

    let app = Setup::new(backend)
        .arg("metrics-token", "scrape-me")
        .start()
        .await;
    let bare = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(bare.status(), 401);
    let body: Value = bare.json().await.expect("a JSON error");
    assert_eq!(body["error"]["code"], "unauthorized");
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        wrong.status(),
        401,
        "the admin token is not the metrics token"
    );
    let right = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("baton_http_responses_total")
    );
    app.stop().await;
}

on_both_backends!(
    wrong_tokens_are_limited_per_address,
    behind_a_proxy_the_budget_is_per_forwarded_client,
    the_failure_budget_is_configurable,
    metrics_token
);

/// PostgreSQL only: a SQLite file cannot be taken away from a running
/// process, a PostgreSQL database can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL suite: set BATON_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn readiness_names_what_is_down_without_the_driver_error() {
    let app = Setup::new(Backend::Postgres).start().await;
    let ready: Value = app
        .client
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        ready,
        json!({"status": "ready", "database": "ok", "whatsapp": "disabled"})
    );
    let name = app
        .database_url
        .rsplit('/')
        .next()
        .expect("database name")
        .to_string();
    let base = std::env::var("BATON_TEST_POSTGRES_URL").expect("BATON_TEST_POSTGRES_URL");
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(&base).await.expect("connect");
    sqlx::Executor::execute(
        &mut conn,
        format!("DROP DATABASE {name} WITH (FORCE)").as_str(),
    )
    .await
    .expect("drop the app's database");
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let text = r.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        body,
        json!({"status": "unavailable", "database": "down", "whatsapp": "disabled",
            "error": {"code": "unavailable", "message": "the database is unreachable"}}),
        "{text}"
    );
    // The app is left running: its database is gone, so it cannot stop cleanly.
}
