//! The risk analysis sheet (リスク分析シート) on the web: for each information asset, the
//! threats the company judged, with likelihood, risk = importance × likelihood and its band,
//! the treatment and measures with an owner and a date, and the risk left afterwards. A heat
//! map (importance × likelihood) and the large risks first show where to act.

use std::collections::HashMap;

use axum::extract::Path;
use axum::http::StatusCode;
use mamori_catalog::Answers;
use mamori_model::{Deed, InformationAsset, RiskEntry, Treatment};
use mamori_risk::{
    Assessed, Band, LikelihoodTable, RiskProblem, assess, checked_risk, threat, threats,
};
use mamori_store::{Actor, AnswerKind, OrgStore};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::login::CsrfOnly;
use super::{Done, Page, PageError, PageResult, Signed};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages};

/// A line as the sheet shows it.
#[derive(Serialize)]
struct RiskRow {
    #[serde(flatten)]
    entry: RiskEntry,
    asset_name: String,
    threat_name: String,
    #[serde(flatten)]
    assessed: Assessed,
}

/// What went wrong with the form, in the reader's language.
pub(crate) fn risk_problem_message(lang: Lang, problem: RiskProblem) -> String {
    lang.t(&format!("risks.problem.{}", problem.code()))
}

/// The sheet's lines, assessed, large risks first.
fn rows(
    lang: Lang,
    entries: Vec<RiskEntry>,
    assets: &[InformationAsset],
    table: &LikelihoodTable,
    today: chrono::NaiveDate,
) -> Vec<RiskRow> {
    let by_id: HashMap<&str, &InformationAsset> =
        assets.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut rows: Vec<RiskRow> = entries
        .into_iter()
        .filter_map(|entry| {
            let asset = by_id.get(entry.asset_id.as_str())?;
            Some(RiskRow {
                asset_name: asset.name.clone(),
                threat_name: threat(&entry.threat)
                    .map_or_else(|| entry.threat.clone(), |t| t.name(lang).to_owned()),
                assessed: assess(&entry, asset, table, today),
                entry,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.assessed
            .risk
            .cmp(&a.assessed.risk)
            .then(b.assessed.overdue.cmp(&a.assessed.overdue))
            .then(a.asset_name.cmp(&b.asset_name))
    });
    rows
}

/// The heat map: for importance 2, 1, 0 (rows) and likelihood 1, 2, 3 (columns), how many
/// lines fall there and the band of that cell.
fn heat_map(rows: &[RiskRow]) -> Vec<Vec<(usize, &'static str)>> {
    [2u8, 1, 0]
        .iter()
        .map(|&importance| {
            [1u8, 2, 3]
                .iter()
                .map(|&likelihood| {
                    let count = rows
                        .iter()
                        .filter(|r| {
                            r.assessed.importance == importance
                                && r.assessed.likelihood == likelihood
                        })
                        .count();
                    (count, Band::of(importance * likelihood).as_str())
                })
                .collect()
        })
        .collect()
}

/// The provider's likelihood table, or mamori's default.
pub(crate) async fn likelihood_table(page: &Page) -> Result<LikelihoodTable, PageError> {
    let grid = page.provider().await?.and_then(|p| p.likelihood);
    Ok(LikelihoodTable::of_provider(grid))
}

/// `GET /orgs/{id}/risks`.
pub async fn sheet(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = page.org_store(&id).await?;
    let assets = org.assets().list().await?;
    let entries = org.risks().list().await?;
    let table = likelihood_table(&page).await?;
    let rows = rows(
        page.lang,
        entries,
        &assets,
        &table,
        page.state.store.zone().today(),
    );
    let large = rows
        .iter()
        .filter(|r| r.assessed.band == Band::Large)
        .count();
    let overdue = rows.iter().filter(|r| r.assessed.overdue).count();
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        rows => Value::from(Serde(&rows)),
        heat => heat_map(&rows),
        large => large,
        overdue => overdue,
        has_assets => !assets.is_empty(),
        may_keep => viewer.user.may_in(Deed::KeepAssets, &id),
        may_set_table => viewer.user.may(Deed::AdministerProvider),
    };
    Ok(page.render(StatusCode::OK, "risks.html", ctx).await)
}

/// The add/change form as it arrives.
#[derive(Deserialize)]
pub struct RiskForm {
    csrf: String,
    #[serde(default)]
    asset_id: String,
    #[serde(default)]
    threat: String,
    #[serde(default)]
    threat_level: String,
    #[serde(default)]
    vulnerability: String,
    /// Empty: not decided.
    #[serde(default)]
    treatment: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    done_on: String,
    /// Empty: not judged.
    #[serde(default)]
    residual_vulnerability: String,
}

impl RiskForm {
    /// The line the form describes (levels that cannot be read become 0, which the check
    /// refuses).
    fn entry(&self, id: &str) -> RiskEntry {
        let level = |text: &str| text.trim().parse::<u8>().unwrap_or(0);
        let residual = match self.residual_vulnerability.trim() {
            "" => None,
            text => Some(level(text)),
        };
        RiskEntry {
            id: id.to_owned(),
            asset_id: self.asset_id.clone(),
            threat: self.threat.clone(),
            threat_level: level(&self.threat_level),
            vulnerability: level(&self.vulnerability),
            treatment: self.treatment.parse::<Treatment>().ok(),
            measures: self.measures.clone(),
            owner: self.owner.clone(),
            due_on: self.due_on.clone(),
            done_on: self.done_on.clone(),
            residual_vulnerability: residual,
        }
    }
}

/// The latest completed self-assessment's answers and when it was finished, when there is
/// one whose answers can be read.
async fn latest_answers(org: &OrgStore) -> Result<Option<(Answers, i64)>, PageError> {
    let sets = org.answers().latest(AnswerKind::SelfAssessment).await?;
    Ok(sets.into_iter().find_map(|set| {
        let at = set.completed_at?;
        serde_json::from_value::<Answers>(set.answers)
            .ok()
            .map(|a| (a, at))
    }))
}

/// The add/change page for `entry` (`None`: a new line), with what was wrong.
async fn render_form(
    page: &Page,
    org: &OrgStore,
    status: StatusCode,
    entry: Option<&RiskEntry>,
    error: Option<String>,
) -> PageResult {
    let assets = org.assets().list().await?;
    let lang = page.lang;
    let groups: Vec<(String, Vec<(String, String)>)> =
        ["general", "physical", "technical", "human"]
            .iter()
            .map(|group| {
                let members = threats()
                    .iter()
                    .filter(|t| t.group == *group)
                    .map(|t| (t.key.clone(), t.name(lang).to_owned()))
                    .collect();
                (lang.t(&format!("risks.group.{group}")), members)
            })
            .collect();
    let assessed_at = latest_answers(org).await?.map(|(_, at)| at);
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        entry => entry.map(|e| Value::from(Serde(e))),
        assets => Value::from(Serde(&assets)),
        assessed_at => assessed_at,
        groups => groups,
        treatments => Treatment::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        error => error,
    };
    Ok(page.render(status, "risk_form.html", ctx).await)
}

