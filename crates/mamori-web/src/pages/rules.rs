//! The five basic rules and SECURITY ACTION readiness: the owner reads the rules, acknowledges
//! them (the one-star step), and sees which two-star steps remain.

use axum::extract::Path;
use axum::http::StatusCode;
use minijinja::value::Serde;
use minijinja::{Value, context};

use mamori_model::Deed;
use mamori_store::Actor;

use super::assessment::{answering_org, default_edition, measure_error, visible_org};
use super::login::CsrfOnly;
use super::{Done, PageError, PageResult, Signed};
use crate::auth::ClientAddr;
use crate::extract::PageForm;
use crate::measures::{acknowledge_rules, org_readiness};

/// `GET /orgs/{id}/rules`.
pub async fn page(
    Signed(page, viewer): Signed,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let org = visible_org(&page, &viewer, &id).await?;
    let edition = default_edition(&page).await?;
    let (readiness, acknowledged) =
        match org_readiness(&org, &super::public_base(&page.state, &headers)).await {
            Ok(found) => found,
            Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
        };
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        rules => Value::from(Serde(&edition.five_rules)),
        readiness => Value::from(Serde(&readiness)),
        acknowledged_at => acknowledged.map(|a| a.at),
        may_answer => viewer.user.may_in(Deed::AnswerQuestionnaires, &id),
    };
    Ok(page
        .render(StatusCode::OK, "assessment_rules.html", ctx)
        .await)
}

/// `POST /orgs/{id}/rules`: the organisation commits to the five basic rules.
pub async fn acknowledge(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    let org = answering_org(&page, &viewer, &id).await?;
    page.check_csrf(&form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    if let Err(e) = acknowledge_rules(&org, &actor).await {
        return Err(PageError::from(measure_error(&page, e).await));
    }
    Ok(Done::RulesAcknowledged.redirect(&format!("/orgs/{id}/rules")))
}
