//! Events over the API: search of an organisation's stored events (tenant-scoped), its
//! monitored sources with their health, HTTP ingest with a per-source token, and ingest
//! status for the provider.

use std::io::Read;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::{DateTime, Utc};
use mamori_ingest::queue::Line;
use mamori_ingest::source::Origin;
use mamori_model::{Deed, Zone};
use mamori_store::{EventFilter, ListPosition, StoredEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::assessments::visible_org;
use crate::auth::{ApiCaller, bearer};
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;
use crate::i18n::{Lang, Messages, negotiate};
use crate::state::AppState;

/// The most a decompressed ingest body may hold.
const MAX_INGEST_BYTES: u64 = 32 << 20;

/// Search filters, shared with the event search page.
#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Events at or after this time (RFC 3339, a date from midnight in the site's time zone, or Unix seconds).
    /// The API searches the last 30 days when it is absent; `0` reaches back to the start.
    #[param(schema_with = crate::api::time_parameter)]
    pub from: Option<String>,
    /// Events before this time (RFC 3339 or Unix seconds), or up to the end of this date.
    #[param(schema_with = crate::api::time_parameter)]
    pub to: Option<String>,
    /// Events of this source id.
    pub source: Option<String>,
    /// Text anywhere in the raw line (case-insensitive).
    pub q: Option<String>,
    /// Category: network, auth, ids, system, web, file, dns, tls, config, malware, other.
    pub category: Option<String>,
    /// Action: allow, deny, drop, alert, login, logout, login_failure, …
    pub action: Option<String>,
    /// Severity: info, low, medium, high, critical.
    pub severity: Option<String>,
    /// An address seen as source or destination.
    pub ip: Option<String>,
    /// An account name.
    pub user: Option<String>,
    /// Only lines that failed to parse (dead letters).
    pub failed: Option<bool>,
    /// Page size, 1-1000 (default 50).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Matches to skip, 0-100000.
    #[param(minimum = 0, maximum = 100000)]
    pub offset: Option<i64>,
    /// Continue after this point: the `next_cursor` of the previous page. Any depth costs
    /// the same, unlike `offset`.
    pub cursor: Option<String>,
}

/// Reads a time as RFC 3339, a date (`2026-11-22`, from midnight in the site's `zone`) or
/// Unix seconds.
pub fn parse_time(text: &str, zone: Zone) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.to_utc());
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return DateTime::from_timestamp(zone.midnight(day), 0);
    }
    text.parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
}

/// Reads the end of a period: a date alone (`2026-11-22`) includes that whole day, so the
/// bound is the next midnight in `zone`; an exact time (RFC 3339, Unix seconds) is taken as
/// it is.
pub fn parse_end(text: &str, zone: Zone) -> Option<DateTime<Utc>> {
    let start = parse_time(text, zone)?;
    if chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_ok() {
        DateTime::from_timestamp(zone.next_day(start.timestamp()), 0)
    } else {
        Some(start)
    }
}

/// How far back an API search reaches when it names no `from`. Reading a large
/// organisation's whole history on every script's request is what let one tenant slow the
/// others; older events are one `from` away (`from=0` for all of them).
pub const DEFAULT_WINDOW_DAYS: i64 = 30;

/// The lower time bound an API list applies: the caller's, or [`DEFAULT_WINDOW_DAYS`] back.
pub(crate) fn window_start(from: Option<DateTime<Utc>>) -> DateTime<Utc> {
    from.unwrap_or_else(|| Utc::now() - chrono::Duration::days(DEFAULT_WINDOW_DAYS))
}

/// A list parameter that cannot be read: a time, or a cursor mamori did not hand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadParameter {
    /// This time parameter (`from`, `to`) is not a time.
    Time(&'static str),
    /// The cursor is not one a previous page gave.
    Cursor,
}

impl BadParameter {
    /// What was wrong, in `lang`.
    pub fn message(self, lang: Lang) -> String {
        match self {
            BadParameter::Time(name) => lang.tf("ingest.error.bad_time", &[("name", name)]),
            BadParameter::Cursor => lang.t("error.bad_cursor"),
        }
    }

