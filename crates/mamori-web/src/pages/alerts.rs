//! Alert pages: the provider's queue across every client organisation (filters, bulk
//! actions, keyboard shortcuts), an organisation's alerts in plain words with a clear "no
//! alerts this month" state, and one alert with what to do, who handles it, its history,
//! evidence and the analyst's actions (acknowledge, resolve, assign, comment, escalate,
//! suppress).

use std::collections::HashMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use mamori_model::{AlertStatus, Deed, Scope, Severity, Zone};
use mamori_store::{
    Actor, AlertFilter, AlertOrder, INCIDENT_CATEGORIES, NewSuppression, Resolution, StoreError,
    now,
};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use super::detections::watched;
use super::login::CsrfOnly;
use super::{Done, Page, PageError, PageResult, Signed};
use crate::api::alerts::AlertQuery;
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages};
use crate::triage::{AlertAction, AlertView, change_for};

/// Alerts per page.
const PAGE_SIZE: i64 = 50;

/// The start of the current month in the site's `zone` (Unix seconds) and the days of it so
/// far (today included).
fn month_so_far(zone: Zone) -> (i64, i64) {
    let today = zone.date(now());
    let first = today.with_day(1).map_or_else(now, |d| zone.midnight(d));
    (first, i64::from(today.day()))
}

fn severity_words() -> Vec<&'static str> {
    Severity::ALL.iter().rev().map(|s| s.as_str()).collect()
}

/// The list's filters as a URL query for the paging links (page size and offset left
/// out: the pager adds its own offset).
fn query_string(query: &AlertQuery) -> String {
    let filters = AlertQuery {
        limit: None,
        offset: None,
        ..query.clone()
    };
    serde_urlencoded::to_string(&filters).unwrap_or_default()
}

/// What a bulk action did, for the confirmation above the queue.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkDid {
    /// Started handling the alerts.
    Acknowledge,
    /// Took the alerts on.
    AssignMe,
    /// Resolved the alerts.
    Resolve,
}

impl BulkDid {
    fn as_str(self) -> &'static str {
        match self {
            BulkDid::Acknowledge => "acknowledge",
            BulkDid::AssignMe => "assign_me",
            BulkDid::Resolve => "resolve",
        }
    }
}

/// The confirmation a bulk action leaves in the queue's address.
#[derive(Debug, Default, Deserialize)]
pub struct BulkDone {
    done: Option<u32>,
    skipped: Option<u32>,
    did: Option<BulkDid>,
}

impl BulkDone {
    /// The sentence to show, when a bulk action has just run.
    fn sentence(&self, lang: Lang) -> Option<String> {
        let did = self.did?;
        let mut text = lang.tf(
            &format!("alerts.bulk.done.{}", did.as_str()),
            &[("count", &self.done.unwrap_or(0).to_string())],
        );
        if let Some(skipped) = self.skipped.filter(|s| *s > 0) {
            text.push_str(&lang.tf("alerts.bulk.skipped", &[("count", &skipped.to_string())]));
        }
        Some(text)
    }
}

