//! A tiny real HTTP server that records what it receives and answers as
//! scripted: fail the first N requests, fail always, answer slowly.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The status this request was answered with.
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("receiver got JSON")
    }
}

#[derive(Default)]
pub struct Script {
    /// Answer this many requests with `fail_status` before succeeding.
    pub fail_first: AtomicUsize,
    /// Answer every request with this status (0 = succeed).
    pub always: AtomicUsize,
    pub fail_status: AtomicUsize,
    pub delay_ms: AtomicUsize,
    /// Requests that arrived (counted before any delay).
    pub arrived: AtomicUsize,
    /// Seconds sent as `Retry-After` with failures (0 = none).
    pub retry_after: AtomicUsize,
}

#[derive(Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub script: Arc<Script>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Script::default());
        script.fail_status.store(500, Ordering::SeqCst);
        let state = (received.clone(), script.clone());
        let app = axum::Router::new()
            .route("/{*path}", post(handle))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            addr,
            received,
            script,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Requests answered with a 2xx.
    pub fn accepted(&self) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| r.answered < 300)
            .collect()
    }
}

type Shared = (Arc<Mutex<Vec<Received>>>, Arc<Script>);

async fn handle(
    State((received, script)): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    script.arrived.fetch_add(1, Ordering::SeqCst);
    let delay = script.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay as u64)).await;
    }
    let fail = script.fail_status.load(Ordering::SeqCst) as u16;
    let always = script.always.load(Ordering::SeqCst) as u16;
    let status = if always != 0 {
        always
    } else if script
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        fail
    } else {
        200
    };
    received.lock().expect("lock").push(Received {
        headers,
        body,
        answered: status,
    });
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry_after = script.retry_after.load(Ordering::SeqCst);
    if status >= 300 && retry_after > 0 {
        (code, [("retry-after", retry_after.to_string())]).into_response()
    } else {
        code.into_response()
    }
}
