//! The information asset ledger over the API: anyone who may see the organisation reads
//! it; owners and the provider's staff add, change and remove assets. Each asset carries
//! the importance that counts and the one mamori computes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_model::{Deed, InformationAsset};
use mamori_risk::{AssetProblem, checked, computed_importance, importance};
use mamori_store::{Actor, OrgStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessments::{org_for, visible_org};
use crate::auth::{ApiCaller, ClientAddr};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::pages::asset_problem_message;
use crate::state::AppState;

/// An asset as it is written: the columns of IPA's information asset ledger.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct AssetBody {
    /// Business category (業務分類).
    #[serde(default)]
    #[schema(max_length = 200)]
    category: String,
    /// Asset name (情報資産名称).
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// Remarks (備考).
    #[serde(default)]
    #[schema(max_length = 1000)]
    remarks: String,
    /// Who uses it (利用者範囲).
    #[serde(default)]
    #[schema(max_length = 200)]
    users: String,
    /// Department that looks after it (管理部署).
    #[serde(default)]
    #[schema(max_length = 200)]
    owner_dept: String,
    /// Medium or storage place (媒体・保存場所).
    #[serde(default)]
    #[schema(max_length = 200)]
    medium: String,
    /// Holds personal information.
    #[serde(default)]
    personal: bool,
    /// Holds sensitive personal information (要配慮個人情報).
    #[serde(default)]
    sensitive: bool,
    /// Holds My Number.
    #[serde(default)]
    my_number: bool,
    /// Confidentiality, 0-2.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2)]
    confidentiality: u8,
    /// Integrity, 0-2.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2)]
    integrity: u8,
    /// Availability, 0-2.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2)]
    availability: u8,
    /// The company's own importance, 0-2; absent or null: computed. Needs a reason.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2)]
    importance_override: Option<u8>,
    /// Why the importance was set by hand.
    #[serde(default)]
    #[schema(max_length = 1000)]
    override_reason: String,
    /// Retention period (保存期限), e.g. 「5年」.
    #[serde(default)]
    #[schema(max_length = 200)]
    retention: String,
    /// Registration date, `YYYY-MM-DD` (blank: today).
    #[serde(default)]
    #[schema(max_length = 10)]
    registered_on: String,
}

impl AssetBody {
    fn into_asset(self, id: String) -> InformationAsset {
        InformationAsset {
            id,
            category: self.category,
            name: self.name,
            remarks: self.remarks,
            users: self.users,
            owner_dept: self.owner_dept,
            medium: self.medium,
            personal: self.personal,
            sensitive: self.sensitive,
            my_number: self.my_number,
            confidentiality: self.confidentiality,
            integrity: self.integrity,
            availability: self.availability,
            importance_override: self.importance_override,
            override_reason: self.override_reason,
            retention: self.retention,
            registered_on: self.registered_on,
        }
    }

    fn from_asset(a: InformationAsset) -> Self {
        AssetBody {
            category: a.category,
            name: a.name,
            remarks: a.remarks,
            users: a.users,
            owner_dept: a.owner_dept,
            medium: a.medium,
            personal: a.personal,
            sensitive: a.sensitive,
            my_number: a.my_number,
            confidentiality: a.confidentiality,
            integrity: a.integrity,
            availability: a.availability,
            importance_override: a.importance_override,
            override_reason: a.override_reason,
            retention: a.retention,
            registered_on: a.registered_on,
        }
    }
}

/// A stored asset with its importance.
#[derive(Serialize, ToSchema)]
pub struct AssetItem {
    /// Identifier.
    id: String,
    /// The importance that counts, 0-2.
    importance: u8,
    /// The importance mamori computes from C, I, A and the personal information held.
    computed_importance: u8,
    #[serde(flatten)]
    asset: AssetBody,
}

impl AssetItem {
    fn new(asset: InformationAsset) -> Self {
        AssetItem {
            id: asset.id.clone(),
            importance: importance(&asset),
            computed_importance: computed_importance(&asset),
            asset: AssetBody::from_asset(asset),
        }
    }
}

/// Checks and keeps `asset`, answering with it as stored.
async fn keep(
    org: &OrgStore,
    caller: &ApiCaller,
    addr: String,
    asset: InformationAsset,
) -> Result<AssetItem, ApiError> {
    let lang = caller.lang;
    let today = org.zone().today();
    let asset = checked(asset, today).map_err(|p: AssetProblem| {
        ApiError::invalid(
            &format!("invalid_input.{}", p.code()),
            asset_problem_message(lang, &p),
        )
    })?;
    let saved = org
        .assets()
        .save(&Actor::user(&caller.user, Some(addr)), &asset)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(AssetItem::new(saved))
}

/// The organisation's information asset ledger, by business category and name.
#[utoipa::path(get, path = "/orgs/{id}/assets", tag = "assets",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = Vec<AssetItem>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<AssetItem>>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let assets = org
        .assets()
        .list()
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(Json(assets.into_iter().map(AssetItem::new).collect()))
}

/// Adds an asset to the ledger.
#[utoipa::path(post, path = "/orgs/{id}/assets", tag = "assets", request_body = AssetBody,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = AssetItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssetBody>,
) -> Result<(StatusCode, Json<AssetItem>), ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    let item = keep(&org, &caller, addr, body.into_asset(String::new())).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// One asset of the ledger.
#[utoipa::path(get, path = "/orgs/{id}/assets/{aid}", tag = "assets",
    params(("id" = String, Path, description = "Organisation id"), ("aid" = String, Path, description = "Asset id")),
    responses((status = 200, body = AssetItem), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, aid)): Path<(String, String)>,
) -> Result<Json<AssetItem>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let asset = org
        .assets()
        .get(&aid)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?
        .ok_or_else(|| ApiError::not_found(caller.lang))?;
    Ok(Json(AssetItem::new(asset)))
}

/// Replaces an asset of the ledger.
#[utoipa::path(put, path = "/orgs/{id}/assets/{aid}", tag = "assets", request_body = AssetBody,
    params(("id" = String, Path, description = "Organisation id"), ("aid" = String, Path, description = "Asset id")),
    responses((status = 200, body = AssetItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, aid)): Path<(String, String)>,
    ApiJson(body): ApiJson<AssetBody>,
) -> Result<Json<AssetItem>, ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    Ok(Json(keep(&org, &caller, addr, body.into_asset(aid)).await?))
}

/// Removes an asset from the ledger.
#[utoipa::path(delete, path = "/orgs/{id}/assets/{aid}", tag = "assets",
    params(("id" = String, Path, description = "Organisation id"), ("aid" = String, Path, description = "Asset id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, aid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    org.assets()
        .remove(&Actor::user(&caller.user, Some(addr)), &aid)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}
