//! Liveness, readiness and metrics.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AppState;
use super::auth::MetricsReader;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses(
        (status = 200, description = "alive", body = Object)
    ),
)]
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Says which part is down, never why in the driver's words (those may
/// name hosts, users or databases); the detail goes to the log.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "`{status, database, whatsapp}`", body = Object),
        (status = 503, description = "which part is down", body = Object)
    ),
)]
async fn readyz(State(s): State<AppState>) -> Response {
    let database = match s.store.ping().await {
        Ok(()) => "ok",
        Err(e) => {
            let detail = crate::config::redact_url(&e.to_string());
            tracing::warn!(error = %detail, "readiness: the database is unreachable");
            "down"
        }
    };
    let whatsapp = match &s.whatsapp {
        None => "disabled",
        Some(w) if w.channel.token_ok() => "ok",
        Some(_) => "token_rejected",
    };
    let mut down = Vec::new();
    if database != "ok" {
        down.push("the database is unreachable");
    }
    if whatsapp == "token_rejected" {
        down.push("whatsapp: the access token expired or was revoked (Graph error 190); set a new WHATSAPP_ACCESS_TOKEN");
    }
    if down.is_empty() {
        return Json(json!({"status": "ready", "database": database, "whatsapp": whatsapp}))
            .into_response();
    }
    let body = json!({
        "status": "unavailable",
        "database": database,
        "whatsapp": whatsapp,
        "error": {"code": "unavailable", "message": down.join("; ")},
    });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn metrics(State(s): State<AppState>, _r: MetricsReader) -> impl IntoResponse {
    let depth = s.store.outbox_depth().await.unwrap_or(-1);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(depth),
    )
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(healthz, readyz, metrics))]
pub(super) struct Doc;
