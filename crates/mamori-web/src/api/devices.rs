//! The device inventory over the API: anyone who may see the organisation reads it (the
//! monitored sources nobody has described yet included); owners and the provider's staff
//! add, change and remove devices. Each device carries its end dates and how close they are.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use mamori_model::{Deed, Device, DeviceKind, UtmFunction, UtmLicence};
use mamori_risk::devices::checked_device;
use mamori_risk::expiry::{Stage, expiries};
use mamori_store::{Actor, OrgStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assessments::{org_for, visible_org};
use crate::auth::{ApiCaller, ClientAddr};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::pages::{device_problem_message, inventory_of};
use crate::state::AppState;

/// The licence of one UTM function.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct LicenceBody {
    /// `firewall`, `ips`, `antivirus`, `web_filter`, `app_control`, `sandbox` or `anti_spam`.
    #[schema(value_type = String, pattern = "^(firewall|ips|antivirus|web_filter|app_control|sandbox|anti_spam)$")]
    function: UtmFunction,
    /// Its last day, `YYYY-MM-DD`.
    #[schema(max_length = 10)]
    expires_on: String,
}

/// A device as it is written.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct DeviceBody {
    /// `pc`, `server`, `smartphone`, `utm`, `router`, `nas`, `printer` or `other`.
    #[schema(value_type = String, pattern = "^(pc|server|smartphone|utm|router|nas|printer|other)$")]
    kind: DeviceKind,
    /// The name people call it by.
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// Who uses it or looks after it.
    #[serde(default)]
    #[schema(max_length = 200)]
    owner: String,
    /// Where it is.
    #[serde(default)]
    #[schema(max_length = 200)]
    location: String,
    /// Operating system or firmware.
    #[serde(default)]
    #[schema(max_length = 200)]
    os: String,
    /// Its version.
    #[serde(default)]
    #[schema(max_length = 200)]
    os_version: String,
    /// The last day the maker supports the OS, `YYYY-MM-DD` (empty: not known).
    #[serde(default)]
    #[schema(max_length = 10)]
    os_support_ends: String,
    /// The antivirus product.
    #[serde(default)]
    #[schema(max_length = 200)]
    antivirus: String,
    /// The last day of the antivirus licence, `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(max_length = 10)]
    antivirus_expires: String,
    /// The last day of the support contract, `YYYY-MM-DD`.
    #[serde(default)]
    #[schema(max_length = 10)]
    support_ends: String,
    /// Where the device sends its own alerts (a UTM's or router's setting).
    #[serde(default)]
    #[schema(max_length = 254)]
    alert_email: String,
    /// A UTM's licences, one per function.
    #[serde(default)]
    licences: Vec<LicenceBody>,
    /// The organisation's monitored source this device is, if any.
    #[serde(default)]
    source_id: Option<String>,
    /// Anything worth noting.
    #[serde(default)]
    #[schema(max_length = 1000)]
    remarks: String,
}

impl DeviceBody {
    fn into_device(self, id: String) -> Device {
        Device {
            id,
            kind: self.kind,
            name: self.name,
            owner: self.owner,
            location: self.location,
            os: self.os,
            os_version: self.os_version,
            os_support_ends: self.os_support_ends,
            antivirus: self.antivirus,
            antivirus_expires: self.antivirus_expires,
            support_ends: self.support_ends,
            alert_email: self.alert_email,
            licences: self
                .licences
                .into_iter()
                .map(|l| UtmLicence {
                    function: l.function,
                    expires_on: l.expires_on,
                })
                .collect(),
            source_id: self.source_id,
            remarks: self.remarks,
        }
    }

    fn from_device(d: Device) -> Self {
        DeviceBody {
            kind: d.kind,
            name: d.name,
            owner: d.owner,
            location: d.location,
            os: d.os,
            os_version: d.os_version,
            os_support_ends: d.os_support_ends,
            antivirus: d.antivirus,
            antivirus_expires: d.antivirus_expires,
            support_ends: d.support_ends,
            alert_email: d.alert_email,
            licences: d
                .licences
                .into_iter()
                .map(|l| LicenceBody {
                    function: l.function,
                    expires_on: l.expires_on,
                })
                .collect(),
            source_id: d.source_id,
            remarks: d.remarks,
        }
    }
}

