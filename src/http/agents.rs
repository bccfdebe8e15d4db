//! Agents over HTTP: the admin manages them (`/agents`), an agent sets
//! their presence (`/agents/me/presence`) and reads themself (`/agents/me`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::auth::{Admin, Agent, hex, token_hash};
use super::{AppState, JsonBody};
use crate::error::ApiError;
use crate::store::{AgentError, AgentPatch, AgentRecord, NewAgent, StoreError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/agents", get(list).post(create))
        .route("/agents/me", get(me))
        .route("/agents/me/presence", put(presence))
        .route("/agents/{id}", get(show).patch(update).delete(remove))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAgentBody {
    name: String,
    #[serde(default)]
    whatsapp: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    divisions: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentPatchBody {
    name: Option<String>,
    /// Absent: unchanged; `null` or `""`: removed.
    #[serde(default, deserialize_with = "present")]
    whatsapp: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    email: Option<Option<String>>,
    divisions: Option<Vec<String>>,
    active: Option<bool>,
    #[serde(default)]
    rotate_token: bool,
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresenceBody {
    online: bool,
}

/// A new token: `bat_` and 32 random bytes in hex. Only its SHA-256 is
/// stored; the caller sees the token once.
fn new_token() -> Result<(String, String), ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("no randomness for a token: {e}")))?;
    let token = format!("bat_{}", hex(&bytes));
    let hash = hex(&token_hash(&token));
    Ok((token, hash))
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::field("name", "must be 1 to 80 characters"));
    }
    Ok(name.to_string())
}

/// A WhatsApp number as Meta writes a `wa_id`: digits only, so
/// `+62 812-3456-7890` and `6281234567890` are the same agent.
pub fn normalise_whatsapp(raw: &str) -> Result<Option<String>, ApiError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if !raw
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return Err(ApiError::field(
            "whatsapp",
            "must be a phone number in international form, e.g. +6281234567890",
        ));
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if !(6..=15).contains(&digits.len()) {
        return Err(ApiError::field(
            "whatsapp",
            "must have 6 to 15 digits with the country code",
        ));
    }
    Ok(Some(digits))
}

fn check_email(raw: &str) -> Result<Option<String>, ApiError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let ok = raw.len() <= 254
        && !raw.chars().any(char::is_whitespace)
        && raw
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
    match ok {
        true => Ok(Some(raw.to_string())),
        false => Err(ApiError::field("email", "must be an email address")),
    }
}

fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("agent"))
}

fn agent_error(e: AgentError) -> ApiError {
    match e {
        AgentError::UnknownDivisions(names) => ApiError::field(
            "divisions",
            format!("unknown divisions: {}", names.join(", ")),
        ),
        e @ AgentError::DuplicateWhatsapp(_) => ApiError::Conflict(e.to_string()),
        AgentError::NotFound | AgentError::Store(StoreError::NotFound) => {
            ApiError::not_found("agent")
        }
        AgentError::Store(e) => e.into(),
    }
}

/// An agent as the API shows it, with whether they count as away now.
fn view(s: &AppState, a: &AgentRecord) -> Value {
    let away = a.online
        && s.presence
            .is_away(a.last_seen_at.map(|t| t.0), s.store.now());
    let mut v = json!(a);
    v["away"] = json!(away);
    v
}

