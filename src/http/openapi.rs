//! The OpenAPI 3 document, generated from the handlers' `#[utoipa::path]`
//! annotations and served at `GET /api/v1/openapi.json` (public: it
//! describes the API, it holds no data). `tests/openapi.rs` checks that it
//! lists every route the router serves, so a new route needs its
//! annotation and an entry in `paths(...)` below.

use std::sync::OnceLock;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::AppState;

/// Every error: `{"error":{"code","message"}}`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong: a stable `code` (`not_found`, `validation_failed`,
/// `conflict`, `unauthorized`, …) and a message for people.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    code: String,
    message: String,
}

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme =
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", scheme);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Baton",
        description = "Gateway between customers (WhatsApp, widget, e-mail, API channel), a support bot and human agents. \
                       `/api/v1` takes `Authorization: Bearer <token>`: the admin token or an agent token."
    ),
    paths(
        openapi_json,
        super::start::start,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

/// The whole document: this module's paths and every route module's
/// `Doc`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        super::health::Doc::openapi(),
        super::whatsapp::Doc::openapi(),
        super::inbound::Doc::openapi(),
        super::agents::Doc::openapi(),
        super::conversations::Doc::openapi(),
        super::divisions::Doc::openapi(),
        super::events::Doc::openapi(),
        super::kb::Doc::openapi(),
        super::media::Doc::openapi(),
        super::workflow::Doc::openapi(),
        super::tasks::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "the OpenAPI 3 document", body = Object))
)]
async fn openapi_json() -> impl IntoResponse {
    // Built once: the document does not change while the process runs.
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    let body = BODY.get_or_init(|| serde_json::to_vec(&document()).unwrap_or_default());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.as_slice(),
    )
}