    /// The API's 422 for it.
    pub fn api(self, lang: Lang) -> ApiError {
        let name = match self {
            BadParameter::Time(name) => name,
            BadParameter::Cursor => "cursor",
        };
        ApiError::invalid(&format!("invalid_input.{name}"), self.message(lang))
    }
}

/// Reads an optional end of a period ([`parse_end`]); blank is none, anything unreadable is
/// an error naming the parameter.
pub fn optional_end(
    value: &Option<String>,
    name: &'static str,
    zone: Zone,
) -> Result<Option<DateTime<Utc>>, BadParameter> {
    match value.as_deref().filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => parse_end(v, zone).map(Some).ok_or(BadParameter::Time(name)),
    }
}

/// Reads an optional time parameter; blank is none, anything unreadable is an error naming
/// the parameter.
pub fn optional_time(
    value: &Option<String>,
    name: &'static str,
    zone: Zone,
) -> Result<Option<DateTime<Utc>>, BadParameter> {
    match value.as_deref().filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => parse_time(v, zone)
            .map(Some)
            .ok_or(BadParameter::Time(name)),
    }
}

/// Reads an optional cursor (a previous page's `next_cursor`); blank is none.
pub fn optional_cursor(value: &Option<String>) -> Result<Option<ListPosition>, BadParameter> {
    match value.as_deref().filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| BadParameter::Cursor),
    }
}

impl EventQuery {
    /// The store filter (dates read in `zone`), or the parameter that cannot be read.
    pub fn filter(&self, zone: Zone) -> Result<EventFilter, BadParameter> {
        Ok(EventFilter {
            from: optional_time(&self.from, "from", zone)?,
            to: optional_end(&self.to, "to", zone)?,
            source_id: self.source.clone(),
            text: self.q.clone(),
            category: self.category.clone(),
            action: self.action.clone(),
            severity: self.severity.clone(),
            ip: self.ip.clone(),
            user: self.user.clone(),
            failed_only: self.failed.unwrap_or(false),
            limit: self.limit.unwrap_or(50).clamp(1, 1000),
            offset: self.offset.unwrap_or(0).max(0),
            after: optional_cursor(&self.cursor)?,
        })
    }
}

/// One page of events.
#[derive(Serialize, ToSchema)]
pub struct EventList {
    /// The earliest time searched: `from`, or 30 days back when it was not given.
    from: String,
    /// Matches in all, counted exactly up to 10,000.
    total: i64,
    /// True when there are more than 10,000 matches: `total` is then 10,000 and means
    /// "10,000 or more".
    total_capped: bool,
    /// This page, newest first: the normalised event (`timestamp`, `category`, `action`,
    /// `src_ip`, …, `raw`, `fields`) with `id`, `source_name` and, for dead letters,
    /// `parse_error`.
    #[schema(value_type = Vec<Object>)]
    events: Vec<Value>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// An event as the API shows it: the normalised event plus where it is stored.
pub fn event_json(stored: StoredEvent) -> Value {
    let mut value = stored.event.to_json();
    if let Value::Object(map) = &mut value {
        map.insert("id".into(), Value::String(stored.id));
        if let Some(name) = stored.source_name {
            map.insert("source_name".into(), Value::String(name));
        }
        if let Some(error) = stored.parse_error {
            map.insert("parse_error".into(), Value::String(error));
        }
    }
    value
}

/// Events of one organisation; another tenant's organisation is a 404.
#[utoipa::path(get, path = "/orgs/{id}/events", tag = "events",
    params(("id" = String, Path, description = "Organisation id"), EventQuery),
    responses((status = 200, body = EventList), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<EventQuery>,
) -> Result<Json<EventList>, ApiError> {
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
        .events()
        .search(&filter)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?;
    Ok(Json(EventList {
        total: page.total,
        total_capped: page.total_capped,
        from: from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        events: page.events.into_iter().map(event_json).collect(),
        next_cursor: page.next.map(|p| p.to_string()),
    }))
}

/// A monitored source with its ingest health.
#[derive(Serialize, ToSchema)]
pub struct SourceView {
    id: String,
    name: String,
    format: String,
    address: Option<String>,
    has_token: bool,
    /// Last stored line, RFC 3339.
    last_seen_at: Option<String>,
    events_per_min: f64,
    events_24h: i64,
    /// Share of the last 24 hours' lines that failed to parse.
    failure_rate: f64,
    /// Share of the last 24 hours' lines that `auto` read only as a bare syslog envelope:
    /// no device format recognised them. High values mean the device sends a format mamori
    /// does not read; pin the source's format or ask for a parser.
    envelope_only_rate: f64,
    /// Silent longer than its expected interval: worth a look.
    silent: bool,
}

/// The organisation's monitored sources.
#[derive(Serialize, ToSchema)]
pub struct SourceList {
    sources: Vec<SourceView>,
}

/// Monitored sources of one organisation with last-seen time, rate, failure rate and the
/// silent flag.
#[utoipa::path(get, path = "/orgs/{id}/sources", tag = "events",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = SourceList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn sources(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SourceList>, ApiError> {
    let lang = caller.lang;
    let fail = |e| ApiError::from_store(lang, e);
    let org = visible_org(&state, &caller, &id).await?;
    let list = org.sources().await.map_err(fail)?;
    let health = org
        .rollups()
        .source_health(mamori_store::now())
        .await
        .map_err(fail)?;
    let sources = list
        .into_iter()
        .zip(health)
        .map(|(s, h)| SourceView {
            last_seen_at: s
                .last_seen_at
                .and_then(|t| DateTime::from_timestamp(t, 0))
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            id: s.id,
            name: s.name,
            format: s.format,
            address: s.address,
            has_token: s.has_token,
            events_per_min: h.events_per_min,
            events_24h: h.events_24h,
            failure_rate: h.failure_rate,
            envelope_only_rate: h.envelope_only_rate,
            silent: h.silent,
        })
        .collect();
    Ok(Json(SourceList { sources }))
}

