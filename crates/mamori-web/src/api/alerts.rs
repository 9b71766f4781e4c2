//! Alerts over the API: one organisation's alerts, the provider's queue across all of them,
//! one alert with its history and evidence, lifecycle actions (one or many at once),
//! escalation into an incident, and suppressions. Tenant-scoped like every read.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_model::Deed;
use mamori_store::{
    Actor, AlertEvent, AlertFilter, AlertOrder, Incident, ListPosition, NewSuppression,
    StoredDetection, Suppression, now,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assessments::visible_org;
use super::events::{BadParameter, optional_cursor};
use crate::auth::{ApiCaller, ClientAddr};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::i18n::{Lang, Messages};
use crate::state::AppState;
use crate::triage::{ActionRefused, AlertAction, AlertView, change_for};

/// Alert list filters, shared with the alert pages.
#[derive(Debug, Default, Clone, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// `new`, `acknowledged`, `resolved`, or `open` (new and acknowledged).
    pub status: Option<String>,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: Option<String>,
    /// Only this rule id.
    pub rule: Option<String>,
    /// Only this source id.
    pub source: Option<String>,
    /// Only this organisation (queue only).
    pub org: Option<String>,
    /// Page size, 1-1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Matches to skip, 0-100000.
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
    /// Continue after this point: the `next_cursor` of the previous page (an organisation's
    /// list only; the queue pages by offset).
    pub cursor: Option<String>,
}

impl AlertQuery {
    /// The store filter, without the cursor (see [`AlertQuery::after`]).
    pub fn filter(&self, order: AlertOrder) -> AlertFilter {
        AlertFilter {
            org_id: self.org.clone(),
            status: self.status.clone(),
            severity: self.severity.clone(),
            rule_id: self.rule.clone(),
            source_id: self.source.clone(),
            incident_id: None,
            created_from: None,
            created_to: None,
            order,
            limit: self.limit.unwrap_or(50).clamp(1, 1000),
            offset: self.offset.unwrap_or(0).max(0),
            after: None,
        }
    }

    /// The position to continue from, from `cursor`.
    pub fn after(&self) -> Result<Option<ListPosition>, BadParameter> {
        optional_cursor(&self.cursor)
    }
}

/// One page of alerts.
#[derive(Serialize, ToSchema)]
pub struct AlertList {
    /// Matches in all, counted exactly up to 10,000.
    total: i64,
    /// True when there are more than 10,000 matches (`total` is then 10,000).
    total_capped: bool,
    /// This page.
    alerts: Vec<AlertView>,
    /// Pass as `cursor` for the next page of an organisation's list; absent on the last page
    /// and in the queue.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// One alert with what happened to it and what it is made of.
#[derive(Serialize, ToSchema)]
pub struct AlertDetail {
    /// The alert.
    alert: AlertView,
    /// Its history, oldest first.
    #[schema(value_type = Vec<Object>)]
    history: Vec<AlertEvent>,
    /// The latest grouped detections (at most 20).
    #[schema(value_type = Vec<Object>)]
    evidence: Vec<StoredDetection>,
}

async fn page_of(
    state: &AppState,
    caller: &ApiCaller,
    filter: AlertFilter,
) -> Result<Json<AlertList>, ApiError> {
    let lang = caller.lang;
    let page = state
        .store
        .alerts(&caller.user.scope(), &filter)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(Json(AlertList {
        total: page.total,
        total_capped: page.total_capped,
        alerts: page
            .alerts
            .into_iter()
            .map(|a| AlertView::new(a, lang))
            .collect(),
        next_cursor: page.next.map(|p| p.to_string()),
    }))
}

/// Alerts of one organisation, newest first; another tenant's organisation is a 404.
#[utoipa::path(get, path = "/orgs/{id}/alerts", tag = "alerts",
    params(("id" = String, Path, description = "Organisation id"), AlertQuery),
    responses((status = 200, body = AlertList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AlertQuery>,
) -> Result<Json<AlertList>, ApiError> {
    super::check_paging(caller.lang, query.limit, query.offset)?;
    if !caller.user.scope().permits(&id) {
        return Err(ApiError::not_found(caller.lang));
    }
    let _slot = state.start_read(caller.lang, &id)?;
    let filter = AlertFilter {
        org_id: Some(id),
        after: query.after().map_err(|bad| bad.api(caller.lang))?,
        ..query.filter(AlertOrder::Newest)
    };
    page_of(&state, &caller, filter).await
}

/// The queue: alerts of every organisation the caller may see, most urgent and oldest
/// first (an organisation's members see only their own).
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, body = AlertList), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<AlertQuery>,
) -> Result<Json<AlertList>, ApiError> {
    super::check_paging(caller.lang, query.limit, query.offset)?;
    // A member's queue counts against their organisation; provider staff each have their own
    // slots, so one analyst's open tabs never hold up another's.
    let reader = match &caller.user.org_id {
        Some(org_id) => org_id.clone(),
        None => format!("provider:{}", caller.user.id),
    };
    let _slot = state.start_read(caller.lang, &reader)?;
    let filter = AlertFilter {
        after: query.after().map_err(|bad| bad.api(caller.lang))?,
        ..query.filter(AlertOrder::Queue)
    };
    page_of(&state, &caller, filter).await
}

