//! The company's PCs and servers that run `mamori-agent`: when each last reported, which
//! posture checks pass or fail (each failing one explained with what to do), and the form
//! that makes an enrolment token with the commands to install the agent.

use std::collections::HashMap;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use mamori_model::posture::HEARTBEAT_SECS;
use mamori_model::{CheckStatus, Deed, Scope};
use mamori_risk::posture::{Advice, advice};
use mamori_store::{Actor, Agent, AlertFilter, OrgStore};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use super::done::Done;
use super::login::CsrfOnly;
use super::{Page, PageResult, Signed, public_base};
use crate::auth::ClientAddr;
use crate::extract::PageForm;

/// Heartbeats missed before a machine counts as silent on the page.
const MISSED_BEATS: i64 = 3;
/// How long an enrolment token made on the page works.
const TOKEN_DAYS: i64 = 7;
/// The most open alerts read to count them per machine (an organisation with more has
/// bigger worries than this count).
const OPEN_ALERTS_READ: i64 = 1000;

/// One check as the page shows it.
#[derive(Serialize)]
struct CheckView {
    advice: Advice,
    status: CheckStatus,
    evidence: String,
}

/// One machine as the page shows it.
#[derive(Serialize)]
struct AgentView {
    agent: Agent,
    silent: bool,
    failing: Vec<CheckView>,
    passing: usize,
    unknown: Vec<CheckView>,
    /// Alerts about the machine still to be dealt with.
    open_alerts: usize,
}

fn view(agent: Agent, now: i64, page: &Page, open_alerts: usize) -> AgentView {
    let checks: Vec<CheckView> = agent
        .posture
        .iter()
        .flat_map(|p| p.checks.iter())
        .map(|c| CheckView {
            advice: advice(c.id, page.lang),
            status: c.status,
            evidence: c.evidence.clone(),
        })
        .collect();
    let (failing, rest): (Vec<_>, Vec<_>) = checks
        .into_iter()
        .partition(|c| c.status == CheckStatus::Fail);
    let (passing, unknown): (Vec<_>, Vec<_>) = rest
        .into_iter()
        .partition(|c| c.status == CheckStatus::Pass);
    AgentView {
        silent: now - agent.last_seen_at > MISSED_BEATS * HEARTBEAT_SECS as i64,
        agent,
        failing,
        passing: passing.len(),
        unknown,
        open_alerts,
    }
}

async fn endpoints_page(
    page: &Page,
    org: &OrgStore,
    headers: &HeaderMap,
    token: Option<String>,
) -> PageResult {
    let now = chrono::Utc::now().timestamp();
    // The organisation's open alerts, counted per source: one query for every machine.
    let open = page
        .state
        .store
        .alerts(
            &Scope::Organisation(org.id().to_owned()),
            &AlertFilter {
                org_id: Some(org.id().to_owned()),
                status: Some("open".to_owned()),
                limit: OPEN_ALERTS_READ,
                ..AlertFilter::default()
            },
        )
        .await?;
    let mut per_source: HashMap<String, usize> = HashMap::new();
    for alert in &open.alerts {
        if let Some(source) = &alert.source_id {
            *per_source.entry(source.clone()).or_default() += 1;
        }
    }
    let agents: Vec<AgentView> = org
        .agents()
        .await?
        .into_iter()
        .map(|a| {
            let open = per_source.get(&a.source_id).copied().unwrap_or(0);
            view(a, now, page, open)
        })
        .collect();
    let viewer_may = page
        .viewer
        .as_ref()
        .is_some_and(|v| v.user.may_in(Deed::KeepAssets, org.id()));
    let ctx = context! {
        org => Value::from(Serde(org.org())),
        agents => Value::from(Serde(&agents)),
        silent => agents.iter().filter(|a| a.silent).count(),
        failing => agents.iter().filter(|a| !a.failing.is_empty()).count(),
        may_enrol => viewer_may,
        token => token,
        token_days => TOKEN_DAYS,
        server => public_base(&page.state, headers),
    };
    Ok(page.render(StatusCode::OK, "endpoints.html", ctx).await)
}

/// `GET /orgs/{id}/endpoints`.
pub async fn endpoints(
    Signed(page, _viewer): Signed,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let org = page.org_store(&id).await?;
    endpoints_page(&page, &org, &headers, None).await
}

/// `POST /orgs/{id}/endpoints`: makes an enrolment token and shows it once, with the
/// commands that install the agent.
pub async fn make_token(
    Signed(page, viewer): Signed,
    headers: HeaderMap,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<String>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::KeepAssets, &form.csrf)
        .await?;
    let (token, _) = org
        .create_enrolment_token(&Actor::user(&viewer.user, Some(addr)), TOKEN_DAYS * 86_400)
        .await?;
    endpoints_page(&page, &org, &headers, Some(token)).await
}

/// `POST /orgs/{id}/endpoints/{agent}/retire`: stops watching a machine that was disposed
/// of or handed on; its records stay.
pub async fn retire(
    Signed(page, viewer): Signed,
    ClientAddr(addr): ClientAddr,
    Path((id, agent)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfOnly>,
) -> PageResult {
    let org = page
        .authorise_org(&id, Deed::KeepAssets, &form.csrf)
        .await?;
    org.retire_agent(&Actor::user(&viewer.user, Some(addr)), &agent)
        .await?;
    if let Some(ingest) = &page.state.ingest {
        ingest.sources_changed();
    }
    Ok(Done::AgentRetired.redirect(&format!("/orgs/{id}/endpoints")))
}
