//! Liveness, readiness and metrics.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AppState;
use crate::error::ApiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(s): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    s.store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("database unreachable: {e}")))?;
    if let Some(w) = &s.whatsapp {
        if !w.channel.token_ok() {
            return Err(ApiError::Unavailable(
                "whatsapp: the access token expired or was revoked (Graph error 190); set a new WHATSAPP_ACCESS_TOKEN".into(),
            ));
        }
    }
    Ok(Json(json!({
        "status": "ready",
        "database": "ok",
        "whatsapp": if s.whatsapp.is_some() { "ok" } else { "disabled" },
    })))
}

async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    let depth = s.store.outbox_depth().await.unwrap_or(-1);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(depth),
    )
}
