//! Detections over the API: what the detection engine found in one organisation's events,
//! newest first, tenant-scoped like every organisation read.

use axum::Json;
use axum::extract::{Path, State};
use mamori_model::Zone;
use mamori_store::{DetectionFilter, StoredDetection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assessments::visible_org;
use crate::api::events::{
    BadParameter, optional_cursor, optional_end, optional_time, window_start,
};
use crate::auth::ApiCaller;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Detection list filters, shared with the detections page.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetectionQuery {
    /// At or after this time (RFC 3339, a date, or Unix seconds); the last 30 days when
    /// absent, `0` for all.
    #[param(schema_with = crate::api::time_parameter)]
    pub from: Option<String>,
    /// Before this time, or up to the end of this date.
    #[param(schema_with = crate::api::time_parameter)]
    pub to: Option<String>,
    /// Severity: critical, high, medium, low, info.
    pub level: Option<String>,
    /// Only this rule id.
    pub rule: Option<String>,
    /// Page size, 1-1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Matches to skip, 0-100000.
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
    /// Continue after this point: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl DetectionQuery {
    /// The store filter (dates read in `zone`), or the parameter that cannot be read.
    pub fn filter(&self, zone: Zone) -> Result<DetectionFilter, BadParameter> {
        Ok(DetectionFilter {
            from: optional_time(&self.from, "from", zone)?,
            to: optional_end(&self.to, "to", zone)?,
            level: self.level.clone(),
            rule_id: self.rule.clone(),
            limit: self.limit.unwrap_or(50).clamp(1, 1000),
            offset: self.offset.unwrap_or(0).max(0),
            after: optional_cursor(&self.cursor)?,
        })
    }
}

/// One page of detections.
#[derive(Serialize, ToSchema)]
pub struct DetectionList {
    /// The earliest time searched: `from`, or 30 days back when it was not given.
    from: String,
    /// Matches in all, counted exactly up to 10,000.
    total: i64,
    /// True when there are more than 10,000 matches: `total` then means "10,000 or more".
    total_capped: bool,
    /// This page, newest first: `rule_id`, `rule_title`, `title_ja`, `level`, `kind`
    /// (rule, correlation, indicator), `timestamp`, `source_id`, `source_name`, `event_id`,
    /// `tags`, and `details` (guidance, group-by values, count, the matching events).
    #[schema(value_type = Vec<Object>)]
    detections: Vec<StoredDetection>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// Detections of one organisation; another tenant's organisation is a 404.
#[utoipa::path(get, path = "/orgs/{id}/detections", tag = "detections",
    params(("id" = String, Path, description = "Organisation id"), DetectionQuery),
    responses((status = 200, body = DetectionList), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<DetectionQuery>,
) -> Result<Json<DetectionList>, ApiError> {
    let lang = caller.lang;
    super::check_paging(lang, query.limit, query.offset)?;
    let mut filter = query
        .filter(state.store.zone())
        .map_err(|bad| bad.api(lang))?;
    let from = window_start(filter.from);
    filter.from = Some(from);
    let org = visible_org(&state, &caller, &id).await?;
    let _slot = state.start_read(lang, &id)?;
    let page = org
        .detections()
        .list(&filter)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(Json(DetectionList {
        total: page.total,
        total_capped: page.total_capped,
        from: from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        detections: page.detections,
        next_cursor: page.next.map(|p| p.to_string()),
    }))
}
