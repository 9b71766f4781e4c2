//! First-run setup: create the provider and its first administrator. Runs only once.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

use mamori_model::Role;
use mamori_store::{Actor, NewUser, StoreError};

use super::login::start_session;
use super::{Page, PageError, PageResult};
use crate::auth::ClientAddr;
use crate::extract::PageForm;
use crate::i18n::Messages;

/// The setup form.
#[derive(Deserialize, Default)]
pub struct SetupForm {
    provider_name: String,
    admin_name: String,
    email: String,
    password: String,
    password_confirm: String,
}

async fn already_set_up(page: &Page) -> Result<bool, PageError> {
    page.provider()
        .await
        .map(|p| p.is_some())
        .map_err(|_| PageError::from(StatusCode::SERVICE_UNAVAILABLE.into_response()))
}

/// `GET /setup`.
pub async fn form(page: Page) -> PageResult {
    if already_set_up(&page).await? {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(page
        .render(
            StatusCode::OK,
            "setup.html",
            context! { form => context!{}, error => None::<String> },
        )
        .await)
}

/// `POST /setup`.
pub async fn submit(
    page: Page,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<SetupForm>,
) -> PageResult {
    if already_set_up(&page).await? {
        return Ok(Redirect::to("/login").into_response());
    }
    let retry = |message: String| {
        let ctx = context! {
            form => context! { provider_name => form.provider_name.clone(), admin_name => form.admin_name.clone(), email => form.email.clone() },
            error => message,
        };
        page.render(StatusCode::UNPROCESSABLE_ENTITY, "setup.html", ctx)
    };
    if form.provider_name.trim().is_empty() {
        return Ok(retry(page.lang.t("setup.error.provider_name")).await);
    }
    if form.password != form.password_confirm {
        return Ok(retry(page.lang.t("error.password_mismatch")).await);
    }
    let admin = NewUser {
        email: form.email.clone(),
        display_name: form.admin_name.clone(),
        role: Role::Admin,
        org_id: None,
        password: Some(form.password.clone()),
    };
    let actor = Actor::anonymous(form.email.trim(), Some(addr));
    match page
        .state
        .store
        .setup(&actor, &form.provider_name, admin)
        .await
    {
        Ok((_, user)) => start_session(&page.state, &user, "/console/orgs")
            .await
            .map_err(|e| PageError::from(e.into_response())),
        Err(StoreError::AlreadySetUp) => Ok(Redirect::to("/login").into_response()),
        Err(e @ (StoreError::Invalid(_) | StoreError::EmailTaken)) => {
            let (_, _, key) = crate::error::describe_store_error(&e);
            Ok(retry(page.lang.t(&key)).await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}