/// `GET /console/alerts`: the queue, most urgent and oldest first, open alerts by default.
pub async fn queue(
    Signed(page, viewer): Signed,
    Query(mut query): Query<AlertQuery>,
    Query(bulk): Query<BulkDone>,
) -> PageResult {
    if !viewer.user.may(Deed::WatchAllOrganisations) {
        return Err(PageError::Forbidden);
    }
    if query.status.is_none() {
        query.status = Some("open".to_owned());
    }
    let filter = AlertFilter {
        limit: PAGE_SIZE,
        ..query.filter(AlertOrder::Queue)
    };
    let scope = viewer.user.scope();
    let (found, orgs, health) = match tokio::try_join!(
        page.state.store.alerts(&scope, &filter),
        page.state.store.orgs(&scope),
        page.state.store.route_health(&scope),
    ) {
        Ok(all) => all,
        Err(e) => return Err(PageError::from(e)),
    };
    let broken: Vec<String> = orgs
        .iter()
        .filter(|o| health.get(&o.id).copied().unwrap_or_default().broken())
        .map(|o| o.name.clone())
        .collect();
    let shown = found.alerts.len() as i64;
    let alerts: Vec<AlertView> = found
        .alerts
        .into_iter()
        .map(|a| AlertView::new(a, page.lang))
        .collect();
    let ctx = context! {
        alerts => Value::from(Serde(&alerts)),
        total => found.total,
        total_capped => found.total_capped,
        first => filter.offset + 1,
        last => filter.offset + shown,
        newer => (filter.offset > 0).then(|| (filter.offset - PAGE_SIZE).max(0)),
        older => (found.total_capped || filter.offset + shown < found.total).then_some(filter.offset + PAGE_SIZE),
        query => Value::from(Serde(&query)),
        pager_query => query_string(&query),
        orgs => Value::from(Serde(&orgs)),
        broken => broken,
        severities => severity_words(),
        bulk_done => bulk.sentence(page.lang),
        statuses => std::iter::once("open")
            .chain(AlertStatus::ALL.iter().map(|s| s.as_str()))
            .collect::<Vec<_>>(),
        resolutions => Resolution::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
    };
    Ok(page.render(StatusCode::OK, "alerts_queue.html", ctx).await)
}

