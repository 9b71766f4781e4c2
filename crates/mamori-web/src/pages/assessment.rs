//! The self-assessment in the browser: the hub (history, trend, readiness), the guided
//! questionnaire (one part per screen, every screen saved as the draft), and the result page
//! (radar charts, problems with advice, changes since last time, comparison with peers).

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use mamori_catalog::{AssessmentResult, CatalogError, Edition, Trend, compare};
use mamori_model::{Deed, Organisation, Zone};
use mamori_store::OrgStore;
use mamori_store::{Actor, AnswerKind};

use super::{Page, PageError, PageResult, Signed};
use crate::auth::{ClientAddr, Viewer};
use crate::extract::PageForm;
use crate::i18n::{Lang, Messages};
use crate::measures::documents::current_handbook_changes;
use crate::measures::{
    MeasureError, Scored, Submission, benchmark, edition, history, org_readiness, submit_assessment,
};
use mamori_docs::charts::{Series, radar, trend};

/// The organisation `id` if `viewer` may see it; otherwise the page to show instead (404 for
/// other tenants, exactly as for organisations that do not exist).
pub(super) async fn visible_org(
    page: &Page,
    viewer: &Viewer,
    id: &str,
) -> Result<OrgStore, PageError> {
    match page.state.store.org_store(&viewer.user.scope(), id).await {
        Ok(org) => Ok(org),
        Err(e) => Err(PageError::from(e)),
    }
}

/// Like [`visible_org`], and the viewer must be allowed to answer for it.
pub(super) async fn answering_org(
    page: &Page,
    viewer: &Viewer,
    id: &str,
) -> Result<OrgStore, PageError> {
    let org = visible_org(page, viewer, id).await?;
    if !viewer.user.may_in(Deed::AnswerQuestionnaires, id) {
        return Err(PageError::Forbidden);
    }
    Ok(org)
}

/// The error page for a failed questionnaire operation.
pub(super) async fn measure_error(page: &Page, e: MeasureError) -> Response {
    let (status, _, message) = e.describe(page.lang);
    page.message(status, "error.title", message).await
}

/// Renders a radar chart of percentages with this time and, if given, last time.
fn radar_svg(
    lang: Lang,
    title_key: &str,
    axes: Vec<String>,
    now: Vec<f64>,
    before: Option<Vec<f64>>,
) -> Value {
    let this_time = lang.t("assessment.chart.this_time");
    let last_time = lang.t("assessment.chart.last_time");
    let mut series = vec![Series {
        label: &this_time,
        values: now,
    }];
    if let Some(values) = before {
        series.push(Series {
            label: &last_time,
            values,
        });
    }
    Value::from_safe_string(radar(&lang.t(title_key), &axes, &series))
}

fn part_percents(result: &AssessmentResult) -> Vec<f64> {
    result.parts.iter().map(|p| p.percent).collect()
}

fn rule_percents(result: &AssessmentResult) -> Vec<f64> {
    result
        .rules
        .iter()
        .map(|r| {
            if r.max == 0 {
                0.0
            } else {
                f64::from(r.score) * 100.0 / f64::from(r.max)
            }
        })
        .collect()
}

/// The trend of total and part percentages over the history (oldest first), dated in the
/// site's `zone`.
pub(super) fn trend_svg(lang: Lang, zone: Zone, history: &[Scored]) -> Value {
    let oldest_first: Vec<&Scored> = history.iter().rev().collect();
    let labels: Vec<String> = oldest_first
        .iter()
        .map(|s| crate::render::date(zone, s.set.completed_at.unwrap_or_default()))
        .collect();
    let total_label = lang.t("assessment.chart.total");
    let mut series = vec![Series {
        label: &total_label,
        values: oldest_first
            .iter()
            .map(|s| f64::from(s.result.total) * 100.0 / f64::from(s.result.max.max(1)))
            .collect(),
    }];
    let names: Vec<String> = oldest_first
        .first()
        .map(|s| {
            s.result
                .parts
                .iter()
                .map(|p| p.name.get(lang).to_owned())
                .collect()
        })
        .unwrap_or_default();
    for (i, name) in names.iter().enumerate() {
        series.push(Series {
            label: name,
            values: oldest_first
                .iter()
                .map(|s| s.result.parts.get(i).map_or(0.0, |p| p.percent))
                .collect(),
        });
    }
    Value::from_safe_string(trend(
        &lang.t("assessment.chart.trend"),
        &labels,
        -25.0,
        &series,
    ))
}

