//! Divisions over HTTP (admin).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Admin;
use super::{AppState, JsonBody};
use crate::error::ApiError;
use crate::handover::Division;
use crate::store::StoreError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/divisions", get(list).post(create))
        .route("/divisions/{id}", patch(update).delete(remove))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewDivision {
    name: String,
    #[serde(default)]
    prompt: String,
    #[serde(default)]
    keywords: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DivisionPatch {
    name: Option<String>,
    prompt: Option<String>,
    keywords: Option<Vec<String>>,
    /// This division's handover texts and actions (`""` returns to the
    /// global setting).
    handover_message: Option<String>,
    offline_message: Option<String>,
    out_of_hours_message: Option<String>,
    actions: Option<String>,
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.len() > 80 {
        return Err(ApiError::field("name", "must be 1 to 80 characters"));
    }
    Ok(())
}

fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("division"))
}

fn not_found(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::not_found("division"),
        other => other.into(),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/divisions",
    tag = "divisions",
    responses(
        (status = 200, description = "`{divisions}`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn list(State(s): State<AppState>, _a: Admin) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"divisions": s.store.divisions().await?})))
}

#[utoipa::path(
    post,
    path = "/api/v1/divisions",
    tag = "divisions",
    request_body(content = Object, description = "`{name, prompt?, …}`"),
    responses(
        (status = 201, description = "the division", body = Object),
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
    JsonBody(d): JsonBody<NewDivision>,
) -> Result<(StatusCode, Json<Division>), ApiError> {
    check_name(&d.name)?;
    let created = s
        .store
        .create_division(d.name.trim(), d.prompt.trim(), &d.keywords)
        .await?;
    s.divisions_changed();
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    patch,
    path = "/api/v1/divisions/{id}",
    tag = "divisions",
    params(("id" = i64, Path, description = "division id")),
    request_body(content = Object, description = "fields to change"),
    responses(
        (status = 200, description = "the division", body = Object),
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
    JsonBody(p): JsonBody<DivisionPatch>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let id = id_of(&id)?;
    if let Some(n) = &p.name {
        check_name(n)?;
    }
    let d = s
        .store
        .update_division(
            id,
            p.name.as_deref().map(str::trim),
            p.prompt.as_deref(),
            p.keywords.as_deref(),
        )
        .await
        .map_err(not_found)?;
    if let Some(a) = p.actions.as_deref().filter(|a| !a.trim().is_empty()) {
        crate::handover::settings::parse_actions(a).map_err(|e| ApiError::field("actions", e))?;
    }
    let overrides = s
        .store
        .set_division_overrides(
            id,
            &[
                ("handover_message", p.handover_message.as_deref()),
                ("offline_message", p.offline_message.as_deref()),
                ("out_of_hours_message", p.out_of_hours_message.as_deref()),
                ("actions", p.actions.as_deref()),
            ],
        )
        .await?;
    s.divisions_changed();
    let mut body = serde_json::json!(d);
    body["handover"] = overrides;
    Ok(Json(body))
}

#[utoipa::path(
    delete,
    path = "/api/v1/divisions/{id}",
    tag = "divisions",
    params(("id" = i64, Path, description = "division id")),
    responses(
        (status = 204, description = "deleted"),
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
    s.store
        .delete_division(id_of(&id)?)
        .await
        .map_err(not_found)?;
    s.divisions_changed();
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, update, remove))]
pub(super) struct Doc;
