//! A real local stand-in for Meta's Graph API: records every request and
//! answers as scripted (success with a fresh wamid by default).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub struct GraphRequest {
    pub phone_number_id: String,
    pub body: Value,
    pub authorization: String,
    pub at: Instant,
}

#[derive(Clone)]
pub struct FakeGraph {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<GraphRequest>>>,
    /// Scripted answers for the next sends: (HTTP status, body).
    pub script: Arc<Mutex<VecDeque<(u16, Value)>>>,
    counter: Arc<AtomicUsize>,
}

impl FakeGraph {
    pub async fn start() -> FakeGraph {
        let mut fake = FakeGraph {
            addr: "127.0.0.1:0".parse().expect("addr"),
            requests: Arc::new(Mutex::new(Vec::new())),
            script: Arc::new(Mutex::new(VecDeque::new())),
            counter: Arc::new(AtomicUsize::new(0)),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        fake.addr = listener.local_addr().expect("addr");
        let app = axum::Router::new()
            .route("/v23.0/{id}/messages", post(send))
            .route("/v23.0/{id}", get(media_info))
            .route("/files/{id}", get(media_file))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        fake
    }

    pub fn base(&self) -> String {
        format!("http://{}/v23.0", self.addr)
    }

    /// Message sends (not mark-as-read calls).
    pub fn sent(&self) -> Vec<GraphRequest> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .filter(|r| r.body.get("status").is_none())
            .cloned()
            .collect()
    }

    pub fn read_receipts(&self) -> Vec<GraphRequest> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .filter(|r| r.body["status"] == "read")
            .cloned()
            .collect()
    }

    pub fn push_answer(&self, status: u16, body: Value) {
        self.script.lock().expect("lock").push_back((status, body));
    }
}

pub fn graph_error(code: i64, message: &str) -> Value {
    json!({"error": {"message": message, "type": "OAuthException", "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": message}, "fbtrace_id": "Azz"}})
}

async fn send(
    State(fake): State<FakeGraph>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let is_read = body.get("status").is_some();
    fake.requests.lock().expect("lock").push(GraphRequest {
        phone_number_id: id,
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        body: body.clone(),
        at: Instant::now(),
    });
    if is_read {
        return Json(json!({"success": true})).into_response();
    }
    if let Some((status, answer)) = fake.script.lock().expect("lock").pop_front() {
        return (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            Json(answer),
        )
            .into_response();
    }
    let n = fake.counter.fetch_add(1, Ordering::SeqCst);
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": body["to"], "wa_id": body["to"]}],
        "messages": [{"id": format!("wamid.OUT{n}")}]
    }))
    .into_response()
}

async fn media_info(
    State(fake): State<FakeGraph>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if headers.get("authorization").is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    Json(
        json!({"messaging_product": "whatsapp", "url": format!("http://{}/files/{id}", fake.addr),
        "mime_type": "image/jpeg", "sha256": "abc", "file_size": "5", "id": id}),
    )
    .into_response()
}

async fn media_file(Path(id): Path<String>, headers: HeaderMap) -> Response {
    if headers.get("authorization").is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    ([("content-type", "image/jpeg")], format!("JPEG:{id}")).into_response()
}