/// `GET /orgs/{id}/assessment`: where the self-assessment starts and its history is kept.
pub async fn hub(
    Signed(page, viewer): Signed,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let org = visible_org(&page, &viewer, &id).await?;
    let loaded = async {
        let history = history(&org).await?;
        let draft = org.answers().draft(AnswerKind::SelfAssessment, "").await?;
        let base = super::public_base(&page.state, &headers);
        let (readiness, acknowledged) = org_readiness(&org, &base).await?;
        Ok::<_, MeasureError>((history, draft, readiness, acknowledged))
    };
    let (history, draft, readiness, acknowledged) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let questions = edition(None)
        .map(|e| e.self_assessment.items.len())
        .unwrap_or_default();
    let rows: Vec<Value> = history
        .iter()
        .map(|s| {
            context! {
                id => s.set.id.clone(),
                completed_at => s.set.completed_at,
                total => s.result.total,
                max => s.result.max,
                parts => Value::from(Serde(&s.result.parts)),
                problems => s.result.problems.len(),
            }
        })
        .collect();
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        may_answer => viewer.user.may_in(Deed::AnswerQuestionnaires, &id),
        draft_answered => draft.as_ref().map(|d| d.answers.as_object().map_or(0, |o| o.len())),
        draft_updated => draft.as_ref().map(|d| d.updated_at),
        questions => questions,
        history => rows,
        trend => (!history.is_empty()).then(|| trend_svg(page.lang, page.state.store.zone(), &history)),
        readiness => Value::from(Serde(&readiness)),
        acknowledged_at => acknowledged.map(|a| a.at),
    };
    Ok(page
        .render(StatusCode::OK, "assessment_hub.html", ctx)
        .await)
}

/// Which part a questionnaire screen shows.
#[derive(Deserialize)]
pub struct PartQuery {
    part: Option<String>,
}

/// An item on a questionnaire screen.
#[derive(Serialize)]
struct Question<'a> {
    item: &'a mamori_catalog::Item,
    notes: Vec<&'a mamori_catalog::Note>,
    answer: Option<&'a str>,
}

async fn draft_words(org: &OrgStore) -> Result<BTreeMap<String, String>, PageError> {
    match org.answers().draft(AnswerKind::SelfAssessment, "").await? {
        Some(draft) => Ok(serde_json::from_value(draft.answers).unwrap_or_default()),
        None => Ok(BTreeMap::new()),
    }
}

/// Renders the screen of part `part_id` with `answers` filled in.
async fn render_part(
    page: &Page,
    org: &Organisation,
    edition: &Edition,
    part_id: &str,
    answers: &BTreeMap<String, String>,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let catalog = &edition.self_assessment;
    let Some(index) = catalog.parts.iter().position(|p| p.id == part_id) else {
        return PageError::NotFound.into_response();
    };
    let part = &catalog.parts[index];
    let questions: Vec<Question> = catalog
        .part_items(&part.id)
        .map(|item| Question {
            item,
            notes: catalog.notes_for(item).collect(),
            answer: answers.get(&item.number.to_string()).map(String::as_str),
        })
        .collect();
    let answered = answers.len();
    let ctx = context! {
        org => Value::from(Serde(org)),
        part => Value::from(Serde(part)),
        step => index + 1,
        steps => catalog.parts.len(),
        previous => index.checked_sub(1).and_then(|i| catalog.parts.get(i)).map(|p| p.id.clone()),
        next => catalog.parts.get(index + 1).map(|p| p.id.clone()),
        questions => Value::from(Serde(&questions)),
        options => Value::from(Serde(catalog.answers.options())),
        answered => answered,
        total => catalog.items.len(),
        error => error,
    };
    page.render(status, "assessment_part.html", ctx).await
}

