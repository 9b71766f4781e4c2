//! Incidents: the company reports "something happened" itself, or the desk records one from an
//! alert or a consultation. The incident page shows what to do first for its kind (the
//! company's moves in plain words; the desk's steps and the evidence to keep for the desk),
//! the IPA guideline's three steps as a checklist with who ticked what and when, the linked
//! alerts and the timeline, and how to reach the consultation desk.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use mamori_model::{Deed, IncidentStatus};
use mamori_response::{IncidentFacts, Need, Who, playbook, steps};

use crate::directory::{contact_view, directory};
use crate::incident::{checklist_item, facts_of, may_tick, save_record, tick};
use mamori_store::{Actor, AlertFilter, DispatchRecord, INCIDENT_CATEGORIES, OrgStore, StoreError};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use super::org::store_error_message;
use super::reports::document_file;
use super::{Done, Page, PageError, PageResult, Signed};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages};
use crate::triage::AlertView;

/// The "something happened" form.
#[derive(Deserialize, Default)]
pub struct ReportForm {
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    what_happened: String,
}

async fn render_list(
    page: &Page,
    viewer: &Viewer,
    org: &OrgStore,
    status: StatusCode,
    form: &ReportForm,
    error: Option<String>,
) -> PageResult {
    let incidents = org.incidents().list().await?;
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        incidents => Value::from(Serde(&incidents)),
        categories => INCIDENT_CATEGORIES,
        may_report => viewer.user.may_in(Deed::ReportIncident, org.id()),
        form => context! { category => &form.category, title => &form.title, what_happened => &form.what_happened },
        error => error,
    };
    Ok(page.render(status, "incidents.html", ctx).await)
}

/// `GET /orgs/{id}/incidents`.
pub async fn list(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = page.org_store(&id).await?;
    render_list(
        &page,
        &viewer,
        &org,
        StatusCode::OK,
        &ReportForm::default(),
        None,
    )
    .await
}

/// `POST /orgs/{id}/incidents`: the company reports something that happened.
pub async fn report(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReportForm>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::ReportIncident, &form.csrf)
        .await?;
    let category = match INCIDENT_CATEGORIES.contains(&form.category.as_str()) {
        true => form.category.as_str(),
        false => "other",
    };
    // A company that does not name it gets the kind's own name as the title.
    let kind = page.lang.t(&format!("alerts.category.{category}"));
    let title = Some(form.title.trim())
        .filter(|t| !t.is_empty())
        .unwrap_or(&kind);
    let actor = Actor::user(&viewer.user, Some(addr));
    let incidents = org.incidents();
    match incidents
        .report(&actor, title, category, &form.what_happened)
        .await
    {
        Ok(incident) => {
            let to = format!("/orgs/{id}/incidents/{}?reported=1", incident.id);
            Ok(Redirect::to(&to).into_response())
        }
        Err(e @ StoreError::Invalid(_)) => {
            let error = Some(store_error_message(page.lang, &e));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_list(&page, &viewer, &org, status, &form, error).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `?reported=1` after the company reported it.
#[derive(Deserialize)]
pub struct Reported {
    reported: Option<u8>,
}

/// `GET /orgs/{id}/incidents/{iid}`.
pub async fn detail(
    Signed(page, viewer): Signed,
    Path((id, iid)): Path<(String, String)>,
    Query(reported): Query<Reported>,
) -> PageResult {
    let scope = viewer.user.scope();
    let org = page.org_store(&id).await?;
    let incidents = org.incidents();
    let incident = incidents.get(&iid).await?;
    let filter = AlertFilter {
        org_id: Some(org.id().to_owned()),
        incident_id: Some(incident.id.clone()),
        limit: 100,
        ..AlertFilter::default()
    };
    let (alerts, timeline, checks, dispatches, directory) = tokio::try_join!(
        page.state.store.alerts(&scope, &filter),
        incidents.timeline(&iid),
        incidents.checks(&iid),
        incidents.dispatches(&iid),
        directory(&page.state.store),
    )?;
    let alerts: Vec<AlertView> = alerts
        .alerts
        .into_iter()
        .map(|a| AlertView::new(a, page.lang))
        .collect();
    let steps: Vec<Value> = steps()
        .iter()
        .map(|step| {
            let items: Vec<Value> = step
                .items
                .iter()
                .map(|item| {
                    let key = step.item_key(item);
                    let done = checks.iter().find(|c| c.item == key);
                    context! {
                        key => key,
                        text => item.text(page.lang),
                        desk => item.who == Who::Desk,
                        done_at => done.map(|c| c.done_at),
                        done_by => done.map(|c| c.done_by.clone()),
                        may_tick => may_tick(&viewer.user, item.who, org.id()),
                    }
                })
                .collect();
            context! { title => step.title(page.lang), items => items }
        })
        .collect();
    let moves = playbook(&incident.category).moves(page.lang);
    let facts = facts_of(&incident);
    let now = mamori_store::now();
    let duties: Vec<Value> = directory
        .duties(&incident.category, &facts, incident.created_at)
        .into_iter()
        .map(|duty| {
            let c = duty.contact;
            let done = checks.iter().find(|check| check.item == c.duty_key());
            context! {
                key => c.duty_key(),
                due_at => duty.due_at,
                overdue => done.is_none() && duty.due_at.is_some_and(|due| due < now),
                must => duty.need == Need::Must,
                done_at => done.map(|d| d.done_at),
                done_by => done.map(|d| d.done_by.clone()),
                ..contact_view(c, page.lang)
            }
        })
        .collect();
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        incident => Value::from(Serde(&incident)),
        alerts => Value::from(Serde(&alerts)),
        timeline => Value::from(Serde(&timeline)),
        steps => steps,
        first_moves => &moves.first_moves,
        desk_steps => &moves.desk_steps,
        evidence => &moves.evidence,
        facts => Value::from(Serde(&facts)),
        fact_fields => IncidentFacts::TEXT_FIELDS,
        duties => duties,
        may_work => viewer.user.may_in(Deed::WorkIncident, org.id()),
        statuses => IncidentStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        can_triage => viewer.user.may(Deed::TriageAlerts),
        reported => reported.reported.is_some(),
        has_reports => page.state.reports.is_some(),
        dispatches => Value::from(Serde(&dispatches)),
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
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, iid)): Path<(String, String)>,
    PageForm(form): PageForm<IncidentForm>,
) -> PageResult {
    let scope = viewer.user.scope();
    page.authorise(&id, viewer.user.may(Deed::TriageAlerts), &form.csrf)?;
    match page.state.store.incident(&scope, &iid).await {
        Ok(incident) if incident.org_id == id => {}
        Ok(_) => return Err(PageError::NotFound),
        Err(e) => return Err(PageError::from(e)),
    }
    // The form offers the statuses as a list; anything else (or nothing) changes no status.
    let status = form.status.parse::<IncidentStatus>().ok();
    let actor = Actor::user(&viewer.user, Some(addr));
    page.state
        .store
        .update_incident(&actor, &scope, &iid, &form.note, status)
        .await?;
    Ok(Done::IncidentUpdated.redirect(&format!("/orgs/{id}/incidents/{iid}")))
}