/// A line of an ingest body that was not accepted.
#[derive(Serialize, ToSchema)]
pub struct Rejected {
    /// Line number in the body, from 1.
    line: usize,
    /// Why.
    reason: String,
}

/// What HTTP ingest did with a body.
#[derive(Serialize, ToSchema)]
pub struct IngestResult {
    /// Lines queued (durably) for parsing and storage.
    accepted: usize,
    /// Lines refused, with reasons; they are kept as dead letters of the source.
    rejected: Vec<Rejected>,
}

/// One non-blank line of an ingest body: its number from 1, its bytes, and why it is
/// refused when it is not a JSON object.
struct Checked<'a> {
    number: usize,
    bytes: &'a [u8],
    refused: Option<String>,
}

/// Checks every non-blank line of an NDJSON body, in order.
fn check_lines(body: &[u8]) -> Vec<Checked<'_>> {
    let mut checked = Vec::new();
    for (i, line) in body.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let refused = match serde_json::from_slice::<Value>(line) {
            Ok(Value::Object(_)) => None,
            Ok(_) => Some("not a JSON object".to_owned()),
            Err(e) => Some(format!("not JSON: {e}")),
        };
        checked.push(Checked {
            number: i + 1,
            bytes: line,
            refused,
        });
    }
    checked
}

fn ingest_error(lang: Lang, status: StatusCode, code: &str) -> ApiError {
    ApiError::new(lang, status, code, &format!("ingest.error.{code}"))
}

