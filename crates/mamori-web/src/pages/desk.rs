//! The provider's consultation desk (相談窓口): set once by an administrator, shown to client
//! companies wherever mamori tells them to get in touch.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use mamori_model::{Deed, ResponseTargets};
use mamori_store::{Actor, Desk, StoreError};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use super::org::store_error_message;
use super::{Page, PageError, PageResult, Signed};
use crate::auth::ClientAddr;
use crate::extract::PageForm;
use crate::i18n::Messages;

/// The desk form. The first-response targets are typed as text and read here, because
/// form fields beside a flattened struct arrive as text.
#[derive(Deserialize)]
pub struct DeskForm {
    csrf: String,
    #[serde(default)]
    target_high: String,
    #[serde(default)]
    target_normal: String,
    #[serde(default)]
    target_low: String,
    #[serde(flatten)]
    desk: Desk,
}

/// The longest first-response target the form accepts: a week, in minutes.
const MAX_TARGET_MINUTES: i64 = 7 * 24 * 60;

impl DeskForm {
    /// The desk with its targets (a blank target keeps the usual one), or `None` when a
    /// target is not a number of minutes from 1 to a week.
    fn desk(&self) -> Option<Desk> {
        let usual = ResponseTargets::default();
        let minutes = |text: &str, usual: i64| match text.trim() {
            "" => Some(usual),
            given => given
                .parse::<i64>()
                .ok()
                .filter(|m| (1..=MAX_TARGET_MINUTES).contains(m)),
        };
        Some(Desk {
            targets: ResponseTargets {
                high: minutes(&self.target_high, usual.high)?,
                normal: minutes(&self.target_normal, usual.normal)?,
                low: minutes(&self.target_low, usual.low)?,
            },
            ..self.desk.clone()
        })
    }
}

async fn render(
    page: &Page,
    status: StatusCode,
    desk: Option<Desk>,
    error: Option<String>,
    saved: bool,
) -> Response {
    page.render(
        status,
        "console_desk.html",
        context! { desk => desk.map(|d| Value::from(Serde(d))), error => error, saved => saved },
    )
    .await
}

/// `?saved=1` after the form was sent.
#[derive(Deserialize)]
pub struct Saved {
    saved: Option<u8>,
}

/// `GET /console/desk`: the desk's details, for administrators to set.
pub async fn show(Signed(page, _viewer): Signed, Query(saved): Query<Saved>) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    let saved = saved.saved.is_some();
    let desk = page.provider().await?.and_then(|p| p.desk.clone());
    Ok(render(&page, StatusCode::OK, desk, None, saved).await)
}

/// `POST /console/desk`: saves the desk's details.
pub async fn save(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<DeskForm>,
) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    page.check_csrf(&form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    let Some(desk) = form.desk() else {
        let message = page.lang.t("desk.error.target");
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(render(&page, status, Some(form.desk), Some(message), false).await);
    };
    match page.state.store.set_desk(&actor, &desk).await {
        Ok(_) => Ok(Redirect::to("/console/desk?saved=1").into_response()),
        Err(e @ StoreError::Invalid(_)) => {
            let message = store_error_message(page.lang, &e);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(render(&page, status, Some(desk), Some(message), false).await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}