/// `GET /orgs/{id}/risks/new`.
pub async fn new_form(Signed(page, viewer): Signed, Path(id): Path<String>) -> PageResult {
    let org = page.org_store(&id).await?;
    if !viewer.user.may_in(Deed::KeepAssets, &id) {
        return Err(PageError::Forbidden);
    }
    render_form(&page, &org, StatusCode::OK, None, None).await
}

/// `GET /orgs/{id}/risks/{rid}`.
pub async fn edit_form(
    Signed(page, viewer): Signed,
    Path((id, rid)): Path<(String, String)>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    let entry = org.risks().get(&rid).await?.ok_or(PageError::NotFound)?;
    if !viewer.user.may_in(Deed::KeepAssets, &id) {
        return Err(PageError::Forbidden);
    }
    render_form(&page, &org, StatusCode::OK, Some(&entry), None).await
}

/// Checks and keeps the form's line, or shows the form again with the problem.
async fn save(
    page: &Page,
    viewer: &Viewer,
    addr: String,
    id: &str,
    risk_id: &str,
    form: RiskForm,
) -> PageResult {
    let org = page.authorise_org(id, Deed::KeepAssets, &form.csrf).await?;
    let mut typed = form.entry(risk_id);
    // "From the self-assessment": the vulnerability its answers suggest for this threat.
    if form.vulnerability.trim() == "auto"
        && let (Some(threat), Some((answers, _))) =
            (threat(&typed.threat), latest_answers(&org).await?)
    {
        typed.vulnerability = threat.suggested_vulnerability(&answers).unwrap_or(0);
    }
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    // A line hangs on one of this company's own assets; anything else is a form problem.
    let asset_known = org.assets().get(typed.asset_id.trim()).await?.is_some();
    let entry = match checked_risk(typed.clone()) {
        Ok(_) if !asset_known => Err(RiskProblem::AssetMissing),
        checked => checked,
    };
    let entry = match entry {
        Ok(entry) => entry,
        Err(problem) => {
            let message = risk_problem_message(page.lang, problem);
            return render_form(page, &org, status, Some(&typed), Some(message)).await;
        }
    };
    org.risks()
        .save(&Actor::user(&viewer.user, Some(addr)), &entry)
        .await?;
    Ok(Done::RiskSaved.redirect(&format!("/orgs/{id}/risks")))
}

