//! The risk analysis sheet over the API: anyone who may see the organisation reads it with
//! every line assessed (likelihood, risk, band, residual risk, overdue) by the provider's
//! likelihood table; owners and the provider's staff add, change and remove lines.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_model::{Deed, RiskEntry, Treatment};
use mamori_risk::{LikelihoodTable, RiskProblem, assess, checked_risk};
use mamori_store::{Actor, OrgStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessments::{org_for, visible_org};
use crate::auth::{ApiCaller, ClientAddr};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::pages::risk_problem_message;
use crate::state::AppState;

/// A line of the sheet as it is written.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RiskBody {
    /// The information asset threatened (an asset of the same organisation).
    #[schema(min_length = 1, max_length = 64)]
    asset_id: String,
    /// The threat, a key of the threat catalogue (`cyber_attack`, `theft`, `loss` …).
    #[schema(min_length = 1, max_length = 64)]
    threat: String,
    /// How often the threat occurs, 1-3.
    #[schema(minimum = 1, maximum = 3)]
    threat_level: u8,
    /// How easily it would succeed against the measures in place, 1-3.
    #[schema(minimum = 1, maximum = 3)]
    vulnerability: u8,
    /// `reduce`, `accept`, `avoid` or `transfer`; absent or null: not decided.
    #[serde(default)]
    #[schema(value_type = Option<String>, pattern = "^(reduce|accept|avoid|transfer)$")]
    treatment: Option<Treatment>,
    /// The measures planned or taken.
    #[serde(default)]
    #[schema(max_length = 2000)]
    measures: String,
    /// Who sees them through.
    #[serde(default)]
    #[schema(max_length = 200)]
    owner: String,
    /// When they should be in place, `YYYY-MM-DD` (blank: no date).
    #[serde(default)]
    #[schema(max_length = 10)]
    due_on: String,
    /// When they were in place, `YYYY-MM-DD` (blank: not yet).
    #[serde(default)]
    #[schema(max_length = 10)]
    done_on: String,
    /// How easily it would succeed once the measures are in place, 1-3; null: not judged.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3)]
    residual_vulnerability: Option<u8>,
}

impl RiskBody {
    fn into_entry(self, id: String) -> RiskEntry {
        RiskEntry {
            id,
            asset_id: self.asset_id,
            threat: self.threat,
            threat_level: self.threat_level,
            vulnerability: self.vulnerability,
            treatment: self.treatment,
            measures: self.measures,
            owner: self.owner,
            due_on: self.due_on,
            done_on: self.done_on,
            residual_vulnerability: self.residual_vulnerability,
        }
    }

    fn from_entry(e: RiskEntry) -> Self {
        RiskBody {
            asset_id: e.asset_id,
            threat: e.threat,
            threat_level: e.threat_level,
            vulnerability: e.vulnerability,
            treatment: e.treatment,
            measures: e.measures,
            owner: e.owner,
            due_on: e.due_on,
            done_on: e.done_on,
            residual_vulnerability: e.residual_vulnerability,
        }
    }
}

/// A line with what mamori computes from it.
#[derive(Serialize, ToSchema)]
pub struct RiskItem {
    /// Identifier.
    id: String,
    /// The asset's importance, 0-2.
    importance: u8,
    /// Likelihood of harm, 1-3.
    likelihood: u8,
    /// importance × likelihood, 0-6.
    risk: u8,
    /// `small` (0), `medium` (1-3) or `large` (4-6).
    #[schema(pattern = "^(small|medium|large)$")]
    band: String,
    /// The risk once the measures are in place, when judged.
    residual_risk: Option<u8>,
    /// The measures are past their date and not in place.
    overdue: bool,
    #[serde(flatten)]
    line: RiskBody,
}

