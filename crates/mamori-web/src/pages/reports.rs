//! Monthly security reports in the browser: an organisation's archive (every version, to
//! open or download), a button to make one now, who receives them by e-mail, the download
//! links that e-mails carry, and the provider's view of the monthly run (failures first)
//! with the overview across organisations.

use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mamori_model::{Deed, Scope};
use mamori_reports::deliver::{file_name, settings_or_default};
use mamori_store::{Actor, StoredReport};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Deserialize;

use super::login::CsrfOnly;
use super::{Done, Page, PageError, PageResult, Signed};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::Messages;
use crate::report_access::{last_month, make, month_or_last, report_lang, settings_from};

/// What the list page says after an action.
#[derive(Deserialize, Default)]
pub struct Notice {
    made: Option<String>,
    saved: Option<String>,
}

async fn render(
    page: &Page,
    viewer: &Viewer,
    org_id: &str,
    status: StatusCode,
    error: Option<String>,
    notice: Notice,
) -> PageResult {
    let state = &page.state;
    let scope = viewer.user.scope();
    let org = page.org(&scope, org_id).await?;
    let reports = match page.org_store(org_id).await?.reports().list().await {
        Ok(r) => r,
        Err(e) => return Err(PageError::from(e)),
    };
    let settings = match settings_or_default(&state.store, org_id).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "report settings");
            return Err(PageError::NotFound);
        }
    };
    let last_month = state.reports.as_ref().map(|r| last_month(r).to_string());
    let ctx = context! {
        org => Value::from(Serde(&org)),
        reports => Value::from(Serde(&reports)),
        settings => Value::from(Serde(&settings)),
        can_make => viewer.user.may_in(Deed::MakeReports, org_id) && state.reports.is_some(),
        can_set => viewer.user.may_in(Deed::SetReportRecipients, org_id),
        last_month => last_month,
        made => notice.made,
        saved => notice.saved.is_some(),
        error => error,
    };
    Ok(page.render(status, "reports.html", ctx).await)
}

/// `GET /orgs/{id}/reports`.
pub async fn list(
    Signed(page, viewer): Signed,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> PageResult {
    render(&page, &viewer, &id, StatusCode::OK, None, notice).await
}

/// The "make a report now" form.
#[derive(Deserialize)]
pub struct MakeForm {
    csrf: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    lang: String,
}

/// `POST /orgs/{id}/reports`: makes and archives a report now (a new version).
pub async fn create(
    Signed(page, viewer): Signed,
    Path(id): Path<String>,
    PageForm(form): PageForm<MakeForm>,
) -> PageResult {
    page.authorise(&id, viewer.user.may_in(Deed::MakeReports, &id), &form.csrf)?;
    let Some(reporter) = &page.state.reports else {
        return Err(PageError::NotFound);
    };
    let month = match month_or_last(reporter, Some(&form.month), page.lang) {
        Ok(m) => m,
        Err(message) => {
            let error = Some(message);
            return render(
                &page,
                &viewer,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                error,
                Notice::default(),
            )
            .await;
        }
    };
    let report_lang = report_lang(page.lang, Some(&form.lang));
    match make(reporter, &viewer.user, &id, month, report_lang, "web").await {
        Ok(report) => {
            Ok(Redirect::to(&format!("/orgs/{id}/reports?made={}", report.id)).into_response())
        }
        Err(e) => {
            tracing::error!(error = %e, org = %id, "report failed");
            let error = Some(
                page.lang
                    .tf("reports.error.failed", &[("detail", &e.to_string())]),
            );
            render(
                &page,
                &viewer,
                &id,
                StatusCode::INTERNAL_SERVER_ERROR,
                error,
                Notice::default(),
            )
            .await
        }
    }
}

/// The recipients form.
#[derive(Deserialize)]
pub struct SettingsForm {
    csrf: String,
    #[serde(default)]
    recipients: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    delivery: String,
}

/// `POST /orgs/{id}/reports/settings`: who receives the reports, in which language, how.
pub async fn save_settings(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<SettingsForm>,
) -> PageResult {
    let tenant = page
        .authorise_org(&id, Deed::SetReportRecipients, &form.csrf)
        .await?;
    let settings = match settings_from(page.lang, &form.recipients, &form.lang, &form.delivery) {
        Ok(s) => s,
        Err(message) => {
            return render(
                &page,
                &viewer,
                &id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
                Notice::default(),
            )
            .await;
        }
    };
    match tenant
        .reports()
        .set_settings(&Actor::user(&viewer.user, Some(addr)), &settings)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/orgs/{id}/reports?saved=1")).into_response()),
        Err(e) => Err(PageError::from(e)),
    }
}

/// `GET /orgs/{id}/reports/{rid}/{format}`: the archived PDF (a download) or HTML.
pub async fn file(
    Signed(page, viewer): Signed,
    Path((id, rid, format)): Path<(String, String, String)>,
) -> PageResult {
    let scope = viewer.user.scope();
    match page.state.store.report(&scope, &rid).await {
        Ok(Some(report)) if report.org_id.as_deref() == Some(id.as_str()) => {
            serve_file(&page, &scope, &report, &format).await
        }
        Ok(_) => Err(PageError::NotFound),
        Err(e) => Err(PageError::from(e)),
    }
}

