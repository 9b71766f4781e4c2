//! The self-assessment over the API: submit answers (completed or as a draft), read the history
//! and one result with what changed since the previous one, compare with similar companies,
//! and SECURITY ACTION readiness. Other tenants' organisations are a 404.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_catalog::{AssessmentResult, Comparison, PartScore, Readiness, compare};
use mamori_model::Deed;
use mamori_store::{Actor, AnswerKind, OrgStore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::orgs::rfc3339;
use crate::auth::{ApiCaller, ClientAddr};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::measures::{
    self, Benchmark, MeasureError, Overview, Scored, Submission, acknowledge_rules, history,
    org_readiness, submit_assessment,
};
use crate::state::AppState;

/// Answers to the self-assessment.
#[derive(Deserialize, ToSchema)]
pub struct AnswersBody {
    /// Catalog edition, e.g. `ipa-sme-3.1` (the default when left out).
    catalog: Option<String>,
    /// Item number ("1" … "25") to `yes`, `partial`, `no` or `unknown`.
    #[schema(value_type = BTreeMap<String, String>)]
    answers: BTreeMap<String, Value>,
}

/// Turns JSON values into answer words; a value that is not a string is kept as its JSON text
/// so the error can name it.
pub(crate) fn words(raw: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    raw.iter()
        .map(|(k, v)| {
            let word = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), word)
        })
        .collect()
}

/// One completed self-assessment with its score.
#[derive(Serialize, ToSchema)]
pub struct AssessmentView {
    id: String,
    org_id: String,
    /// Catalog edition answered.
    edition: String,
    /// RFC 3339.
    completed_at: String,
    /// `total` (−25 to 100), `parts` (id, score, max, percent), `rules`, `problems` with advice,
    /// `unknown` and every item's answer.
    #[schema(value_type = Object)]
    result: AssessmentResult,
    /// What changed since the previous completed assessment, if there is one of the same
    /// edition: `total`, `parts` and every item with `previous`, `current`, `delta`, `trend`.
    #[schema(value_type = Option<Object>)]
    changes: Option<Comparison>,
}

/// A completed self-assessment in the history list.
#[derive(Serialize, ToSchema)]
pub struct AssessmentSummary {
    id: String,
    edition: String,
    /// RFC 3339.
    completed_at: String,
    total: i32,
    max: i32,
    /// Per part: id, name, score, max, percent.
    #[schema(value_type = Vec<Object>)]
    parts: Vec<PartScore>,
    /// How many items are below full points.
    problems: usize,
}

/// The history, newest first.
#[derive(Serialize, ToSchema)]
pub struct AssessmentHistory {
    assessments: Vec<AssessmentSummary>,
}

/// The saved draft.
#[derive(Serialize, ToSchema)]
pub struct AnswerDraft {
    id: String,
    edition: String,
    /// The answers saved so far.
    #[schema(value_type = BTreeMap<String, String>)]
    answers: Value,
    /// RFC 3339.
    updated_at: String,
}

/// SECURITY ACTION readiness.
#[derive(Serialize, ToSchema)]
pub struct ReadinessView {
    /// `one_star`, `two_stars` and the `steps` with `status` (`done` or `pending`) and what to
    /// do next.
    #[schema(value_type = Object)]
    readiness: Readiness,
    /// When the five basic rules were acknowledged (RFC 3339), if they were.
    rules_acknowledged_at: Option<String>,
}

/// Finds the organisation or answers 404 (also for other tenants' organisations).
pub(crate) async fn visible_org(
    state: &AppState,
    caller: &ApiCaller,
    id: &str,
) -> Result<OrgStore, ApiError> {
    state
        .store
        .org_store(&caller.user.scope(), id)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))
}

