//! Browser pages: first-run setup, sign-in, the provider console and the organisation portal.

mod account;
pub(crate) mod alerts;
mod assessment;
mod assessment_overview;
mod assets;
mod channels;
mod checklist;
mod console;
mod consultations;
mod contacts;
mod dashboard;
mod desk;
mod detections;
mod devices;
mod documents;
mod done;
mod endpoints;
mod events;
mod failure;
mod incidents;
mod inventory;
mod login;
mod org;
pub(crate) mod reports;
mod risks;
mod rules;
mod setup;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::{MaybeViewer, Viewer};
use crate::cookies;
use crate::i18n::{Lang, Messages, Negotiated};
use crate::state::AppState;
use mamori_model::Deed;
use mamori_store::Provider;
use tokio::sync::OnceCell;

pub(crate) use assets::asset_problem_message;
pub(crate) use done::Done;
pub(crate) use failure::{PageError, render_errors};
pub(crate) use inventory::{device_problem_message, inventory_of, unwarned_by_org};
pub(crate) use risks::risk_problem_message;

/// What page handlers return: the page (or a redirect), or why it is not shown.
pub(crate) type PageResult = Result<Response, PageError>;

/// Routes of the browser pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/lang/{code}", get(switch_language))
        .route("/setup", get(setup::form).post(setup::submit))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route(
            "/links/{token}",
            get(login::link_form).post(login::link_submit),
        )
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route(
            "/console/orgs",
            get(console::orgs).post(console::create_org),
        )
        .route(
            "/console/users",
            get(console::provider_users).post(console::invite_provider_user),
        )
        .route("/console/audit", get(console::audit))
        .route("/console/desk", get(desk::show).post(desk::save))
        .route("/console/contacts", get(contacts::list))
        .route(
            "/console/contacts/new",
            get(contacts::new_form).post(contacts::create),
        )
        .route(
            "/console/contacts/{key}",
            get(contacts::edit_form).post(contacts::update),
        )
        .route("/console/contacts/{key}/reset", post(contacts::reset))
        .route("/console/assessments", get(assessment_overview::page))
        .route("/orgs/{id}/assessment", get(assessment::hub))
        .route(
            "/orgs/{id}/assessment/answer",
            get(assessment::part_form).post(assessment::part_submit),
        )
        .route("/orgs/{id}/assessment/{aid}", get(assessment::result))
        .route(
            "/orgs/{id}/rules",
            get(rules::page).post(rules::acknowledge),
        )
        .route("/orgs/{id}/checklists", get(checklist::index))
        .route(
            "/orgs/{id}/checklists/cloud",
            get(checklist::cloud_form).post(checklist::cloud_submit),
        )
        .route(
            "/orgs/{id}/checklists/executive",
            get(checklist::executive_form).post(checklist::executive_submit),
        )
        .route(
            "/console/sources",
            get(events::console).post(devices::register),
        )
        .route("/orgs/{id}/assets", get(assets::ledger))
        .route("/orgs/{id}/assets.csv", get(assets::export))
        .route("/orgs/{id}/assets.xlsx", get(assets::export_workbook))
        .route(
            "/orgs/{id}/assets/new",
            get(assets::new_form).post(assets::create),
        )
        .route(
            "/orgs/{id}/assets/import",
            post(assets::import).layer(DefaultBodyLimit::max(assets::MAX_IMPORT_BYTES)),
        )
        .route(
            "/orgs/{id}/assets/{aid}",
            get(assets::edit_form).post(assets::change),
        )
        .route("/orgs/{id}/assets/{aid}/delete", post(assets::remove))
        .route(
            "/orgs/{id}/endpoints",
            get(endpoints::endpoints).post(endpoints::make_token),
        )
        .route(
            "/orgs/{id}/endpoints/{agent}/retire",
            post(endpoints::retire),
        )
        .route("/orgs/{id}/devices", get(inventory::inventory))
        .route(
            "/orgs/{id}/devices/new",
            get(inventory::new_form).post(inventory::create),
        )
        .route(
            "/orgs/{id}/devices/{did}",
            get(inventory::edit_form).post(inventory::change),
        )
        .route("/orgs/{id}/devices/{did}/delete", post(inventory::remove))
        .route("/console/expiries", get(inventory::console_expiries))
        .route("/orgs/{id}/risks", get(risks::sheet))
        .route(
            "/console/likelihood",
            get(risks::table_form).post(risks::save_table),
        )
        .route(
            "/orgs/{id}/risks/new",
            get(risks::new_form).post(risks::create),
        )
        .route(
            "/orgs/{id}/risks/{rid}",
            get(risks::edit_form).post(risks::change),
        )
        .route("/orgs/{id}/risks/{rid}/delete", post(risks::remove))
        .route(
            "/console/sources/{id}",
            get(devices::change_form).post(devices::change),
        )
        .route("/console/sources/{id}/retire", post(devices::retire))
        .route("/console/quarantine/assign", post(events::assign))
        .route("/console/quarantine/dismiss", post(events::dismiss))
        .route("/orgs/{id}/events", get(events::search))
        .route("/orgs/{id}/detections", get(detections::list))
        .route("/console/alerts", get(alerts::queue))
        .route("/console/alerts/bulk", post(alerts::bulk))
        .route("/orgs/{id}/alerts", get(alerts::list))
        .route("/orgs/{id}/alerts/{aid}", get(alerts::detail))
        .route("/orgs/{id}/alerts/{aid}/action", post(alerts::act))
        .route("/orgs/{id}/alerts/{aid}/escalate", post(alerts::escalate))
        .route("/orgs/{id}/alerts/{aid}/suppress", post(alerts::suppress))
        .route("/orgs/{id}/suppressions/{sid}/revoke", post(alerts::revoke))
        .route(
            "/orgs/{id}/incidents",
            get(incidents::list).post(incidents::report),
        )
        .route("/orgs/{id}/incidents/{iid}/checks", post(incidents::check))
        .route("/orgs/{id}/incidents/{iid}/record", post(incidents::record))
        .route(
            "/orgs/{id}/incidents/{iid}/report/{format}",
            get(incidents::report_file),
        )
        .route(
            "/orgs/{id}/incidents/{iid}/dispatches",
            post(incidents::dispatch),
        )
        .route(
            "/orgs/{id}/incidents/{iid}/dispatches/{did}",
            post(incidents::dispatch),
        )
        .route(
            "/orgs/{id}/incidents/{iid}",
            get(incidents::detail).post(incidents::update),
        )
        .route(
            "/orgs/{id}/channels",
            get(channels::page).post(channels::create),
        )
        .route("/orgs/{id}/channels/test", post(channels::test))
        .route("/orgs/{id}/channels/{cid}/delete", post(channels::delete))
        .route(
            "/orgs/{id}/reports",
            get(reports::list).post(reports::create),
        )
        .route("/orgs/{id}/reports/settings", post(reports::save_settings))
        .route("/orgs/{id}/reports/{rid}/{format}", get(reports::file))
        .route("/report-links/{token}", get(reports::by_link))
        .route("/console/reports", get(reports::console))
        .route("/console/reports/overview", post(reports::make_overview))
        .route("/console/reports/jobs/{jid}/retry", post(reports::retry))
        .route(
            "/console/reports/{rid}/{format}",
            get(reports::overview_file),
        )
        .route("/orgs/{id}/documents", get(documents::hub))
        .route(
            "/orgs/{id}/documents/params",
            get(documents::params_form).post(documents::params_submit),
        )
        .route(
            "/orgs/{id}/documents/handbook/readers",
            get(documents::readers).post(documents::readers_submit),
        )
        .route(
            "/orgs/{id}/documents/handbook/read",
            post(documents::confirm_read),
        )
        .route(
            "/orgs/{id}/documents/handbook/reissue",
            post(documents::reissue_handbook),
        )
        .route(
            "/orgs/{id}/documents/policy/publish",
            post(documents::publish),
        )
        .route(
            "/orgs/{id}/documents/policy/unpublish",
            post(documents::unpublish),
        )
        .route(
            "/orgs/{id}/documents/{kind}",
            get(documents::editor).post(documents::save),
        )
        .route(
            "/orgs/{id}/documents/{kind}/preview",
            post(documents::preview),
        )
        .route(
            "/orgs/{id}/documents/{kind}/approve",
            post(documents::approve),
        )
        .route(
            "/orgs/{id}/documents/{kind}/issue",
            post(documents::issue_version),
        )
        .route(
            "/orgs/{id}/documents/{kind}/draft/{format}",
            get(documents::draft_file),
        )
        .route(
            "/orgs/{id}/documents/{kind}/versions/{vid}",
            get(documents::version),
        )
        .route(
            "/orgs/{id}/documents/{kind}/versions/{vid}/{format}",
            get(documents::version_file),
        )
        .route(
            "/orgs/{id}/security-action",
            get(documents::declaration_kit).post(documents::record_declaration),
        )
        .route("/public/{slug}/policy", get(documents::public_policy))
        .route(
            "/read/{token}",
            get(documents::read_link).post(documents::confirm_read_link),
        )
        .route(
            "/orgs/{id}/consultations",
            get(consultations::list)
                .post(consultations::ask)
                .layer(DefaultBodyLimit::max(consultations::MAX_FORM_BYTES)),
        )
        .route(
            "/orgs/{id}/consultations/{cid}/files/{fid}",
            get(consultations::file),
        )
        .route(
            "/orgs/{id}/consultations/{cid}",
            get(consultations::detail)
                .post(consultations::reply)
                .layer(DefaultBodyLimit::max(consultations::MAX_FORM_BYTES)),
        )
        .route(
            "/orgs/{id}/consultations/{cid}/assign",
            post(consultations::assign),
        )
        .route(
            "/orgs/{id}/consultations/{cid}/incident",
            post(consultations::escalate),
        )
        .route("/console/consultations", get(consultations::queue))
        .route("/orgs/{id}", get(org::home).post(org::update))
        .route("/orgs/{id}/users", post(org::invite_member))
        .route("/orgs/{id}/retention", post(org::set_retention))
        .route("/users/{id}/reset", post(org::reset_password))
}

