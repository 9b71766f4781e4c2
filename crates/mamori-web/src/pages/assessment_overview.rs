//! The provider-wide view for analysts and administrators: which clients are weakest, and on
//! which self-assessment items most clients still have work to do.

use axum::http::StatusCode;
use mamori_model::Deed;
use minijinja::value::Serde;
use minijinja::{Value, context};

use super::assessment::{default_edition, measure_error};
use super::{PageError, PageResult, Signed};
use crate::measures::overview;

/// `GET /console/assessments`.
pub async fn page(Signed(page, viewer): Signed) -> PageResult {
    if !viewer.user.may(Deed::WatchAllOrganisations) {
        return Err(PageError::Forbidden);
    }
    let edition = default_edition(&page).await?;
    let overview = match overview(&page.state.store, &viewer.user.scope()).await {
        Ok(overview) => overview,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let ctx = context! {
        overview => Value::from(Serde(&overview)),
        parts => Value::from(Serde(&edition.self_assessment.parts)),
    };
    Ok(page
        .render(StatusCode::OK, "assessment_overview.html", ctx)
        .await)
}
