//! The information asset ledger (情報資産管理台帳) on the web: the company's assets with the
//! importance mamori computes from C, I, A and the personal information they hold, a form
//! to add or change one (a hand-set importance needs a reason), removal, and the ledger as a
//! CSV file in the IPA sheet's columns, out and in (a file is taken whole, or every problem
//! is listed by line and column and nothing is kept).

use axum::extract::{Multipart, Path};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use mamori_model::{Deed, InformationAsset};
use mamori_risk::ledger::{RowProblem, read_csv, write_csv};
use mamori_risk::workbook::{read_xlsx, write_xlsx};
use mamori_risk::{AssetProblem, Field, checked, computed_importance, importance};
use mamori_store::{Actor, OrgStore};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::login::CsrfOnly;
use super::{Done, Page, PageError, PageResult, Signed};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages};

/// An asset as the ledger page shows it.
#[derive(Serialize)]
struct AssetRow {
    #[serde(flatten)]
    asset: InformationAsset,
    importance: u8,
    computed: u8,
}

impl AssetRow {
    fn new(asset: InformationAsset) -> Self {
        AssetRow {
            importance: importance(&asset),
            computed: computed_importance(&asset),
            asset,
        }
    }
}

/// What went wrong with a form or a file, in the reader's language.
pub(crate) fn asset_problem_message(lang: Lang, problem: &AssetProblem) -> String {
    let field = problem
        .field()
        .map(|f| lang.t(&format!("assets.field.{}", f.key())))
        .unwrap_or_default();
    lang.tf(
        &format!("assets.problem.{}", problem.code()),
        &[("field", &field)],
    )
}

/// The ledger page, with the problems of a file that was not taken.
async fn render_ledger(
    page: &Page,
    viewer: &Viewer,
    org: &OrgStore,
    status: StatusCode,
    problems: Vec<(u64, String)>,
) -> PageResult {
    let assets = org.assets().list().await?;
    let rows: Vec<AssetRow> = assets.into_iter().map(AssetRow::new).collect();
    let by_level = [0u8, 1, 2].map(|level| rows.iter().filter(|r| r.importance == level).count());
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        assets => Value::from(Serde(&rows)),
        by_level => by_level,
        may_keep => viewer.user.may_in(Deed::KeepAssets, org.id()),
        problems => problems,
    };
    Ok(page.render(status, "assets.html", ctx).await)
}

/// `GET /orgs/{id}/assets`.
pub async fn ledger(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = page.org_store(&id).await?;
    render_ledger(&page, &viewer, &org, StatusCode::OK, Vec::new()).await
}

/// The add/change form as it arrives (check boxes send `on` or nothing).
#[derive(Deserialize)]
pub struct AssetForm {
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    remarks: String,
    #[serde(default)]
    users: String,
    #[serde(default)]
    owner_dept: String,
    #[serde(default)]
    medium: String,
    #[serde(default)]
    personal: Option<String>,
    #[serde(default)]
    sensitive: Option<String>,
    #[serde(default)]
    my_number: Option<String>,
    #[serde(default)]
    confidentiality: String,
    #[serde(default)]
    integrity: String,
    #[serde(default)]
    availability: String,
    /// Empty: the computed importance.
    #[serde(default)]
    importance: String,
    #[serde(default)]
    override_reason: String,
    #[serde(default)]
    retention: String,
    #[serde(default)]
    registered_on: String,
}

impl AssetForm {
    /// The asset the form describes, or the level field that is not 0, 1 or 2.
    fn asset(&self, id: &str) -> Result<InformationAsset, AssetProblem> {
        let level = |text: &str, field: Field| match text.trim() {
            "" => Ok(None),
            t => t
                .parse::<u8>()
                .map(Some)
                .map_err(|_| AssetProblem::LevelOutOfRange(field)),
        };
        Ok(InformationAsset {
            id: id.to_owned(),
            category: self.category.clone(),
            name: self.name.clone(),
            remarks: self.remarks.clone(),
            users: self.users.clone(),
            owner_dept: self.owner_dept.clone(),
            medium: self.medium.clone(),
            personal: self.personal.is_some(),
            sensitive: self.sensitive.is_some(),
            my_number: self.my_number.is_some(),
            confidentiality: level(&self.confidentiality, Field::Confidentiality)?.unwrap_or(0),
            integrity: level(&self.integrity, Field::Integrity)?.unwrap_or(0),
            availability: level(&self.availability, Field::Availability)?.unwrap_or(0),
            importance_override: level(&self.importance, Field::Importance)?,
            override_reason: self.override_reason.clone(),
            retention: self.retention.clone(),
            registered_on: self.registered_on.clone(),
        })
    }
}

/// The add/change page for `asset` (`None`: a new one), with what was wrong.
async fn render_form(
    page: &Page,
    org: &OrgStore,
    status: StatusCode,
    asset: Option<&InformationAsset>,
    error: Option<String>,
) -> PageResult {
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        asset => asset.map(|a| Value::from(Serde(a))),
        computed => asset.map(computed_importance),
        levels => [0u8, 1, 2],
        media => page.lang.t("assets.media").split('|').map(str::to_owned).collect::<Vec<_>>(),
        error => error,
    };
    Ok(page.render(status, "asset_form.html", ctx).await)
}

/// `GET /orgs/{id}/assets/new`.
pub async fn new_form(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = page.org_store(&id).await?;
    if !viewer.user.may_in(Deed::KeepAssets, &id) {
        return Err(PageError::Forbidden);
    }
    render_form(&page, &org, StatusCode::OK, None, None).await
}

