//! The JSON API under `/api/v1` (bearer tokens), the health check, and the OpenAPI document
//! generated from the handlers themselves so it cannot drift from the code.

pub(crate) mod agents;
pub(crate) mod alerts;
mod assessments;
mod assets;
pub(crate) mod channels;
mod checklists;
mod consultations;
mod contacts;
pub(crate) mod detections;
mod devices;
mod doc;
mod documents;
pub(crate) mod events;
mod health;
mod incidents;
mod orgs;
mod reports;
mod risks;

pub(crate) use health::healthz;
use std::sync::Arc;

use axum::{Extension, Json, Router};
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::i18n::{Lang, Messages};
use crate::state::AppState;
use doc::ApiDoc;

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
        .routes(routes!(alerts::incidents, incidents::report))
        .routes(routes!(incidents::get_one))
        .routes(routes!(incidents::check))
        .routes(routes!(incidents::record))
        .routes(routes!(incidents::dispatch))
        .routes(routes!(assets::list, assets::create))
        .routes(routes!(assets::get_one, assets::replace, assets::remove))
        .routes(routes!(devices::list, devices::create))
        .routes(routes!(devices::get_one, devices::replace, devices::remove))
        .routes(routes!(risks::list, risks::create))
        .routes(routes!(risks::get_one, risks::replace, risks::remove))
        .routes(routes!(contacts::list))
        .routes(routes!(contacts::save, contacts::remove))
        .routes(routes!(consultations::list, consultations::ask))
        .routes(routes!(consultations::get_one))
        .routes(routes!(consultations::reply))
        .routes(routes!(consultations::queue))
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
        .routes(routes!(events::status))
        .routes(routes!(agents::create_token))
        .routes(routes!(agents::enrol))
        .routes(routes!(agents::heartbeat))
        .routes(routes!(agents::list))
        .routes(routes!(agents::retire));
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .nest("/api/v1", v1)
        .split_for_parts();
    doc::add_common_answers(&mut doc);
    router.layer(Extension(Arc::new(doc)))
}

/// The largest page a list answers.
const MAX_PAGE: i64 = 1000;
/// The deepest a list may be paged by offset; beyond it, a narrower time window finds the
/// same rows without the database stepping over all the ones before them.
const MAX_OFFSET: i64 = 100_000;

/// Refuses a page size or offset outside the bounds the OpenAPI document states, rather
/// than quietly answering something other than what was asked.
fn check_paging(lang: Lang, limit: Option<i64>, offset: Option<i64>) -> Result<(), ApiError> {
    let limit_ok = limit.is_none_or(|l| (1..=MAX_PAGE).contains(&l));
    let offset_ok = offset.is_none_or(|o| (0..=MAX_OFFSET).contains(&o));
    if limit_ok && offset_ok {
        return Ok(());
    }
    let name = if limit_ok { "offset" } else { "limit" };
    Err(ApiError::invalid(
        &format!("invalid_input.{name}"),
        lang.tf(
            "error.paging",
            &[
                ("max_page", &MAX_PAGE.to_string()),
                ("max_offset", &MAX_OFFSET.to_string()),
            ],
        ),
    ))
}

/// The schema of a time parameter (`from`, `to`): RFC 3339, a calendar date, Unix seconds,
/// or blank for no bound (as a search form sends it).
pub(crate) fn time_parameter() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::KnownFormat;
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, SchemaFormat, Type};
    let string = || ObjectBuilder::new().schema_type(Type::String);
    AnyOfBuilder::new()
        .item(string().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))))
        .item(string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))))
        .item(string().pattern(Some("^[0-9]{1,12}$")))
        .item(string().max_length(Some(0)))
        .description(Some(
            "RFC 3339, a date (YYYY-MM-DD, Japan time), Unix seconds, or blank for no bound",
        ))
        .build()
        .into()
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3 document of every /api/v1 route")))]
async fn openapi_json(Extension(doc): Extension<Arc<OpenApiDoc>>) -> Json<OpenApiDoc> {
    Json(doc.as_ref().clone())
}
