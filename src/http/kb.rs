//! The knowledge base over HTTP: list, write, delete, search.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::Admin;
use crate::bot::article::{self, Article};
use crate::error::ApiError;
use crate::store::StoreError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/kb/articles", get(list))
        .route("/kb/articles/{slug}", put(write).delete(remove).get(show))
        .route("/kb/search", get(search))
}

#[utoipa::path(
    get,
    path = "/api/v1/kb/articles",
    tag = "knowledge base",
    responses(
        (status = 200, description = "`{articles}`", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn list(State(s): State<AppState>, _a: Admin) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({"articles": s.store.kb_articles().await?})))
}

#[utoipa::path(
    get,
    path = "/api/v1/kb/articles/{slug}",
    tag = "knowledge base",
    params(("slug" = String, Path, description = "article slug")),
    responses(
        (status = 200, description = "the article", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody),
        (status = 404, description = "not found (or not visible to this agent)", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn show(
    State(s): State<AppState>,
    _a: Admin,
    Path(slug): Path<String>,
) -> Result<Json<Article>, ApiError> {
    s.store
        .kb_articles()
        .await?
        .into_iter()
        .find(|a| a.slug == slug)
        .map(Json)
        .ok_or_else(|| ApiError::not_found("article"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticleBody {
    title: String,
    body: String,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    division: Option<String>,
    #[serde(default)]
    translation: Option<String>,
}

/// Creates or replaces an article: JSON, or the Markdown file itself
/// (`Content-Type: text/markdown`).
#[utoipa::path(
    put,
    path = "/api/v1/kb/articles/{slug}",
    tag = "knowledge base",
    params(("slug" = String, Path, description = "article slug")),
    request_body(content = Object, description = "the article: title, body, keywords, tags, division, translation…"),
    responses(
        (status = 201, description = "created", body = Object),
        (status = 200, description = "replaced", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody),
        (status = 422, description = "invalid field", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn write(
    State(s): State<AppState>,
    _a: Admin,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Article>), ApiError> {
    if !article::valid_slug(&slug) {
        return Err(ApiError::field(
            "slug",
            "use letters, digits, `-` and `_` (at most 120)",
        ));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if body.len() > MAX_ARTICLE_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "an article is at most {MAX_ARTICLE_BYTES} bytes"
        )));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    let a = if content_type.starts_with("text/markdown") || content_type.starts_with("text/plain") {
        article::parse(&slug, text).map_err(|e| ApiError::field("body", e))?
    } else if content_type.starts_with("application/json") {
        let b: ArticleBody = serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ApiError::Unprocessable {
                message: e.to_string(),
                fields: Vec::new(),
            },
            _ => ApiError::BadRequest(e.to_string()),
        })?;
        if b.title.trim().is_empty() {
            return Err(ApiError::field("title", "must not be empty"));
        }
        if b.body.trim().is_empty() {
            return Err(ApiError::field("body", "must not be empty"));
        }
        Article {
            slug: slug.clone(),
            title: b.title.trim().to_string(),
            body: b.body.trim().to_string(),
            lang: b
                .lang
                .map(|l| l.trim().to_ascii_lowercase())
                .filter(|l| !l.is_empty()),
            tags: b.tags,
            keywords: b.keywords,
            division: b.division.filter(|d| !d.trim().is_empty()),
            translation: b.translation.filter(|t| !t.trim().is_empty()),
        }
    } else {
        return Err(ApiError::UnsupportedMediaType(
            "send `application/json` or the Markdown file as `text/markdown`".into(),
        ));
    };
    check_article(&s, &a).await?;
    let created = s.store.put_article(&a).await?;
    s.kb.sync(&s.store).await?;
    Ok((
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        Json(a),
    ))
}

/// An article is an answer a customer reads on a phone: far below this.
const MAX_ARTICLE_BYTES: usize = 256 * 1024;
/// Keywords or tags per article, and characters per keyword, tag or title.
const MAX_TERMS: usize = 100;
const MAX_TERM_CHARS: usize = 100;
const MAX_TITLE_CHARS: usize = 200;

/// Limits, and references that must exist: a misspelled division or
/// translation would otherwise be stored and silently never used.
async fn check_article(s: &AppState, a: &Article) -> Result<(), ApiError> {
    if a.title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::field(
            "title",
            format!("is longer than {MAX_TITLE_CHARS} characters"),
        ));
    }
    for (field, terms) in [("keywords", &a.keywords), ("tags", &a.tags)] {
        if terms.len() > MAX_TERMS {
            return Err(ApiError::field(
                field,
                format!("has more than {MAX_TERMS} entries"),
            ));
        }
        if terms.iter().any(|t| t.chars().count() > MAX_TERM_CHARS) {
            return Err(ApiError::field(
                field,
                format!("has an entry longer than {MAX_TERM_CHARS} characters"),
            ));
        }
    }
    if let Some(division) = &a.division {
        let known = s.store.divisions().await?;
        if !known
            .iter()
            .any(|d| d.name.eq_ignore_ascii_case(division.trim()))
        {
            return Err(ApiError::field(
                "division",
                format!("there is no division named `{division}`"),
            ));
        }
    }
    if let Some(original) = &a.translation {
        let original = original.trim();
        let exists = original != a.slug
            && s.store
                .kb_articles()
                .await?
                .iter()
                .any(|other| other.slug == original);
        if !exists {
            return Err(ApiError::field(
                "translation",
                format!("there is no other article with the slug `{original}`"),
            ));
        }
    }
    Ok(())
}

#[utoipa::path(
    delete,
    path = "/api/v1/kb/articles/{slug}",
    tag = "knowledge base",
    params(("slug" = String, Path, description = "article slug")),
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
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.store.delete_article(&slug).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::not_found("article"),
        other => other.into(),
    })?;
    s.kb.sync(&s.store).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// `answer` is exactly what the bot would reply with (`null`: a KB miss).
#[utoipa::path(
    get,
    path = "/api/v1/kb/search",
    tag = "knowledge base",
    params(("q" = Option<String>, Query, description = "the question")),
    responses(
        (status = 200, description = "`{answer, results}` (`answer` null: a KB miss)", body = Object),
        (status = 401, description = "missing or wrong token", body = super::openapi::ErrorBody),
        (status = 403, description = "not allowed for this token", body = super::openapi::ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn search(
    State(s): State<AppState>,
    _a: Admin,
    q: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = q?;
    let text = q.q.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::field("q", "must not be empty"));
    }
    Ok(Json(json!(&*s.kb.search(&text))))
}

/// This module's routes in the OpenAPI document (`http::openapi`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, show, write, remove, search))]
pub(super) struct Doc;