/// The checklist form: one item, ticked or not.
#[derive(Deserialize)]
pub struct CheckForm {
    csrf: String,
    item: String,
    #[serde(default)]
    done: String,
}

/// `POST /orgs/{id}/incidents/{iid}/checks`: ticks or unticks one item of the three steps.
/// The company ticks its own items, the desk its own and the company's.
pub async fn check(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, iid)): Path<(String, String)>,
    PageForm(form): PageForm<CheckForm>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let directory = directory(&page.state.store).await?;
    let Some((who, text)) = checklist_item(&form.item, &directory) else {
        return Err(PageError::NotFound);
    };
    page.authorise(&id, may_tick(&viewer.user, who, &id), &form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    tick(&org, &actor, &iid, &form.item, &text, form.done == "1").await?;
    let done = if form.item.starts_with("duty.") {
        Done::DutyTicked
    } else {
        Done::StepTicked
    };
    Ok(done.redirect(&format!("/orgs/{id}/incidents/{iid}")))
}

/// The record form: the facts and the three flags.
#[derive(Deserialize)]
pub struct RecordForm {
    csrf: String,
    #[serde(default)]
    parties: String,
    #[serde(default)]
    people_in_charge: String,
    #[serde(default)]
    discovered_at: String,
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    observed: String,
    #[serde(default)]
    presumed_cause: String,
    #[serde(default)]
    affected_systems: String,
    #[serde(default)]
    configuration: String,
    #[serde(default)]
    personal_data: Option<String>,
    #[serde(default)]
    crime_suspected: Option<String>,
    #[serde(default)]
    regulated_sector: Option<String>,
}

/// `POST /orgs/{id}/incidents/{iid}/record`: saves the record's facts and flags (which decide
/// who must be told).
pub async fn record(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, iid)): Path<(String, String)>,
    PageForm(form): PageForm<RecordForm>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::WorkIncident, &form.csrf)
        .await?;
    let t = |text: &str| text.trim().to_owned();
    let facts = IncidentFacts {
        parties: t(&form.parties),
        people_in_charge: t(&form.people_in_charge),
        discovered_at: t(&form.discovered_at),
        occurred_at: t(&form.occurred_at),
        observed: t(&form.observed),
        presumed_cause: t(&form.presumed_cause),
        affected_systems: t(&form.affected_systems),
        configuration: t(&form.configuration),
        personal_data: form.personal_data.is_some(),
        crime_suspected: form.crime_suspected.is_some(),
        regulated_sector: form.regulated_sector.is_some(),
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    save_record(&org, &actor, &iid, &facts).await?;
    Ok(Done::RecordSaved.redirect(&format!("/orgs/{id}/incidents/{iid}")))
}

