//! The JSON API under `/api/v1` (bearer tokens), the health check, and the OpenAPI document
//! generated from the handlers themselves so it cannot drift from the code.

pub(crate) mod alerts;
mod assessments;
pub(crate) mod channels;
mod checklists;
pub(crate) mod detections;
mod documents;
pub(crate) mod events;
mod health;
mod orgs;
mod reports;

use std::sync::Arc;

use axum::{Extension, Json, Router};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ErrorBody;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "mamori API", description = "Security monitoring and everyday measures for small and medium businesses."),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody)),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and their OpenAPI document.
pub fn router() -> Router<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(openapi_json))
        .routes(routes!(orgs::me))
        .routes(routes!(orgs::list, orgs::create))
        .routes(routes!(orgs::get_one))
        .routes(routes!(assessments::list, assessments::create))
        .routes(routes!(assessments::get_draft, assessments::save_draft))
        .routes(routes!(assessments::get_one))
        .routes(routes!(assessments::benchmark))
        .routes(routes!(assessments::readiness))
        .routes(routes!(assessments::acknowledge))
        .routes(routes!(assessments::overview))
        .routes(routes!(checklists::list_cloud, checklists::create_cloud))
        .routes(routes!(
            checklists::get_executive,
            checklists::create_executive
        ))
        .routes(routes!(detections::list))
        .routes(routes!(alerts::list))
        .routes(routes!(alerts::queue))
        .routes(routes!(alerts::bulk))
        .routes(routes!(alerts::get_one))
        .routes(routes!(alerts::act))
        .routes(routes!(alerts::escalate))
        .routes(routes!(alerts::suppress))
        .routes(routes!(alerts::suppressions))
        .routes(routes!(alerts::revoke_suppression))
        .routes(routes!(alerts::incidents))
        .routes(routes!(channels::list, channels::create))
        .routes(routes!(channels::list_provider, channels::create_provider))
        .routes(routes!(channels::remove))
        .routes(routes!(documents::get_params, documents::put_params))
        .routes(routes!(documents::get_draft, documents::put_draft))
        .routes(routes!(documents::approve))
        .routes(routes!(documents::versions, documents::issue_version))
        .routes(routes!(documents::get_version))
        .routes(routes!(documents::version_diff))
        .routes(routes!(documents::publish, documents::unpublish))
        .routes(routes!(reports::list, reports::create))
        .routes(routes!(reports::get_one))
        .routes(routes!(reports::pdf))
        .routes(routes!(channels::test))
        .routes(routes!(channels::deliveries))
        .routes(routes!(events::search))
        .routes(routes!(events::sources))
        .routes(routes!(events::ingest))
        .routes(routes!(events::status));
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .nest("/api/v1", v1)
        .split_for_parts();
    router.layer(Extension(Arc::new(doc)))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3 document of every /api/v1 route")))]
async fn openapi_json(Extension(doc): Extension<Arc<OpenApiDoc>>) -> Json<OpenApiDoc> {
    Json(doc.as_ref().clone())
}