/// `GET /orgs/{id}/assets/{aid}`.
pub async fn edit_form(
    Signed(page, viewer): Signed,
    Path((id, aid)): Path<(String, String)>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let asset = org.assets().get(&aid).await?.ok_or(PageError::NotFound)?;
    if !viewer.user.may_in(Deed::KeepAssets, &id) {
        return Err(PageError::Forbidden);
    }
    render_form(&page, &org, StatusCode::OK, Some(&asset), None).await
}

/// Checks and keeps the form's asset, or shows the form again with the problem.
async fn save(
    page: &Page,
    viewer: &Viewer,
    addr: String,
    id: &str,
    asset_id: &str,
    form: AssetForm,
) -> PageResult {
    let org = page.authorise_org(id, Deed::KeepAssets, &form.csrf).await?;
    let asset = form
        .asset(asset_id)
        .and_then(|asset| checked(asset, page.state.store.zone().today()));
    let asset = match asset {
        Ok(asset) => asset,
        Err(problem) => {
            let message = asset_problem_message(page.lang, &problem);
            // Show back what was typed, levels included where they could be read.
            let typed = form.asset(asset_id).unwrap_or_else(|_| InformationAsset {
                id: asset_id.to_owned(),
                name: form.name.clone(),
                ..InformationAsset::default()
            });
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_form(page, &org, status, Some(&typed), Some(message)).await;
        }
    };
    org.assets()
        .save(&Actor::user(&viewer.user, Some(addr)), &asset)
        .await?;
    Ok(Done::AssetSaved.redirect(&format!("/orgs/{id}/assets")))
}

/// `POST /orgs/{id}/assets/new`.
pub async fn create(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<AssetForm>,
) -> PageResult {
    save(&page, &viewer, addr, &id, "", form).await
}

/// `POST /orgs/{id}/assets/{aid}`.
pub async fn change(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, aid)): Path<(String, String)>,
    PageForm(form): PageForm<AssetForm>,
) -> PageResult {
    save(&page, &viewer, addr, &id, &aid, form).await
}

/// `POST /orgs/{id}/assets/{aid}/delete`.
pub async fn remove(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, aid)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::KeepAssets, &form.csrf)
        .await?;
    org.assets()
        .remove(&Actor::user(&viewer.user, Some(addr)), &aid)
        .await?;
    Ok(Done::AssetRemoved.redirect(&format!("/orgs/{id}/assets")))
}

/// `GET /orgs/{id}/assets.csv`: the ledger in the IPA sheet's columns.
pub async fn export(Signed(page, _viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = page.org_store(&id).await?;
    let assets = org.assets().list().await?;
    let file = format!(
        "information-assets-{}.csv",
        page.state.store.zone().today().format("%Y%m%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        write_csv(&assets),
    )
        .into_response())
}

/// `GET /orgs/{id}/assets.xlsx`: the ledger and the risk analysis sheet as an Excel workbook
/// in IPA's layout.
pub async fn export_workbook(Signed(page, _viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = page.org_store(&id).await?;
    let assets = org.assets().list().await?;
    let lines = org.risks().list().await?;
    let today = page.state.store.zone().today();
    let table = super::risks::likelihood_table(&page).await?;
    let file = match write_xlsx(&assets, &lines, &table, today) {
        Ok(file) => file,
        Err(e) => {
            tracing::error!(error = %e, "workbook not written");
            let status = StatusCode::INTERNAL_SERVER_ERROR;
            let message = page.lang.t("error.internal");
            return Err(PageError::from(
                page.message(status, "error.title", message).await,
            ));
        }
    };
    let name = format!("risk-analysis-{}.xlsx", today.format("%Y%m%d"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        file,
    )
        .into_response())
}

/// The largest ledger file taken: far more than any company's ledger (a row is a few
/// hundred bytes), small enough to read in memory.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;

/// The import form: the session's form token and the file; otherwise the message key of
/// what was wrong with the form (too large, cut short).
async fn read_import(mut multipart: Multipart) -> Result<(String, Vec<u8>), &'static str> {
    let refused = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "assets.import.too_large"
        } else {
            "assets.problem.unreadable"
        }
    };
    let (mut csrf, mut file) = (String::new(), Vec::new());
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.map_err(refused)?,
            "file" => file = field.bytes().await.map_err(refused)?.to_vec(),
            _ => {}
        }
    }
    Ok((csrf, file))
}

/// `POST /orgs/{id}/assets/import`: adds every asset of a ledger file, or lists every
/// problem by line and column and adds none.
pub async fn import(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    multipart: Multipart,
) -> PageResult {
    let (csrf, file) = match read_import(multipart).await {
        Ok(form) => form,
        Err(key) => {
            let org = page.org_store(&id).await?;
            let problems = vec![(0, page.lang.t(key))];
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_ledger(&page, &viewer, &org, status, problems).await;
        }
    };
    let org = page.authorise_org(&id, Deed::KeepAssets, &csrf).await?;
    // An Excel workbook is a zip file; anything else is read as CSV.
    let read = if file.starts_with(b"PK\x03\x04") {
        read_xlsx(&file, page.state.store.zone().today())
    } else {
        read_csv(&file, page.state.store.zone().today())
    };
    match read {
        Ok(assets) if assets.is_empty() => {
            let problems = vec![(0, page.lang.t("assets.import.empty"))];
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_ledger(&page, &viewer, &org, status, problems).await
        }
        Ok(assets) => {
            org.assets()
                .import(&Actor::user(&viewer.user, Some(addr)), &assets)
                .await?;
            Ok(Done::AssetsImported.redirect(&format!("/orgs/{id}/assets")))
        }
        Err(problems) => {
            let listed = problems
                .iter()
                .map(|RowProblem { line, problem }| {
                    (*line, asset_problem_message(page.lang, problem))
                })
                .collect();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_ledger(&page, &viewer, &org, status, listed).await
        }
    }
}