/// Receives events from a source over HTTP: `Authorization: Bearer <source token>`, body
/// NDJSON (one JSON object per line; an empty body is a 400), optionally
/// `Content-Encoding: gzip` (any other encoding is refused with 415). Accepted lines
/// are on disk before the answer is sent; each is parsed in the source's format.
#[utoipa::path(post, path = "/ingest", tag = "events", security(("bearer" = [])),
    request_body(content = String, content_type = "application/x-ndjson",
        description = "One JSON object per line"),
    responses((status = 200, body = IngestResult), (status = 401, body = ErrorBody),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<IngestResult>, ApiError> {
    let lang = negotiate(&headers);
    let token = bearer(&headers).ok_or_else(|| ApiError::unauthorized(lang))?;
    let source = state
        .store
        .source_by_token(token)
        .await
        .map_err(|e| ApiError::from_store(lang, e))?
        .ok_or_else(|| ApiError::unauthorized(lang))?;
    let Some(ingest) = &state.ingest else {
        return Err(ingest_error(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            "not_running",
        ));
    };
    let gzip = match headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("").trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("" | "identity") => false,
        Some("gzip" | "x-gzip") => true,
        Some(_) => {
            return Err(ingest_error(
                lang,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_encoding",
            ));
        }
    };
    let mut inflated = Vec::new();
    let body: &[u8] = if gzip {
        flate2::read::GzDecoder::new(&body[..])
            .take(MAX_INGEST_BYTES + 1)
            .read_to_end(&mut inflated)
            .map_err(|_| ingest_error(lang, StatusCode::BAD_REQUEST, "bad_gzip"))?;
        if inflated.len() as u64 > MAX_INGEST_BYTES {
            return Err(ingest_error(
                lang,
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
            ));
        }
        &inflated
    } else {
        &body
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ingest_error(lang, StatusCode::BAD_REQUEST, "empty"));
    }
    let checked = check_lines(body);
    // Refused lines are queued too, marked, and kept as dead letters with their reason.
    let lines: Vec<Line> = checked
        .iter()
        .map(|c| Line {
            bytes: c.bytes,
            truncated_from: None,
            refused: c.refused.as_deref(),
        })
        .collect();
    let origin = Origin::Http {
        source_id: source.id,
    };
    ingest.accept(&origin, &lines).await.map_err(|e| {
        tracing::error!(error = %e, "cannot queue HTTP ingest lines");
        ingest_error(lang, StatusCode::SERVICE_UNAVAILABLE, "queue_failed")
    })?;
    let rejected: Vec<Rejected> = checked
        .iter()
        .filter_map(|c| {
            c.refused.clone().map(|reason| Rejected {
                line: c.number,
                reason,
            })
        })
        .collect();
    Ok(Json(IngestResult {
        accepted: checked.len() - rejected.len(),
        rejected,
    }))
}

/// Ingest counters and queue state (provider staff only).
#[utoipa::path(get, path = "/ingest/status", tag = "events",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<mamori_ingest::IngestStatus>, ApiError> {
    let lang = caller.lang;
    if !caller.user.may(Deed::WatchAllOrganisations) {
        return Err(ApiError::forbidden(lang));
    }
    match &state.ingest {
        Some(ingest) => Ok(Json(ingest.status())),
        None => Err(ingest_error(
            lang,
            StatusCode::SERVICE_UNAVAILABLE,
            "not_running",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_lines_are_checked_one_by_one() {
        let checked = check_lines(b"{\"a\":1}\r\n\n[1]\nnot json\n{\"b\":2}");
        assert_eq!(checked.len(), 4);
        assert_eq!(checked.iter().filter(|c| c.refused.is_none()).count(), 2);
        let refused: Vec<usize> = checked
            .iter()
            .filter(|c| c.refused.is_some())
            .map(|c| c.number)
            .collect();
        assert_eq!(refused, vec![3, 4]);
        assert_eq!(checked[0].bytes, b"{\"a\":1}");
    }

    #[test]
    fn times_read_as_rfc3339_dates_or_seconds() {
        let tokyo = Zone::default();
        assert_eq!(
            parse_time("1700000000", tokyo).map(|t| t.timestamp()),
            Some(1_700_000_000)
        );
        assert_eq!(
            parse_time("2026-11-22", tokyo).map(|t| t.to_rfc3339()),
            Some("2026-11-21T15:00:00+00:00".into())
        );
        assert!(parse_time("2026-11-22T00:00:00+09:00", tokyo).is_some());
        assert!(parse_time("yesterday", tokyo).is_none());
    }

    #[test]
    fn an_end_date_includes_its_whole_day() {
        let tokyo = Zone::default();
        assert_eq!(
            parse_end("2026-11-22", tokyo).map(|t| t.to_rfc3339()),
            Some("2026-11-22T15:00:00+00:00".into()),
            "the next midnight in Japan"
        );
        assert_eq!(
            parse_end("2026-11-22T10:00:00+09:00", tokyo).map(|t| t.to_rfc3339()),
            Some("2026-11-22T01:00:00+00:00".into()),
            "an exact time stays exact"
        );
        assert_eq!(
            parse_end("1700000000", tokyo).map(|t| t.timestamp()),
            Some(1_700_000_000)
        );
    }
}
