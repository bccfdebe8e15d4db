//! The agent workflow on a conversation: claim, take over, transfer, hand
//! back, resolve, internal notes. Each is one lifecycle transition (see
//! `conversation::lifecycle`) with the customer's notice in the same
//! transaction.

use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Caller;
use super::{AppState, JsonBody};
use crate::conversation::lifecycle::{self, Changed, Notice};
use crate::conversation::{AgentRef, Author};
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations/{id}/claim", post(claim))
        .route("/conversations/{id}/takeover", post(takeover))
        .route("/conversations/{id}/handback", post(handback))
        .route("/conversations/{id}/resolve", post(resolve))
        .route("/conversations/{id}/transfer", post(transfer))
        .route("/conversations/{id}/notes", post(note))
}

pub(super) fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("conversation"))
}

/// Who acts: an agent, or the admin (`None`: no assignee, named "our
/// team" to customers).
pub(super) type Actor = Option<AgentRef>;

/// The acting agent (`None` for the admin), once the caller is known to
/// see the conversation (else the same 404 as a missing one).
pub(super) async fn actor_for(s: &AppState, caller: &Caller, id: i64) -> Result<Actor, ApiError> {
    caller.visible(s.store.conversation(id).await?)?;
    Ok(actor_of(caller))
}

/// [`actor_for`] for claiming and taking over: an agent who would see the
/// conversation if nobody owned it (their division's, or nobody's) may try
/// — and learns who got there first (409) rather than a 404, also when
/// another agent's claim landed a moment before theirs.
pub(super) async fn claimant(s: &AppState, caller: &Caller, id: i64) -> Result<Actor, ApiError> {
    let mut c = s.store.conversation(id).await?;
    if !caller.can_see(&c) {
        // Only an `open` conversation another agent owns is shown as
        // taken (409 naming them) to an agent who could have claimed it.
        if c.status != crate::conversation::Status::Open {
            return Err(ApiError::not_found("conversation"));
        }
        c.assignee = None;
        caller.visible(c)?;
    }
    Ok(actor_of(caller))
}

fn actor_of(caller: &Caller) -> Actor {
    match caller {
        Caller::Admin => None,
        Caller::Agent(a) => Some(AgentRef {
            id: a.id,
            name: a.name.clone(),
        }),
    }
}

fn actor_name(actor: &Actor) -> &str {
    actor.as_ref().map_or("our team", |a| a.name.as_str())
}

/// The takeover greeting for `actor`, as configured (`{agent}` filled in).
pub(super) fn takeover_text(s: &AppState, actor: &Actor) -> String {
    s.handover
        .takeover_message
        .replace("{agent}", actor_name(actor))
}

pub(super) fn notice<'a>(s: &AppState, text: &'a str, actor: &Actor) -> Notice<'a> {
    Notice {
        text,
        author: Author::Agent,
        agent_id: actor.as_ref().map(|a| a.id),
        lease_ms: s.outbox.lease_ms(),
    }
}

/// Commits a transition's transaction, sends its notice, answers with the
/// conversation as it is now.
async fn finish(
    s: &AppState,
    tx: crate::store::Tx,
    id: i64,
    changed: Changed,
) -> Result<Json<Value>, ApiError> {
    tx.commit().await?;
    s.outbox.dispatch(changed.rows);
    let mut body = json!(s.store.conversation(id).await?);
    body["changed"] = json!(!changed.unchanged);
    Ok(Json(body))
}

/// The transitions that take only the caller and tell the customer.
enum Move {
    Claim,
    TakeOver,
    HandBack,
}

/// Runs `mv` for the caller with its customer text, in one transaction.
async fn change(
    s: &AppState,
    caller: &Caller,
    id: &str,
    mv: Move,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(id)?;
    let actor = match mv {
        Move::Claim | Move::TakeOver => claimant(s, caller, id).await?,
        Move::HandBack => actor_for(s, caller, id).await?,
    };
    let text = match mv {
        Move::Claim | Move::TakeOver => takeover_text(s, &actor),
        Move::HandBack => s.handover.handback_message.clone(),
    };
    let told = Some(notice(s, &text, &actor));
    let mut tx = s.store.begin().await?;
    let (store, who) = (&s.store, actor.as_ref());
    let changed = match mv {
        Move::Claim => lifecycle::claim(store, &mut tx, id, who, told).await?,
        Move::TakeOver => lifecycle::take_over(store, &mut tx, id, who, told).await?,
        Move::HandBack => lifecycle::hand_back(store, &mut tx, id, who, told).await?,
    };
    finish(s, tx, id, changed).await
}

