//! The cloud-services checklist (one per cloud service) and the executives' checklist over the
//! API. Same rules as the self-assessment: a clear error naming the item and allowed values,
//! and nothing incomplete stored as completed.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_store::{Actor, AnswerSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::assessments::{answering_org, visible_org, words};
use super::orgs::rfc3339;
use crate::auth::{ApiCaller, ClientAddr};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::measures::{
    RawExecutive, Submission, cloud_services, latest_executive, submit_cloud, submit_executive,
};
use crate::state::AppState;

/// Answers to the cloud checklist for one service.
#[derive(Deserialize, ToSchema)]
pub struct CloudBody {
    /// Catalog edition (the default when left out).
    catalog: Option<String>,
    /// The cloud service's name, e.g. "Microsoft 365".
    service: String,
    /// Item number ("1" … "15") to `yes`, `partial`, `no` or `unknown`.
    #[schema(value_type = BTreeMap<String, String>)]
    answers: BTreeMap<String, Value>,
}

/// Answers to the executives' checklist.
#[derive(Deserialize, ToSchema)]
pub struct ExecutiveBody {
    /// Catalog edition (the default when left out).
    catalog: Option<String>,
    /// The three principles and the seven actions, each item number to `yes`, `partial` or `no`.
    #[serde(flatten)]
    answers: RawExecutive,
}

/// A completed checklist with its result.
#[derive(Serialize, ToSchema)]
pub struct ChecklistView {
    id: String,
    edition: String,
    /// The cloud service's name (empty for the executives' checklist).
    subject: String,
    /// RFC 3339.
    completed_at: String,
    /// Cloud: `total`, `max`, `groups`, `problems`, `unknown`. Executive: `done`, `count`,
    /// `principles`, `actions`.
    #[schema(value_type = Object)]
    result: Value,
}

impl ChecklistView {
    fn new(set: AnswerSet, result: &impl Serialize) -> Self {
        ChecklistView {
            completed_at: rfc3339(set.completed_at.unwrap_or_default()),
            id: set.id,
            edition: set.edition,
            subject: set.subject,
            result: serde_json::to_value(result).unwrap_or_default(),
        }
    }
}

/// The latest cloud checklist of every service.
#[derive(Serialize, ToSchema)]
pub struct CloudList {
    services: Vec<ChecklistView>,
}

/// Stores a completed cloud checklist for one service.
#[utoipa::path(post, path = "/orgs/{id}/checklists/cloud", tag = "checklists", request_body = CloudBody,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = ChecklistView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_cloud(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CloudBody>,
) -> Result<(StatusCode, Json<ChecklistView>), ApiError> {
    let org = answering_org(&state, &caller, &id).await?;
    let actor = Actor::user(&caller.user, Some(addr));
    let submission = Submission::new(&org, &actor, body.catalog.as_deref(), true);
    match submit_cloud(&submission, &body.service, &words(&body.answers)).await {
        Ok((set, Some(result))) => {
            Ok((StatusCode::CREATED, Json(ChecklistView::new(set, &result))))
        }
        Ok((_, None)) => Err(ApiError::not_found(caller.lang)),
        Err(e) => Err(e.api(caller.lang)),
    }
}

/// The latest completed cloud checklist of each service.
#[utoipa::path(get, path = "/orgs/{id}/checklists/cloud", tag = "checklists",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = CloudList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_cloud(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<CloudList>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let services = cloud_services(&org).await.map_err(|e| e.api(caller.lang))?;
    Ok(Json(CloudList {
        services: services
            .into_iter()
            .map(|e| ChecklistView::new(e.set, &e.result))
            .collect(),
    }))
}

/// Stores a completed executives' checklist.
#[utoipa::path(post, path = "/orgs/{id}/checklists/executive", tag = "checklists", request_body = ExecutiveBody,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = ChecklistView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_executive(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ExecutiveBody>,
) -> Result<(StatusCode, Json<ChecklistView>), ApiError> {
    let org = answering_org(&state, &caller, &id).await?;
    let actor = Actor::user(&caller.user, Some(addr));
    let submission = Submission::new(&org, &actor, body.catalog.as_deref(), true);
    match submit_executive(&submission, &body.answers).await {
        Ok((set, Some(result))) => {
            Ok((StatusCode::CREATED, Json(ChecklistView::new(set, &result))))
        }
        Ok((_, None)) => Err(ApiError::not_found(caller.lang)),
        Err(e) => Err(e.api(caller.lang)),
    }
}

/// The latest completed executives' checklist; 404 when there is none.
#[utoipa::path(get, path = "/orgs/{id}/checklists/executive", tag = "checklists",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = ChecklistView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_executive(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ChecklistView>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    match latest_executive(&org).await {
        Ok(Some(entry)) => Ok(Json(ChecklistView::new(entry.set, &entry.result))),
        Ok(None) => Err(ApiError::not_found(caller.lang)),
        Err(e) => Err(e.api(caller.lang)),
    }
}
