//! `POST /api/v1/inbound`: the API channel's way in.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use baton_channel_api::InboundPayload;
use serde_json::json;

use super::auth::Admin;
use super::{AppState, JsonBody};
use crate::error::ApiError;
use crate::ingest::IngestError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/inbound", post(inbound))
}

/// Stores the message (answering only after the commit) and routes it.
/// Posting the same `external_id` again answers 200 with the same ids.
#[utoipa::path(
    post,
    path = "/api/v1/inbound",
    tag = "api channel",
    request_body(content = Object, description = "`{external_id, contact:{handle, name?}, text?, kind?, media?, reply_to?, sent_at?, account?, meta?}`"),
    responses(
        (status = 201, description = "`{message_id, conversation_id, duplicate}`", body = Object),
        (status = 200, description = "`external_id` seen before", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn inbound(
    State(s): State<AppState>,
    _admin: Admin,
    JsonBody(payload): JsonBody<InboundPayload>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let item = payload
        .into_inbound()
        .map_err(|fields| ApiError::Unprocessable {
            message: fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            fields,
        })?;
    let done = s
        .ingestor
        .ingest(item)
        .await
        .map_err(|e: IngestError| ApiError::Unavailable(e.to_string()))?;
    let status = if done.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(json!({
            "message_id": done.message_id,
            "conversation_id": done.conversation_id,
            "duplicate": done.duplicate,
        })),
    ))
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(inbound))]
pub(super) struct Doc;
