//! The company's home page: where it stands this month (the monthly report's own traffic
//! light and next steps, read from the same figures), its open alerts with what to do, its
//! latest self-assessment score and trend, the SECURITY ACTION steps with the page where each
//! is done, and the devices watched with their last log. A company that has just started sees
//! an ordered start list instead of empty sections.

use axum::http::HeaderMap;
use mamori_catalog::StepId;
use mamori_reports::compose::{headline, next_steps, verdict};
use mamori_reports::figures::gather;
use mamori_reports::{Month, words::words};
use mamori_store::{AlertFilter, AlertOrder, OrgStore};
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Serialize;

use super::Page;
use super::public_base;
use crate::measures::{MeasureError, history, org_readiness};
use crate::triage::AlertView;

/// Open alerts shown on the home page; the alert list has the rest.
const OPEN_ALERTS_SHOWN: i64 = 5;

/// Next steps shown on the home page (the report lists up to five).
const NEXT_STEPS_SHOWN: usize = 3;

/// One step of the start list for a company that has just begun.
#[derive(Serialize)]
struct StartStep {
    /// Message key of the step's title.
    key: &'static str,
    /// Where it is done (a path built here from the organisation's id, so the template may
    /// print it unescaped); `None` when the provider does it.
    link: Option<String>,
    /// Already done.
    done: bool,
}

/// The page where a SECURITY ACTION step is done.
fn step_link(org_id: &str, step: StepId) -> String {
    match step {
        StepId::RulesAcknowledged => format!("/orgs/{org_id}/rules"),
        StepId::AssessmentCompleted => format!("/orgs/{org_id}/assessment"),
        StepId::PolicyIssued | StepId::PolicyPublished => {
            format!("/orgs/{org_id}/documents/policy")
        }
    }
}

/// Everything the dashboard shows, as template context.
pub(super) async fn dashboard(
    page: &Page,
    org: &OrgStore,
    headers: &HeaderMap,
) -> Result<Value, MeasureError> {
    let state = &page.state;
    let lang = page.lang;
    let id = org.id();
    let now = mamori_store::now();
    let base = public_base(state, headers);

    let (readiness, acknowledged) = org_readiness(org, &base).await?;
    let scored = history(org).await?;
    let sources = org.sources().await?;
    let open = state
        .store
        .alerts(
            &mamori_model::Scope::Organisation(id.to_owned()),
            &AlertFilter {
                org_id: Some(id.to_owned()),
                // "open" is the filter word for new and acknowledged alerts.
                status: Some("open".to_owned()),
                order: AlertOrder::OpenFirst,
                limit: OPEN_ALERTS_SHOWN,
                ..AlertFilter::default()
            },
        )
        .await?;
    let channels = org.channels().list().await?;

    // The month's light and next steps, by the monthly report's own rules.
    let month = match &state.reports {
        Some(reporter) => {
            let zone = reporter.zone();
            let figures = gather(
                &state.store,
                id,
                Month::containing(now, zone),
                zone,
                lang.code(),
                Some(&base),
            )
            .await
            .map_err(|e| MeasureError::Broken(e.to_string()))?;
            let w = words(lang).map_err(|e| MeasureError::Broken(e.to_string()))?;
            let v = verdict(&figures, w);
            let mut steps = next_steps(&figures, w, lang, now);
            steps.truncate(NEXT_STEPS_SHOWN);
            Some(context! {
                status => v.status,
                headline => headline(&figures, w, &v),
                attention => v.attention,
                steps => steps,
                events => figures.events,
                blocked => figures.blocked,
            })
        }
        None => None,
    };

    let start = vec![
        StartStep {
            key: "home.start.rules",
            link: Some(format!("/orgs/{id}/rules")),
            done: acknowledged.is_some(),
        },
        StartStep {
            key: "home.start.assessment",
            link: Some(format!("/orgs/{id}/assessment")),
            done: !scored.is_empty(),
        },
        StartStep {
            key: "home.start.channels",
            link: Some(format!("/orgs/{id}/channels")),
            done: !channels.is_empty(),
        },
        StartStep {
            key: "home.start.devices",
            link: None,
            done: !sources.is_empty(),
        },
        StartStep {
            key: "home.start.policy",
            link: Some(format!("/orgs/{id}/documents/policy")),
            done: readiness.steps.iter().any(|s| {
                s.id == StepId::PolicyIssued && s.status == mamori_catalog::StepStatus::Done
            }),
        },
    ];
    let starting = start.iter().filter(|s| s.done).count() < 2 && open.total == 0;

    let latest = scored.first().map(|s| {
        context! {
            id => s.set.id.clone(),
            total => s.result.total,
            max => s.result.max,
            completed_at => s.set.completed_at,
            previous => scored.get(1).map(|p| p.result.total),
            problems => s.result.problems.len(),
        }
    });
    let steps: Vec<Value> = readiness
        .steps
        .iter()
        .map(|s| {
            context! {
                stars => s.stars,
                title => s.title.get(lang),
                done => s.status == mamori_catalog::StepStatus::Done,
                explanation => s.explanation.get(lang),
                link => step_link(id, s.id),
            }
        })
        .collect();
    let devices: Vec<Value> = sources
        .iter()
        .map(|s| {
            context! {
                name => s.name.clone(),
                format => s.format.clone(),
                last_seen_at => s.last_seen_at,
                silent => s.last_seen_at.is_none_or(|at| now - at > s.expected_interval_secs),
            }
        })
        .collect();
    let alerts: Vec<AlertView> = open
        .alerts
        .into_iter()
        .map(|a| AlertView::new(a, lang))
        .collect();
    Ok(context! {
        month => month,
        starting => starting,
        start => Value::from(Serde(&start)),
        open_total => open.total,
        open_alerts => Value::from(Serde(&alerts)),
        latest => latest,
        trend => (scored.len() > 1).then(|| super::assessment::trend_svg(lang, state.store.zone(), &scored)),
        readiness_steps => steps,
        one_star => readiness.one_star,
        two_stars => readiness.two_stars,
        devices => devices,
    })
}

/// The start list's wording exists in both languages.
#[cfg(test)]
mod tests {
    use crate::i18n::Messages;
    use mamori_model::Lang;

    #[test]
    fn every_start_step_has_words() {
        for key in ["rules", "assessment", "channels", "devices", "policy"] {
            for lang in Lang::ALL {
                let text = lang.t(&format!("home.start.{key}"));
                assert!(
                    !text.is_empty() && !text.contains("home."),
                    "{key} {lang:?}"
                );
            }
        }
    }
}