/// One alert with its history and evidence.
#[utoipa::path(get, path = "/alerts/{id}", tag = "alerts",
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = AlertDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<AlertDetail>, ApiError> {
    let lang = caller.lang;
    let scope = caller.user.scope();
    let store_error = |e| ApiError::from_store(lang, e);
    let alert = state
        .store
        .alert(&scope, &id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(lang))?;
    let history = state
        .store
        .alert_history(&scope, &id)
        .await
        .map_err(store_error)?;
    let evidence = state
        .store
        .alert_evidence(&scope, &id, 20)
        .await
        .map_err(store_error)?;
    Ok(Json(AlertDetail {
        alert: AlertView::new(alert, lang),
        history,
        evidence,
    }))
}

fn refused(lang: Lang, why: ActionRefused) -> ApiError {
    let (key, code) = why.key_and_code();
    match why {
        ActionRefused::Forbidden => ApiError::forbidden(lang),
        _ => ApiError::invalid(code, lang.t(key)),
    }
}

/// Applies `action` to alert `id` for `caller`.
async fn apply(
    state: &AppState,
    caller: &ApiCaller,
    addr: &str,
    id: &str,
    action: &AlertAction,
) -> Result<AlertView, ApiError> {
    let lang = caller.lang;
    let change = change_for(&caller.user, action).map_err(|why| refused(lang, why))?;
    let actor = Actor::user(&caller.user, Some(addr.to_owned()));
    let alert = state
        .store
        .change_alert(&actor, &caller.user.scope(), id, change)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(AlertView::new(alert, lang))
}

/// Acknowledges, resolves, reopens, assigns or comments on one alert. Triage actions are
/// for the provider's staff; anyone who may see the alert may comment.
#[utoipa::path(post, path = "/alerts/{id}/actions", tag = "alerts", request_body = AlertAction,
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = AlertView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(action): ApiJson<AlertAction>,
) -> Result<Json<AlertView>, ApiError> {
    apply(&state, &caller, &addr, &id, &action).await.map(Json)
}

/// The same action on many alerts.
#[derive(Deserialize, ToSchema)]
pub struct BulkAction {
    /// Alert ids.
    ids: Vec<String>,
    /// The action for every one of them.
    #[serde(flatten)]
    action: AlertAction,
}

/// What a bulk action did to each alert.
#[derive(Serialize, ToSchema)]
pub struct BulkResult {
    /// Alerts changed.
    changed: Vec<AlertView>,
    /// Alerts not changed, each with the reason.
    #[schema(value_type = Vec<Object>)]
    failed: Vec<serde_json::Value>,
}

