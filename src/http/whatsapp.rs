//! `GET/POST /webhooks/whatsapp`: Meta's verification handshake and
//! webhook deliveries.
//!
//! Meta redelivers anything not answered 2xx for days, so every validly
//! signed body is answered 200 once its events are committed — unknown
//! fields, unsupported types, numbers we do not serve included. Only a
//! failed commit answers 503 (so Meta redelivers and nothing is lost).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use baton_channel_whatsapp::{
    WebhookEvent, WhatsappChannel, parse_webhook, verify_handshake, verify_signature,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::AppState;
use crate::error::ApiError;

/// What the webhook needs to know about the WhatsApp channel.
pub struct WhatsappHook {
    pub channel: WhatsappChannel,
    pub app_secret: SecretString,
    pub verify_token: SecretString,
    pub numbers: Vec<String>,
    pub reengage_template: Option<baton_channel::Template>,
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/webhooks/whatsapp", get(handshake).post(deliver))
}

fn hook(s: &AppState) -> Result<&Arc<WhatsappHook>, ApiError> {
    s.whatsapp
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("the WhatsApp channel is not configured".into()))
}

#[utoipa::path(
    get,
    path = "/webhooks/whatsapp",
    tag = "webhooks",
    params(("hub.mode" = String, Query, description = "`subscribe`"), ("hub.verify_token" = String, Query, description = "`WHATSAPP_VERIFY_TOKEN`"), ("hub.challenge" = String, Query, description = "echoed back")),
    responses(
        (status = 200, description = "the challenge, echoed", content_type = "text/plain", body = String),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody)
    ),
)]
async fn handshake(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let hook = hook(&s)?;
    let challenge = verify_handshake(
        q.get("hub.mode").map(String::as_str),
        q.get("hub.verify_token").map(String::as_str),
        q.get("hub.challenge").map(String::as_str),
        hook.verify_token.expose_secret(),
    )
    .ok_or_else(|| ApiError::Forbidden("verification failed".into()))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain")],
        challenge.to_string(),
    )
        .into_response())
}

#[utoipa::path(
    post,
    path = "/webhooks/whatsapp",
    tag = "webhooks",
    request_body(content = Object, description = "Meta Cloud API webhook body"),
    responses(
        (status = 200, description = "stored (signed by `X-Hub-Signature-256`)", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 413, description = "body too large", body = super::openapi::ErrorBody)
    ),
)]
async fn deliver(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let hook = hook(&s)?;
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    verify_signature(hook.app_secret.expose_secret().as_bytes(), &body, signature)
        .map_err(|e| ApiError::Unauthorized(e.to_string()))?;
    let events = match parse_webhook(&body) {
        Ok(e) => e,
        Err(e) => {
            // Signed by Meta yet unreadable: refusing would only make Meta
            // send it again for days.
            tracing::warn!(error = %e, "signed WhatsApp webhook body could not be parsed; acknowledged");
            return Ok(ok("ignored"));
        }
    };
    let served = |account: &str| hook.numbers.iter().any(|n| n == account);
    let mut messages = Vec::new();
    let mut statuses = Vec::new();
    let mut raw = Vec::new();
    let mut changes = Vec::new();
    for event in events {
        match event {
            WebhookEvent::Message(m) => {
                if m.account.as_deref().is_some_and(served) {
                    messages.push(m);
                } else {
                    tracing::info!(account = ?m.account, "message for a number this gateway does not serve; acknowledged");
                }
            }
            WebhookEvent::Status(st) if served(&st.account) => {
                raw.push(st.raw_status);
                statuses.push(st.update);
            }
            WebhookEvent::Status(_) => {}
            WebhookEvent::ContactChanged {
                account,
                old_handle,
                new_handle,
            } if served(&account) => changes.push((old_handle, new_handle)),
            WebhookEvent::ContactChanged { .. } => {}
            WebhookEvent::Error {
                account,
                code,
                title,
                detail,
            } => {
                tracing::warn!(?account, code, %title, ?detail, "WhatsApp reported an error");
            }
            WebhookEvent::Skipped { id, reason } => {
                tracing::warn!(%id, %reason, "WhatsApp message skipped; acknowledged");
            }
            WebhookEvent::Ignored { field } => {
                tracing::debug!(%field, "WhatsApp webhook field not handled; acknowledged");
            }
        }
    }
    for result in s.ingestor.ingest_all(messages).await {
        if let Err(e) = result {
            return Err(ApiError::Unavailable(format!(
                "not stored, send again: {e}"
            )));
        }
    }
    // After the messages: the system message announcing a number change
    // still carries the old number and belongs to the old contact.
    for (old, new) in changes {
        s.store
            .change_contact_handle("whatsapp", &old, &new)
            .await
            .map_err(|e| {
                ApiError::Unavailable(format!("contact change not stored, send again: {e}"))
            })?;
    }
    if !statuses.is_empty() {
        let raw: Vec<&str> = raw.iter().map(String::as_str).collect();
        s.store
            .apply_statuses(&statuses, &raw)
            .await
            .map_err(|e| ApiError::Unavailable(format!("statuses not stored, send again: {e}")))?;
    }
    Ok(ok("ok"))
}

fn ok(status: &str) -> Response {
    (StatusCode::OK, Json(json!({"status": status}))).into_response()
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(handshake, deliver))]
pub(super) struct Doc;
