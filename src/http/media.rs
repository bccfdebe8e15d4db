//! `GET /api/v1/media/{message_id}`: an inbound attachment, streamed to the
//! agent through the channel's own download (WhatsApp's two-step fetch).

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use baton_channel::ChannelKind;

use super::AppState;
use super::auth::Admin;
use crate::error::ApiError;
use crate::store::StoreError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/media/{message_id}", get(media))
}

#[utoipa::path(
    get,
    path = "/api/v1/media/{message_id}",
    tag = "conversations",
    params(("message_id" = i64, Path, description = "the inbound message")),
    responses(
        (status = 200, description = "the attachment's bytes", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn media(
    State(s): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("message"))?;
    let message = s.store.message(id).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::not_found("message"),
        other => other.into(),
    })?;
    let media_id = message
        .media
        .as_ref()
        .and_then(|m| m.id.clone())
        .ok_or_else(|| ApiError::NotFound("this message has no downloadable media".into()))?;
    let conversation = s.store.conversation(message.conversation_id).await?;
    let hook = match (conversation.channel, &s.whatsapp) {
        (ChannelKind::Whatsapp, Some(h)) => h,
        _ => {
            return Err(ApiError::NotFound(
                "no channel can download this media".into(),
            ));
        }
    };
    // The channel's error names the provider URL it tried; that is for the
    // log, not for whoever asked.
    let (mime, file) = hook.channel.download_media(&media_id).await.map_err(|e| {
        tracing::warn!(message_id = id, error = %e, "media download failed");
        if e.is_retryable() {
            ApiError::Unavailable("WhatsApp did not deliver the media; try again".into())
        } else {
            ApiError::NotFound("the media is no longer available at WhatsApp".into())
        }
    })?;
    let mut headers = vec![(header::CONTENT_TYPE, mime)];
    if let Some(name) = message.media.as_ref().and_then(|m| m.filename.clone()) {
        let safe: String = name
            .chars()
            .filter(|c| !c.is_control() && *c != '"')
            .collect();
        headers.push((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{safe}\""),
        ));
    }
    let mut resp = Body::from_stream(file.bytes_stream()).into_response();
    for (k, v) in headers {
        if let Ok(v) = v.parse() {
            resp.headers_mut().insert(k, v);
        }
    }
    Ok(resp)
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(media))]
pub(super) struct Doc;
