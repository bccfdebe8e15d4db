//! Middleware that keeps the HTTP surface's promises for requests no
//! handler gets to answer properly: an announced body over the limit is
//! refused before a byte of it is read, and every error — including the
//! plain-text ones axum's extractors and tower's timeout produce — leaves
//! as `{"error":{"code","message"}}`.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Answers 413 at once when `Content-Length` is over the body limit;
/// otherwise a client announcing a terabyte would hold the connection until
/// the request timeout while the body limit waits for bytes.
pub async fn refuse_oversized(State(limit): State<usize>, req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit as u64) {
        return ApiError::PayloadTooLarge(format!(
            "the request body is larger than the limit of {limit} bytes"
        ))
        .into_response();
    }
    next.run(req).await
}

/// The longest plain-text error body carried over into the JSON message.
const MAX_MESSAGE_BYTES: usize = 1024;

/// Rewrites an error response that is not JSON into Baton's JSON error,
/// keeping its status, its headers (`Retry-After`, `Allow`) and its text as
/// the message.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = match to_bytes(body, MAX_MESSAGE_BYTES).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => String::new(),
    };
    // A 500's text is for the log, never for the caller.
    let message = if text.is_empty() || status == StatusCode::INTERNAL_SERVER_ERROR {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase()
    } else {
        text
    };
    let body = serde_json::json!({"error": {"code": code(status), "message": message}});
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body.to_string()))
}

/// The error code for a status no handler chose one for; the same words
/// `ApiError` uses where they overlap.
fn code(status: StatusCode) -> String {
    match status {
        StatusCode::BAD_REQUEST => "bad_request".into(),
        StatusCode::NOT_FOUND => "not_found".into(),
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed".into(),
        StatusCode::REQUEST_TIMEOUT => "request_timeout".into(),
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large".into(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type".into(),
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed".into(),
        StatusCode::INTERNAL_SERVER_ERROR => "internal".into(),
        StatusCode::SERVICE_UNAVAILABLE => "unavailable".into(),
        other => other
            .canonical_reason()
            .unwrap_or("error")
            .to_lowercase()
            .replace([' ', '-'], "_"),
    }
}
