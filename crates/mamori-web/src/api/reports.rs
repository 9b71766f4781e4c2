//! Monthly reports over the API: the archive of an organisation, making a report now, one
//! report's figures, and its PDF — tenant-scoped like every organisation read.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mamori_model::Deed;
use mamori_store::StoredReport;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::ApiCaller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiJson;
use crate::i18n::Messages;
use crate::report_access::{make, month_or_last};
use crate::state::AppState;

/// An organisation's archived reports, newest first.
#[derive(Serialize, ToSchema)]
pub struct ReportList {
    /// Each with `id`, `month`, `version`, `lang`, `status` (green, amber, red), `headline`,
    /// `sha256`, `pdf_bytes`, `trigger`, `created_at`.
    #[schema(value_type = Vec<Object>)]
    reports: Vec<StoredReport>,
}

/// What to make.
#[derive(Deserialize, ToSchema)]
pub struct MakeReport {
    /// `YYYY-MM`; last month when absent or empty.
    #[schema(pattern = "^([0-9]{4}-(0[1-9]|1[0-2]))?$")]
    month: Option<String>,
    /// `ja` or `en`; the caller's language when absent.
    #[schema(pattern = "^(ja|en)$")]
    lang: Option<String>,
}

/// One report with its figures.
#[derive(Serialize, ToSchema)]
pub struct ReportDetail {
    /// The archive entry.
    #[schema(value_type = Object)]
    report: StoredReport,
    /// Everything the report states: sentences, tables and the raw `figures`.
    #[schema(value_type = Object)]
    data: serde_json::Value,
}

/// Archived reports of one organisation; another tenant's organisation is a 404.
#[utoipa::path(get, path = "/orgs/{id}/reports", tag = "reports",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = ReportList), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ReportList>, ApiError> {
    let fail = |e| ApiError::from_store(caller.lang, e);
    let reports = state
        .store
        .org_store(&caller.user.scope(), &id)
        .await
        .map_err(fail)?
        .reports()
        .list()
        .await
        .map_err(fail)?;
    Ok(Json(ReportList { reports }))
}

/// Makes and archives a report now (a new version of its month).
#[utoipa::path(post, path = "/orgs/{id}/reports", tag = "reports",
    params(("id" = String, Path, description = "Organisation id")), request_body = MakeReport,
    responses((status = 201, body = ReportDetail), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MakeReport>,
) -> Result<(StatusCode, Json<ReportDetail>), ApiError> {
    let lang = caller.lang;
    if !caller.user.scope().permits(&id) {
        return Err(ApiError::not_found(lang));
    }
    if !caller.user.may_in(Deed::MakeReports, &id) {
        return Err(ApiError::forbidden(lang));
    }
    let reporter = state.reports.as_ref().ok_or(ApiError::not_found(lang))?;
    let month = month_or_last(reporter, body.month.as_deref(), lang)
        .map_err(|message| ApiError::invalid("invalid_input.month", message))?;
    let report_lang = match body.lang.as_deref() {
        None => lang,
        Some(asked) => asked
            .parse()
            .map_err(|_| ApiError::invalid("invalid_input.lang", lang.t("reports.error.lang")))?,
    };
    let report = make(reporter, &caller.user, &id, month, report_lang, "api")
        .await
        .map_err(|e| match e {
            mamori_reports::ReportError::Store(s) => ApiError::from_store(lang, s),
            other => ApiError::with_message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "report_failed",
                lang.tf("reports.error.failed", &[("detail", &other.to_string())]),
            ),
        })?;
    let detail = detail(&state, &caller, &report.id).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

async fn detail(state: &AppState, caller: &ApiCaller, id: &str) -> Result<ReportDetail, ApiError> {
    let scope = caller.user.scope();
    let store_error = |e| ApiError::from_store(caller.lang, e);
    let report = state
        .store
        .report(&scope, id)
        .await
        .map_err(store_error)?
        .ok_or(ApiError::not_found(caller.lang))?;
    let data = state
        .store
        .report_data(&scope, id)
        .await
        .map_err(store_error)?;
    Ok(ReportDetail { report, data })
}

/// One report with its figures.
#[utoipa::path(get, path = "/reports/{id}", tag = "reports",
    params(("id" = String, Path, description = "Report id")),
    responses((status = 200, body = ReportDetail), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ReportDetail>, ApiError> {
    Ok(Json(detail(&state, &caller, &id).await?))
}

/// The report's PDF exactly as archived (`X-Content-SHA256` carries the archive hash).
#[utoipa::path(get, path = "/reports/{id}/pdf", tag = "reports",
    params(("id" = String, Path, description = "Report id")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn pdf(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let scope = caller.user.scope();
    let store_error = |e| ApiError::from_store(caller.lang, e);
    let report = state
        .store
        .report(&scope, &id)
        .await
        .map_err(store_error)?
        .ok_or(ApiError::not_found(caller.lang))?;
    let bytes = state
        .store
        .report_pdf(&scope, &id)
        .await
        .map_err(store_error)?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&report.sha256) {
        headers.insert("x-content-sha256", v);
    }
    Ok(response)
}