/// Headers that keep pages from being framed, sniffed or leaking their address.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        // Pages, API answers and downloads hold one organisation's data: never keep them in a
        // shared or browser cache. Static assets set their own caching and keep it.
        (header::CACHE_CONTROL, "no-store"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
        ),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

/// What every browser page starts from: the server's state, the visitor's language and who is
/// signed in (if anyone); renders pages with the common header. Handlers take it as an
/// extractor (or [`Signed`] where only signed-in people may come) instead of assembling it.
pub(crate) struct Page {
    pub state: AppState,
    pub lang: Lang,
    pub viewer: Option<Viewer>,
    /// The provider and its desk, read once per request however many parts of the page
    /// need them (the header, the desk's response targets).
    provider: OnceCell<Option<Provider>>,
    /// What the previous form did, to confirm on this page (`?done=`).
    done: Option<Done>,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(Negotiated(lang)) = Negotiated::from_request_parts(parts, state).await;
        let MaybeViewer(viewer) = MaybeViewer::from_request_parts(parts, state).await?;
        let mut page = Page::new(state, lang, viewer);
        page.done = Done::from_query(parts.uri.query());
        Ok(page)
    }
}

/// A page only signed-in people reach: the page and its viewer (visitors without a session
/// are sent to sign in).
pub(crate) struct Signed(pub Page, pub Viewer);

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let page = Page::from_request_parts(parts, state).await?;
        match page.viewer.clone() {
            Some(viewer) => Ok(Signed(page, viewer)),
            None => Err(Redirect::to("/login").into_response()),
        }
    }
}