/// The lines of organisation `org` assessed, in the sheet's order.
async fn items(
    state: &AppState,
    org: &OrgStore,
    lines: Vec<RiskEntry>,
) -> Result<Vec<RiskItem>, mamori_store::StoreError> {
    let assets = org.assets().list().await?;
    let grid = state.store.provider().await?.and_then(|p| p.likelihood);
    let table = LikelihoodTable::of_provider(grid);
    let today = org.zone().today();
    Ok(lines
        .into_iter()
        .filter_map(|line| {
            let asset = assets.iter().find(|a| a.id == line.asset_id)?;
            let a = assess(&line, asset, &table, today);
            Some(RiskItem {
                id: line.id.clone(),
                importance: a.importance,
                likelihood: a.likelihood,
                risk: a.risk,
                band: a.band.as_str().to_owned(),
                residual_risk: a.residual_risk,
                overdue: a.overdue,
                line: RiskBody::from_entry(line),
            })
        })
        .collect())
}

/// Checks and keeps `line`, answering with it assessed.
async fn keep(
    state: &AppState,
    org: &OrgStore,
    caller: &ApiCaller,
    addr: String,
    line: RiskEntry,
) -> Result<RiskItem, ApiError> {
    let lang = caller.lang;
    let store_error = |e| ApiError::from_store(lang, e);
    let refuse = |p: RiskProblem| {
        ApiError::invalid(
            &format!("invalid_input.{}", p.code()),
            risk_problem_message(lang, p),
        )
    };
    let line = checked_risk(line).map_err(refuse)?;
    if org
        .assets()
        .get(&line.asset_id)
        .await
        .map_err(store_error)?
        .is_none()
    {
        return Err(refuse(RiskProblem::AssetMissing));
    }
    let saved = org
        .risks()
        .save(&Actor::user(&caller.user, Some(addr)), &line)
        .await
        .map_err(store_error)?;
    items(state, org, vec![saved])
        .await
        .map_err(store_error)?
        .pop()
        .ok_or_else(|| ApiError::not_found(lang))
}

/// The organisation's risk analysis sheet, every line assessed.
#[utoipa::path(get, path = "/orgs/{id}/risks", tag = "assets",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = Vec<RiskItem>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<RiskItem>>, ApiError> {
    let fail = |e| ApiError::from_store(caller.lang, e);
    let org = visible_org(&state, &caller, &id).await?;
    let lines = org.risks().list().await.map_err(fail)?;
    Ok(Json(items(&state, &org, lines).await.map_err(fail)?))
}

/// Adds a line to the sheet.
#[utoipa::path(post, path = "/orgs/{id}/risks", tag = "assets", request_body = RiskBody,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = RiskItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RiskBody>,
) -> Result<(StatusCode, Json<RiskItem>), ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    let item = keep(&state, &org, &caller, addr, body.into_entry(String::new())).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// One line of the sheet, assessed.
#[utoipa::path(get, path = "/orgs/{id}/risks/{rid}", tag = "assets",
    params(("id" = String, Path, description = "Organisation id"), ("rid" = String, Path, description = "Line id")),
    responses((status = 200, body = RiskItem), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, rid)): Path<(String, String)>,
) -> Result<Json<RiskItem>, ApiError> {
    let fail = |e| ApiError::from_store(caller.lang, e);
    let org = visible_org(&state, &caller, &id).await?;
    let line = org.risks().get(&rid).await.map_err(fail)?;
    let line = line.ok_or_else(|| ApiError::not_found(caller.lang))?;
    items(&state, &org, vec![line])
        .await
        .map_err(fail)?
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(caller.lang))
}

/// Replaces a line of the sheet.
#[utoipa::path(put, path = "/orgs/{id}/risks/{rid}", tag = "assets", request_body = RiskBody,
    params(("id" = String, Path, description = "Organisation id"), ("rid" = String, Path, description = "Line id")),
    responses((status = 200, body = RiskItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, rid)): Path<(String, String)>,
    ApiJson(body): ApiJson<RiskBody>,
) -> Result<Json<RiskItem>, ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    Ok(Json(
        keep(&state, &org, &caller, addr, body.into_entry(rid)).await?,
    ))
}

/// Removes a line from the sheet.
#[utoipa::path(delete, path = "/orgs/{id}/risks/{rid}", tag = "assets",
    params(("id" = String, Path, description = "Organisation id"), ("rid" = String, Path, description = "Line id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, rid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    org.risks()
        .remove(&Actor::user(&caller.user, Some(addr)), &rid)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}