/// `POST /orgs/{id}/risks/new`.
pub async fn create(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<RiskForm>,
) -> PageResult {
    save(&page, &viewer, addr, &id, "", form).await
}

/// `POST /orgs/{id}/risks/{rid}`.
pub async fn change(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, rid)): Path<(String, String)>,
    PageForm(form): PageForm<RiskForm>,
) -> PageResult {
    save(&page, &viewer, addr, &id, &rid, form).await
}

/// `POST /orgs/{id}/risks/{rid}/delete`.
pub async fn remove(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, rid)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::KeepAssets, &form.csrf)
        .await?;
    org.risks()
        .remove(&Actor::user(&viewer.user, Some(addr)), &rid)
        .await?;
    Ok(Done::RiskRemoved.redirect(&format!("/orgs/{id}/risks")))
}

/// The likelihood table form: one select per cell, `t{threat}v{vulnerability}`.
#[derive(Deserialize)]
pub struct TableForm {
    csrf: String,
    #[serde(flatten)]
    cells: HashMap<String, String>,
}

/// The likelihood table page, with what was wrong.
async fn render_table(page: &Page, status: StatusCode, error: Option<String>) -> PageResult {
    let table = likelihood_table(page).await?;
    let ctx = context! {
        grid => table.0,
        is_default => table == LikelihoodTable::default(),
        default_grid => LikelihoodTable::default().0,
        error => error,
    };
    Ok(page.render(status, "console_likelihood.html", ctx).await)
}

/// `GET /console/likelihood`: the provider's likelihood table (administrators).
pub async fn table_form(Signed(page, _viewer): Signed) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    render_table(&page, StatusCode::OK, None).await
}

/// `POST /console/likelihood`: keeps the provider's table, or goes back to the default with
/// `reset`.
pub async fn save_table(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    PageForm(form): PageForm<TableForm>,
) -> PageResult {
    page.require(Deed::AdministerProvider)?;
    page.check_csrf(&form.csrf)?;
    let actor = Actor::user(&viewer.user, Some(addr));
    if form.cells.contains_key("reset") {
        page.state.store.set_likelihood(&actor, None).await?;
        return Ok(Done::LikelihoodSaved.redirect("/console/likelihood"));
    }
    let mut grid = [[0u8; 3]; 3];
    for (t, row) in grid.iter_mut().enumerate() {
        for (v, cell) in row.iter_mut().enumerate() {
            let name = format!("t{}v{}", t + 1, v + 1);
            *cell = form
                .cells
                .get(&name)
                .and_then(|text| text.trim().parse().ok())
                .unwrap_or(0);
        }
    }
    match LikelihoodTable::checked(grid) {
        Ok(table) => {
            let keep = (table != LikelihoodTable::default()).then_some(table.0);
            page.state.store.set_likelihood(&actor, keep).await?;
            Ok(Done::LikelihoodSaved.redirect("/console/likelihood"))
        }
        Err(problem) => {
            let message = risk_problem_message(page.lang, problem);
            render_table(&page, StatusCode::UNPROCESSABLE_ENTITY, Some(message)).await
        }
    }
}
