//! An organisation's detections page: what the detection engine found in its logs, newest
//! first, in the reader's language with what to do. Analysts and the organisation's own
//! members see it; other tenants get a 404 like every organisation page.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use mamori_model::Severity;
use mamori_store::{DetectionFilter, StoredDetection, now};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use super::{PageError, PageResult, Signed};
use crate::api::detections::DetectionQuery;
use crate::i18n::Lang;
use crate::triage::group_pairs;

/// Detections per page.
const PAGE_SIZE: i64 = 50;

/// One detection as the page shows it: the title and advice in the reader's language.
#[derive(Serialize)]
struct DetectionRow {
    at: i64,
    level: String,
    title: String,
    action: Option<String>,
    kind: String,
    source_name: Option<String>,
    group: Vec<String>,
    value: Option<f64>,
    event_id: Option<String>,
}

impl DetectionRow {
    fn new(stored: StoredDetection, lang: Lang) -> Self {
        let d = stored.detection;
        let guidance = d.details.get("guidance");
        let text = |key: &str| {
            guidance
                .and_then(|g| g.get(key))
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let (title, action) = match lang {
            Lang::Ja => (d.title_ja.unwrap_or(d.rule_title), text("action_ja")),
            Lang::En => (d.rule_title, text("action_en")),
        };
        let group = group_pairs(&d.details);
        Self {
            at: d.timestamp.timestamp(),
            level: d.level,
            title,
            action,
            kind: d.kind,
            source_name: stored.source_name,
            group,
            value: d.details.get("value").and_then(|v| v.as_f64()),
            event_id: d.event_id,
        }
    }
}

/// Days the "what was watched" summary covers.
const WATCHED_DAYS: i64 = 30;

/// What was watched lately: sources, and events checked per the live hourly counters (so a
/// quiet list reads as "checked, nothing found", never as an empty page).
#[derive(Serialize)]
pub(crate) struct Watched {
    days: i64,
    sources: usize,
    events: i64,
    days_with_logs: usize,
}

/// What was watched for organisation `org_id` over the last `days` days (today included).
pub(crate) async fn watched(
    org: &mamori_store::OrgStore,
    days: i64,
) -> Result<Watched, mamori_store::StoreError> {
    let at = now();
    let zone = org.zone();
    let first_day = zone.day_start(at - (days - 1) * 86_400);
    let hours = org.rollups().source_hours(first_day, at + 3600).await?;
    let logged: std::collections::BTreeSet<i64> = hours
        .iter()
        .filter(|h| h.events > 0)
        .map(|h| zone.day_start(h.hour))
        .collect();
    Ok(Watched {
        days,
        sources: org.sources().await?.len(),
        events: hours.iter().map(|h| h.events).sum(),
        days_with_logs: logged.len(),
    })
}

/// `GET /orgs/{id}/detections`.
pub async fn list(
    Signed(page, _viewer): Signed,
    Path(id): Path<String>,
    Query(query): Query<DetectionQuery>,
) -> PageResult {
    let tenant = page.org_store(&id).await?;
    let org = tenant.org();
    let (filter, error) = page.list_filter(query.filter(page.state.store.zone()));
    let filter = DetectionFilter {
        limit: PAGE_SIZE,
        ..filter
    };
    let found = match tenant.detections().list(&filter).await {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(e)),
    };
    let watched = match watched(&tenant, WATCHED_DAYS).await {
        Ok(watched) => watched,
        Err(e) => return Err(PageError::from(e)),
    };
    let shown = found.detections.len() as i64;
    let rows: Vec<DetectionRow> = found
        .detections
        .into_iter()
        .map(|d| DetectionRow::new(d, page.lang))
        .collect();
    let ctx = context! {
        org => Value::from(Serde(&org)),
        detections => Value::from(Serde(&rows)),
        watched => Value::from(Serde(&watched)),
        total => found.total,
        total_capped => found.total_capped,
        first => filter.offset + 1,
        last => filter.offset + shown,
        newer => (filter.offset > 0).then(|| (filter.offset - PAGE_SIZE).max(0)),
        older => (found.total_capped || filter.offset + shown < found.total)
            .then_some(filter.offset + PAGE_SIZE),
        level => query.level.clone().unwrap_or_default(),
        levels => Severity::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        error => error,
    };
    Ok(page.render(StatusCode::OK, "detections.html", ctx).await)
}