/// Finds the organisation (404 when the caller may not see it) and checks the caller's role
/// may do `deed` there (403 otherwise): the API's side of the permission table.
pub(crate) async fn org_for(
    state: &AppState,
    caller: &ApiCaller,
    id: &str,
    deed: Deed,
) -> Result<OrgStore, ApiError> {
    let org = visible_org(state, caller, id).await?;
    if !caller.user.may_in(deed, id) {
        return Err(ApiError::forbidden(caller.lang));
    }
    Ok(org)
}

/// Finds the organisation and checks the caller may answer for it (owner or administrator).
pub(crate) async fn answering_org(
    state: &AppState,
    caller: &ApiCaller,
    id: &str,
) -> Result<OrgStore, ApiError> {
    org_for(state, caller, id, Deed::AnswerQuestionnaires).await
}

fn view(scored: &Scored, previous: Option<&Scored>) -> AssessmentView {
    AssessmentView {
        id: scored.set.id.clone(),
        org_id: scored.set.org_id.clone(),
        edition: scored.set.edition.clone(),
        completed_at: rfc3339(scored.set.completed_at.unwrap_or_default()),
        result: scored.result.clone(),
        changes: previous.and_then(|p| compare(&p.result, &scored.result).ok()),
    }
}

/// Scores and stores a completed self-assessment. Every item must be answered; on any error
/// nothing is stored as completed.
#[utoipa::path(post, path = "/orgs/{id}/assessments", tag = "assessments", request_body = AnswersBody,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = AssessmentView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "Unknown item, answer word or catalog, or unanswered items")))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswersBody>,
) -> Result<(StatusCode, Json<AssessmentView>), ApiError> {
    let org = answering_org(&state, &caller, &id).await?;
    let actor = Actor::user(&caller.user, Some(addr));
    let submission = Submission::new(&org, &actor, body.catalog.as_deref(), true);
    let api = |e: MeasureError| e.api(caller.lang);
    let (set, _) = submit_assessment(&submission, &words(&body.answers))
        .await
        .map_err(api)?;
    let all = history(&org).await.map_err(api)?;
    let (current, previous) =
        current_and_previous(&all, &set.id).ok_or_else(|| ApiError::not_found(caller.lang))?;
    Ok((StatusCode::CREATED, Json(view(current, previous))))
}

/// The assessment `id` in `history` (newest first) and the one completed before it.
pub(crate) fn current_and_previous<'a>(
    history: &'a [Scored],
    id: &str,
) -> Option<(&'a Scored, Option<&'a Scored>)> {
    let index = history.iter().position(|s| s.set.id == id)?;
    Some((&history[index], history.get(index + 1)))
}

/// Completed self-assessments, newest first.
#[utoipa::path(get, path = "/orgs/{id}/assessments", tag = "assessments",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = AssessmentHistory), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<AssessmentHistory>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let all = history(&org).await.map_err(|e| e.api(caller.lang))?;
    Ok(Json(AssessmentHistory {
        assessments: all
            .into_iter()
            .map(|s| AssessmentSummary {
                completed_at: rfc3339(s.set.completed_at.unwrap_or_default()),
                id: s.set.id,
                edition: s.set.edition,
                total: s.result.total,
                max: s.result.max,
                problems: s.result.problems.len(),
                parts: s.result.parts,
            })
            .collect(),
    }))
}

/// One completed self-assessment with what changed since the previous one.
#[utoipa::path(get, path = "/orgs/{id}/assessments/{aid}", tag = "assessments",
    params(("id" = String, Path, description = "Organisation id"), ("aid" = String, Path, description = "Assessment id")),
    responses((status = 200, body = AssessmentView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, aid)): Path<(String, String)>,
) -> Result<Json<AssessmentView>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let all = history(&org).await.map_err(|e| e.api(caller.lang))?;
    let (current, previous) =
        current_and_previous(&all, &aid).ok_or_else(|| ApiError::not_found(caller.lang))?;
    Ok(Json(view(current, previous)))
}

