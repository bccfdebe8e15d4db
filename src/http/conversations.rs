//! Conversations for agents and admins: list, read, reply.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Caller;
use super::workflow::{Actor, notice, takeover_text};
use super::{AppState, JsonBody};
use crate::conversation::lifecycle;
use crate::conversation::{Author, ChannelKind, Conversation, Status};
use crate::error::ApiError;
use crate::store::{ConversationFilter, NewOutbound, StoreError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations", get(list).post(super::start::start))
        .route("/conversations/{id}", get(show))
        .route("/conversations/{id}/messages", post(reply))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<String>,
    division: Option<String>,
    tag: Option<String>,
    assignee: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

/// The admin lists everything; an agent only what they may see
/// (`Caller::can_see`), and `assignee=me` means them.
#[utoipa::path(
    get,
    path = "/api/v1/conversations",
    tag = "conversations",
    params(("status" = Option<String>, Query, description = "bot|pending|open|resolved"), ("division" = Option<String>, Query, description = "division name"), ("tag" = Option<String>, Query, description = "tag"), ("assignee" = Option<String>, Query, description = "`me` or an agent id"), ("before" = Option<i64>, Query, description = "cursor: `next_before` of the previous page"), ("limit" = Option<i64>, Query, description = "1–500, default 50")),
    responses(
        (status = 200, description = "`{conversations, next_before}`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q?;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(st) => Some(
            st.parse::<Status>()
                .map_err(|e| ApiError::field("status", e))?,
        ),
    };
    let assignee_id = match q.assignee.as_deref() {
        None | Some("") => None,
        Some("me") => Some(caller.agent_id().ok_or_else(|| {
            ApiError::field(
                "assignee",
                "`me` is for agents; the admin token is not an agent",
            )
        })?),
        Some(a) => Some(
            a.parse::<i64>()
                .map_err(|_| ApiError::field("assignee", "must be `me` or an agent id"))?,
        ),
    };
    let filter = ConversationFilter {
        status,
        division: q.division.filter(|d| !d.is_empty()),
        assignee_id,
        tag: q.tag.filter(|t| !t.is_empty()),
        before_id: q.before,
        limit: q.limit.unwrap_or(50),
        visible_to: caller.scope(),
    };
    let list = s.store.conversations(&filter).await?;
    let next = (list.len() as i64 == filter.limit.clamp(1, 500))
        .then(|| list.last().map(|c| c.id))
        .flatten();
    Ok(Json(json!({"conversations": list, "next_before": next})))
}

fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("conversation"))
}

#[utoipa::path(
    get,
    path = "/api/v1/conversations/{id}",
    tag = "conversations",
    params(("id" = i64, Path, description = "the conversation id")),
    responses(
        (status = 200, description = "the conversation with `messages` and `handovers`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn show(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(&id)?;
    let conversation = caller.visible(s.store.conversation(id).await.map_err(not_found)?)?;
    let messages = s.store.messages(id, 500).await?;
    let handovers = s.store.handovers(id).await?;
    let mut body = json!(conversation);
    body["messages"] = json!(messages);
    body["handovers"] = handovers;
    Ok(Json(body))
}

fn not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::not_found("conversation"),
        other => other.into(),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ReplyBody {
    /// The message (the caption, with `media`); at most 4096 bytes.
    #[serde(default)]
    text: String,
    #[serde(default)]
    media: Option<MediaBody>,
}

/// An attachment: `{"type": "image|audio|video|document|sticker", "url"
/// or "id", "filename"?}`; `text` becomes its caption.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct MediaBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    filename: Option<String>,
}

fn media_of(m: MediaBody) -> Result<baton_channel::OutboundMedia, ApiError> {
    use baton_channel::MessageKind::*;
    let kind: baton_channel::MessageKind = m
        .kind
        .parse()
        .map_err(|e: String| ApiError::field("media.type", e))?;
    if !matches!(kind, Image | Audio | Video | Document | Sticker) {
        return Err(ApiError::field(
            "media.type",
            "must be image, audio, video, document or sticker",
        ));
    }
    let url = m.url.filter(|u| !u.trim().is_empty());
    if let Some(u) = &url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(ApiError::field("media.url", "must be an http(s) URL"));
        }
    }
    let id = m.id.filter(|i| !i.trim().is_empty());
    if url.is_none() && id.is_none() {
        return Err(ApiError::field("media", "needs a `url` or an `id`"));
    }
    Ok(baton_channel::OutboundMedia {
        kind,
        id,
        link: url,
        filename: m.filename,
    })
}

