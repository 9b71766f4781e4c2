//! An organisation's own page: company details and members. Provider staff reach every
//! organisation's page; members reach only their own (others get 404).

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};

use mamori_model::{Deed, Role, User};
use mamori_store::{Actor, LinkPurpose, NewUser, StoreError};

use super::console::{InviteForm, OrgForm, org_choices};
use super::login::CsrfOnly;
use super::{Done, Page, PageError, PageResult, Signed, public_base};
use crate::auth::{ClientAddr, Viewer};
use crate::error::describe_store_error;
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages};

/// The sentence for a store error, in `lang`.
pub(crate) fn store_error_message(lang: Lang, e: &StoreError) -> String {
    lang.t(&describe_store_error(e).2)
}

/// Creates a user without a password and shows the invitation link to pass on.
pub(crate) async fn invite(
    page: &Page,
    headers: &HeaderMap,
    actor: &Actor,
    new: NewUser,
) -> Result<Response, StoreError> {
    let store = &page.state.store;
    let user = store.create_user(actor, new).await?;
    show_link(page, headers, actor, &user, LinkPurpose::Invitation).await
}

async fn show_link(
    page: &Page,
    headers: &HeaderMap,
    actor: &Actor,
    user: &User,
    purpose: LinkPurpose,
) -> Result<Response, StoreError> {
    let token = page
        .state
        .store
        .create_password_link(actor, user, purpose, page.state.settings.link_lifetime_secs)
        .await?;
    let ctx = context! {
        link => format!("{}/links/{token}", public_base(&page.state, headers)),
        email => user.email.clone(),
        invitation => purpose == LinkPurpose::Invitation,
        back => user.org_id.as_ref().map(|o| format!("/orgs/{o}")).unwrap_or_else(|| "/console/users".to_owned()),
        days => page.state.settings.link_lifetime_secs / 86400,
    };
    Ok(page.render(StatusCode::OK, "link_created.html", ctx).await)
}

async fn render_home(
    page: &Page,
    headers: &HeaderMap,
    viewer: &Viewer,
    org_id: &str,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let tenant = match page.org_store(org_id).await {
        Ok(tenant) => tenant,
        Err(response) => return response.into_response(),
    };
    let org = tenant.org();
    let dashboard = match super::dashboard::dashboard(page, &tenant, headers).await {
        Ok(dashboard) => dashboard,
        Err(e) => return super::assessment::measure_error(page, e).await,
    };
    let members = match tenant.members().list().await {
        Ok(members) => members,
        Err(e) => return PageError::from(e).into_response(),
    };
    let retention_days = match tenant.events().retention_days().await {
        Ok(days) => days,
        Err(e) => return PageError::from(e).into_response(),
    };
    let ctx = context! {
        org => Value::from(Serde(org)),
        dashboard => dashboard,
        members => Value::from(Serde(&members)),
        retention_days => retention_days,
        may_set_retention => viewer.user.may_in(Deed::SetRetention, org_id),
        may_manage => viewer.user.may_in(Deed::ManageOrganisation, org_id),
        may_reset => viewer.user.may_in(Deed::ResetPasswords, org_id),
        choices => org_choices(),
        error => error,
    };
    page.render(status, "org.html", ctx).await
}

/// The retention form: how many days of events to keep.
#[derive(serde::Deserialize)]
pub struct RetentionForm {
    csrf: String,
    days: String,
}

/// The longest retention the form accepts (ten years).
const MAX_RETENTION_DAYS: i64 = 3650;

/// `POST /orgs/{id}/retention`: the provider's administrator sets how long the
/// organisation's events are kept.
pub async fn set_retention(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<RetentionForm>,
) -> PageResult {
    let tenant = page
        .authorise_org(&id, Deed::SetRetention, &form.csrf)
        .await?;
    let days = match form.days.trim().parse::<i64>() {
        Ok(days) if (1..=MAX_RETENTION_DAYS).contains(&days) => days,
        _ => {
            let message = page.lang.tf(
                "org.retention.invalid",
                &[("max", &MAX_RETENTION_DAYS.to_string())],
            );
            return Ok(render_home(
                &page,
                &headers,
                &viewer,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await);
        }
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    match tenant.events().set_retention(&actor, days).await {
        Ok(()) => Ok(Done::RetentionSaved.redirect(&format!("/orgs/{id}"))),
        Err(e) => Err(PageError::from(e)),
    }
}

/// `GET /orgs/{id}`.
pub async fn home(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    render_home(&page, &headers, &viewer, &id, StatusCode::OK, None).await
}

/// `POST /orgs/{id}`: change the company details.
pub async fn update(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<OrgForm>,
) -> PageResult {
    page.authorise(
        &id,
        viewer.user.may_in(Deed::ManageOrganisation, &id),
        &form.csrf,
    )?;
    let changes = match form.to_new() {
        Ok(c) => c,
        Err(key) => {
            return Ok(render_home(
                &page,
                &headers,
                &viewer,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(page.lang.t(key)),
            )
            .await);
        }
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    match page
        .state
        .store
        .update_org(&actor, &viewer.user.scope(), &id, changes)
        .await
    {
        Ok(_) => Ok(Done::OrgSaved.redirect(&format!("/orgs/{id}"))),
        Err(e @ StoreError::Invalid(_)) => {
            let message = store_error_message(page.lang, &e);
            Ok(render_home(
                &page,
                &headers,
                &viewer,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// `POST /orgs/{id}/users`: invite an owner or staff member.
pub async fn invite_member(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<InviteForm>,
) -> PageResult {
    page.authorise(
        &id,
        viewer.user.may_in(Deed::ManageOrganisation, &id),
        &form.csrf,
    )?;
    let role = match form.role.parse::<Role>() {
        Ok(role) if !role.is_provider() => role,
        _ => {
            return Ok(render_home(
                &page,
                &headers,
                &viewer,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(page.lang.t("users.error.role")),
            )
            .await);
        }
    };
    let new = NewUser {
        email: form.email,
        display_name: form.display_name,
        role,
        org_id: Some(id.clone()),
        password: None,
    };
    match invite(&page, &headers, &Actor::user(&viewer.user, Some(addr)), new).await {
        Ok(response) => Ok(response),
        Err(e @ (StoreError::Invalid(_) | StoreError::EmailTaken)) => {
            let message = store_error_message(page.lang, &e);
            Ok(render_home(
                &page,
                &headers,
                &viewer,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// `POST /users/{id}/reset`: an administrator issues a password-reset link.
pub async fn reset_password(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    if !viewer.user.may(Deed::ResetPasswords) {
        return Err(PageError::Forbidden);
    }
    page.check_csrf(&form.csrf)?;
    let user = match page.state.store.user_by_id(&id).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(PageError::NotFound),
        Err(e) => return Err(PageError::from(e)),
    };
    let actor = Actor::user(&viewer.user, Some(addr));
    match show_link(&page, &headers, &actor, &user, LinkPurpose::Reset).await {
        Ok(response) => Ok(response),
        Err(e) => Err(PageError::from(e)),
    }
}
