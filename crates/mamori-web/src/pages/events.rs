//! Log pages: an organisation's event search with its monitored sources' health (analysts
//! and the organisation's own members), and the provider's page of every source and the
//! quarantine of unregistered senders, where a sender can be assigned to an organisation.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_ingest::rework::assign_quarantine;
use mamori_model::{Action, Category, Deed, Scope, Severity};
use mamori_parse::Format;
use mamori_store::{
    Actor, InvalidInput, KEPT_PER_SENDER, NewSource, OrgStore, Source, SourceHealth,
    SourceIdentity, StoreError, StoredEvent,
};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::{Page, PageError, PageResult, Signed};
use crate::api::events::EventQuery;
use crate::auth::{ClientAddr, Viewer};
use crate::i18n::Messages;

/// Events per page on the search page.
const PAGE_SIZE: i64 = 50;

/// A source with its health, as the pages list it.
#[derive(Serialize)]
struct SourceRow {
    #[serde(flatten)]
    source: Source,
    #[serde(flatten)]
    health: SourceHealth,
    org_name: Option<String>,
}

/// The sources of `org` with their health, or with `None` every source `scope` may see.
async fn sources_with_health(
    page: &Page,
    scope: &Scope,
    org: Option<&OrgStore>,
) -> Result<Vec<SourceRow>, StoreError> {
    let store = &page.state.store;
    let now = mamori_store::now();
    let (sources, health) = match org {
        Some(org) => (
            org.sources().await?,
            org.rollups().source_health(now).await?,
        ),
        None => (
            store.all_sources(scope).await?,
            store.all_source_health(scope, now).await?,
        ),
    };
    let orgs = store.orgs(scope).await?;
    Ok(sources
        .into_iter()
        .zip(health)
        .map(|(source, health)| SourceRow {
            org_name: orgs
                .iter()
                .find(|o| o.id == source.org_id)
                .map(|o| o.name.clone()),
            source,
            health,
        })
        .collect())
}

/// An event row as the search page shows it.
#[derive(Serialize)]
struct EventRow {
    at: i64,
    source_name: Option<String>,
    category: &'static str,
    action: &'static str,
    severity: &'static str,
    from: Option<String>,
    to: Option<String>,
    user: Option<String>,
    text: String,
    parse_error: Option<String>,
}

fn endpoint(ip: Option<std::net::IpAddr>, port: Option<u16>) -> Option<String> {
    match (ip, port) {
        (Some(std::net::IpAddr::V6(ip)), Some(port)) => Some(format!("[{ip}]:{port}")),
        (Some(ip), Some(port)) => Some(format!("{ip}:{port}")),
        (Some(ip), None) => Some(ip.to_string()),
        (None, _) => None,
    }
}

impl From<StoredEvent> for EventRow {
    fn from(stored: StoredEvent) -> Self {
        let e = stored.event;
        EventRow {
            at: e.timestamp.timestamp(),
            source_name: stored.source_name,
            category: e.category.as_str(),
            action: e.action.as_str(),
            severity: e.severity.as_str(),
            from: endpoint(e.src_ip, e.src_port),
            to: endpoint(e.dst_ip, e.dst_port),
            user: e.user,
            text: e.message.unwrap_or(e.raw),
            parse_error: stored.parse_error,
        }
    }
}

/// The filters echoed back into the form and the paging links (empty ones left out).
fn echo(query: &EventQuery) -> BTreeMap<&'static str, String> {
    let mut map = BTreeMap::new();
    for (name, value) in [
        ("from", &query.from),
        ("to", &query.to),
        ("source", &query.source),
        ("q", &query.q),
        ("category", &query.category),
        ("action", &query.action),
        ("severity", &query.severity),
        ("ip", &query.ip),
        ("user", &query.user),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            map.insert(name, v.to_owned());
        }
    }
    if query.failed == Some(true) {
        map.insert("failed", "true".to_owned());
    }
    map
}

/// `GET /orgs/{id}/events`: search an organisation's logs.
pub async fn search(
    Signed(page, viewer): Signed,
    Path(id): Path<String>,
    Query(query): Query<EventQuery>,
) -> PageResult {
    let scope = viewer.user.scope();
    let tenant = page.org_store(&id).await?;
    let org = tenant.org();
    let (filter, error) = page.list_filter(query.filter(page.state.store.zone()));
    let filter = mamori_store::EventFilter {
        limit: PAGE_SIZE,
        ..filter
    };
    let found = match tenant.events().search(&filter).await {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(e)),
    };
    let sources = match sources_with_health(&page, &scope, Some(&tenant)).await {
        Ok(sources) => sources,
        Err(e) => return Err(PageError::from(e)),
    };
    let filters = echo(&query);
    let shown = found.events.len() as i64;
    let ctx = context! {
        org => Value::from(Serde(&org)),
        sources => Value::from(Serde(&sources)),
        events => Value::from(Serde(found.events.into_iter().map(EventRow::from).collect::<Vec<_>>())),
        total => found.total,
        total_capped => found.total_capped,
        first => filter.offset + 1,
        last => filter.offset + shown,
        newer => (filter.offset > 0).then(|| (filter.offset - PAGE_SIZE).max(0)),
        older => (found.total_capped || filter.offset + shown < found.total)
            .then_some(filter.offset + PAGE_SIZE),
        nothing_yet => found.total == 0 && filters.is_empty(),
        query => Value::from(Serde(&filters)),
        categories => Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        actions => Action::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        severities => Severity::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        error => error,
    };
    Ok(page.render(StatusCode::OK, "events.html", ctx).await)
}