/// The default catalog edition, or the error page.
pub(super) async fn default_edition(page: &Page) -> Result<&'static Edition, PageError> {
    match edition(None) {
        Ok(edition) => Ok(edition),
        Err(e) => Err(PageError::from(measure_error(page, e).await)),
    }
}

/// `GET /orgs/{id}/assessment/answer?part=…`: one part of the questionnaire, with the draft's
/// answers filled in.
pub async fn part_form(
    Signed(page, viewer): Signed,
    Path(id): Path<String>,
    Query(query): Query<PartQuery>,
) -> PageResult {
    let org = answering_org(&page, &viewer, &id).await?;
    let edition = default_edition(&page).await?;
    let answers = draft_words(&org).await?;
    let first = edition.self_assessment.parts.first().map(|p| p.id.clone());
    let part = query.part.or(first).unwrap_or_default();
    Ok(render_part(
        &page,
        org.org(),
        edition,
        &part,
        &answers,
        StatusCode::OK,
        None,
    )
    .await)
}

/// Checks a posted questionnaire form: the viewer may answer for organisation `id`, and the
/// form carries the session's token. Returns the organisation and the parsed form.
pub(super) async fn answering_form(
    page: &Page,
    viewer: &Viewer,
    id: &str,
    pairs: Vec<(String, String)>,
) -> Result<(OrgStore, AnswerForm), PageError> {
    let org = answering_org(page, viewer, id).await?;
    let form = AnswerForm::new(pairs);
    page.check_csrf(&form.csrf)?;
    Ok((org, form))
}

/// Splits a questionnaire form into its control fields and the answers (`q7=yes`).
pub(super) struct AnswerForm {
    /// The session's form token.
    pub csrf: String,
    /// Control fields by name (`part`, `go`, `service` …).
    pub fields: BTreeMap<String, String>,
    /// Item number to answer word, for fields named `q<number>`.
    pub answers: BTreeMap<String, String>,
}

impl AnswerForm {
    /// Reads the posted pairs; answers with a given `prefix` (`q`, `p`, `a`) are collected by
    /// [`AnswerForm::with_prefix`].
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        let mut form = AnswerForm {
            csrf: String::new(),
            fields: BTreeMap::new(),
            answers: BTreeMap::new(),
        };
        for (name, value) in pairs {
            if name == "csrf" {
                form.csrf = value;
            } else {
                form.fields.insert(name, value);
            }
        }
        form.answers = form.with_prefix("q");
        form
    }

    /// The answers in fields named `<prefix><number>`.
    pub fn with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .filter_map(|(name, value)| {
                let number = name.strip_prefix(prefix)?;
                number
                    .chars()
                    .all(|c| c.is_ascii_digit())
                    .then(|| (number.to_owned(), value.clone()))
            })
            .filter(|(number, _)| !number.is_empty())
            .collect()
    }

    /// The control field `name`, or "".
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// `POST /orgs/{id}/assessment/answer`: saves this screen's answers into the draft, then goes
/// to the previous or next part, back to the hub, or (on the last screen) completes the
/// assessment and shows the result.
pub async fn part_submit(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult {
    let (org, form) = answering_form(&page, &viewer, &id, pairs).await?;
    let edition = default_edition(&page).await?;
    let mut answers = draft_words(&org).await?;
    answers.extend(form.answers.clone());
    let part = form.field("part").to_owned();
    let go = form.field("go");
    let actor = Actor::user(&viewer.user, Some(addr));
    let submission = |complete| Submission::new(&org, &actor, None, complete);
    if let Err(e) = submit_assessment(&submission(false), &answers).await {
        let (status, _, message) = e.describe(page.lang);
        return Ok(render_part(
            &page,
            org.org(),
            edition,
            &part,
            &answers,
            status,
            Some(message),
        )
        .await);
    }
    let base = format!("/orgs/{id}/assessment");
    let target = match go {
        "finish" => match submit_assessment(&submission(true), &answers).await {
            Ok((set, _)) => format!("{base}/{}", set.id),
            Err(e @ MeasureError::Catalog(CatalogError::MissingItems { .. })) => {
                let first_missing = match &e {
                    MeasureError::Catalog(CatalogError::MissingItems { items }) => {
                        items.first().copied()
                    }
                    _ => None,
                };
                let missing_part = first_missing
                    .and_then(|n| edition.self_assessment.item(n))
                    .map_or(part.clone(), |item| item.part.clone());
                let (_, _, message) = e.describe(page.lang);
                return Ok(render_part(
                    &page,
                    org.org(),
                    edition,
                    &missing_part,
                    &answers,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(message),
                )
                .await);
            }
            Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
        },
        step @ ("previous" | "next") => format!("{base}/answer?part={}", form.field(step)),
        _ => base,
    };
    Ok(Redirect::to(&target).into_response())
}

/// A changed item for the "since last time" list.
#[derive(Serialize)]
struct Change<'a> {
    number: u8,
    title: &'a mamori_catalog::Text,
    previous: &'a mamori_catalog::Text,
    current: &'a mamori_catalog::Text,
    delta: String,
    better: bool,
}