/// `GET /orgs/{id}/alerts`: one organisation's alerts, newest first, with this month's
/// summary and what was watched.
pub async fn list(
    Signed(page, viewer): Signed,
    Path(id): Path<String>,
    Query(query): Query<AlertQuery>,
) -> PageResult {
    let scope = viewer.user.scope();
    let tenant = page.org_store(&id).await?;
    let org = tenant.org();
    let filter = AlertFilter {
        org_id: Some(id.clone()),
        limit: PAGE_SIZE,
        ..query.filter(AlertOrder::OpenFirst)
    };
    let (month_start, month_days) = month_so_far(page.state.store.zone());
    let found = page.state.store.alerts(&scope, &filter).await;
    let counts = tenant.alerts().counts(month_start, now() + 1).await;
    let suppressions = tenant.suppressions().list().await;
    let incidents = tenant.incidents().list().await;
    let watched = watched(&tenant, month_days).await;
    let (found, counts, suppressions, incidents, watched) =
        match (found, counts, suppressions, incidents, watched) {
            (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
            (Err(e), ..)
            | (_, Err(e), ..)
            | (_, _, Err(e), ..)
            | (_, _, _, Err(e), _)
            | (.., Err(e)) => {
                return Err(PageError::from(e));
            }
        };
    let shown = found.alerts.len() as i64;
    let month_total: i64 = counts.iter().map(|(_, n)| n).sum();
    let alerts: Vec<AlertView> = found
        .alerts
        .into_iter()
        .map(|a| AlertView::new(a, page.lang))
        .collect();
    let ctx = context! {
        org => Value::from(Serde(&org)),
        alerts => Value::from(Serde(&alerts)),
        total => found.total,
        total_capped => found.total_capped,
        first => filter.offset + 1,
        last => filter.offset + shown,
        newer => (filter.offset > 0).then(|| (filter.offset - PAGE_SIZE).max(0)),
        older => (found.total_capped || filter.offset + shown < found.total).then_some(filter.offset + PAGE_SIZE),
        month_total => month_total,
        month_counts => counts,
        watched => Value::from(Serde(&watched)),
        query => Value::from(Serde(&query)),
        pager_query => query_string(&query),
        severities => severity_words(),
        suppressions => Value::from(Serde(&suppressions)),
        incidents => Value::from(Serde(&incidents)),
        can_triage => viewer.user.may(Deed::TriageAlerts),
    };
    Ok(page.render(StatusCode::OK, "alerts.html", ctx).await)
}

/// The alert detail page, with an optional error message from a refused action.
async fn render_detail(
    page: &Page,
    viewer: &Viewer,
    org_id: &str,
    alert_id: &str,
    status: StatusCode,
    error: Option<String>,
) -> PageResult {
    let state = &page.state;
    let scope = viewer.user.scope();
    let org = page.org(&scope, org_id).await?;
    let alert = match state.store.alert(&scope, alert_id).await {
        Ok(Some(alert)) if alert.org_id == org.id => alert,
        Ok(_) => return Err(PageError::NotFound),
        Err(e) => return Err(PageError::from(e)),
    };
    let history = state.store.alert_history(&scope, alert_id).await;
    let evidence = state.store.alert_evidence(&scope, alert_id, 20).await;
    let staff = if viewer.user.may(Deed::TriageAlerts) {
        state.store.provider_users().await
    } else {
        Ok(Vec::new())
    };
    let (history, evidence, staff) = match (history, evidence, staff) {
        (Ok(h), Ok(e), Ok(s)) => (h, e, s),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return Err(PageError::from(e)),
    };
    let staff: Vec<Value> = staff
        .into_iter()
        .filter(|u| u.may(Deed::TriageAlerts))
        .map(|u| {
            let name = if u.display_name.is_empty() {
                u.email.clone()
            } else {
                u.display_name.clone()
            };
            context! { id => u.id, name => name }
        })
        .collect();
    let fields: Vec<String> = alert_fields(&alert.details);
    let evidence: Vec<EvidenceRow> = evidence
        .iter()
        .flat_map(|d| evidence_rows(&d.detection.details, d.source_name.as_deref()))
        .take(EVIDENCE_ROWS)
        .collect();
    let view = AlertView::new(alert, page.lang);
    let ctx = context! {
        org => Value::from(Serde(&org)),
        alert => Value::from(Serde(&view)),
        first_seen => view.first_seen_unix,
        last_seen => view.last_seen_unix,
        history => Value::from(Serde(
            &history
                .into_iter()
                .map(|h| crate::audit_view::HistoryLine::new(h, page.lang))
                .collect::<Vec<_>>()
        )),
        evidence => Value::from(Serde(&evidence)),
        staff => staff,
        fields => fields,
        can_triage => viewer.user.may(Deed::TriageAlerts),
        resolutions => Resolution::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        categories => INCIDENT_CATEGORIES,
        error => error,
    };
    Ok(page.render(status, "alert.html", ctx).await)
}

/// Evidence lines shown on an alert's page; the analysts' API has all of them.
const EVIDENCE_ROWS: usize = 50;

/// Fields an alert can be suppressed on: those that tell one case from another and mean
/// something to the person choosing (never internal ones such as the organisation or the
/// raw line).
const SUPPRESSIBLE: [&str; 8] = [
    "src_ip",
    "dst_ip",
    "dst_port",
    "user",
    "host",
    "signature",
    "protocol",
    "action",
];

/// One event behind an alert, as a table row: time, device, from, to, user, action, and the
/// raw line to open.
#[derive(serde::Serialize)]
struct EvidenceRow {
    at: Option<i64>,
    device: Option<String>,
    from: Option<String>,
    to: Option<String>,
    user: Option<String>,
    action: Option<String>,
    raw: Option<String>,
}

/// The events a detection kept (`details.events`) as rows.
fn evidence_rows(details: &serde_json::Value, device: Option<&str>) -> Vec<EvidenceRow> {
    let text = |e: &serde_json::Value, key: &str| {
        e.get(key).and_then(|v| match v {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let address = |e: &serde_json::Value, ip: &str, port: &str| match (text(e, ip), text(e, port)) {
        (Some(ip), Some(port)) if ip.contains(':') => Some(format!("[{ip}]:{port}")),
        (Some(ip), Some(port)) => Some(format!("{ip}:{port}")),
        (Some(ip), None) => Some(ip),
        (None, Some(port)) => Some(format!(":{port}")),
        (None, None) => None,
    };
    details
        .get("events")
        .and_then(|e| e.as_array())
        .map(|events| {
            events
                .iter()
                .map(|e| EvidenceRow {
                    at: text(e, "timestamp")
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                        .map(|t| t.timestamp()),
                    device: device.map(str::to_owned),
                    from: address(e, "src_ip", "src_port"),
                    to: address(e, "dst_ip", "dst_port"),
                    user: text(e, "user"),
                    action: text(e, "action"),
                    raw: text(e, "raw"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Fields an analyst may suppress on: the correlation's group-by fields and the first
/// evidence event's fields with plain values, among [`SUPPRESSIBLE`].
fn alert_fields(details: &serde_json::Value) -> Vec<String> {
    let mut fields: Vec<String> = details
        .get("group")
        .and_then(|g| g.as_array())
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|p| p.get(0)?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if let Some(event) = details
        .get("events")
        .and_then(|e| e.as_array())
        .and_then(|e| e.first())
        .and_then(|e| e.as_object())
    {
        for (name, value) in event {
            if (value.is_string() || value.is_number()) && !fields.contains(name) {
                fields.push(name.clone());
            }
        }
    }
    fields.retain(|f| SUPPRESSIBLE.contains(&f.as_str()));
    fields
}

/// `GET /orgs/{id}/alerts/{aid}`.
pub async fn detail(
    Signed(page, viewer): Signed,
    Path((id, aid)): Path<(String, String)>,
) -> PageResult {
    render_detail(&page, &viewer, &id, &aid, StatusCode::OK, None).await
}

/// An action form on the detail page.
#[derive(Deserialize)]
pub struct ActionForm {
    csrf: String,
    #[serde(flatten)]
    action: AlertAction,
}

/// Answers a store refusal on the detail page (422 with the reason, else the error page).
async fn refused_on_detail(
    page: &Page,
    viewer: &Viewer,
    id: &str,
    aid: &str,
    e: StoreError,
) -> Response {
    match e {
        StoreError::Invalid(_) => {
            let message = super::org::store_error_message(page.lang, &e);
            render_detail(
                page,
                viewer,
                id,
                aid,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await
            .unwrap_or_else(|r| r.into_response())
        }
        other => PageError::from(other).into_response(),
    }
}

/// `POST /orgs/{id}/alerts/{aid}/action`: acknowledge, resolve, reopen, assign, comment.
pub async fn act(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, aid)): Path<(String, String)>,
    PageForm(form): PageForm<ActionForm>,
) -> PageResult {
    page.authorise(&id, true, &form.csrf)?;
    let change = match change_for(&viewer.user, &form.action) {
        Ok(change) => change,
        Err(crate::triage::ActionRefused::Forbidden) => return Err(PageError::Forbidden),
        Err(why) => {
            let message = page.lang.t(why.key_and_code().0);
            return render_detail(
                &page,
                &viewer,
                &id,
                &aid,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await;
        }
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    match page
        .state
        .store
        .change_alert(&actor, &viewer.user.scope(), &aid, change)
        .await
    {
        Ok(_) => Ok(Done::AlertUpdated.redirect(&format!("/orgs/{id}/alerts/{aid}"))),
        Err(e) => Err(PageError::from(
            refused_on_detail(&page, &viewer, &id, &aid, e).await,
        )),
    }
}

/// The escalation form.
#[derive(Deserialize)]
pub struct EscalateForm {
    csrf: String,
    title: String,
    #[serde(default)]
    category: String,
}

/// `POST /orgs/{id}/alerts/{aid}/escalate`.
pub async fn escalate(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, aid)): Path<(String, String)>,
    PageForm(form): PageForm<EscalateForm>,
) -> PageResult {
    page.authorise(&id, viewer.user.may(Deed::TriageAlerts), &form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    match page
        .state
        .store
        .escalate_alert(
            &actor,
            &viewer.user.scope(),
            &aid,
            &form.title,
            &form.category,
        )
        .await
    {
        Ok(_) => Ok(Done::AlertEscalated.redirect(&format!("/orgs/{id}/alerts/{aid}"))),
        Err(e) => Err(PageError::from(
            refused_on_detail(&page, &viewer, &id, &aid, e).await,
        )),
    }
}

/// The suppression form.
#[derive(Deserialize)]
pub struct SuppressForm {
    csrf: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: String,
    reason: String,
    #[serde(default)]
    days: String,
}

/// `POST /orgs/{id}/alerts/{aid}/suppress`.
pub async fn suppress(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, aid)): Path<(String, String)>,
    PageForm(form): PageForm<SuppressForm>,
) -> PageResult {
    let scope = viewer.user.scope();
    page.authorise(&id, viewer.user.may(Deed::TriageAlerts), &form.csrf)?;
    let alert = match page.state.store.alert(&scope, &aid).await {
        Ok(Some(alert)) if alert.org_id == id => alert,
        Ok(_) => return Err(PageError::NotFound),
        Err(e) => return Err(PageError::from(e)),
    };
    let days = form.days.trim().parse::<i64>().ok().filter(|d| *d > 0);
    let new = NewSuppression {
        org_id: alert.org_id,
        rule_id: alert.rule_id,
        field: Some(form.field).filter(|f| !f.trim().is_empty()),
        value: Some(form.value).filter(|v| !v.trim().is_empty()),
        reason: form.reason,
        expires_at: days.map(|d| now() + d * 86_400),
        alert_id: Some(alert.id),
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    match page
        .state
        .store
        .create_suppression(&actor, &scope, new)
        .await
    {
        Ok(_) => Ok(Done::SuppressionAdded.redirect(&format!("/orgs/{id}/alerts/{aid}"))),
        Err(e) => Err(PageError::from(
            refused_on_detail(&page, &viewer, &id, &aid, e).await,
        )),
    }
}

/// `POST /orgs/{id}/suppressions/{sid}/revoke`.
pub async fn revoke(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, sid)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    page.authorise(&id, viewer.user.may(Deed::TriageAlerts), &form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    match page
        .state
        .store
        .revoke_suppression(&actor, &Scope::Organisation(id.clone()), &sid)
        .await
    {
        Ok(_) => Ok(Done::SuppressionLifted.redirect(&format!("/orgs/{id}/alerts"))),
        Err(e) => Err(PageError::from(e)),
    }
}

/// `POST /console/alerts/bulk`: one action on every ticked alert (`id_<alert id>` fields).
pub async fn bulk(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    if !viewer.user.may(Deed::TriageAlerts) {
        return Err(PageError::Forbidden);
    }
    page.check_csrf(form.get("csrf").map(String::as_str).unwrap_or_default())?;
    let (action, resolution, did) = match form.get("action").map(String::as_str).unwrap_or_default()
    {
        "assign" => ("assign", None, BulkDid::AssignMe),
        "acknowledge" => ("acknowledge", None, BulkDid::Acknowledge),
        other => match other.strip_prefix("resolve:") {
            Some(resolution) => ("resolve", Some(resolution.to_owned()), BulkDid::Resolve),
            None => {
                return Err(PageError::from(
                    page.message(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "error.title",
                        page.lang.t("alerts.error.action"),
                    )
                    .await,
                ));
            }
        },
    };
    let action = AlertAction {
        action: action.to_owned(),
        resolution,
        note: None,
        assignee_id: None,
    };
    let change = match change_for(&viewer.user, &action) {
        Ok(change) => change,
        Err(_) => return Err(PageError::Forbidden),
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    let scope = viewer.user.scope();
    let (mut done, mut skipped) = (0, 0);
    for id in form.keys().filter_map(|k| k.strip_prefix("id_")) {
        match page
            .state
            .store
            .change_alert(&actor, &scope, id, change.clone())
            .await
        {
            Ok(_) => done += 1,
            Err(_) => skipped += 1,
        }
    }
    let back = form
        .get("back")
        .filter(|b| b.starts_with("/console/alerts"))
        .cloned()
        .unwrap_or_else(|| "/console/alerts".to_owned());
    // The queue says what was done, where the analyst is looking.
    let joiner = if back.contains('?') { '&' } else { '?' };
    let did = did.as_str();
    Ok(Redirect::to(&format!(
        "{back}{joiner}done={done}&skipped={skipped}&did={did}"
    ))
    .into_response())
}