/// The console's sources page with an optional notice (what was just done) or error.
pub(super) async fn render_sources(
    page: &Page,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let store = &page.state.store;
    let rows = sources_with_health(page, &Scope::AllOrganisations, None).await;
    let senders = store.quarantine_senders().await;
    let orgs = store.orgs(&Scope::AllOrganisations).await;
    let (rows, senders, orgs) = match (rows, senders, orgs) {
        (Ok(r), Ok(s), Ok(o)) => (r, s, o),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return PageError::from(e).into_response(),
    };
    let mut samples = BTreeMap::new();
    for sender in senders.iter().take(20) {
        match store.quarantined_lines(&sender.peer, 3).await {
            Ok(lines) => {
                samples.insert(sender.peer.clone(), lines);
            }
            Err(e) => return PageError::from(e).into_response(),
        }
    }
    let ctx = context! {
        sources => Value::from(Serde(&rows)),
        senders => Value::from(Serde(&senders)),
        samples => Value::from(Serde(&samples)),
        orgs => Value::from(Serde(&orgs)),
        formats => Format::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        web_formats => super::devices::web_formats(),
        kept => KEPT_PER_SENDER,
        notice => notice,
        error => error,
        may_assign => page.viewer.as_ref().is_some_and(|v| v.user.may(Deed::AssignSenders)),
        may_register => page.viewer.as_ref().is_some_and(|v| v.user.may(Deed::RegisterSources)),
    };
    page.render(status, "sources.html", ctx).await
}

/// `GET /console/sources`: every monitored source and the quarantine (provider staff).
pub async fn console(Signed(page, viewer): Signed) -> PageResult {
    if !viewer.user.may(Deed::WatchAllOrganisations) {
        return Err(PageError::Forbidden);
    }
    Ok(render_sources(&page, StatusCode::OK, None, None).await)
}

/// The form that assigns or dismisses a quarantined sender.
#[derive(Deserialize)]
pub struct QuarantineForm {
    csrf: String,
    peer: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    format: String,
}

/// Lets only administrators change the quarantine, with the session's form token.
async fn admin_form(page: &Page, viewer: &Viewer, csrf: &str) -> Result<(), PageError> {
    if !viewer.user.may(Deed::AssignSenders) {
        return Err(PageError::Forbidden);
    }
    page.check_csrf(csrf)
}

/// `POST /console/quarantine/assign`: registers the sender as an organisation's source and
/// turns its kept lines into that organisation's events (administrators).
pub async fn assign(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Form(form): Form<QuarantineForm>,
) -> PageResult {
    admin_form(&page, &viewer, &form.csrf).await?;
    let Ok(format) = form.format.parse::<Format>() else {
        let message = page.lang.t("ingest.error.format");
        return Ok(
            render_sources(&page, StatusCode::UNPROCESSABLE_ENTITY, None, Some(message)).await,
        );
    };
    let new = NewSource {
        org_id: form.org,
        name: form.name,
        format: format.to_string(),
        json_mapping: None,
        identity: SourceIdentity::Address(form.peer.clone()),
        expected_interval_secs: mamori_ingest::source::usual_silence_secs(format),
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    match assign_quarantine(&page.state.store, &actor, &form.peer, new).await {
        Ok((source, count)) => {
            if let Some(ingest) = &page.state.ingest {
                ingest.sources_changed();
            }
            let notice = page.lang.tf(
                "ingest.quarantine.assigned",
                &[
                    ("peer", &form.peer),
                    ("name", &source.name),
                    ("count", &count.to_string()),
                ],
            );
            Ok(render_sources(&page, StatusCode::OK, Some(notice), None).await)
        }
        Err(StoreError::Invalid(InvalidInput::SourceTaken)) => {
            let message = page.lang.t("ingest.error.source_taken");
            Ok(render_sources(&page, StatusCode::UNPROCESSABLE_ENTITY, None, Some(message)).await)
        }
        Err(e @ StoreError::Invalid(_)) => {
            let message = super::org::store_error_message(page.lang, &e);
            Ok(render_sources(&page, StatusCode::UNPROCESSABLE_ENTITY, None, Some(message)).await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// `POST /console/quarantine/dismiss`: deletes a sender's kept lines (administrators).
pub async fn dismiss(Signed(page, viewer): Signed, Form(form): Form<QuarantineForm>) -> PageResult {
    admin_form(&page, &viewer, &form.csrf).await?;
    match page.state.store.settle_quarantine(&form.peer, &[]).await {
        Ok(()) => Ok(Redirect::to("/console/sources").into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}