/// A generated document as a file to open (`inline`) or save (`attachment`) named `name`.
/// Its HTML carries its own styles and runs no script.
pub(crate) fn document_file(
    body: Vec<u8>,
    content_type: &'static str,
    disposition: &str,
    name: &str,
) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("{disposition}; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
        ),
    );
    response
}

/// Answers with the report's PDF or HTML exactly as archived.
async fn serve_file(page: &Page, scope: &Scope, report: &StoredReport, format: &str) -> PageResult {
    let store = &page.state.store;
    let (body, content_type, disposition) = match format {
        "pdf" => match store.report_pdf(scope, &report.id).await {
            Ok(bytes) => (bytes, "application/pdf", "attachment"),
            Err(e) => return Err(PageError::from(e)),
        },
        "html" => match store.report_html(scope, &report.id).await {
            Ok(text) => (text.into_bytes(), "text/html; charset=utf-8", "inline"),
            Err(e) => return Err(PageError::from(e)),
        },
        _ => return Err(PageError::NotFound),
    };
    let name = file_name(report, format);
    let mut response = document_file(body, content_type, disposition, &name);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&report.sha256) {
        headers.insert("x-content-sha256", value);
    }
    Ok(response)
}

/// `GET /report-links/{token}`: the PDF a report e-mail links to, without signing in,
/// while the link is valid.
pub async fn by_link(page: Page, Path(token): Path<String>) -> PageResult {
    match page
        .state
        .store
        .report_by_link(&token, mamori_store::now())
        .await
    {
        Ok(Some(report)) => {
            let scope = Scope::Organisation(report.org_id.clone().unwrap_or_default());
            serve_file(&page, &scope, &report, "pdf").await
        }
        Ok(None) => Err(PageError::from(
            page.message(
                StatusCode::NOT_FOUND,
                "reports.link_expired.title",
                page.lang.t("reports.link_expired.body"),
            )
            .await,
        )),
        Err(e) => Err(PageError::from(e)),
    }
}

/// `GET /console/reports`: this year's monthly run per organisation (failures first) and
/// the provider's overviews.
pub async fn console(Signed(page, viewer): Signed) -> PageResult {
    if !viewer.user.may(Deed::WatchAllOrganisations) {
        return Err(PageError::Forbidden);
    }
    let (jobs, overviews) = match tokio::try_join!(
        page.state.store.report_jobs(None),
        page.state.store.overviews(&Scope::AllOrganisations),
    ) {
        Ok(found) => found,
        Err(e) => return Err(PageError::from(e)),
    };
    let ctx = context! {
        jobs => Value::from(Serde(&jobs)),
        overviews => Value::from(Serde(&overviews)),
        failed => jobs.iter().filter(|j| j.status == mamori_model::ReportJobStatus::Failed).count(),
        can_make => page.state.reports.is_some(),
    };
    Ok(page
        .render(StatusCode::OK, "console_reports.html", ctx)
        .await)
}

/// `POST /console/reports/overview`: makes the provider's overview for a month.
pub async fn make_overview(
    Signed(page, viewer): Signed,
    PageForm(form): PageForm<MakeForm>,
) -> PageResult {
    if !viewer.user.may(Deed::WatchAllOrganisations) {
        return Err(PageError::Forbidden);
    }
    page.check_csrf(&form.csrf)?;
    let Some(reporter) = &page.state.reports else {
        return Err(PageError::NotFound);
    };
    let month = match month_or_last(reporter, Some(&form.month), page.lang) {
        Ok(m) => m,
        Err(message) => {
            return Err(PageError::from(
                page.message(StatusCode::UNPROCESSABLE_ENTITY, "error.title", message)
                    .await,
            ));
        }
    };
    let request = mamori_reports::Request {
        trigger: "web",
        created_by: Some(&viewer.user.id),
    };
    match reporter
        .overview(month, report_lang(page.lang, Some(&form.lang)), request)
        .await
    {
        Ok(_) => Ok(Done::ReportRetried.redirect("/console/reports")),
        Err(e) => Err(PageError::from(
            page.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "error.title",
                page.lang
                    .tf("reports.error.failed", &[("detail", &e.to_string())]),
            )
            .await,
        )),
    }
}

/// `GET /console/reports/{rid}/{format}`: an overview's file.
pub async fn overview_file(
    Signed(page, viewer): Signed,
    Path((rid, format)): Path<(String, String)>,
) -> PageResult {
    let scope = viewer.user.scope();
    match page.state.store.report(&scope, &rid).await {
        Ok(Some(report)) if report.org_id.is_none() => {
            serve_file(&page, &scope, &report, &format).await
        }
        Ok(_) => Err(PageError::NotFound),
        Err(e) => Err(PageError::from(e)),
    }
}

/// `POST /console/reports/jobs/{jid}/retry`: tries a failed report again now.
pub async fn retry(
    Signed(page, viewer): Signed,
    Path(jid): Path<String>,
    PageForm(form): PageForm<CsrfOnly>,
) -> Result<Response, PageError> {
    if !viewer.user.may(Deed::WatchAllOrganisations) {
        return Err(PageError::Forbidden);
    }
    page.check_csrf(&form.csrf)?;
    match page.state.store.retry_report_job(&jid).await {
        Ok(()) => Ok(Done::OverviewQueued.redirect("/console/reports")),
        Err(e) => Err(PageError::from(e)),
    }
}
