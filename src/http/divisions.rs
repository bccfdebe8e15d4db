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

async fn list(State(s): State<AppState>, _a: Admin) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"divisions": s.store.divisions().await?})))
}

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

async fn update(
    State(s): State<AppState>,
    _a: Admin,
    Path(id): Path<String>,
    JsonBody(p): JsonBody<DivisionPatch>,
) -> Result<Json<Division>, ApiError> {
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
    s.divisions_changed();
    Ok(Json(d))
}

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