/// Applies one action to many alerts; each alert succeeds or fails on its own (an unknown
/// action, or one the caller's role may not take, refuses the whole request).
#[utoipa::path(post, path = "/alerts/bulk", tag = "alerts", request_body = BulkAction,
    responses((status = 200, body = BulkResult), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn bulk(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<BulkAction>,
) -> Result<Json<BulkResult>, ApiError> {
    // An action the caller may not take, or one that does not exist, is the request's fault:
    // refused as a whole rather than once per alert.
    change_for(&caller.user, &body.action).map_err(|why| refused(caller.lang, why))?;
    let mut result = BulkResult {
        changed: Vec::new(),
        failed: Vec::new(),
    };
    for id in &body.ids {
        match apply(&state, &caller, &addr, id, &body.action).await {
            Ok(view) => result.changed.push(view),
            Err(e) => result
                .failed
                .push(serde_json::json!({"id": id, "error": e.message()})),
        }
    }
    Ok(Json(result))
}

/// What escalation needs.
#[derive(Deserialize, ToSchema)]
pub struct Escalation {
    /// The incident's title.
    title: String,
    /// `malware`, `unauthorised_access`, `data_leak`, `phishing`, `outage` or `other`.
    #[serde(default)]
    category: String,
}

/// Escalates an alert into an incident record (provider staff).
#[utoipa::path(post, path = "/alerts/{id}/escalate", tag = "alerts", request_body = Escalation,
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 201, description = "Created; the new record as JSON"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn escalate(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Escalation>,
) -> Result<(StatusCode, Json<Incident>), ApiError> {
    let lang = caller.lang;
    if !caller.user.may(Deed::TriageAlerts) {
        return Err(ApiError::forbidden(lang));
    }
    let incident = state
        .store
        .escalate_alert(
            &Actor::user(&caller.user, Some(addr)),
            &caller.user.scope(),
            &id,
            &body.title,
            &body.category,
        )
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok((StatusCode::CREATED, Json(incident)))
}

/// "Don't alert on this again": a suppression made from an alert.
#[derive(Deserialize, ToSchema)]
pub struct SuppressRequest {
    /// Only when this field (`src_ip`, `host`, `user` …) has `value`; the whole rule for
    /// this organisation when omitted.
    #[serde(default)]
    field: Option<String>,
    /// The field's value.
    #[serde(default)]
    value: Option<String>,
    /// Why (required).
    reason: String,
    /// Days until it lapses; never when omitted.
    #[serde(default)]
    expires_in_days: Option<i64>,
}

/// Creates a suppression from an alert (provider staff).
#[utoipa::path(post, path = "/alerts/{id}/suppress", tag = "alerts", request_body = SuppressRequest,
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 201, description = "Created; the new record as JSON"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn suppress(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SuppressRequest>,
) -> Result<(StatusCode, Json<Suppression>), ApiError> {
    let lang = caller.lang;
    if !caller.user.may(Deed::TriageAlerts) {
        return Err(ApiError::forbidden(lang));
    }
    let scope = caller.user.scope();
    let store_error = |e| ApiError::from_store(lang, e);
    let alert = state
        .store
        .alert(&scope, &id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::not_found(lang))?;
    let suppression = state
        .store
        .create_suppression(
            &Actor::user(&caller.user, Some(addr)),
            &scope,
            NewSuppression {
                org_id: alert.org_id,
                rule_id: alert.rule_id,
                field: body.field,
                value: body.value,
                reason: body.reason,
                expires_at: body
                    .expires_in_days
                    .filter(|d| *d > 0)
                    .map(|d| now() + d * 86_400),
                alert_id: Some(alert.id),
            },
        )
        .await
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(suppression)))
}

/// Suppressions of one organisation, newest first, with the Sigma filter each stands for.
#[utoipa::path(get, path = "/orgs/{id}/suppressions", tag = "alerts",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The list as JSON"), (status = 404, body = ErrorBody)))]
pub async fn suppressions(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Suppression>>, ApiError> {
    visible_org(&state, &caller, &id)
        .await?
        .suppressions()
        .list()
        .await
        .map(Json)
        .map_err(|e| ApiError::from_store(caller.lang, e))
}

/// Revokes a suppression (provider staff).
#[utoipa::path(post, path = "/suppressions/{id}/revoke", tag = "alerts",
    params(("id" = String, Path, description = "Suppression id")),
    responses((status = 200, description = "The changed record as JSON"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_suppression(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
) -> Result<Json<Suppression>, ApiError> {
    let lang = caller.lang;
    if !caller.user.may(Deed::TriageAlerts) {
        return Err(ApiError::forbidden(lang));
    }
    state
        .store
        .revoke_suppression(
            &Actor::user(&caller.user, Some(addr)),
            &caller.user.scope(),
            &id,
        )
        .await
        .map(Json)
        .map_err(|e| ApiError::from_store(lang, e))
}

/// Incidents of one organisation, newest first.
#[utoipa::path(get, path = "/orgs/{id}/incidents", tag = "alerts",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, description = "The list as JSON"), (status = 404, body = ErrorBody)))]
pub async fn incidents(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<Incident>>, ApiError> {
    visible_org(&state, &caller, &id)
        .await?
        .incidents()
        .list()
        .await
        .map(Json)
        .map_err(|e| ApiError::from_store(caller.lang, e))
}