/// One end date of a device.
#[derive(Serialize, ToSchema)]
pub struct ExpiryItem {
    /// What ends: `os_support`, `antivirus`, `support` or `licence.FUNCTION`.
    lapse: String,
    /// The last day, `YYYY-MM-DD`.
    on: String,
    /// Days left (negative once passed).
    days_left: i64,
    /// `days60`, `days30`, `days7` or `lapsed` once a reminder is due; `later` before.
    stage: String,
}

/// A device with its end dates, soonest first.
#[derive(Serialize, ToSchema)]
pub struct DeviceItem {
    /// Identifier; empty for a monitored source nobody has described yet (create a device
    /// with its `source_id` to describe it).
    id: String,
    #[serde(flatten)]
    device: DeviceBody,
    /// Its end dates.
    expiries: Vec<ExpiryItem>,
}

impl DeviceItem {
    fn new(device: Device, today: chrono::NaiveDate) -> Self {
        let expiries = expiries(&device)
            .into_iter()
            .map(|e| ExpiryItem {
                lapse: e.lapse.key(),
                on: e.on.format("%Y-%m-%d").to_string(),
                days_left: e.days_left(today),
                stage: Stage::reached(e.on, today)
                    .map_or("later", Stage::as_str)
                    .to_owned(),
            })
            .collect();
        DeviceItem {
            id: device.id.clone(),
            device: DeviceBody::from_device(device),
            expiries,
        }
    }
}

/// Checks and keeps `device`, answering with it as stored.
async fn keep(
    org: &OrgStore,
    caller: &ApiCaller,
    addr: String,
    device: Device,
) -> Result<DeviceItem, ApiError> {
    let lang = caller.lang;
    let device = checked_device(device).map_err(|p| {
        ApiError::invalid(
            &format!("invalid_input.{}", p.code()),
            device_problem_message(lang, &p),
        )
    })?;
    let saved = org
        .devices()
        .save(&Actor::user(&caller.user, Some(addr)), &device)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(DeviceItem::new(saved, org.zone().today()))
}

/// The organisation's device inventory by name, then the monitored sources nobody has
/// described yet.
#[utoipa::path(get, path = "/orgs/{id}/devices", tag = "assets",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = Vec<DeviceItem>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<Vec<DeviceItem>>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let devices = inventory_of(&org)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    let today = org.zone().today();
    Ok(Json(
        devices
            .into_iter()
            .map(|d| DeviceItem::new(d, today))
            .collect(),
    ))
}

/// Adds a device to the inventory.
#[utoipa::path(post, path = "/orgs/{id}/devices", tag = "assets", request_body = DeviceBody,
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = DeviceItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeviceBody>,
) -> Result<(StatusCode, Json<DeviceItem>), ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    let item = keep(&org, &caller, addr, body.into_device(String::new())).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// One device of the inventory.
#[utoipa::path(get, path = "/orgs/{id}/devices/{did}", tag = "assets",
    params(("id" = String, Path, description = "Organisation id"), ("did" = String, Path, description = "Device id")),
    responses((status = 200, body = DeviceItem), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, did)): Path<(String, String)>,
) -> Result<Json<DeviceItem>, ApiError> {
    let org = visible_org(&state, &caller, &id).await?;
    let device = org
        .devices()
        .get(&did)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?
        .ok_or_else(|| ApiError::not_found(caller.lang))?;
    Ok(Json(DeviceItem::new(device, org.zone().today())))
}

/// Replaces a device of the inventory.
#[utoipa::path(put, path = "/orgs/{id}/devices/{did}", tag = "assets", request_body = DeviceBody,
    params(("id" = String, Path, description = "Organisation id"), ("did" = String, Path, description = "Device id")),
    responses((status = 200, body = DeviceItem), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, did)): Path<(String, String)>,
    ApiJson(body): ApiJson<DeviceBody>,
) -> Result<Json<DeviceItem>, ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    Ok(Json(
        keep(&org, &caller, addr, body.into_device(did)).await?,
    ))
}

/// Removes a device from the inventory (a monitored source it stood for stays watched).
#[utoipa::path(delete, path = "/orgs/{id}/devices/{did}", tag = "assets",
    params(("id" = String, Path, description = "Organisation id"), ("did" = String, Path, description = "Device id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    Path((id, did)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let org = org_for(&state, &caller, &id, Deed::KeepAssets).await?;
    org.devices()
        .remove(&Actor::user(&caller.user, Some(addr)), &did)
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(StatusCode::NO_CONTENT)
}
