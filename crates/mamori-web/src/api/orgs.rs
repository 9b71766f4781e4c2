//! Organisations over the API. Callers see only what their scope permits; another tenant's
//! organisation is a 404, never its data.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat};
use mamori_model::{Deed, EmployeeBand, Industry, Organisation, User};
use mamori_store::{Actor, NewOrganisation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{ApiCaller, ClientAddr};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::i18n::{Lang, Messages};
use crate::state::AppState;

/// A client organisation as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct OrgView {
    id: String,
    name: String,
    /// JSIC division letter, A-T.
    industry: String,
    /// The division's name in the caller's language.
    industry_name: String,
    /// Employee band: 1-5, 6-20, 21-50, 51-100, 101-300 or 301+.
    employees: String,
    contact_email: String,
    /// RFC 3339.
    created_at: String,
}

pub(crate) fn rfc3339(ts: i64) -> String {
    DateTime::from_timestamp(ts, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

impl OrgView {
    fn new(org: Organisation, lang: Lang) -> Self {
        OrgView {
            industry_name: lang.t(&format!("industry.{}", org.industry)),
            industry: org.industry.to_string(),
            employees: org.employees.to_string(),
            created_at: rfc3339(org.created_at),
            id: org.id,
            name: org.name,
            contact_email: org.contact_email,
        }
    }
}

/// The list of organisations visible to the caller.
#[derive(Serialize, ToSchema)]
pub struct OrgList {
    orgs: Vec<OrgView>,
}

/// A new organisation.
#[derive(Deserialize, ToSchema)]
pub struct CreateOrg {
    name: String,
    /// JSIC division letter, A-T.
    #[schema(pattern = "^[A-Ta-t]$")]
    industry: String,
    /// 1-5, 6-20, 21-50, 51-100, 101-300 or 301+.
    #[schema(pattern = "^(1-5|6-20|21-50|51-100|101-300|301\\+)$")]
    employees: String,
    contact_email: String,
}

/// The caller's own account.
#[derive(Serialize, ToSchema)]
pub struct Me {
    id: String,
    email: String,
    display_name: String,
    /// admin, analyst, owner or staff.
    role: String,
    /// The caller's organisation (owners and staff).
    org_id: Option<String>,
}

impl From<User> for Me {
    fn from(u: User) -> Self {
        Me {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role.as_str().to_owned(),
            org_id: u.org_id,
        }
    }
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(caller: ApiCaller) -> Json<Me> {
    Json(caller.user.into())
}

/// Organisations the caller may see: all of them for provider staff, their own for members.
#[utoipa::path(get, path = "/orgs", tag = "organisations",
    responses((status = 200, body = OrgList), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<OrgList>, ApiError> {
    let orgs = state
        .store
        .orgs(&caller.user.scope())
        .await
        .map_err(|e| ApiError::from_store(caller.lang, e))?;
    Ok(Json(OrgList {
        orgs: orgs
            .into_iter()
            .map(|o| OrgView::new(o, caller.lang))
            .collect(),
    }))
}

/// One organisation; 404 when it does not exist or belongs to someone else.
#[utoipa::path(get, path = "/orgs/{id}", tag = "organisations",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = OrgView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<OrgView>, ApiError> {
    match state.store.org(&caller.user.scope(), &id).await {
        Ok(Some(org)) => Ok(Json(OrgView::new(org, caller.lang))),
        Ok(None) => Err(ApiError::not_found(caller.lang)),
        Err(e) => Err(ApiError::from_store(caller.lang, e)),
    }
}

/// Adds a client organisation (administrators only).
#[utoipa::path(post, path = "/orgs", tag = "organisations", request_body = CreateOrg,
    responses((status = 201, body = OrgView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ClientAddr(addr): ClientAddr,
    ApiJson(body): ApiJson<CreateOrg>,
) -> Result<(StatusCode, Json<OrgView>), ApiError> {
    let lang = caller.lang;
    if !caller.user.may(Deed::AdministerProvider) {
        return Err(ApiError::forbidden(lang));
    }
    let industry = body.industry.parse::<Industry>().map_err(|_| {
        ApiError::invalid(
            "invalid_input.industry",
            lang.tf("org.error.industry_value", &[("value", &body.industry)]),
        )
    })?;
    let employees = body.employees.parse::<EmployeeBand>().map_err(|_| {
        ApiError::invalid(
            "invalid_input.employees",
            lang.tf("org.error.employees_value", &[("value", &body.employees)]),
        )
    })?;
    let new = NewOrganisation {
        name: body.name,
        industry,
        employees,
        contact_email: body.contact_email,
    };
    let org = state
        .store
        .create_org(&Actor::user(&caller.user, Some(addr)), new)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok((StatusCode::CREATED, Json(OrgView::new(org, lang))))
}
