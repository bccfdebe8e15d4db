//! Follow-up tasks for agents and admins: list with filters, complete or
//! reopen. The admin sees every task; an agent the tasks assigned to them
//! and those of the conversations they may see (`Caller::can_see`);
//! anything else is 404.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Caller;
use super::{AppState, JsonBody};
use crate::error::ApiError;
use crate::store::{StoreError, TaskFilter};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(list))
        .route("/tasks/{id}", get(show).patch(update))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    assignee: Option<String>,
    status: Option<String>,
    overdue: Option<String>,
    conversation: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
}

fn status_of(field: &'static str, raw: &str) -> Result<String, ApiError> {
    match raw {
        "open" | "done" => Ok(raw.to_string()),
        _ => Err(ApiError::field(field, "must be `open` or `done`")),
    }
}

/// `?assignee=me|<id>&status=open|done&overdue=true|false&conversation=<id>
/// &before=<id>&limit=`, newest first, with `next_before` for the next page.
#[utoipa::path(
    get,
    path = "/api/v1/tasks",
    tag = "tasks",
    params(
        ("assignee" = Option<String>, Query, description = "`me` (agents) or an agent id"),
        ("status" = Option<String>, Query, description = "`open` or `done`"),
        ("overdue" = Option<bool>, Query, description = "only overdue (or not overdue) tasks"),
        ("conversation" = Option<i64>, Query, description = "a conversation's tasks"),
        ("before" = Option<i64>, Query, description = "page: tasks with a lower id"),
        ("limit" = Option<i64>, Query, description = "page size")
    ),
    responses(
        (status = 200, description = "`{tasks, next_before}`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 422, description = "a bad filter", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn list(
    State(s): State<AppState>,
    caller: Caller,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q?;
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
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(st) => Some(status_of("status", st)?),
    };
    let overdue = match q.overdue.as_deref() {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::field("overdue", "must be `true` or `false`")),
    };
    let conversation_id = match q.conversation.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ApiError::field("conversation", "must be a conversation id"))?,
        ),
    };
    let filter = TaskFilter {
        assignee_id,
        status,
        overdue,
        conversation_id,
        before_id: q.before,
        limit: q.limit.unwrap_or(50),
        visible_to: caller.scope(),
    };
    let list = s.store.tasks(&filter).await?;
    let next = (list.len() as i64 == filter.limit.clamp(1, 500))
        .then(|| list.last().map(|t| t.id))
        .flatten();
    Ok(Json(json!({"tasks": list, "next_before": next})))
}

fn id_of(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("task"))
}

/// The task if the caller may see it, else the 404 of a missing one.
async fn visible_task(s: &AppState, caller: &Caller, id: i64) -> Result<Value, ApiError> {
    let scope = caller.scope();
    match s.store.task_visible(id, scope.as_ref()).await? {
        Some(task) => Ok(json!(task)),
        None => Err(ApiError::not_found("task")),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/tasks/{id}",
    tag = "tasks",
    params(("id" = i64, Path, description = "the task id")),
    responses(
        (status = 200, description = "the task", body = Object),
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
    Ok(Json(visible_task(&s, &caller, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    status: String,
}

/// `{status: "done"|"open"}`; a change fires `task.updated`.
#[utoipa::path(
    patch,
    path = "/api/v1/tasks/{id}",
    tag = "tasks",
    params(("id" = i64, Path, description = "the task id")),
    request_body = PatchBody,
    responses(
        (status = 200, description = "the task as it is now", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody),
        (status = 422, description = "a bad status", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<PatchBody>,
) -> Result<Json<Value>, ApiError> {
    let id = id_of(&id)?;
    let status = status_of("status", body.status.trim())?;
    visible_task(&s, &caller, id).await?;
    let task = s
        .store
        .set_task_status(id, &status)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("task"),
            other => other.into(),
        })?;
    Ok(Json(json!(task)))
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, show, update))]
pub(super) struct Doc;
