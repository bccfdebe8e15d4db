//! `GET /api/v1/events`: the caller's event stream as Server-Sent Events.
//! Each SSE event has `id:` = the event's id, `event:` = its kind and
//! `data:` = the event as JSON. A client resumes where it left off with
//! `Last-Event-ID` (browsers send it on reconnect) or `?after=ID`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use serde::Deserialize;

use super::AppState;
use super::auth::{Agent, Caller};
use crate::error::ApiError;
use crate::events::Event;
use crate::events::stream::{self, Everything, Visibility};

/// Comment lines this often keep proxies from closing an idle stream.
const HEARTBEAT: Duration = Duration::from_secs(15);

pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

#[derive(Deserialize)]
struct Resume {
    after: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    params(("after" = Option<String>, Query, description = "resume after this event id (as `Last-Event-ID`)"), ("Last-Event-ID" = Option<String>, Header, description = "resume after this event id")),
    responses(
        (status = 200, description = "Server-Sent Events stream", content_type = "text/event-stream", body = String),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn events(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<Resume>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let after = resume_point(&headers, q.after.as_deref())?;
    // The admin sees every event; an agent, those of the conversations
    // they may see (their divisions', their own, nobody's) and their own
    // presence.
    let visibility: Arc<dyn Visibility> = match caller {
        Caller::Admin => Arc::new(Everything),
        Caller::Agent(agent) => Arc::new(AgentEvents {
            store: s.store.clone(),
            agent,
        }),
    };
    let mut rx = stream::start(s.store.clone(), after, visibility, s.event_streams.clone()).await?;
    let events = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let events = futures_util::StreamExt::map(events, |e| Ok(sse_event(&e)));
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(HEARTBEAT)))
}

/// What one agent's stream shows. Each event's conversation is read as it
/// is now (a transfer away hides its later events at once).
struct AgentEvents {
    store: crate::store::Store,
    agent: Agent,
}

impl Visibility for AgentEvents {
    fn visible<'a>(&'a self, event: &'a Event) -> baton_channel::BoxFuture<'a, bool> {
        Box::pin(async move {
            // Events that name the agent reach them even when the
            // conversation is no longer theirs (transferred or reassigned
            // away: "both are told").
            let me = Some(self.agent.id);
            let d = &event.data;
            let named = d["agent_id"].as_i64() == me
                || d["from_agent_id"].as_i64() == me
                || d["agent"]["id"].as_i64() == me
                || d["agent_ids"]
                    .as_array()
                    .is_some_and(|ids| ids.iter().any(|i| i.as_i64() == me));
            if named {
                return true;
            }
            match event.conversation_id {
                Some(id) => self
                    .store
                    .conversation(id)
                    .await
                    .is_ok_and(|c| self.agent.can_see(&c)),
                None => false,
            }
        })
    }
}

/// Where the stream starts: after `Last-Event-ID`, else after `?after=`,
/// else at the next event committed.
fn resume_point(headers: &HeaderMap, after: Option<&str>) -> Result<Option<i64>, ApiError> {
    let given = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::BadRequest("Last-Event-ID must be an event id".into()))?,
        ),
        None => after,
    };
    given
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse::<i64>().ok().filter(|id| *id >= 0).ok_or_else(|| {
                ApiError::BadRequest(
                    "Last-Event-ID (or `after`) must be an event id, a whole number".into(),
                )
            })
        })
        .transpose()
}

/// Kinds are Baton's own names (no line breaks, which an SSE field
/// cannot hold); `data` is one line of JSON.
fn sse_event(e: &Event) -> SseEvent {
    let data = serde_json::to_string(e).unwrap_or_else(|_| "{}".into());
    SseEvent::default()
        .id(e.id.to_string())
        .event(e.kind.as_str())
        .data(data)
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(events))]
pub(super) struct Doc;
