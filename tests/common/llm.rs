//! A real local OpenAI-compatible server with scripted behaviour.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// How the fake answers.
pub const OK: usize = 0;
pub const NO_ANSWER: usize = 1;
pub const ERROR_500: usize = 2;
pub const SLOW: usize = 3;
pub const RATE_LIMITED: usize = 4;

#[derive(Clone)]
pub struct FakeLlm {
    pub addr: SocketAddr,
    pub mode: Arc<AtomicUsize>,
    /// Every request body received.
    pub requests: Arc<Mutex<Vec<Value>>>,
    /// The `Authorization` header of every request ("" when absent).
    pub authorizations: Arc<Mutex<Vec<String>>>,
    /// What the fake says when answering (mode OK).
    pub answer: Arc<Mutex<String>>,
    /// What it says when routing: a division name or null.
    pub route_to: Arc<Mutex<Option<String>>>,
}

impl FakeLlm {
    pub async fn start() -> FakeLlm {
        let fake = FakeLlm {
            addr: "127.0.0.1:0".parse().expect("addr"),
            mode: Arc::new(AtomicUsize::new(OK)),
            requests: Arc::new(Mutex::new(Vec::new())),
            authorizations: Arc::new(Mutex::new(Vec::new())),
            answer: Arc::new(Mutex::new("LLM says: shipping takes 2-3 days.".into())),
            route_to: Arc::new(Mutex::new(None)),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeLlm { addr, ..fake }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn kinds(&self) -> Vec<String> {
        self.requests
            .lock()
            .expect("lock")
            .iter()
            .map(kind_of)
            .collect()
    }
}

fn kind_of(body: &Value) -> String {
    let system = body["messages"][0]["content"].as_str().unwrap_or_default();
    if system.contains("route customer-support") {
        "route".into()
    } else if system.starts_with("Summarize") {
        "summary".into()
    } else {
        "answer".into()
    }
}

fn completion(content: &str) -> Json<Value> {
    Json(json!({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": "fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    }))
}

async fn complete(
    State(fake): State<FakeLlm>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let kind = kind_of(&body);
    fake.authorizations.lock().expect("lock").push(
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    );
    fake.requests.lock().expect("lock").push(body);
    match fake.mode.load(Ordering::SeqCst) {
        ERROR_500 => return (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
        RATE_LIMITED => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "30")],
                "slow down",
            )
                .into_response();
        }
        SLOW => {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        _ => {}
    }
    let no_answer = fake.mode.load(Ordering::SeqCst) == NO_ANSWER;
    match kind.as_str() {
        "route" => {
            let to = fake.route_to.lock().expect("lock").clone();
            completion(&json!({"division": to}).to_string()).into_response()
        }
        "summary" => completion("LLM summary: the customer wants help.").into_response(),
        _ if no_answer => completion("NO_ANSWER").into_response(),
        _ => completion(&fake.answer.lock().expect("lock").clone()).into_response(),
    }
}