impl Page {
    /// A page for `viewer` in `lang`, for answers made outside a page handler (error pages).
    pub fn new(state: &AppState, lang: Lang, viewer: Option<Viewer>) -> Self {
        Page {
            state: state.clone(),
            lang,
            viewer,
            provider: OnceCell::new(),
            done: None,
        }
    }

    /// The provider (with its desk), once set up; read from the store at most once per page.
    pub async fn provider(&self) -> Result<Option<&Provider>, mamori_store::StoreError> {
        self.provider
            .get_or_try_init(|| self.state.store.provider())
            .await
            .map(Option::as_ref)
    }

    /// Renders `template` with `extra` merged into the common context.
    pub async fn render(&self, status: StatusCode, template: &str, extra: Value) -> Response {
        let (provider, desk) = match self.provider().await.ok().flatten() {
            // Where a company turns for help, on every page that tells it to get in touch.
            Some(p) => (
                Some(p.name.as_str()),
                p.desk.as_ref().filter(|_| self.viewer.is_some()),
            ),
            None => (None, None),
        };
        // Members of a client company see their own company's name in the header.
        let own_org = match self
            .viewer
            .as_ref()
            .and_then(|v| v.user.org_id.as_deref().map(|o| (v, o)))
        {
            Some((v, org_id)) => self
                .state
                .store
                .org(&v.user.scope(), org_id)
                .await
                .ok()
                .flatten()
                .map(|o| o.name),
            None => None,
        };
        let user = self.viewer.as_ref().map(|v| {
            context! {
                email => v.user.email.clone(),
                display_name => v.user.display_name.clone(),
                role => v.user.role.as_str(),
                org_id => v.user.org_id.clone(),
                is_provider => v.user.role.is_provider(),
                is_admin => v.user.may(Deed::AdministerProvider),
            }
        });
        let ctx = context! {
            lang => self.lang.code(),
            other_lang => self.lang.other().code(),
            provider_name => provider,
            own_org_name => own_org,
            desk => desk.map(|d| Value::from(minijinja::value::Serde(d))),
            user => user,
            csrf => self.viewer.as_ref().map(|v| v.session.csrf_token.clone()),
            done => self.done.map(|d| context! {
                text => self.lang.t(&format!("done.{}", d.key())),
                place => d.section(),
            }),
            ..extra
        };
        match self.state.templates.render(template, ctx) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, template, "template failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    self.lang.t("error.internal"),
                )
                    .into_response()
            }
        }
    }

    /// A page that only says something (an error, or a notice) with a way back.
    pub async fn message(&self, status: StatusCode, title_key: &str, body: String) -> Response {
        self.render(
            status,
            "message.html",
            context! { title => self.lang.t(title_key), body => body },
        )
        .await
    }

    /// Organisation `id` as `scope` may see it; otherwise the page to answer with (404 for
    /// absent and other tenants' organisations alike).
    pub async fn org(
        &self,
        scope: &mamori_model::Scope,
        id: &str,
    ) -> Result<mamori_model::Organisation, PageError> {
        self.state
            .store
            .org(scope, id)
            .await?
            .ok_or(PageError::NotFound)
    }

    /// Organisation `id`'s data as the viewer may see it; otherwise the page to answer with
    /// (404 for absent and other tenants' organisations alike).
    pub async fn org_store(&self, id: &str) -> Result<mamori_store::OrgStore, PageError> {
        let viewer = self.viewer.as_ref().ok_or(PageError::NotFound)?;
        Ok(self.state.store.org_store(&viewer.user.scope(), id).await?)
    }

    /// A search filter from query parameters, or the default filter and a message naming
    /// the parameter that cannot be read.
    pub fn list_filter<F: Default>(
        &self,
        parsed: Result<F, crate::api::events::BadParameter>,
    ) -> (F, Option<String>) {
        match parsed {
            Ok(filter) => (filter, None),
            Err(bad) => (F::default(), Some(bad.message(self.lang))),
        }
    }

    /// Lets through only a viewer whose role may do `deed` outside any one organisation (the
    /// console); 403 otherwise.
    pub fn require(&self, deed: Deed) -> Result<(), PageError> {
        if self.viewer.as_ref().is_some_and(|v| v.user.may(deed)) {
            Ok(())
        } else {
            Err(PageError::Forbidden)
        }
    }

    /// Lets a form that changes organisation `org_id` through only for a viewer who may see
    /// the organisation (else 404, like absent rows), whose role may make the change
    /// (`allowed`, else 403) and who sent the session's form token.
    pub fn authorise(&self, org_id: &str, allowed: bool, csrf: &str) -> Result<(), PageError> {
        match &self.viewer {
            Some(v) if v.user.scope().permits(org_id) => {}
            _ => return Err(PageError::NotFound),
        }
        if !allowed {
            return Err(PageError::Forbidden);
        }
        self.check_csrf(csrf)
    }

    /// Like [`Page::authorise`] with the permission table's `deed`, returning organisation
    /// `org_id`'s data handle for the change.
    pub async fn authorise_org(
        &self,
        org_id: &str,
        deed: Deed,
        csrf: &str,
    ) -> Result<mamori_store::OrgStore, PageError> {
        let org = self.org_store(org_id).await?;
        let allowed = self
            .viewer
            .as_ref()
            .is_some_and(|v| v.user.may_in(deed, org_id));
        self.authorise(org_id, allowed, csrf)?;
        Ok(org)
    }

    /// Refuses a form whose CSRF token does not match the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        match &self.viewer {
            Some(v) if v.csrf_ok(token) => Ok(()),
            _ => Err(PageError::Csrf),
        }
    }
}

