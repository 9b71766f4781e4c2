//! The signed-in person's own account: password and API tokens.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use mamori_store::{Actor, StoreError};

use super::login::{CsrfOnly, start_session};
use super::org::store_error_message;
use super::{Done, Page, PageError, PageResult, Signed};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::Messages;

async fn render(
    page: &Page,
    viewer: &Viewer,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    new_token: Option<String>,
) -> Response {
    match page.state.store.tokens_of(&viewer.user.id).await {
        Ok(tokens) => {
            let ctx = context! { tokens => Value::from(Serde(&tokens)), notice => notice, error => error, new_token => new_token };
            page.render(status, "account.html", ctx).await
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

/// `GET /account`.
pub async fn page(Signed(page, viewer): Signed) -> Response {
    render(&page, &viewer, StatusCode::OK, None, None, None).await
}

/// The change-password form.
#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    password: String,
    password_confirm: String,
}

/// `POST /account/password`: checks the current password, sets the new one, ends other
/// sessions and keeps this browser signed in.
pub async fn change_password(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<PasswordForm>,
) -> PageResult {
    page.check_csrf(&form.csrf)?;
    let fail = |key: &str| {
        render(
            &page,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(page.lang.t(key)),
            None,
        )
    };
    if form.password != form.password_confirm {
        return Ok(fail("error.password_mismatch").await);
    }
    match page
        .state
        .store
        .authenticate(&viewer.user.email, &form.current)
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => return Ok(fail("account.error.current").await),
        Err(e) => return Err(PageError::from(e)),
    }
    let actor = Actor::user(&viewer.user, Some(addr));
    match page
        .state
        .store
        .set_password(&actor, &viewer.user.id, &form.password)
        .await
    {
        Ok(()) => start_session(&page.state, &viewer.user, "/account")
            .await
            .map_err(|e| PageError::from(e.into_response())),
        Err(e @ StoreError::Invalid(_)) => {
            let message = store_error_message(page.lang, &e);
            Ok(render(
                &page,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
                None,
            )
            .await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// The new-token form.
#[derive(Deserialize)]
pub struct TokenForm {
    csrf: String,
    name: String,
}

/// `POST /account/tokens`: creates an API token and shows it once.
pub async fn create_token(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<TokenForm>,
) -> PageResult {
    page.check_csrf(&form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    match page
        .state
        .store
        .create_token(&actor, &viewer.user, &form.name)
        .await
    {
        Ok((_, secret)) => Ok(render(
            &page,
            &viewer,
            StatusCode::OK,
            Some(page.lang.t("account.token.created")),
            None,
            Some(secret),
        )
        .await),
        Err(e @ StoreError::Invalid(_)) => {
            let message = store_error_message(page.lang, &e);
            Ok(render(
                &page,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
                None,
            )
            .await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// `POST /account/tokens/{id}/revoke`.
pub async fn revoke_token(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    page.check_csrf(&form.csrf)?;
    match page
        .state
        .store
        .revoke_token(&Actor::user(&viewer.user, Some(addr)), &viewer.user, &id)
        .await
    {
        Ok(()) => Ok(Done::TokenRevoked.redirect("/account")),
        // Someone else's token, or one already gone: say so instead of pretending.
        Err(StoreError::NotFound) => Err(PageError::NotFound),
        Err(e) => Err(PageError::from(e)),
    }
}
