//! An agent starts a conversation with a customer:
//! `POST /api/v1/conversations`. The contact and its conversation are found
//! or created, the caller takes the conversation (through the lifecycle, so
//! the bot never speaks in it), and the text goes out as the caller's
//! message — on WhatsApp outside the 24-hour window (always, for a customer
//! who never wrote) the re-engagement template goes instead.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use baton_channel::limits::{MAX_HANDLE_CHARS, MAX_ID_CHARS, MAX_NAME_CHARS, truncate_chars};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Caller;
use super::conversations::{agent_draft, message_json, window_template};
use super::workflow::{Actor, notice, takeover_text};
use super::{AppState, JsonBody};
use crate::conversation::lifecycle;
use crate::conversation::{AgentRef, ChannelKind, Status};
use crate::error::ApiError;

/// Longest text an agent sends (the same as a reply).
const MAX_TEXT_BYTES: usize = 4096;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StartBody {
    /// `whatsapp`, `api`, `widget` or `email`: a channel configured for
    /// sending.
    channel: String,
    /// The customer's address on that channel (phone number, e-mail
    /// address, API handle, widget visitor id).
    handle: String,
    /// The customer's name (stored on the contact).
    #[serde(default)]
    name: Option<String>,
    /// The first message (at most 4096 bytes).
    text: String,
    /// Which of our numbers/addresses to write from (default: the default).
    #[serde(default)]
    account: Option<String>,
}

/// Trims `value`, strips NUL characters; refuses an empty or too long one.
fn required(field: &'static str, value: &str, max: usize) -> Result<String, ApiError> {
    let v: String = value.trim().chars().filter(|c| *c != '\0').collect();
    if v.is_empty() {
        return Err(ApiError::field(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(ApiError::field(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    Ok(v)
}

/// Starts (or resumes) the conversation with a customer and sends the first
/// message: 201 with `{conversation, message}`. 409 when another agent owns
/// the contact's open conversation (naming them), or on WhatsApp when the
/// window is closed and no re-engagement template is configured.
#[utoipa::path(
    post,
    path = "/api/v1/conversations",
    tag = "conversations",
    request_body = StartBody,
    responses(
        (status = 201, description = "`{conversation, message}`", body = Object),
        (status = 409, description = "owned by another agent, or outside WhatsApp's window without a template", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn start(
    State(s): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<StartBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let channel: ChannelKind = body
        .channel
        .parse()
        .map_err(|e: String| ApiError::field("channel", e))?;
    if !s.outbox.sends(channel.as_str()) {
        return Err(ApiError::field(
            "channel",
            format!("the {channel} channel is not configured for sending"),
        ));
    }
    let handle = required("handle", &body.handle, MAX_HANDLE_CHARS)?;
    let name = body.name.map(|n| {
        let mut n: String = n.trim().chars().filter(|c| *c != '\0').collect();
        truncate_chars(&mut n, MAX_NAME_CHARS);
        n
    });
    let name = name.filter(|n| !n.is_empty());
    let account = match body.account.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(a) => Some(required("account", a, MAX_ID_CHARS)?),
    };
    let text = body.text.trim();
    if text.is_empty() {
        return Err(ApiError::field("text", "must not be empty"));
    }
    if text.len() > MAX_TEXT_BYTES {
        return Err(ApiError::field(
            "text",
            format!("must be at most {MAX_TEXT_BYTES} bytes"),
        ));
    }
    let actor: Actor = match &caller {
        Caller::Admin => None,
        Caller::Agent(a) => Some(AgentRef {
            id: a.id,
            name: a.name.clone(),
        }),
    };

    // One transaction: a refusal (owned by someone else, window closed)
    // leaves no contact or conversation behind.
    let mut tx = s.store.begin().await?;
    let started = s
        .store
        .conversation_with(&mut tx, channel.as_str(), &handle, &name, &account)
        .await?;
    let id = started.id;
    if !started.created {
        // An existing conversation is taken only by an agent who may claim
        // it (the same rule as `/claim`: else 404, or 409 naming its owner).
        super::workflow::claimant(&s, &caller, id).await?;
    }
    let template = window_template(&s, channel, started.last_inbound_at)?;
    // A customer already talking to the bot (or waiting) is told who took
    // over, as when an agent replies; a new one just gets the agent's text
    // (and a template carries nothing else).
    let greeting = takeover_text(&s, &actor);
    let greet = (!started.created && template.is_none()).then(|| notice(&s, &greeting, &actor));
    let taken = match started.status {
        Status::Resolved => lifecycle::claim(&s.store, &mut tx, id, actor.as_ref(), greet).await?,
        _ => lifecycle::take_over(&s.store, &mut tx, id, actor.as_ref(), greet).await?,
    };
    let mut rows = taken.rows;
    if let Some(p) = s.handover.pause {
        let until = s.store.now() + p.as_millis() as i64;
        lifecycle::pause(&s.store, &mut tx, id, Some(until)).await?;
    }
    let draft = agent_draft(&caller, text, None, template.as_ref());
    let sent = s
        .store
        .queue_outbound(
            &mut tx,
            id,
            std::slice::from_ref(&draft),
            Some(s.outbox.lease_ms()),
        )
        .await?;
    tx.commit().await?;
    let message_id = sent.first().and_then(|r| r.message_id).unwrap_or_default();
    rows.extend(sent);
    s.outbox.dispatch(rows);
    let conversation = s.store.conversation(id).await?;
    let message = message_json(&s, message_id, template.as_ref()).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"conversation": conversation, "message": message, "created": started.created})),
    ))
}
