//! An organisation's notification page: where its alerts go, whether each channel works,
//! the "send a test" button with the result per channel, and the latest notifications.
//! A company with no working channel is told so in red, never left with a blank address.

use axum::extract::Path;
use axum::http::StatusCode;
use mamori_alerts::{RouteCheck, test_route};
use mamori_model::{Deed, Severity};
use mamori_store::Actor;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use super::login::CsrfOnly;
use super::{Done, Page, PageError, PageResult, Signed};
use crate::api::channels::ChannelView;
use crate::auth::{ClientAddr, Viewer};
use crate::channel_input::ChannelInput;
use crate::extract::PageForm;
use crate::i18n::Messages;

/// Renders the page, with a form error or the results of a test just sent.
async fn render(
    page: &Page,
    viewer: &Viewer,
    org_id: &str,
    status: StatusCode,
    error: Option<String>,
    checks: Option<Vec<RouteCheck>>,
) -> PageResult {
    let state = &page.state;
    let tenant = page.org_store(org_id).await?;
    let org = tenant.org();
    let channels = tenant.channels();
    let (channels, deliveries) = match tokio::try_join!(channels.list(), channels.deliveries(20)) {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(e)),
    };
    let views: Vec<ChannelView> = channels.into_iter().map(ChannelView::new).collect();
    let ctx = context! {
        org => Value::from(Serde(&org)),
        channels => Value::from(Serde(&views)),
        deliveries => Value::from(Serde(&deliveries)),
        checks => checks.map(|c| Value::from(Serde(&c))),
        can_manage => viewer.user.may_at(Deed::ManageChannels, Some(org_id)),
        can_test => viewer.user.may_in(Deed::TestRoute, org_id) && state.alerting.is_some(),
        severities => Severity::ALL.iter().rev().map(|s| s.as_str()).collect::<Vec<_>>(),
        error => error,
    };
    Ok(page.render(status, "channels.html", ctx).await)
}

/// `GET /orgs/{id}/channels`.
pub async fn page(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    render(&page, &viewer, &id, StatusCode::OK, None, None).await
}

/// The add-a-channel form.
#[derive(Deserialize)]
pub struct ChannelForm {
    csrf: String,
    #[serde(flatten)]
    input: ChannelFields,
}

/// The form's fields as text (check boxes arrive as `on` or not at all).
#[derive(Deserialize)]
pub struct ChannelFields {
    kind: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    min_severity: String,
    #[serde(default)]
    quiet_start: String,
    #[serde(default)]
    quiet_end: String,
    #[serde(default)]
    digest: Option<String>,
    #[serde(default)]
    lang: String,
}

impl ChannelFields {
    fn input(self) -> ChannelInput {
        ChannelInput {
            kind: self.kind,
            to: Some(self.to),
            url: Some(self.url),
            secret: Some(self.secret),
            min_severity: Some(self.min_severity),
            quiet_start: Some(self.quiet_start),
            quiet_end: Some(self.quiet_end),
            digest: Some(self.digest.is_some()),
            lang: Some(self.lang),
        }
    }
}

/// `POST /orgs/{id}/channels`: adds a channel.
pub async fn create(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<ChannelForm>,
) -> PageResult {
    let scope = viewer.user.scope();
    page.authorise(
        &id,
        viewer.user.may_at(Deed::ManageChannels, Some(&id)),
        &form.csrf,
    )?;
    let new = match form.input.input().to_new(
        Some(id.clone()),
        page.lang,
        &page.state.webhook_destinations(),
    ) {
        Ok(new) => new,
        Err(message) => {
            return render(
                &page,
                &viewer,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
                None,
            )
            .await;
        }
    };
    match page
        .state
        .store
        .create_channel(&Actor::user(&viewer.user, Some(addr)), &scope, new)
        .await
    {
        Ok(_) => Ok(Done::ChannelAdded.redirect(&format!("/orgs/{id}/channels"))),
        Err(e) => Err(PageError::from(e)),
    }
}

/// `POST /orgs/{id}/channels/{cid}/delete`.
pub async fn delete(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, cid)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    let scope = viewer.user.scope();
    page.authorise(
        &id,
        viewer.user.may_at(Deed::ManageChannels, Some(&id)),
        &form.csrf,
    )?;
    match page.state.store.channel(&scope, &cid).await {
        Ok(Some(channel)) if channel.org_id.as_deref() == Some(id.as_str()) => {}
        Ok(_) => return Err(PageError::NotFound),
        Err(e) => return Err(PageError::from(e)),
    }
    match page
        .state
        .store
        .delete_channel(&Actor::user(&viewer.user, Some(addr)), &scope, &cid)
        .await
    {
        Ok(()) => Ok(Done::ChannelRemoved.redirect(&format!("/orgs/{id}/channels"))),
        Err(e) => Err(PageError::from(e)),
    }
}

/// `POST /orgs/{id}/channels/test`: sends the test and shows the result per channel.
pub async fn test(
    Signed(page, viewer): Signed,
    Path(id): Path<String>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    let scope = viewer.user.scope();
    page.authorise(&id, viewer.user.may_in(Deed::TestRoute, &id), &form.csrf)?;
    let Some(alerting) = &page.state.alerting else {
        return Err(PageError::from(
            page.message(
                StatusCode::SERVICE_UNAVAILABLE,
                "error.title",
                page.lang.t("channels.error.off"),
            )
            .await,
        ));
    };
    match test_route(
        &page.state.store,
        &alerting.notifier,
        &alerting.settings,
        &scope,
        &id,
    )
    .await
    {
        Ok(checks) => render(&page, &viewer, &id, StatusCode::OK, None, Some(checks)).await,
        Err(mamori_alerts::AlertsError::Store(e)) => Err(PageError::from(e)),
        Err(e) => {
            tracing::error!(error = %e, "route test failed");
            Err(PageError::from(
                page.message(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error.title",
                    page.lang.t("error.internal"),
                )
                .await,
            ))
        }
    }
}