/// `/`: sends each person to where they start.
async fn home(page: Page) -> PageResult {
    let set_up = page
        .state
        .store
        .provider()
        .await
        .map_err(|_| {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                page.lang.t("error.internal"),
            )
                .into_response()
        })?
        .is_some();
    let target = match (&page.viewer, set_up) {
        (_, false) => "/setup".to_owned(),
        (None, true) => "/login".to_owned(),
        (Some(v), true) => match &v.user.org_id {
            Some(org) if !v.user.role.is_provider() => format!("/orgs/{org}"),
            _ => "/console/orgs".to_owned(),
        },
    };
    Ok(Redirect::to(&target).into_response())
}

#[derive(Deserialize)]
struct Back {
    back: Option<String>,
}

/// `/lang/{code}?back=/path`: switches the language and returns to the page.
async fn switch_language(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(back): Query<Back>,
    MaybeViewer(viewer): MaybeViewer,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::Ja);
    if let Some(v) = &viewer
        && let Err(e) = state.store.set_locale(&v.user.id, lang.code()).await
    {
        tracing::warn!(error = %e, "could not store language choice");
    }
    let back = back
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    let mut response = Redirect::to(&back).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(
            cookies::LANG,
            lang.code(),
            365 * 24 * 3600,
            state.settings.secure_cookies,
        ),
    );
    response
}

/// The address people use to reach this server, for links shown to administrators.
pub(crate) fn public_base(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let scheme = if state.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
