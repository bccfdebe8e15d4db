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