/// Queues a reply for delivery on the customer's channel.
#[utoipa::path(
    post,
    path = "/api/v1/conversations/{id}/messages",
    tag = "conversations",
    params(("id" = i64, Path, description = "the conversation id")),
    request_body = ReplyBody,
    responses(
        (status = 202, description = "the queued message (`notice` when a template went instead)", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 409, description = "conflict: the state moved (names the owner)", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn reply(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReplyBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let id = id_of(&id)?;
    let text = body.text.trim();
    let media = body.media.map(media_of).transpose()?;
    if text.is_empty() && media.is_none() {
        return Err(ApiError::field(
            "text",
            "must not be empty (or send `media`)",
        ));
    }
    if text.len() > 4096 {
        return Err(ApiError::field("text", "must be at most 4096 bytes"));
    }
    let conversation = caller.visible(s.store.conversation(id).await.map_err(not_found)?)?;
    let template = window_check(&s, &conversation)?;
    let draft = agent_draft(&caller, text, media, template.as_ref());
    let actor: Actor = match &caller {
        Caller::Admin => None,
        Caller::Agent(a) => Some(crate::conversation::AgentRef {
            id: a.id,
            name: a.name.clone(),
        }),
    };
    let mut tx = s.store.begin().await?;
    // A human speaking takes the conversation from the bot (or the queue)
    // first, and pushes the bot's pause on: it comes back only once the
    // humans have gone quiet.
    let greeting = takeover_text(&s, &actor);
    let paused_until = s
        .handover
        .pause
        .map(|p| s.store.now() + p.as_millis() as i64);
    let mut rows = lifecycle::agent_speaks(
        &s.store,
        &mut tx,
        id,
        actor.as_ref(),
        Some(notice(&s, &greeting, &actor)),
        paused_until,
    )
    .await?
    .rows;
    let reply_rows = s
        .store
        .queue_outbound(
            &mut tx,
            id,
            std::slice::from_ref(&draft),
            Some(s.outbox.lease_ms()),
        )
        .await?;
    tx.commit().await?;
    let message_id = reply_rows
        .first()
        .and_then(|r| r.message_id)
        .unwrap_or_default();
    rows.extend(reply_rows);
    s.outbox.dispatch(rows);
    let message = message_json(&s, message_id, template.as_ref()).await?;
    Ok((StatusCode::ACCEPTED, Json(message)))
}

/// The caller's message to the customer: `text` (with `media`), or the
/// re-engagement `template` in its place.
pub(super) fn agent_draft(
    caller: &Caller,
    text: &str,
    media: Option<baton_channel::OutboundMedia>,
    template: Option<&baton_channel::Template>,
) -> NewOutbound {
    NewOutbound {
        author: Author::Agent,
        agent_id: match caller {
            Caller::Admin => None,
            Caller::Agent(a) => Some(a.id),
        },
        text: match template {
            Some(t) => format!("[template {}] {text}", t.name),
            None => text.to_string(),
        },
        quick_replies: Vec::new(),
        reply_to: None,
        meta: template.map(|t| json!({"template": t.name, "requested_text": text})),
        template: template.cloned(),
        // A template replaces the whole message, attachment included.
        media: if template.is_some() { None } else { media },
    }
}

/// A queued agent message as the API shows it, with a `notice` when a
/// template went instead of the text.
pub(super) async fn message_json(
    s: &AppState,
    message_id: i64,
    template: Option<&baton_channel::Template>,
) -> Result<Value, ApiError> {
    let mut message = json!(s.store.message(message_id).await?);
    if let Some(t) = template {
        message["notice"] = json!(format!(
            "the customer's 24-hour window is closed: the template `{}` was sent instead of your text",
            t.name
        ));
    }
    Ok(message)
}

/// WhatsApp only accepts free-form messages within 24 hours of the
/// customer's last message (their clock). Outside it: the configured
/// re-engagement template, or a refusal the agent can act on.
fn window_check(
    s: &AppState,
    c: &Conversation,
) -> Result<Option<baton_channel::Template>, ApiError> {
    window_template(s, c.channel, c.last_inbound_at.map(|t| t.0))
}

/// [`window_check`] for a conversation on `channel` whose customer last
/// wrote at `last_inbound_at` (never: the window is closed).
pub(super) fn window_template(
    s: &AppState,
    channel: ChannelKind,
    last_inbound_at: Option<i64>,
) -> Result<Option<baton_channel::Template>, ApiError> {
    const WINDOW_MS: i64 = 24 * 3600 * 1000;
    if channel != ChannelKind::Whatsapp {
        return Ok(None);
    }
    let open = last_inbound_at.is_some_and(|t| s.store.now() - t < WINDOW_MS);
    if open {
        return Ok(None);
    }
    match s.whatsapp.as_ref().and_then(|h| h.reengage_template.clone()) {
        Some(t) => Ok(Some(t)),
        None => Err(ApiError::Refused {
            code: "outside_window",
            message: "the customer has not written in the last 24 hours; WhatsApp only allows a template now \
                      (set WHATSAPP_REENGAGE_TEMPLATE)"
                .into(),
        }),
    }
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, show, reply))]
pub(super) struct Doc;
