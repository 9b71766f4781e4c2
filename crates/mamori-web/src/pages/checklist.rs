//! The two smaller checklists in the browser: the cloud-services checklist, answered once per
//! cloud service the company uses, and the executives' three principles and seven actions.
//! Each can be saved half-done and finished later.

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use mamori_model::{Deed, Organisation};
use mamori_store::{Actor, AnswerKind, OrgStore};

use super::assessment::{
    AnswerForm, answering_form, answering_org, default_edition, measure_error, visible_org,
};
use super::{Done, Page, PageError, PageResult, Signed};
use crate::auth::ClientAddr;
use crate::extract::PageForm;
use crate::measures::{
    MeasureError, RawExecutive, Submission, cloud_services, latest_executive, submit_cloud,
    submit_executive,
};

/// `GET /orgs/{id}/checklists`: the executive checklist's state and every checked cloud
/// service.
pub async fn index(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = visible_org(&page, &viewer, &id).await?;
    let loaded = async {
        let executive = latest_executive(&org).await?;
        let cloud = cloud_services(&org).await?;
        Ok::<_, MeasureError>((executive, cloud))
    };
    let (executive, cloud) = match loaded.await {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let services: Vec<Value> = cloud
        .iter()
        .map(|entry| {
            context! {
                name => entry.set.subject.clone(),
                completed_at => entry.set.completed_at,
                result => Value::from(Serde(&entry.result)),
            }
        })
        .collect();
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        may_answer => viewer.user.may_in(Deed::AnswerQuestionnaires, &id),
        executive => executive.as_ref().map(|e| Value::from(Serde(&e.result))),
        executive_at => executive.as_ref().and_then(|e| e.set.completed_at),
        services => services,
    };
    Ok(page
        .render(StatusCode::OK, "checklist_index.html", ctx)
        .await)
}

/// Which cloud service a checklist is about.
#[derive(Deserialize)]
pub struct ServiceQuery {
    #[serde(default)]
    service: String,
}

/// The answers to show: the draft, else the latest completed set, else none.
async fn saved_answers(
    org: &OrgStore,
    kind: AnswerKind,
    subject: &str,
) -> Result<serde_json::Value, PageError> {
    let stored = org.answers();
    if let Some(draft) = stored.draft(kind, subject).await? {
        return Ok(draft.answers);
    }
    let subject = (kind == AnswerKind::Cloud).then_some(subject);
    let done = stored.completed(kind, subject).await?;
    Ok(done
        .into_iter()
        .next()
        .map_or_else(|| serde_json::json!({}), |s| s.answers))
}

/// Renders the form of checklist `kind` (cloud or executive) with `answers` filled in, and
/// the status and message of a refused submission, if any.
async fn render_form(
    page: &Page,
    org: &Organisation,
    kind: AnswerKind,
    service: &str,
    answers: &serde_json::Value,
    refused: Option<(StatusCode, String)>,
) -> Response {
    let edition = match default_edition(page).await {
        Ok(edition) => edition,
        Err(response) => return response.into_response(),
    };
    let (template, checklist) = match kind {
        AnswerKind::Cloud => ("checklist_cloud.html", Value::from(Serde(&edition.cloud))),
        _ => (
            "checklist_executive.html",
            Value::from(Serde(&edition.executive)),
        ),
    };
    let (status, error) = match refused {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    let ctx = context! {
        org => Value::from(Serde(org)),
        service => service,
        checklist => checklist,
        answers => Value::from(Serde(answers)),
        error => error,
    };
    page.render(status, template, ctx).await
}

/// `GET /orgs/{id}/checklists/cloud?service=…`: the cloud checklist for one service.
pub async fn cloud_form(
    Signed(page, viewer): Signed,
    Path(id): Path<String>,
    Query(query): Query<ServiceQuery>,
) -> PageResult {
    let org = answering_org(&page, &viewer, &id).await?;
    let service = query.service.trim();
    if service.is_empty() {
        return Ok(Redirect::to(&format!("/orgs/{id}/checklists")).into_response());
    }
    let answers = saved_answers(&org, AnswerKind::Cloud, service).await?;
    Ok(render_form(&page, org.org(), AnswerKind::Cloud, service, &answers, None).await)
}

/// The submission for a checklist form: saved as the draft, or completed when `go=finish`.
fn submission<'a>(org: &'a OrgStore, actor: &'a Actor, form: &AnswerForm) -> Submission<'a> {
    let complete = form.field("go") == "finish";
    Submission::new(org, actor, None, complete)
}

/// `POST /orgs/{id}/checklists/cloud`.
pub async fn cloud_submit(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (org, form) = answering_form(&page, &viewer, &id, pairs).await?;
    let actor = Actor::user(&viewer.user, Some(addr));
    let service = form.field("service").trim().to_owned();
    let submission = submission(&org, &actor, &form);
    match submit_cloud(&submission, &service, &form.answers).await {
        Ok(_) => Ok(Done::ChecklistSaved.redirect(&format!("/orgs/{id}/checklists"))),
        Err(e) => {
            let (status, _, message) = e.describe(page.lang);
            let answers = serde_json::to_value(&form.answers).unwrap_or_default();
            Ok(render_form(
                &page,
                org.org(),
                AnswerKind::Cloud,
                &service,
                &answers,
                Some((status, message)),
            )
            .await)
        }
    }
}

/// `GET /orgs/{id}/checklists/executive`.
pub async fn executive_form(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = answering_org(&page, &viewer, &id).await?;
    let answers = saved_answers(&org, AnswerKind::Executive, "").await?;
    Ok(render_form(&page, org.org(), AnswerKind::Executive, "", &answers, None).await)
}

/// `POST /orgs/{id}/checklists/executive`: principles as `p1`…`p3`, actions as `a1`…`a7`.
pub async fn executive_submit(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (org, form) = answering_form(&page, &viewer, &id, pairs).await?;
    let actor = Actor::user(&viewer.user, Some(addr));
    let raw = RawExecutive {
        principles: form.with_prefix("p"),
        actions: form.with_prefix("a"),
    };
    let submission = submission(&org, &actor, &form);
    match submit_executive(&submission, &raw).await {
        Ok(_) => Ok(Done::ChecklistSaved.redirect(&format!("/orgs/{id}/checklists"))),
        Err(e) => {
            let (status, _, message) = e.describe(page.lang);
            let answers: BTreeMap<&str, &BTreeMap<String, String>> =
                [("principles", &raw.principles), ("actions", &raw.actions)].into();
            let answers = serde_json::to_value(answers).unwrap_or_default();
            Ok(render_form(
                &page,
                org.org(),
                AnswerKind::Executive,
                "",
                &answers,
                Some((status, message)),
            )
            .await)
        }
    }
}
