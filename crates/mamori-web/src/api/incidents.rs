//! Incidents over the API: the company reports one, anyone who may see the organisation reads
//! it with its record, checklist, who to tell, on-site visits and first moves; the record, the
//! checklist and visits are written by those the permission table lets. Another
//! organisation's incidents are 404; the contacts directory is for everyone signed in.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_model::Deed;
use mamori_response::{Directory, IncidentFacts, Need, playbook, steps};
use mamori_store::{Actor, Check, Dispatch, DispatchRecord, Incident, OrgStore, TimelineEntry};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessments::visible_org;
use crate::auth::{ApiCaller, ClientAddr};
use crate::directory::directory;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::i18n::{Lang, Messages};
use crate::incident::{checklist_item, facts_of, may_tick, save_record, tick};
use crate::state::AppState;

/// Someone to tell about the incident, and whether they were.
#[derive(Serialize, ToSchema)]
pub struct DutyItem {
    /// The contact's key; telling it is checklist item `duty.<key>`.
    contact: String,
    /// Its name.
    name: String,
    /// `must` or `should`.
    #[schema(pattern = "^(must|should)$")]
    need: String,
    /// Its phone number, when the directory has one.
    phone: String,
    /// By when (Unix seconds), where the provider set a deadline for this contact.
    due_at: Option<i64>,
    /// When they were told (Unix seconds).
    told_at: Option<i64>,
}

/// An incident with everything its page shows.
#[derive(Serialize, ToSchema)]
pub struct IncidentDetail {
    /// The incident (id, title, category, status, times, record facts).
    #[schema(value_type = Object)]
    incident: Incident,
    /// The record's facts and flags.
    facts: IncidentFacts,
    /// The timeline, oldest first.
    #[schema(value_type = Vec<Object>)]
    timeline: Vec<TimelineEntry>,
    /// Done checklist items (`step.item` or `duty.<contact>`).
    #[schema(value_type = Vec<Object>)]
    done: Vec<Check>,
    /// Every checklist item of the three steps, with who does it.
    #[schema(value_type = Vec<Object>)]
    checklist: Vec<serde_json::Value>,
    /// Who must or should be told.
    duties: Vec<DutyItem>,
    /// On-site visits.
    #[schema(value_type = Vec<Object>)]
    dispatches: Vec<Dispatch>,
    /// What the company does first, in the caller's language.
    first_moves: Vec<String>,
}

/// Incident `iid` of `org` as the API shows it, with who to tell from the directory in force.
async fn detail(
    state: &AppState,
    org: &OrgStore,
    lang: Lang,
    iid: &str,
) -> Result<IncidentDetail, ApiError> {
    let directory = directory(&state.store)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    detail_with(org, lang, iid, &directory).await
}

/// Incident `iid` of `org` with who to tell from `directory`.
async fn detail_with(
    org: &OrgStore,
    lang: Lang,
    iid: &str,
    directory: &Directory,
) -> Result<IncidentDetail, ApiError> {
    let store_error = |e| ApiError::from_store(lang, e);
    let incidents = org.incidents();
    let incident = incidents.get(iid).await.map_err(store_error)?;
    let (timeline, done, dispatches) = tokio::try_join!(
        incidents.timeline(iid),
        incidents.checks(iid),
        incidents.dispatches(iid),
    )
    .map_err(store_error)?;
    let facts = facts_of(&incident);
    let duties = directory
        .duties(&incident.category, &facts, incident.created_at)
        .into_iter()
        .map(|d| DutyItem {
            contact: d.contact.key.clone(),
            name: d.contact.name(lang).to_owned(),
            need: match d.need {
                Need::Must => "must".into(),
                Need::Should => "should".into(),
            },
            phone: d.contact.phone.clone(),
            due_at: d.due_at,
            told_at: done
                .iter()
                .find(|c| c.item == d.contact.duty_key())
                .map(|c| c.done_at),
        })
        .collect();
    let checklist = steps()
        .iter()
        .flat_map(|s| {
            s.items.iter().map(move |i| {
                serde_json::json!({
                    "item": s.item_key(i),
                    "step": s.title(lang),
                    "text": i.text(lang),
                    "by": if i.who == mamori_response::Who::Desk { "desk" } else { "company" },
                })
            })
        })
        .collect();
    let first_moves = playbook(&incident.category).moves(lang).first_moves.clone();
    Ok(IncidentDetail {
        incident,
        facts,
        timeline,
        done,
        checklist,
        duties,
        dispatches,
        first_moves,
    })
}

/// "Something happened", as the company reports it.
#[derive(Deserialize, ToSchema)]
pub struct ReportBody {
    /// The kind of incident.
    #[schema(
        pattern = "^(malware|ransomware|unauthorised_access|data_leak|defacement|phishing|outage|other)$"
    )]
    category: String,
    /// A subject; the kind's name when left out.
    #[serde(default)]
    title: String,
    /// What was noticed.
    what_happened: String,
}

