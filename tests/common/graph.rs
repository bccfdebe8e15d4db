//! A real local stand-in for Meta's Graph API: records every request and
//! answers as scripted (success with a fresh wamid by default), including
//! the faults of a real network: an answer that never comes, a connection
//! closed in the middle of the answer.

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
    /// Whether "Meta" took the message (the customer gets it), whatever
    /// reached the sender: true for a 2xx, a hang and a cut answer.
    pub accepted: bool,
}

/// One scripted answer to a send.
#[derive(Debug, Clone)]
pub enum Answer {
    /// This status and body, with a `Retry-After` of these seconds if set.
    Status(u16, Value, Option<u64>),
    /// Accept the message, then never answer (the sender times out).
    Hang,
    /// Accept the message, start a 200 answer and close the connection
    /// half way through its body.
    Cut,
}

#[derive(Clone)]
pub struct FakeGraph {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<GraphRequest>>>,
    /// Scripted answers for the next sends.
    pub script: Arc<Mutex<VecDeque<Answer>>>,
    counter: Arc<AtomicUsize>,
}

impl FakeGraph {
    pub async fn start() -> FakeGraph {
        Self::start_on("127.0.0.1:0").await
    }

    /// Listens on `addr` (e.g. a port the app already failed to reach).
    pub async fn start_on(addr: &str) -> FakeGraph {
        let mut fake = FakeGraph {
            addr: "127.0.0.1:0".parse().expect("addr"),
            requests: Arc::new(Mutex::new(Vec::new())),
            script: Arc::new(Mutex::new(VecDeque::new())),
            counter: Arc::new(AtomicUsize::new(0)),
        };
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
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

    /// Sends Meta took: what the customer's phone shows.
    pub fn accepted(&self) -> Vec<GraphRequest> {
        self.sent().into_iter().filter(|r| r.accepted).collect()
    }

    pub fn push_answer(&self, status: u16, body: Value) {
        self.push(Answer::Status(status, body, None));
    }

    pub fn push(&self, answer: Answer) {
        self.script.lock().expect("lock").push_back(answer);
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
    let answer = if is_read {
        None
    } else {
        fake.script.lock().expect("lock").pop_front()
    };
    let accepted = match &answer {
        Some(Answer::Status(status, _, _)) => (200..300).contains(status),
        _ => true,
    };
    fake.requests.lock().expect("lock").push(GraphRequest {
        phone_number_id: id,
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        body: body.clone(),
        at: Instant::now(),
        accepted,
    });
    if is_read {
        return Json(json!({"success": true})).into_response();
    }
    let ok = |n: usize| {
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": format!("wamid.OUT{n}")}]
        })
    };
    match answer {
        Some(Answer::Status(status, answer, retry_after)) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            let mut response = (code, Json(answer)).into_response();
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", secs.to_string().parse().expect("header"));
            }
            response
        }
        Some(Answer::Hang) => {
            // Meta gave it an id; the sender never hears it. It gives up
            // and drops the connection, which ends this.
            fake.counter.fetch_add(1, Ordering::SeqCst);
            std::future::pending().await
        }
        Some(Answer::Cut) => {
            let full = ok(fake.counter.fetch_add(1, Ordering::SeqCst)).to_string();
            let half = axum::body::Bytes::from(full[..full.len() / 2].to_string());
            // The cut comes after the first half went out (an immediate
            // error would close the connection before the status line).
            let cut = async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "cut",
                ))
            };
            let chunks = futures_util::StreamExt::chain(
                futures_util::stream::iter([Ok(half)]),
                futures_util::stream::once(cut),
            );
            Response::builder()
                .header("content-type", "application/json")
                .header("content-length", full.len().to_string())
                .body(axum::body::Body::from_stream(chunks))
                .expect("response")
        }
        None => Json(ok(fake.counter.fetch_add(1, Ordering::SeqCst))).into_response(),
    }
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
