//! Signing in and out, and the one-time links that let a person choose a password.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use mamori_model::User;
use mamori_store::{Actor, AuditAction, LinkPurpose, StoreError};

use super::{Page, PageError, PageResult, Signed};
use crate::auth::ClientAddr;
use crate::cookies;
use crate::extract::PageForm;
use crate::i18n::Messages;
use crate::state::AppState;

/// Starts a session for `user` and redirects to `target` with the session (and the user's
/// language) in cookies.
pub(crate) async fn start_session(
    state: &AppState,
    user: &User,
    target: &str,
) -> Result<Response, StatusCode> {
    let (token, _) = state
        .store
        .create_session(&user.id, state.settings.session_lifetime_secs)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not create session");
            StatusCode::SERVICE_UNAVAILABLE
        })?;
    let secure = state.settings.secure_cookies;
    let mut response = Redirect::to(target).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        cookies::set(
            cookies::SESSION,
            &token,
            state.settings.session_lifetime_secs,
            secure,
        ),
    );
    if let Some(locale) = &user.locale {
        headers.append(
            header::SET_COOKIE,
            cookies::set(cookies::LANG, locale, 365 * 24 * 3600, secure),
        );
    }
    Ok(response)
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

/// `GET /login`.
pub async fn form(page: Page) -> PageResult {
    if page.viewer.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    if page.provider().await.ok().flatten().is_none() {
        return Ok(Redirect::to("/setup").into_response());
    }
    Ok(page
        .render(
            StatusCode::OK,
            "login.html",
            context! { email => "", error => None::<String> },
        )
        .await)
}

/// `POST /login`: rate-limited per account and per address; the error never tells whether
/// the e-mail address exists.
pub async fn submit(
    page: Page,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<LoginForm>,
) -> PageResult {
    let store = &page.state.store;
    let limits = &page.state.settings.login_limits;
    let refuse = |status: StatusCode, key: &str| {
        page.render(
            status,
            "login.html",
            context! { email => form.email.clone(), error => page.lang.t(key) },
        )
    };
    match store.login_blocked(limits, &form.email, &addr).await {
        Ok(true) => {
            let _ = store
                .audit(
                    &Actor::anonymous(form.email.trim(), Some(addr.clone())),
                    AuditAction::LoginThrottled,
                    None,
                    None,
                )
                .await;
            return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, "login.error.throttled").await);
        }
        Ok(false) => {}
        Err(e) => return Err(PageError::from(e)),
    }
    match store.authenticate(&form.email, &form.password).await {
        Ok(Some(user)) => {
            let _ = store.clear_login_failures(&form.email, &addr).await;
            let _ = store
                .audit(
                    &Actor::user(&user, Some(addr)),
                    AuditAction::LoginSucceeded,
                    user.org_id.as_deref(),
                    None,
                )
                .await;
            start_session(&page.state, &user, "/")
                .await
                .map_err(|e| PageError::from(e.into_response()))
        }
        Ok(None) => {
            let _ = store.record_login_failure(&form.email, &addr).await;
            let _ = store
                .audit(
                    &Actor::anonymous(form.email.trim(), Some(addr)),
                    AuditAction::LoginFailed,
                    None,
                    None,
                )
                .await;
            Ok(refuse(StatusCode::UNAUTHORIZED, "login.error.invalid").await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// A form that carries only the CSRF token.
#[derive(Deserialize)]
pub struct CsrfOnly {
    pub csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    page.check_csrf(&form.csrf)?;
    let state = &page.state;
    let _ = state.store.delete_session(&viewer.cookie).await;
    let _ = state
        .store
        .audit(
            &Actor::user(&viewer.user, Some(addr)),
            AuditAction::Logout,
            viewer.user.org_id.as_deref(),
            None,
        )
        .await;
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(cookies::SESSION, "", 0, state.settings.secure_cookies),
    );
    Ok(response)
}

/// The choose-a-password form behind an invitation or reset link.
#[derive(Deserialize)]
pub struct ChoosePassword {
    password: String,
    password_confirm: String,
}

async fn render_link(
    page: &Page,
    status: StatusCode,
    token: &str,
    error: Option<String>,
) -> Response {
    match page.state.store.password_link(token).await {
        Ok(Some(link)) => {
            let ctx = context! {
                email => link.user.email,
                display_name => link.user.display_name,
                invitation => link.purpose == LinkPurpose::Invitation,
                expires_at => link.expires_at,
                error => error,
            };
            page.render(status, "choose_password.html", ctx).await
        }
        Ok(None) => {
            page.message(
                StatusCode::NOT_FOUND,
                "link.expired.title",
                page.lang.t("link.expired.body"),
            )
            .await
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

/// `GET /links/{token}`.
pub async fn link_form(page: Page, Path(token): Path<String>) -> Response {
    render_link(&page, StatusCode::OK, &token, None).await
}

/// `POST /links/{token}`: sets the password and signs the person in.
pub async fn link_submit(
    page: Page,
    ClientAddr(addr): ClientAddr,
    Path(token): Path<String>,
    PageForm(form): PageForm<ChoosePassword>,
) -> PageResult {
    if form.password != form.password_confirm {
        let error = Some(page.lang.t("error.password_mismatch"));
        return Ok(render_link(&page, StatusCode::UNPROCESSABLE_ENTITY, &token, error).await);
    }
    match page
        .state
        .store
        .redeem_password_link(&token, &form.password, Some(addr))
        .await
    {
        Ok(user) => start_session(&page.state, &user, "/")
            .await
            .map_err(|e| PageError::from(e.into_response())),
        Err(e @ StoreError::Invalid(_)) => {
            let (_, _, key) = crate::error::describe_store_error(&e);
            Ok(render_link(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                &token,
                Some(page.lang.t(&key)),
            )
            .await)
        }
        Err(StoreError::NotFound) => {
            Ok(render_link(&page, StatusCode::NOT_FOUND, &token, None).await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}