/// Saves answers given so far as the draft (items may be missing), to finish later.
#[utoipa::path(put, path = "/orgs/{id}/assessments/draft", tag = "assessments", request_body = AnswersBody,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = AnswerDraft), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_draft(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswersBody>,
) -> Result<Json<AnswerDraft>, ApiError> {
    let org = answering_org(&state, &caller, &id).await?;
    let actor = Actor::user(&caller.user, Some(addr));
    let submission = Submission::new(&org, &actor, body.catalog.as_deref(), false);
    let (set, _) = submit_assessment(&submission, &words(&body.answers))
        .await
        .map_err(|e| e.api(caller.lang))?;
    Ok(Json(draft_view(set)))
}

fn draft_view(set: mamori_store::AnswerSet) -> AnswerDraft {
    AnswerDraft {
        id: set.id,
        edition: set.edition,
        answers: set.answers,
        updated_at: rfc3339(set.updated_at),
    }
}

/// The saved draft; 404 when there is none.
#[utoipa::path(get, path = "/orgs/{id}/assessments/draft", tag = "assessments",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = AnswerDraft), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_draft(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<AnswerDraft>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    match org.answers().draft(AnswerKind::SelfAssessment, "").await {
        Ok(Some(set)) => Ok(Json(draft_view(set))),
        Ok(None) => Err(ApiError::not_found(caller.lang)),
        Err(e) => Err(ApiError::from_store(caller.lang, e)),
    }
}

/// Anonymous comparison with organisations of the same industry and employee band: their
/// latest assessments' mean and quartiles, overall and per part, and this organisation's
/// deviation score. Shown only when at least 5 other organisations contribute.
#[utoipa::path(get, path = "/orgs/{id}/benchmark", tag = "assessments",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = Benchmark), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn benchmark(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Benchmark>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let api = |e: MeasureError| e.api(caller.lang);
    let latest = history(&org).await.map_err(api)?;
    let own = latest.first().map(|s| &s.result);
    Ok(Json(measures::benchmark(&org, own).await.map_err(api)?))
}

/// SECURITY ACTION readiness: one star once the five basic rules are acknowledged; two stars
/// also need a completed self-assessment and an issued, published basic policy.
#[utoipa::path(get, path = "/orgs/{id}/readiness", tag = "assessments",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = ReadinessView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn readiness(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ReadinessView>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    readiness_view(&state, &headers, &caller, &org).await
}

async fn readiness_view(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    caller: &ApiCaller,
    org: &OrgStore,
) -> Result<Json<ReadinessView>, ApiError> {
    let base = crate::pages::public_base(state, headers);
    let (readiness, acknowledged) = org_readiness(org, &base)
        .await
        .map_err(|e| e.api(caller.lang))?;
    Ok(Json(ReadinessView {
        readiness,
        rules_acknowledged_at: acknowledged.map(|a| rfc3339(a.at)),
    }))
}

/// Acknowledges the five basic rules for the organisation (the one-star step).
#[utoipa::path(post, path = "/orgs/{id}/rules-acknowledgement", tag = "assessments",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = ReadinessView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
) -> Result<Json<ReadinessView>, ApiError> {
    let org = answering_org(&state, &caller, &id).await?;
    let actor = Actor::user(&caller.user, Some(addr));
    acknowledge_rules(&org, &actor)
        .await
        .map_err(|e| e.api(caller.lang))?;
    readiness_view(&state, &headers, &caller, &org).await
}

/// Provider staff only: every client's latest self-assessment and the items most clients
/// still have open.
#[utoipa::path(get, path = "/assessments/overview", tag = "assessments",
    responses((status = 200, body = Overview), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn overview(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Overview>, ApiError> {
    if !caller.user.may(Deed::WatchAllOrganisations) {
        return Err(ApiError::forbidden(caller.lang));
    }
    measures::overview(&state.store, &caller.user.scope())
        .await
        .map(Json)
        .map_err(|e| e.api(caller.lang))
}
