//! The provider console: every client organisation, the provider's own staff, the audit log.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use mamori_model::{Deed, EmployeeBand, Industry, Role, Scope};
use mamori_store::{Actor, NewOrganisation, NewUser, StoreError};

use super::org::{invite, store_error_message};
use super::{Done, Page, PageError, PageResult, Signed};
use crate::audit_view::AuditLine;
use crate::auth::ClientAddr;
use crate::extract::PageForm;
use crate::i18n::Messages;

/// The organisation form, shared by creation and editing.
#[derive(Deserialize, Clone, serde::Serialize)]
pub struct OrgForm {
    pub csrf: String,
    pub name: String,
    pub industry: String,
    pub employees: String,
    pub contact_email: String,
}

impl OrgForm {
    /// Parses the classes; the error is the message key of the field that is wrong.
    pub fn to_new(&self) -> Result<NewOrganisation, &'static str> {
        Ok(NewOrganisation {
            name: self.name.clone(),
            industry: self
                .industry
                .parse::<Industry>()
                .map_err(|_| "org.error.industry")?,
            employees: self
                .employees
                .parse::<EmployeeBand>()
                .map_err(|_| "org.error.employees")?,
            contact_email: self.contact_email.clone(),
        })
    }
}

/// The choices offered in organisation forms.
pub fn org_choices() -> Value {
    context! {
        industries => Industry::all().map(|i| i.letter().to_string()).collect::<Vec<_>>(),
        bands => EmployeeBand::ALL.iter().map(|b| b.as_str()).collect::<Vec<_>>(),
    }
}

/// How many SECURITY ACTION stars organisation `org_id` is ready to declare (0, 1 or 2), by
/// the same readiness rules as its own pages.
async fn star_status(page: &Page, org_id: &str) -> Result<u8, PageError> {
    let org = page.org_store(org_id).await?;
    match crate::measures::org_readiness(&org, "").await {
        Ok((readiness, _)) => Ok(if readiness.two_stars {
            2
        } else {
            u8::from(readiness.one_star)
        }),
        Err(e) => Err(PageError::from(
            super::assessment::measure_error(page, e).await,
        )),
    }
}

async fn render_orgs(
    page: &Page,
    status: StatusCode,
    form: Option<&OrgForm>,
    error: Option<String>,
) -> Response {
    let store = &page.state.store;
    let all = Scope::AllOrganisations;
    // This month so far, on the site's clock.
    let (zone, now) = (store.zone(), mamori_store::now());
    let month_start = zone
        .date(now)
        .with_day(1)
        .map_or(now, |first| zone.midnight(first));
    match tokio::try_join!(
        store.orgs(&all),
        store.open_alerts_by_org(&all),
        store.route_health(&all),
        store.declarations(&all),
        store.all_dispatch_figures(&all, month_start, now + 1),
        super::unwarned_by_org(store),
    ) {
        Ok((orgs, open, health, declarations, visits, unwarned)) => {
            let mut rows: Vec<Value> = Vec::with_capacity(orgs.len());
            for org in &orgs {
                let route = health.get(&org.id).copied().unwrap_or_default();
                let unwarned = unwarned.get(&org.id).copied().unwrap_or_default();
                let stars = match star_status(page, &org.id).await {
                    Ok(stars) => stars,
                    Err(response) => return response.into_response(),
                };
                rows.push(context! {
                    org => Value::from(Serde(org)),
                    alerts => Value::from(Serde(open.get(&org.id).cloned().unwrap_or_default())),
                    route => Value::from(Serde(route)),
                    route_broken => route.broken() || unwarned > 0,
                    channels_broken => route.broken(),
                    unwarned => unwarned,
                    stars_ready => stars,
                    declared => declarations.iter().find(|d| d.org_id == org.id).map(|d| Value::from(Serde(d))),
                });
            }
            let visits = match (visits.dispatches, visits.average_minutes_to_arrival) {
                (0, _) => page.lang.t("console.orgs.visits_none"),
                (n, Some(minutes)) => page.lang.tf(
                    "console.orgs.visits",
                    &[("n", &n.to_string()), ("minutes", &minutes.to_string())],
                ),
                (n, None) => page
                    .lang
                    .tf("console.orgs.visits_waiting", &[("n", &n.to_string())]),
            };
            let ctx = context! {
                orgs => Value::from(Serde(&orgs)),
                visits => visits,
                rows => rows,
                choices => org_choices(),
                form => Value::from(Serde(form)),
                error => error,
            };
            page.render(status, "console_orgs.html", ctx).await
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

/// `GET /console/orgs`.
pub async fn orgs(Signed(page, _viewer): Signed) -> PageResult {
    page.require(Deed::WatchAllOrganisations)?;
    Ok(render_orgs(&page, StatusCode::OK, None, None).await)
}

/// `POST /console/orgs`: an administrator adds a client organisation.
pub async fn create_org(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<OrgForm>,
) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    page.check_csrf(&form.csrf)?;
    let new = match form.to_new() {
        Ok(new) => new,
        Err(key) => {
            return Ok(render_orgs(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&form),
                Some(page.lang.t(key)),
            )
            .await);
        }
    };
    match page
        .state
        .store
        .create_org(&Actor::user(&viewer.user, Some(addr)), new)
        .await
    {
        Ok(org) => Ok(Done::OrgCreated.redirect(&format!("/orgs/{}", org.id))),
        Err(e @ StoreError::Invalid(_)) => {
            let message = store_error_message(page.lang, &e);
            Ok(render_orgs(
                &page,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&form),
                Some(message),
            )
            .await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

async fn render_provider_users(page: &Page, status: StatusCode, error: Option<String>) -> Response {
    match page.state.store.provider_users().await {
        Ok(users) => {
            page.render(
                status,
                "console_users.html",
                context! { users => Value::from(Serde(&users)), error => error },
            )
            .await
        }
        Err(e) => PageError::from(e).into_response(),
    }
}

/// `GET /console/users`: the provider's administrators and analysts.
pub async fn provider_users(Signed(page, _viewer): Signed) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    Ok(render_provider_users(&page, StatusCode::OK, None).await)
}

/// The invitation form.
#[derive(Deserialize)]
pub struct InviteForm {
    pub csrf: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
}

/// `POST /console/users`: invite an administrator or analyst.
pub async fn invite_provider_user(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<InviteForm>,
) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    page.check_csrf(&form.csrf)?;
    let role = match form.role.parse::<Role>() {
        Ok(role) if role.is_provider() => role,
        _ => {
            return Ok(render_provider_users(
                &page,
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
        org_id: None,
        password: None,
    };
    match invite(&page, &headers, &Actor::user(&viewer.user, Some(addr)), new).await {
        Ok(response) => Ok(response),
        Err(e @ (StoreError::Invalid(_) | StoreError::EmailTaken)) => {
            let message = store_error_message(page.lang, &e);
            Ok(render_provider_users(&page, StatusCode::UNPROCESSABLE_ENTITY, Some(message)).await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}

/// `GET /console/audit`: the newest audit entries.
pub async fn audit(Signed(page, _viewer): Signed) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    match page
        .state
        .store
        .audit_log(&Scope::AllOrganisations, 200)
        .await
    {
        Ok(entries) => {
            let lines: Vec<AuditLine> = entries
                .into_iter()
                .map(|e| AuditLine::new(e, page.lang))
                .collect();
            Ok(page
                .render(
                    StatusCode::OK,
                    "audit.html",
                    context! { entries => Value::from(Serde(&lines)) },
                )
                .await)
        }
        Err(e) => Err(PageError::from(e)),
    }
}