/// `GET /orgs/{id}/incidents/{iid}/report/{format}`: the incident report as PDF (to save) or
/// HTML (to read), made from the incident as it stands.
pub async fn report_file(
    Signed(page, _viewer): Signed,
    Path((id, iid, format)): Path<(String, String, String)>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let incident = org.incidents().get(&iid).await?;
    let Some(reporter) = &page.state.reports else {
        return Err(PageError::NotFound);
    };
    if !matches!(format.as_str(), "pdf" | "html") {
        return Err(PageError::NotFound);
    }
    let rendered = match reporter
        .render_incident(org.id(), &incident.id, page.lang)
        .await
    {
        Ok(rendered) => rendered,
        Err(mamori_reports::ReportError::Store(e)) => return Err(e.into()),
        Err(e) => {
            tracing::error!(error = %e, incident = %incident.id, "incident report failed");
            let message = page
                .lang
                .tf("reports.error.failed", &[("detail", &e.to_string())]);
            let status = StatusCode::INTERNAL_SERVER_ERROR;
            return Ok(page.message(status, "error.title", message).await);
        }
    };
    let day = page
        .state
        .store
        .zone()
        .date(mamori_store::now())
        .format("%Y%m%d");
    let name = format!("incident-{day}.{format}");
    Ok(match format.as_str() {
        "pdf" => document_file(rendered.pdf, "application/pdf", "attachment", &name),
        _ => document_file(
            rendered.html.into_bytes(),
            "text/html; charset=utf-8",
            "inline",
            &name,
        ),
    })
}

/// The dispatch form: the whole record as it now stands (times as the browser's
/// `datetime-local` fields send them, read on the site's clock).
#[derive(Deserialize)]
pub struct DispatchForm {
    csrf: String,
    #[serde(default)]
    engineer: String,
    #[serde(default)]
    promised_at: String,
    #[serde(default)]
    arrived_at: String,
    #[serde(default)]
    left_at: String,
    #[serde(default)]
    work_done: String,
    #[serde(default)]
    devices_taken: String,
    #[serde(default)]
    result: String,
}

impl DispatchForm {
    /// The record, or `None` when a time is given but cannot be read.
    fn record(&self, zone: mamori_model::Zone) -> Option<DispatchRecord> {
        let time = |text: &str| match text.trim() {
            "" => Some(None),
            given => zone.parse_local(given).map(Some),
        };
        Some(DispatchRecord {
            promised_at: time(&self.promised_at)?,
            engineer: self.engineer.clone(),
            arrived_at: time(&self.arrived_at)?,
            left_at: time(&self.left_at)?,
            work_done: self.work_done.clone(),
            devices_taken: self.devices_taken.clone(),
            result: self.result.clone(),
        })
    }
}

/// `POST /orgs/{id}/incidents/{iid}/dispatches` (a new dispatch) and
/// `POST /orgs/{id}/incidents/{iid}/dispatches/{did}` (what happened since): the provider's
/// staff record sending an engineer on site.
pub async fn dispatch(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(path): Path<Vec<(String, String)>>,
    PageForm(form): PageForm<DispatchForm>,
) -> PageResult {
    let value = |name: &str| path.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (Some(id), Some(iid)) = (value("id"), value("iid")) else {
        return Err(PageError::NotFound);
    };
    page.authorise(&id, viewer.user.may(Deed::TriageAlerts), &form.csrf)?;
    let org = page.org_store(&id).await?;
    let Some(record) = form.record(page.state.store.zone()) else {
        let message = page.lang.t("incidents.dispatch.bad_time");
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(page.message(status, "error.title", message).await);
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    let incidents = org.incidents();
    // The timeline is written in the portal's default language, as its other entries are.
    let entry_lang = Lang::Ja;
    let engineer = record.engineer.trim().to_owned();
    let outcome = match value("did") {
        None => {
            let entry = entry_lang.tf(
                "incidents.dispatch.requested_entry",
                &[("engineer", &engineer)],
            );
            incidents
                .dispatch(&actor, &iid, &record, &entry)
                .await
                .map(|_| ())
        }
        Some(did) => {
            let entry = entry_lang.tf(
                "incidents.dispatch.updated_entry",
                &[("engineer", &engineer)],
            );
            incidents
                .update_dispatch(&actor, &iid, &did, &record, &entry)
                .await
        }
    };
    match outcome {
        Ok(()) => Ok(Done::DispatchSaved.redirect(&format!("/orgs/{id}/incidents/{iid}"))),
        Err(e @ StoreError::Invalid(_)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let message = store_error_message(page.lang, &e);
            Ok(page.message(status, "error.title", message).await)
        }
        Err(e) => Err(e.into()),
    }
}