#[utoipa::path(
    get,
    path = "/api/v1/agents",
    tag = "agents",
    responses(
        (status = 200, description = "`{agents}`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn list(State(s): State<AppState>, _a: Admin) -> Result<Json<Value>, ApiError> {
    let agents = s.store.agents().await?;
    let list: Vec<Value> = agents.iter().map(|a| view(&s, a)).collect();
    Ok(Json(json!({ "agents": list })))
}

#[utoipa::path(
    get,
    path = "/api/v1/agents/{id}",
    tag = "agents",
    params(("id" = i64, Path, description = "agent id")),
    responses(
        (status = 200, description = "the agent", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn show(
    State(s): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let a = s
        .store
        .agent(id_of(&id)?)
        .await
        .map_err(|e| agent_error(e.into()))?;
    Ok(Json(view(&s, &a)))
}

#[utoipa::path(
    post,
    path = "/api/v1/agents",
    tag = "agents",
    request_body(content = Object, description = "`{name, whatsapp?, divisions?}`"),
    responses(
        (status = 201, description = "the agent with its `token` (shown once)", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody),
        (status = 409, description = "conflict: the state moved (names the owner)", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn create(
    State(s): State<AppState>,
    _a: Admin,
    JsonBody(b): JsonBody<NewAgentBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (token, token_hash) = new_token()?;
    let new = NewAgent {
        name: check_name(&b.name)?,
        whatsapp: b
            .whatsapp
            .as_deref()
            .map(normalise_whatsapp)
            .transpose()?
            .flatten(),
        email: b.email.as_deref().map(check_email).transpose()?.flatten(),
        divisions: b.divisions,
        token_hash,
    };
    let a = s.store.create_agent(&new).await.map_err(agent_error)?;
    let mut body = view(&s, &a);
    body["token"] = json!(token);
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(
    patch,
    path = "/api/v1/agents/{id}",
    tag = "agents",
    params(("id" = i64, Path, description = "agent id")),
    request_body(content = Object, description = "fields to change"),
    responses(
        (status = 200, description = "the agent (with a new `token` if rotated)", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn update(
    State(s): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<AgentPatchBody>,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(&id)?;
    let token = b.rotate_token.then(new_token).transpose()?;
    let patch = AgentPatch {
        name: b.name.as_deref().map(check_name).transpose()?,
        whatsapp: b
            .whatsapp
            .map(|w| {
                w.as_deref()
                    .map(normalise_whatsapp)
                    .transpose()
                    .map(Option::flatten)
            })
            .transpose()?,
        email: b
            .email
            .map(|e| {
                e.as_deref()
                    .map(check_email)
                    .transpose()
                    .map(Option::flatten)
            })
            .transpose()?,
        divisions: b.divisions,
        active: b.active,
        token_hash: token.as_ref().map(|(_, h)| h.clone()),
    };
    let a = s
        .store
        .update_agent(id, &patch)
        .await
        .map_err(agent_error)?;
    let mut body = view(&s, &a);
    if let Some((token, _)) = token {
        body["token"] = json!(token);
    }
    Ok(Json(body))
}

/// Deactivates the agent and revokes their token at once; the row stays
/// for history. `PATCH {"active": true, "rotate_token": true}` brings them
/// back with a new token.
#[utoipa::path(
    delete,
    path = "/api/v1/agents/{id}",
    tag = "agents",
    params(("id" = i64, Path, description = "agent id")),
    responses(
        (status = 204, description = "deleted (its token stops working)"),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn remove(
    State(s): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    // A hash of fresh randomness with a prefix no SHA-256 hex has: no
    // token hashes to it, and the column stays unique.
    let (_, hash) = new_token()?;
    s.store
        .deactivate_agent(id_of(&id)?, &format!("revoked:{hash}"))
        .await
        .map_err(agent_error)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/api/v1/agents/me",
    tag = "agents",
    responses(
        (status = 200, description = "the calling agent", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn me(State(s): State<AppState>, agent: Agent) -> Result<Json<Value>, ApiError> {
    let a = s.store.agent(agent.id).await?;
    Ok(Json(view(&s, &a)))
}

#[utoipa::path(
    put,
    path = "/api/v1/agents/me/presence",
    tag = "agents",
    request_body(content = Object, description = "`{online}`"),
    responses(
        (status = 200, description = "the calling agent", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn presence(
    State(s): State<AppState>,
    agent: Agent,
    JsonBody(b): JsonBody<PresenceBody>,
) -> Result<Json<Value>, ApiError> {
    let now = s.store.now();
    let was_available = agent_available(&s, agent.id, now).await?;
    let a = s
        .store
        .set_presence(agent.id, b.online, s.presence.away_cutoff(now))
        .await
        .map_err(|e| agent_error(e.into()))?;
    let mut body = view(&s, &a);
    if b.online && !was_available {
        // Coming online: how many conversations wait in their divisions'
        // queues (`queue.waiting`; the WhatsApp side tells their phone).
        let waiting = s.store.announce_waiting(agent.id).await?;
        body["waiting"] = serde_json::json!(waiting);
    }
    Ok(Json(body))
}

/// Whether assignment could choose the agent (online and not away).
async fn agent_available(s: &AppState, id: i64, now: i64) -> Result<bool, ApiError> {
    let a = s.store.agent(id).await.map_err(|e| agent_error(e.into()))?;
    Ok(a.online && !s.presence.is_away(a.last_seen_at.map(|t| t.0), now))
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, me, presence, show, update, remove))]
pub(super) struct Doc;