#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/claim",
    tag = "conversations",
    params(("id" = i64, Path, description = "the conversation id")),
    responses(
        (status = 200, description = "the conversation, with `changed`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 409, description = "conflict: the state moved (names the owner)", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn claim(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    change(&s, &caller, &id, Move::Claim).await
}

#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/takeover",
    tag = "conversations",
    params(("id" = i64, Path, description = "the conversation id")),
    responses(
        (status = 200, description = "the conversation, with `changed`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 409, description = "conflict: the state moved (names the owner)", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn takeover(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    change(&s, &caller, &id, Move::TakeOver).await
}

#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/handback",
    tag = "conversations",
    params(("id" = i64, Path, description = "the conversation id")),
    responses(
        (status = 200, description = "the conversation, with `changed`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 409, description = "conflict: the state moved (names the owner)", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn handback(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    change(&s, &caller, &id, Move::HandBack).await
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ResolveBody {
    /// A closing text to the customer.
    #[serde(default)]
    text: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/resolve",
    tag = "conversations",
    params(("id" = i64, Path, description = "the conversation id")),
    request_body(content = Option<ResolveBody>, description = "optional: a closing text"),
    responses(
        (status = 200, description = "the conversation, with `changed`", body = Object),
        (status = 400, description = "bad request", body = super::openapi::ErrorBody),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 409, description = "conflict: the state moved (names the owner)", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn resolve(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(&id)?;
    let actor = actor_for(&s, &caller, id).await?;
    // The body is optional: `{}` or nothing resolves without a closing text.
    let body: ResolveBody = if body.iter().all(u8::is_ascii_whitespace) {
        ResolveBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(e.to_string()))?
    };
    let text = body.text.unwrap_or_default();
    let mut tx = s.store.begin().await?;
    let changed = lifecycle::resolve(
        &s.store,
        &mut tx,
        id,
        actor.as_ref(),
        Some(notice(&s, &text, &actor)),
    )
    .await?;
    finish(&s, tx, id, changed).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TransferBody {
    agent_id: i64,
    #[serde(default)]
    note: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/transfer",
    tag = "conversations",
    params(("id" = i64, Path, description = "the conversation id")),
    request_body = TransferBody,
    responses(
        (status = 200, description = "the conversation, with `changed`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 409, description = "conflict: the state moved (names the owner)", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn transfer(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TransferBody>,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(&id)?;
    let actor = actor_for(&s, &caller, id).await?;
    let to = s
        .store
        .active_agent(body.agent_id)
        .await?
        .ok_or_else(|| ApiError::field("agent_id", "no such active agent"))?;
    let now = s.store.now();
    let online = s.presence.online_agents(&s.store, None, now).await?;
    if !online.iter().any(|a| a.id == to.id) {
        return Err(ApiError::field(
            "agent_id",
            format!("{} is not online", to.name),
        ));
    }
    let mut tx = s.store.begin().await?;
    let changed =
        lifecycle::transfer(&s.store, &mut tx, id, actor.as_ref(), &to, &body.note).await?;
    if !changed.unchanged {
        s.store.reassign_tasks(&mut tx, id, Some(to.id)).await?;
    }
    if !changed.unchanged && !body.note.trim().is_empty() {
        // The note reaches the new owner with the conversation, never the
        // customer.
        s.store
            .insert_note(&mut tx, id, actor.as_ref().map(|a| a.id), body.note.trim())
            .await?;
    }
    finish(&s, tx, id, changed).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    text: String,
}

/// An internal note: kept with the conversation for agents, never sent.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/notes",
    tag = "conversations",
    params(("id" = i64, Path, description = "the conversation id")),
    request_body = NoteBody,
    responses(
        (status = 201, description = "the note (never sent to the customer)", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn note(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NoteBody>,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    let id = id_of(&id)?;
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError::field("text", "must not be empty"));
    }
    let actor = actor_for(&s, &caller, id).await?;
    let mut tx = s.store.begin().await?;
    let message_id = s
        .store
        .insert_note(&mut tx, id, actor.as_ref().map(|a| a.id), text)
        .await?;
    tx.commit().await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!(s.store.message(message_id).await?)),
    ))
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(claim, takeover, handback, resolve, transfer, note))]
pub(super) struct Doc;
