//! The minimal incident record page: what an escalated alert became — title, kind,
//! status, the linked alerts and the timeline — with a note and status form for the
//! provider's staff. The full IPA incident workflow builds on it later.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_model::{Deed, IncidentStatus};
use mamori_store::{Actor, AlertFilter};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use super::{Page, PageError, PageResult};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::Negotiated;
use crate::state::AppState;
use crate::triage::AlertView;

/// `GET /orgs/{id}/incidents/{iid}`.
pub async fn detail(
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    viewer: Viewer,
    Path((id, iid)): Path<(String, String)>,
) -> PageResult {
    let page = Page::new(&state, lang, Some(&viewer));
    let scope = viewer.user.scope();
    let org = page.org(&scope, &id).await?;
    let incident = match state.store.incident(&scope, &iid).await {
        Ok(incident) if incident.org_id == org.id => incident,
        Ok(_) | Err(mamori_store::StoreError::NotFound) => return Err(PageError::NotFound),
        Err(e) => return Err(PageError::from(e)),
    };
    let filter = AlertFilter {
        org_id: Some(org.id.clone()),
        incident_id: Some(incident.id.clone()),
        limit: 100,
        ..AlertFilter::default()
    };
    let (alerts, timeline) = match tokio::try_join!(
        state.store.alerts(&scope, &filter),
        state.store.incident_timeline(&scope, &iid),
    ) {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(e)),
    };
    let alerts: Vec<AlertView> = alerts
        .alerts
        .into_iter()
        .map(|a| AlertView::new(a, lang))
        .collect();
    let ctx = context! {
        org => Value::from(Serde(&org)),
        incident => Value::from(Serde(&incident)),
        alerts => Value::from(Serde(&alerts)),
        timeline => Value::from(Serde(&timeline)),
        statuses => IncidentStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        can_triage => viewer.user.may(Deed::TriageAlerts),
    };
    Ok(page.render(StatusCode::OK, "incident.html", ctx).await)
}

/// The note and status form.
#[derive(Deserialize)]
pub struct IncidentForm {
    csrf: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    status: String,
}

/// `POST /orgs/{id}/incidents/{iid}`: adds a note to the timeline and may change the status.
pub async fn update(
    State(state): State<AppState>,
    Negotiated(lang): Negotiated,
    ClientAddr(addr): ClientAddr,
    viewer: Viewer,
    Path((id, iid)): Path<(String, String)>,
    PageForm(form): PageForm<IncidentForm>,
) -> PageResult {
    let page = Page::new(&state, lang, Some(&viewer));
    let scope = viewer.user.scope();
    page.authorise(&id, viewer.user.may(Deed::TriageAlerts), &form.csrf)?;
    match state.store.incident(&scope, &iid).await {
        Ok(incident) if incident.org_id == id => {}
        Ok(_) => return Err(PageError::NotFound),
        Err(e) => return Err(PageError::from(e)),
    }
    // The form offers the statuses as a list; anything else (or nothing) changes no status.
    let status = form.status.parse::<IncidentStatus>().ok();
    match state
        .store
        .update_incident(
            &Actor::user(&viewer.user, Some(addr)),
            &scope,
            &iid,
            &form.note,
            status,
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}/incidents/{iid}")).into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}