/// `GET /orgs/{id}/assessment/{aid}`: one completed assessment's result.
pub async fn result(
    Signed(page, viewer): Signed,
    Path((id, aid)): Path<(String, String)>,
) -> PageResult {
    let org = visible_org(&page, &viewer, &id).await?;
    let all = match history(&org).await {
        Ok(all) => all,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let Some(index) = all.iter().position(|s| s.set.id == aid) else {
        return Err(PageError::NotFound);
    };
    let current = &all[index];
    let previous = all
        .get(index + 1)
        .filter(|p| p.result.edition == current.result.edition);
    let edition = match edition(Some(&current.result.edition)) {
        Ok(edition) => edition,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let peers = match benchmark(&org, Some(&current.result)).await {
        Ok(peers) => peers,
        Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
    };
    let catalog = &edition.self_assessment;
    let comparison = previous.and_then(|p| compare(&p.result, &current.result).ok());
    let changes: Vec<Change> = comparison
        .iter()
        .flat_map(|c| c.items.iter())
        .filter(|c| c.trend != Trend::Same || c.previous != c.current)
        .filter_map(|c| {
            Some(Change {
                number: c.number,
                title: &catalog.item(c.number)?.title,
                previous: &catalog.answers.option(c.previous).label,
                current: &catalog.answers.option(c.current).label,
                delta: format!("{:+}", c.delta),
                better: c.trend == Trend::Better,
            })
        })
        .collect();
    // The owner hears at once when the newest answers change handbook rules.
    let handbook_changes = if index == 0 && viewer.user.may_in(Deed::EditDocuments, &id) {
        match current_handbook_changes(&org, page.lang).await {
            Ok(found) => found.map(|(_, changes)| changes.len()),
            Err(e) => return Err(PageError::from(measure_error(&page, e).await)),
        }
    } else {
        None
    };
    let cat_lang = page.lang;
    let part_names = current
        .result
        .parts
        .iter()
        .map(|p| p.name.get(cat_lang).to_owned())
        .collect();
    let rule_names = current
        .result
        .rules
        .iter()
        .map(|r| r.title.get(cat_lang).to_owned())
        .collect();
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        assessment_id => current.set.id.clone(),
        completed_at => current.set.completed_at,
        result => Value::from(Serde(&current.result)),
        parts_chart => radar_svg(page.lang, "assessment.chart.parts", part_names, part_percents(&current.result), previous.map(|p| part_percents(&p.result))),
        rules_chart => radar_svg(page.lang, "assessment.chart.rules", rule_names, rule_percents(&current.result), previous.map(|p| rule_percents(&p.result))),
        previous_total => previous.map(|p| p.result.total),
        previous_at => previous.and_then(|p| p.set.completed_at),
        changes => Value::from(Serde(&changes)),
        peers => Value::from(Serde(&peers)),
        is_latest => index == 0,
        handbook_changes => handbook_changes,
    };
    Ok(page
        .render(StatusCode::OK, "assessment_result.html", ctx)
        .await)
}
