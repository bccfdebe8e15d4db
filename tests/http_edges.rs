//! The HTTP surface against misbehaving clients: every error is JSON, an
//! announced oversized body is refused before it is read, and a client
//! trickling its headers is disconnected.

mod common;

use std::time::Duration;

use common::{Backend, Setup, TestApp};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Asserts a JSON error with `status` and returns its message.
async fn json_error(r: reqwest::Response, status: u16) -> String {
    assert_eq!(r.status().as_u16(), status);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "{status}: {ct}");
    let body: Value = r.json().await.expect("a JSON body");
    assert!(body["error"]["code"].is_string(), "{body}");
    body["error"]["message"]
        .as_str()
        .expect("a message")
        .to_string()
}

/// Sends `head` on a raw connection and reads until the server closes it.
async fn raw(app: &TestApp, head: &str) -> String {
    let mut s = TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    // Bounded: a server that never answers fails the test instead of hanging it.
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("the server answered and closed")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_json() {
    let app = Setup::new(Backend::Sqlite)
        .arg("body-limit", "2KiB")
        .arg("whatsapp-access-token", "t")
        .arg("whatsapp-phone-number-id", "1")
        .arg("whatsapp-app-secret", "s")
        .arg("whatsapp-verify-token", "v")
        // Nothing listens here: downloads fail as a provider outage would.
        .arg(
            "whatsapp-api-base",
            "http://127.0.0.1:9/internal-graph/v23.0",
        )
        .start()
        .await;
    let big = "x".repeat(4096);
    let webhook = app.client.post(app.url("/webhooks/whatsapp"));
    json_error(webhook.body(big.clone()).send().await.unwrap(), 413).await;
    // Without Content-Length (streamed), the limit still answers JSON.
    let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(big.into_bytes())]);
    let r = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    json_error(r, 413).await;
    json_error(
        app.client
            .post(app.url("/webhooks/whatsapp"))
            .body("{}")
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    json_error(
        app.get("/api/v1/conversations/abc").send().await.unwrap(),
        404,
    )
    .await;
    // Not UTF-8 once decoded: axum's own rejection, in plain text before.
    json_error(
        app.get("/api/v1/kb/articles/%FF").send().await.unwrap(),
        400,
    )
    .await;
    json_error(app.get("/api/v1/nothing-here").send().await.unwrap(), 404).await;
    json_error(
        app.client.delete(app.url("/healthz")).send().await.unwrap(),
        405,
    )
    .await;

    // A media download that fails does not tell the caller where Baton
    // fetches media from.
    let image = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"metadata": {"phone_number_id": "1"},
            "messages": [{"from": "15550003333", "id": "wamid.img", "timestamp": "1750030100",
                "type": "image", "image": {"id": "98765", "mime_type": "image/jpeg"}}]}}]}]});
    let bytes = serde_json::to_vec(&image).unwrap();
    let r = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .header(
            "x-hub-signature-256",
            baton_channel_whatsapp::sign(b"s", &bytes),
        )
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let list = app.get_json("/api/v1/conversations").await;
    let conversation = list["conversations"][0]["id"]
        .as_i64()
        .expect("a conversation");
    let id = app.messages(conversation).await[0]["id"].as_i64().unwrap();
    let r = app
        .get(&format!("/api/v1/media/{id}"))
        .send()
        .await
        .unwrap();
    let message = json_error(r, 503).await;
    assert!(
        !message.contains("127.0.0.1") && !message.contains("internal-graph"),
        "{message}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announced_oversized_bodies_are_refused_before_reading() {
    let app = Setup::new(Backend::Sqlite).start().await;
    // Only the head is sent: the answer cannot wait for the body.
    let answer = raw(
        &app,
        "POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: 999999999999\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer
            .to_lowercase()
            .contains("content-type: application/json"),
        "{answer}"
    );
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body: Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(body["error"]["code"], "payload_too_large");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_trickling_headers_is_disconnected() {
    let app = Setup::new(Backend::Sqlite)
        .arg("header-timeout", "300ms")
        .start()
        .await;
    // A partial head that never ends: the server must close the connection.
    let answer = raw(&app, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a").await;
    assert!(!answer.contains("200 OK"), "{answer}");
    // Complete requests are unaffected.
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop().await;
}
