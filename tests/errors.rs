//! Every failure is a JSON error with the right status; nothing panics.

mod common;

use common::{ADMIN, Backend, Setup};
use serde_json::Value;

async fn error_of(r: reqwest::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("a JSON error body");
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_json_errors() {
    let app = Setup::new(Backend::Sqlite)
        .arg("body-limit", "2KiB")
        .arg("api-rate-limit", "1000")
        .start()
        .await;
    let c = &app.client;
    let inbound = app.url("/api/v1/inbound");

    let (s, code, msg) = error_of(
        c.post(&inbound)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code.as_str()), (401, "unauthorized"), "{msg}");
    let (s, _, _) = error_of(
        c.post(&inbound)
            .bearer_auth("wrong")
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401);

    let (s, code, msg) = error_of(
        app.post("/api/v1/inbound")
            .header("content-type", "application/json")
            .body("{\"external_id\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code.as_str()), (400, "bad_request"));
    assert!(
        msg.contains("EOF") || msg.contains("parse"),
        "parser message kept: {msg}"
    );

    let (s, code, _) = error_of(
        app.post("/api/v1/inbound")
            .header("content-type", "text/plain")
            .body("hi")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code.as_str()), (415, "unsupported_media_type"));

    let big = format!(
        "{{\"external_id\":\"x\",\"contact\":{{\"handle\":\"a\"}},\"text\":\"{}\"}}",
        "a".repeat(4096)
    );
    let (s, code, _) = error_of(
        app.post("/api/v1/inbound")
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code.as_str()), (413, "payload_too_large"));

    let r = app
        .post("/api/v1/inbound")
        .json(&serde_json::json!({"external_id": "", "contact": {"handle": ""}, "kind": "fax"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["external_id", "contact.handle", "kind", "text"]);

    let (s, code, _) = error_of(
        app.post("/api/v1/inbound")
            .json(&serde_json::json!({"external_id": 5}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code.as_str()), (422, "validation_failed"));

    let (s, code, _) = error_of(c.get(app.url("/no/such/path")).send().await.unwrap()).await;
    assert_eq!((s, code.as_str()), (404, "not_found"));
    let (s, code, _) = error_of(c.delete(app.url("/api/v1/inbound")).send().await.unwrap()).await;
    assert_eq!((s, code.as_str()), (405, "method_not_allowed"));
    let (s, code, _) = error_of(
        app.get("/api/v1/conversations/999999")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code.as_str()), (404, "not_found"));
    let (s, _, _) = error_of(app.get("/api/v1/conversations/abc").send().await.unwrap()).await;
    assert_eq!(s, 404);
    let (s, code, _) = error_of(
        app.get("/api/v1/conversations?status=sleeping")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, code.as_str()), (422, "validation_failed"));

    let metrics = c
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("baton_http_responses_total{class=\"5xx\"} 0"),
        "{metrics}"
    );
    let ready: Value = c
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    let rid = c.get(app.url("/healthz")).send().await.unwrap();
    assert!(rid.headers().contains_key("x-request-id"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_get_429_with_retry_after() {
    let app = Setup::new(Backend::Sqlite)
        .arg("api-rate-limit", "1")
        .start()
        .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let r = app
            .client
            .get(app.url("/api/v1/conversations"))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            retry_after = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            let (_, code, _) = error_of(r).await;
            assert_eq!(code, "rate_limited");
            statuses.push(429);
        } else {
            statuses.push(r.status().as_u16());
        }
    }
    assert_eq!(&statuses[..2], [200, 200], "a burst of two is allowed");
    assert!(statuses[2..].contains(&429), "{statuses:?}");
    let secs: u64 = retry_after.expect("Retry-After header").parse().unwrap();
    assert!(secs >= 1);
    app.stop().await;
}
