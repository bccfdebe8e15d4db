//! The HTTP surface: one axum router with request ids, tracing, timeouts,
//! a body limit, and JSON errors for everything (unknown paths included).

mod agents;
mod auth;
mod auth_failures;
mod conversations;
mod divisions;
mod events;
mod guard;
mod health;
mod inbound;
mod json;
mod kb;
mod media;
mod openapi;
mod serve;
mod start;
mod tasks;
mod visibility;
mod whatsapp;
mod workflow;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use auth::{Admin, Agent, ApiLimiter, Caller};
pub use auth_failures::AuthFailures;
pub use json::JsonBody;
pub use serve::serve;
pub use whatsapp::WhatsappHook;

use crate::error::ApiError;
use crate::ingest::Ingestor;
use crate::metrics::Metrics;
use crate::outbox::Outbox;
use crate::store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Shared by every `GET /api/v1/events` stream.
    pub event_streams: crate::events::stream::StreamOptions,
    pub store: Store,
    pub ingestor: Ingestor,
    pub outbox: Outbox,
    pub metrics: Arc<Metrics>,
    pub admin_token: Arc<secrecy::SecretString>,
    pub limiter: Arc<ApiLimiter>,
    /// Wrong tokens per client address (see [`AuthFailures`]).
    pub auth_failures: Arc<AuthFailures>,
    /// Key that budget by `X-Forwarded-For` (behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Required by `/metrics` when set.
    pub metrics_token: Option<Arc<secrecy::SecretString>>,
    pub kb: Arc<crate::bot::kb::Kb>,
    /// The knowledge-base bot, when it is the one running (to tell it that
    /// divisions changed).
    pub bot: Option<Arc<crate::bot::KbBot>>,
    pub whatsapp: Option<Arc<WhatsappHook>>,
    pub handover: Arc<crate::handover::HandoverConfig>,
    /// Who counts as away (`AGENT_AWAY_AFTER`); marks agents seen.
    pub presence: crate::handover::Presence,
}

impl AppState {
    pub fn divisions_changed(&self) {
        if let Some(bot) = &self.bot {
            bot.invalidate_divisions();
        }
    }
}

pub fn router(state: AppState, body_limit: usize, request_timeout: Duration) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let api = Router::new()
        .merge(inbound::routes())
        .merge(agents::routes())
        .merge(conversations::routes())
        .merge(divisions::routes())
        .merge(events::routes())
        .merge(kb::routes())
        .merge(media::routes())
        .merge(tasks::routes())
        .merge(openapi::routes())
        .merge(workflow::routes());
    Router::new()
        .merge(health::routes())
        .merge(whatsapp::routes())
        .nest("/api/v1", api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            body_limit,
            guard::refuse_oversized,
        ))
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            count_responses,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(middleware::from_fn(guard::json_errors))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::new(request_id, RandomRequestId))
        .with_state(state)
}

/// A random 128-bit request id (UUID v4 format) from a thread-local
/// generator: tower-http's own maker asks the OS for randomness on every
/// request, a system call per webhook for an id that only has to be unique
/// enough to find a request in the logs.
#[derive(Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let v = (fastrand::u128(..) & !(0xf000 << 64) & !(0xc000 << 48))
            | (0x4000 << 64)
            | (0x8000 << 48);
        let hex = format!("{v:032x}");
        let id = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        axum::http::HeaderValue::from_str(&id)
            .ok()
            .map(RequestId::new)
    }
}

/// The request's span names its path but not its query, which can carry
/// secrets (Meta's handshake sends `hub.verify_token` there).
fn request_span(req: &Request) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        version = ?req.version(),
    )
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint".into())
}

async fn method_not_allowed() -> Response {
    let body = serde_json::json!({"error": {"code": "method_not_allowed",
        "message": "this endpoint does not accept that method"}});
    (StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}

/// Counts responses by status class. Its state is only the metrics (not
/// the whole `AppState`), because it is cloned for every request.
async fn count_responses(
    State(metrics): State<Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let resp = next.run(req).await;
    metrics.http_response(resp.status().as_u16());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_v4_shaped_and_distinct() {
        let req = axum::http::Request::new(());
        let mut maker = RandomRequestId;
        let ids: Vec<String> = (0..200)
            .map(|_| {
                let id = maker.make_request_id(&req).expect("an id");
                id.header_value().to_str().expect("ascii").to_string()
            })
            .collect();
        for id in &ids {
            let parts: Vec<&str> = id.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12],
                "{id}"
            );
            assert!(parts[2].starts_with('4'), "version 4: {id}");
            assert!(
                matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
                "RFC 4122 variant: {id}"
            );
        }
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }
}