/// Reports an incident (the organisation's owner or staff); the answer holds the first moves.
#[utoipa::path(post, path = "/orgs/{id}/incidents", tag = "incidents", request_body = ReportBody,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = IncidentDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<(StatusCode, Json<IncidentDetail>), ApiError> {
    let lang = caller.lang;
    let org = visible_org(&state, &caller, &id).await?;
    if !caller.user.may_in(Deed::ReportIncident, &id) {
        return Err(ApiError::forbidden(lang));
    }
    if !mamori_store::INCIDENT_CATEGORIES.contains(&body.category.as_str()) {
        let message = lang.t("incidents.error.category");
        return Err(ApiError::invalid("invalid_input.category", message));
    }
    let kind = lang.t(&format!("alerts.category.{}", body.category));
    let title = Some(body.title.trim())
        .filter(|t| !t.is_empty())
        .unwrap_or(&kind);
    let actor = Actor::user(&caller.user, Some(addr));
    let incident = org
        .incidents()
        .report(&actor, title, &body.category, &body.what_happened)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok((
        StatusCode::CREATED,
        Json(detail(&state, &org, lang, &incident.id).await?),
    ))
}

/// One incident with its record, checklist, who to tell, visits and first moves.
#[utoipa::path(get, path = "/orgs/{id}/incidents/{iid}", tag = "incidents",
    params(("id" = String, Path, description = "Organisation id"), ("iid" = String, Path, description = "Incident id")),
    responses((status = 200, body = IncidentDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, iid)): Path<(String, String)>,
) -> Result<Json<IncidentDetail>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    Ok(Json(detail(&state, &org, caller.lang, &iid).await?))
}

/// A checklist item ticked or unticked.
#[derive(Deserialize, ToSchema)]
pub struct CheckBody {
    /// `step.item` from the checklist, or `duty.<contact>`.
    item: String,
    /// Done (else undone).
    done: bool,
}

/// Ticks or unticks one checklist item: the company its own, the desk its own and the
/// company's.
#[utoipa::path(post, path = "/orgs/{id}/incidents/{iid}/checks", tag = "incidents", request_body = CheckBody,
    params(("id" = String, Path, description = "Organisation id"), ("iid" = String, Path, description = "Incident id")),
    responses((status = 200, body = IncidentDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, iid)): Path<(String, String)>,
    ApiJson(body): ApiJson<CheckBody>,
) -> Result<Json<IncidentDetail>, ApiError> {
    let lang = caller.lang;
    let org = visible_org(&state, &caller, &id).await?;
    let directory = directory(&state.store)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    let Some((who, text)) = checklist_item(&body.item, &directory) else {
        let message = lang.t("incidents.error.item");
        return Err(ApiError::invalid("invalid_input.item", message));
    };
    if !may_tick(&caller.user, who, &id) {
        return Err(ApiError::forbidden(lang));
    }
    let actor = Actor::user(&caller.user, Some(addr));
    tick(&org, &actor, &iid, &body.item, &text, body.done)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(Json(detail_with(&org, lang, &iid, &directory).await?))
}

/// Replaces the record's facts and flags (which decide who must be told).
#[utoipa::path(put, path = "/orgs/{id}/incidents/{iid}/record", tag = "incidents", request_body = IncidentFacts,
    params(("id" = String, Path, description = "Organisation id"), ("iid" = String, Path, description = "Incident id")),
    responses((status = 200, body = IncidentDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, iid)): Path<(String, String)>,
    ApiJson(facts): ApiJson<IncidentFacts>,
) -> Result<Json<IncidentDetail>, ApiError> {
    let lang = caller.lang;
    let org = visible_org(&state, &caller, &id).await?;
    if !caller.user.may_in(Deed::WorkIncident, &id) {
        return Err(ApiError::forbidden(lang));
    }
    let actor = Actor::user(&caller.user, Some(addr));
    save_record(&org, &actor, &iid, &facts)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(Json(detail(&state, &org, lang, &iid).await?))
}

/// An on-site visit arranged.
#[derive(Deserialize, ToSchema)]
pub struct DispatchBody {
    /// Who goes.
    engineer: String,
    /// Expected arrival (Unix seconds).
    promised_at: Option<i64>,
}

/// Arranges an on-site visit (the provider's staff).
#[utoipa::path(post, path = "/orgs/{id}/incidents/{iid}/dispatches", tag = "incidents", request_body = DispatchBody,
    params(("id" = String, Path, description = "Organisation id"), ("iid" = String, Path, description = "Incident id")),
    responses((status = 201, body = IncidentDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dispatch(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, iid)): Path<(String, String)>,
    ApiJson(body): ApiJson<DispatchBody>,
) -> Result<(StatusCode, Json<IncidentDetail>), ApiError> {
    let lang = caller.lang;
    let org = visible_org(&state, &caller, &id).await?;
    if !caller.user.may(Deed::TriageAlerts) {
        return Err(ApiError::forbidden(lang));
    }
    let record = DispatchRecord {
        engineer: body.engineer.clone(),
        promised_at: body.promised_at,
        ..DispatchRecord::default()
    };
    let engineer = body.engineer.trim();
    let entry = Lang::Ja.tf(
        "incidents.dispatch.requested_entry",
        &[("engineer", engineer)],
    );
    let actor = Actor::user(&caller.user, Some(addr));
    org.incidents()
        .dispatch(&actor, &iid, &record, &entry)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok((
        StatusCode::CREATED,
        Json(detail(&state, &org, lang, &iid).await?),
    ))
}
