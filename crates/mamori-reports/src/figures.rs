//! The facts one organisation's monthly report states, gathered from the daily roll-ups, the
//! hourly source counters and the alert, incident and answer tables — never from a scan of
//! raw events, so a report costs the same however many logs the month had.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use mamori_catalog::{AssessmentResult, Readiness, ReadinessFacts, readiness, score};
use mamori_model::Zone;
use mamori_model::{AlertStatus, Scope, Severity};
use mamori_store::{AlertFilter, AnswerKind, BlockedRow, OrgStore, RollupRow, Store, StoreError};
use serde::Serialize;

use crate::month::Month;
use crate::{ReportError, catalog_edition};

/// How many top senders and ports the report names.
const TOP: usize = 5;
/// How many silent periods are listed per source.
const GAPS_LISTED: usize = 5;

/// Everything one organisation's report says, as numbers and identifiers.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// The organisation.
    pub org_id: String,
    /// Its name.
    pub org_name: String,
    /// The provider's name.
    pub provider_name: String,
    /// The provider's consultation desk, when set: the report says how to reach it.
    pub desk: Option<mamori_store::Desk>,
    /// The month covered.
    pub month: String,
    /// Start of the period (Unix seconds, inclusive).
    pub from: i64,
    /// End of the period (exclusive).
    pub to: i64,
    /// The monitored sources and how well each reported.
    pub sources: Vec<SourceFigures>,
    /// Log lines stored for the month (all sources, from the roll-ups).
    pub events: i64,
    /// Days of the month on which any log arrived.
    pub days_with_logs: i64,
    /// Log lines per day of the month, in order.
    pub events_per_day: Vec<i64>,
    /// Alerts raised in the month per severity, most severe first.
    pub alerts: Vec<SeverityCount>,
    /// Alerts raised in the month per category, most frequent first.
    pub alert_categories: Vec<(String, i64)>,
    /// Alerts raised per day, per severity (most severe first), in day order.
    pub alerts_per_day: Vec<Vec<i64>>,
    /// The month's high and critical alerts.
    pub important: Vec<ImportantAlert>,
    /// High and critical alerts of the month not yet resolved.
    pub open_important: i64,
    /// Every alert of the organisation not yet resolved, whatever its month or severity: the
    /// same number the provider's console shows.
    pub open_alerts: i64,
    /// Denied and dropped connections at the edge.
    pub blocked: i64,
    /// The most refused sender addresses.
    pub blocked_sources: Vec<(String, i64)>,
    /// The most targeted ports among refused connections.
    pub blocked_ports: Vec<(String, i64)>,
    /// Incidents opened in the month or still not closed.
    pub incidents: Vec<IncidentFigures>,
    /// Consultations asked in the month or still not settled, oldest first.
    pub consultations: Vec<ConsultationFigures>,
    /// On-site dispatches requested in the month.
    pub dispatches: mamori_store::DispatchFigures,
    /// The latest self-assessment finished before the month ended.
    pub assessment: Option<AssessmentFigures>,
    /// SECURITY ACTION readiness.
    pub readiness: Readiness,
    /// The asset ledger and the risk analysis sheet as they stand, measures judged at the
    /// month's last day.
    pub risks: RiskFigures,
    /// The device inventory's end dates as they stand at the month's last day.
    pub devices: DeviceFigures,
    /// Who has confirmed reading the current handbook, as it stands now.
    pub handbook: HandbookFigures,
    /// The PCs and servers running the endpoint agent: how much of the month each was heard
    /// from and what its latest posture report left to work on.
    pub agents: Vec<AgentFigures>,
}

/// One machine running the endpoint agent.
#[derive(Debug, Clone, Serialize)]
pub struct AgentFigures {
    /// Its host name.
    pub hostname: String,
    /// Heartbeats received in the month against those due since it enrolled, 0-100.
    pub heard_percent: i64,
    /// The checks its latest report failed.
    pub failing: Vec<mamori_model::CheckId>,
    /// Alerts raised in the month about it (its logs, its posture, its silence).
    pub alerts: i64,
}

/// The current handbook and how many of the people who must read it have confirmed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HandbookFigures {
    /// The newest issued version's number; `None` before the first is issued.
    pub version: Option<i64>,
    /// Everyone who must read it (accounts and names on the list).
    pub readers: i64,
    /// Of those, who confirmed reading that version.
    pub confirmed: i64,
}

/// How far past the month's end the report looks for end dates coming up.
pub const END_DATES_AHEAD_DAYS: i64 = 60;

/// One end date of one device.
#[derive(Debug, Clone, Serialize)]
pub struct EndDate {
    /// The device's name.
    pub device: String,
    /// What ends.
    pub lapse: mamori_risk::expiry::Lapse,
    /// The last day it is protected.
    pub on: chrono::NaiveDate,
}

/// The device inventory in a count and two lists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeviceFigures {
    /// Devices described in the inventory.
    pub devices: i64,
    /// End dates passed by the month's last day and not renewed, oldest first.
    pub passed: Vec<EndDate>,
    /// End dates within [`END_DATES_AHEAD_DAYS`] after the month's last day, soonest first.
    pub coming: Vec<EndDate>,
}

/// The asset ledger and the risk analysis sheet in four numbers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RiskFigures {
    /// Information assets in the ledger.
    pub assets: i64,
    /// Lines of the risk analysis sheet.
    pub lines: i64,
    /// Of those, large risks (4-6).
    pub large: i64,
    /// Of those, measures past their date and not in place.
    pub overdue: i64,
}

/// A source's month.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFigures {
    /// The source.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its log format (`rtx`, `fortigate` …).
    pub format: String,
    /// Lines received in the month (hourly counters).
    pub events: i64,
    /// Hours of the month it was registered.
    pub hours_watched: i64,
    /// Of those, hours in which it sent at least one line.
    pub hours_reporting: i64,
    /// Silent periods longer than its expected interval, longest first.
    pub gaps: Vec<Gap>,
    /// Hours of the longest silent period.
    pub longest_gap_hours: i64,
}

/// A period in which a source sent nothing.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    /// Start (Unix seconds).
    pub from: i64,
    /// Length in hours.
    pub hours: i64,
}

/// Alerts of one severity in this month and the month before.
#[derive(Debug, Clone, Serialize)]
pub struct SeverityCount {
    /// Severity word.
    pub severity: String,
    /// This month.
    pub count: i64,
    /// The month before.
    pub previous: i64,
}

/// A high or critical alert, in one line.
#[derive(Debug, Clone, Serialize)]
pub struct ImportantAlert {
    /// The alert.
    pub id: String,
    /// First seen.
    pub at: DateTime<Utc>,
    /// Severity word.
    pub severity: String,
    /// Title in the report's language.
    pub title: String,
    /// `new`, `acknowledged` or the resolution word.
    pub outcome: String,
    /// How many detections it grouped.
    pub count: i64,
}

/// An incident of the month.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentFigures {
    /// Title.
    pub title: String,
    /// Category word.
    pub category: String,
    /// Where the response stands.
    pub status: mamori_model::IncidentStatus,
    /// When it was recorded.
    pub opened: i64,
    /// Timeline entries written in the month, oldest first.
    pub done: Vec<String>,
}

/// A consultation with the desk, as the month's report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ConsultationFigures {
    /// Its subject, in the company's words.
    pub subject: String,
    /// What it was about.
    pub topic: mamori_model::ConsultationTopic,
    /// Where it stands at the end of the report.
    pub status: mamori_model::ConsultationStatus,
    /// When it was asked.
    pub asked: i64,
    /// Seconds from asking to the desk's first answer, when there was one.
    pub first_answer_secs: Option<i64>,
}

/// The latest self-assessment.
#[derive(Debug, Clone, Serialize)]
pub struct AssessmentFigures {
    /// When it was finished.
    pub completed_at: i64,
    /// The score.
    pub result: AssessmentResult,
    /// The previous assessment's total, for the trend.
    pub previous_total: Option<i32>,
    /// Every assessment up to this one: (finished at, total), oldest first.
    pub history: Vec<(i64, i32)>,
}

/// Gathers organisation `org_id`'s facts for `month` in `zone`; `lang` picks alert titles.
pub async fn gather(
    store: &Store,
    org_id: &str,
    month: Month,
    zone: Zone,
    lang: &str,
    public_url: Option<&str>,
) -> Result<Figures, ReportError> {
    let scope = Scope::Organisation(org_id.to_owned());
    let tenant = match store.org_store(&scope, org_id).await {
        Err(StoreError::NotFound) => {
            return Err(ReportError::UnknownOrganisation(org_id.to_owned()));
        }
        other => other?,
    };
    let org = tenant.org();
    let provider = store.provider().await?;
    let (provider_name, desk, likelihood) = match provider {
        Some(p) => (p.name, p.desk, p.likelihood),
        None => (String::new(), None, None),
    };
    let (from, to) = month.bounds(zone);
    let day_starts: Vec<i64> = month.days().into_iter().map(|d| zone.midnight(d)).collect();
    let (first_day, last_day) = (
        day_starts.first().copied().unwrap_or(from),
        day_starts.last().copied().unwrap_or(from),
    );
    // Days still open (or missed) are rolled up now, so every figure below reads one view.
    let rollups_of = tenant.rollups();
    rollups_of
        .refresh(first_day, last_day, mamori_store::now())
        .await?;
    let (rollups, _) = rollups_of.days(first_day, last_day).await?;
    let mut events_per_day = vec![0; day_starts.len()];
    let mut blocked = 0;
    for row in &rollups {
        if let Some(i) = day_starts.iter().position(|d| *d == row.day) {
            events_per_day[i] += row.events;
        }
        if row.action == "deny" || row.action == "drop" {
            blocked += row.events;
        }
    }
    let blocked_rows = rollups_of.blocked(first_day, last_day).await?;
    let top = |kind: &str| {
        let mut totals: BTreeMap<String, i64> = BTreeMap::new();
        // The senders list is headed "from the internet": the company's own PCs refused on
        // their way out are not attackers and are left out of it.
        let listed = |r: &&BlockedRow| {
            r.kind == kind && (kind != "src" || mamori_model::from_internet(&r.value))
        };
        for row in blocked_rows.iter().filter(listed) {
            *totals.entry(row.value.clone()).or_default() += row.events;
        }
        let mut list: Vec<(String, i64)> = totals.into_iter().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list.truncate(TOP);
        list
    };
    let open_alerts = store
        .alerts(
            &scope,
            &AlertFilter {
                org_id: Some(org_id.to_owned()),
                // "open" is the filter word for new and acknowledged alerts.
                status: Some("open".to_owned()),
                limit: 1,
                ..AlertFilter::default()
            },
        )
        .await?
        .total;
    let month_alerts = gather_alerts(store, &tenant, (from, to), &day_starts, lang).await?;
    let agents = gather_agents(&tenant, zone, (from, to), &month_alerts.per_source).await?;
    Ok(Figures {
        org_id: org.id.clone(),
        org_name: org.name.clone(),
        provider_name,
        desk,
        month: month.to_string(),
        from,
        to,
        sources: gather_sources(&tenant, &rollups, from, to).await?,
        events: events_per_day.iter().sum(),
        days_with_logs: events_per_day.iter().filter(|n| **n > 0).count() as i64,
        events_per_day,
        alerts: month_alerts.counts,
        alert_categories: month_alerts.categories,
        alerts_per_day: month_alerts.per_day,
        important: month_alerts.important,
        open_important: month_alerts.open_important,
        open_alerts,
        blocked,
        blocked_sources: top("src"),
        blocked_ports: top("port"),
        incidents: gather_incidents(store, &tenant, from, to).await?,
        consultations: gather_consultations(&tenant, from, to).await?,
        dispatches: tenant.incidents().dispatch_figures(from, to).await?,
        assessment: gather_assessment(&tenant, to).await?,
        readiness: gather_readiness(&tenant, public_url).await?,
        risks: gather_risks(&tenant, likelihood, zone.date(to - 1)).await?,
        devices: gather_devices(&tenant, zone.date(to - 1)).await?,
        handbook: gather_handbook(&tenant).await?,
        agents,
    })
}

/// Each enrolled machine's month: heartbeats against those due from the later of the month's
/// start and its enrolment to the earlier of the month's end and now, its latest failures
/// and the month's alerts about it (`alerts_by_source`, counted by source id).
async fn gather_agents(
    org: &OrgStore,
    zone: mamori_model::Zone,
    (from, to): (i64, i64),
    alerts_by_source: &BTreeMap<String, i64>,
) -> Result<Vec<AgentFigures>, ReportError> {
    let agents = org.agents_since(from).await?;
    if agents.is_empty() {
        return Ok(Vec::new());
    }
    let beats = org.agent_beats(zone.date(from), zone.date(to - 1)).await?;
    let until = to.min(chrono::Utc::now().timestamp());
    let beat = mamori_model::posture::HEARTBEAT_SECS as i64;
    Ok(agents
        .into_iter()
        .filter(|a| a.enrolled_at < to)
        .map(|a| {
            let due = ((until - from.max(a.enrolled_at)) / beat).max(1);
            let heard = beats.get(&a.id).copied().unwrap_or(0);
            AgentFigures {
                heard_percent: (heard * 100 / due).clamp(0, 100),
                failing: a
                    .posture
                    .map(|p| p.failing().map(|c| c.id).collect())
                    .unwrap_or_default(),
                alerts: alerts_by_source.get(&a.source_id).copied().unwrap_or(0),
                hostname: a.hostname,
            }
        })
        .collect())
}

/// Each source's month: lines from the same roll-up rows as the report's total (so the table
/// adds up to it), reporting hours and silences from the hourly counters.
async fn gather_sources(
    org: &OrgStore,
    rollups: &[RollupRow],
    from: i64,
    to: i64,
) -> Result<Vec<SourceFigures>, ReportError> {
    let sources = org.sources_since(from).await?;
    let hours = org.rollups().source_hours(from, to).await?;
    let end = to.min(mamori_store::now());
    Ok(sources
        .into_iter()
        .filter(|s| s.created_at < to)
        .map(|s| {
            let start = from.max(s.created_at - s.created_at.rem_euclid(3600));
            let reporting: Vec<i64> = hours
                .iter()
                .filter(|h| h.source_id == s.id && h.events > 0)
                .map(|h| h.hour)
                .collect();
            let events = rollups
                .iter()
                .filter(|r| r.source_id == s.id)
                .map(|r| r.events)
                .sum();
            let mut gaps = silent_periods(&reporting, start, end, s.expected_interval_secs);
            gaps.sort_by(|a, b| b.hours.cmp(&a.hours).then(a.from.cmp(&b.from)));
            let longest_gap_hours = gaps.first().map_or(0, |g| g.hours);
            gaps.truncate(GAPS_LISTED);
            SourceFigures {
                hours_watched: ((end - start).max(0) + 3599) / 3600,
                hours_reporting: reporting.len() as i64,
                id: s.id,
                name: s.name,
                format: s.format,
                events,
                gaps,
                longest_gap_hours,
            }
        })
        .collect())
}

/// Runs of hours in `[start, end)` with no line, longer than `expected_secs`.
/// `reporting` holds the starts of the hours that had lines, in order.
fn silent_periods(reporting: &[i64], start: i64, end: i64, expected_secs: i64) -> Vec<Gap> {
    let mut gaps = Vec::new();
    let mut quiet_since = start;
    let mut close = |quiet_since: i64, until: i64| {
        let hours = (until - quiet_since) / 3600;
        if hours > 0 && until - quiet_since > expected_secs {
            gaps.push(Gap {
                from: quiet_since,
                hours,
            });
        }
    };
    for hour in reporting
        .iter()
        .copied()
        .filter(|h| *h >= start && *h < end)
    {
        close(quiet_since, hour);
        quiet_since = hour + 3600;
    }
    close(quiet_since, end - end.rem_euclid(3600));
    gaps
}

/// The month's alerts as the report counts them.
struct MonthAlerts {
    /// Per severity, this month and the one before.
    counts: Vec<SeverityCount>,
    /// The high and critical ones, in time order.
    important: Vec<ImportantAlert>,
    /// How many of those are still open.
    open_important: i64,
    /// Per event category, most first.
    categories: Vec<(String, i64)>,
    /// Per severity, per day.
    per_day: Vec<Vec<i64>>,
    /// Per source (by id).
    per_source: BTreeMap<String, i64>,
}

async fn gather_alerts(
    store: &Store,
    org: &OrgStore,
    (from, to): (i64, i64),
    day_starts: &[i64],
    lang: &str,
) -> Result<MonthAlerts, ReportError> {
    let severities: Vec<Severity> = Severity::ALL.iter().rev().copied().collect();
    let (scope, org_id) = (&Scope::Organisation(org.id().to_owned()), org.id());
    let previous = org.alerts().counts(from - (to - from), from).await?;
    let mut counts: Vec<SeverityCount> = severities
        .iter()
        .map(|s| SeverityCount {
            severity: s.as_str().to_owned(),
            count: 0,
            previous: previous
                .iter()
                .find(|(w, _)| w == s.as_str())
                .map_or(0, |(_, n)| *n),
        })
        .collect();
    let mut per_day = vec![vec![0; day_starts.len()]; severities.len()];
    let mut categories: BTreeMap<String, i64> = BTreeMap::new();
    let mut per_source: BTreeMap<String, i64> = BTreeMap::new();
    let mut important = Vec::new();
    let mut open_important = 0;
    let mut offset = 0;
    loop {
        let page = store
            .alerts(
                scope,
                &AlertFilter {
                    org_id: Some(org_id.to_owned()),
                    created_from: Some(from),
                    created_to: Some(to),
                    limit: 500,
                    offset,
                    ..AlertFilter::default()
                },
            )
            .await?;
        for alert in &page.alerts {
            let rank = severities
                .iter()
                .position(|s| s.as_str() == alert.severity)
                .unwrap_or(severities.len() - 1);
            counts[rank].count += 1;
            let day = store.zone().day_start(alert.created_at);
            if let Some(i) = day_starts.iter().position(|d| *d == day) {
                per_day[rank][i] += 1;
            }
            *categories
                .entry(alert_category(&alert.details))
                .or_default() += 1;
            if let Some(source) = &alert.source_id {
                *per_source.entry(source.clone()).or_default() += 1;
            }
            if rank <= 1 {
                let outcome = match (&alert.resolution, alert.status) {
                    (Some(r), AlertStatus::Resolved) => r.clone(),
                    (_, s) => s.to_string(),
                };
                if alert.status.is_open() {
                    open_important += 1;
                }
                important.push(ImportantAlert {
                    id: alert.id.clone(),
                    at: alert.first_seen,
                    severity: alert.severity.clone(),
                    title: alert.title_in(lang).to_owned(),
                    outcome,
                    count: alert.count,
                });
            }
        }
        offset += page.alerts.len() as i64;
        if page.alerts.is_empty() || (!page.total_capped && offset >= page.total) {
            break;
        }
    }
    important.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    let mut categories: Vec<(String, i64)> = categories.into_iter().collect();
    categories.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(MonthAlerts {
        counts,
        important,
        open_important,
        categories,
        per_day,
        per_source,
    })
}

/// The event category of an alert's first evidence event (`other` when unknown).
fn alert_category(details: &serde_json::Value) -> String {
    details
        .get("events")
        .and_then(|e| e.get(0))
        .and_then(|e| e.get("category"))
        .and_then(|c| c.as_str())
        .filter(|c| mamori_model::Category::ALL.iter().any(|k| k.as_str() == *c))
        .unwrap_or("other")
        .to_owned()
}

async fn gather_incidents(
    store: &Store,
    org: &OrgStore,
    from: i64,
    to: i64,
) -> Result<Vec<IncidentFigures>, ReportError> {
    let scope = &Scope::Organisation(org.id().to_owned());
    let mut out = Vec::new();
    for incident in org.incidents().list().await? {
        let relevant = incident.created_at < to
            && (incident.created_at >= from
                || incident.updated_at >= from
                || incident.status != mamori_model::IncidentStatus::Closed);
        if !relevant {
            continue;
        }
        let done = store
            .incident_timeline(scope, &incident.id)
            .await?
            .into_iter()
            .filter(|e| e.at >= from && e.at < to)
            .map(|e| e.entry)
            .collect();
        out.push(IncidentFigures {
            title: incident.title,
            category: incident.category,
            status: incident.status,
            opened: incident.created_at,
            done,
        });
    }
    out.reverse();
    Ok(out)
}

/// Consultations asked before the month ended that were asked in it, changed in it, or are
/// not settled.
async fn gather_consultations(
    org: &OrgStore,
    from: i64,
    to: i64,
) -> Result<Vec<ConsultationFigures>, ReportError> {
    let mut out: Vec<ConsultationFigures> = org
        .consultations()
        .list()
        .await?
        .into_iter()
        .filter(|c| {
            c.created_at < to
                && (c.created_at >= from
                    || c.updated_at >= from
                    || c.status != mamori_model::ConsultationStatus::Resolved)
        })
        .map(|c| ConsultationFigures {
            first_answer_secs: c.first_response_at.map(|at| at - c.created_at),
            subject: c.subject,
            topic: c.topic,
            status: c.status,
            asked: c.created_at,
        })
        .collect();
    out.reverse();
    Ok(out)
}

async fn gather_assessment(
    org: &OrgStore,
    to: i64,
) -> Result<Option<AssessmentFigures>, ReportError> {
    let mut scored = Vec::new();
    for set in org
        .answers()
        .completed(AnswerKind::SelfAssessment, None)
        .await?
    {
        let Some(at) = set.completed_at.filter(|at| *at < to) else {
            continue;
        };
        let answers = serde_json::from_value(set.answers.clone())
            .map_err(|e| ReportError::Broken(format!("answer set {}: {e}", set.id)))?;
        scored.push((at, score(catalog_edition(Some(&set.edition))?, &answers)?));
    }
    scored.sort_by_key(|(at, _)| *at);
    let history: Vec<(i64, i32)> = scored.iter().map(|(at, r)| (*at, r.total)).collect();
    let previous_total = history.len().checked_sub(2).map(|i| history[i].1);
    Ok(scored
        .pop()
        .map(|(completed_at, result)| AssessmentFigures {
            completed_at,
            result,
            previous_total,
            history,
        }))
}

/// The ledger and the sheet with the provider's likelihood table, overdue measures judged
/// on `last_day`.
async fn gather_risks(
    org: &OrgStore,
    likelihood: Option<[[u8; 3]; 3]>,
    last_day: chrono::NaiveDate,
) -> Result<RiskFigures, ReportError> {
    let assets = org.assets().list().await?;
    let lines = org.risks().list().await?;
    let table = mamori_risk::LikelihoodTable::of_provider(likelihood);
    let assessed: Vec<mamori_risk::Assessed> = lines
        .iter()
        .filter_map(|line| {
            let asset = assets.iter().find(|a| a.id == line.asset_id)?;
            Some(mamori_risk::assess(line, asset, &table, last_day))
        })
        .collect();
    let count = |keep: fn(&mamori_risk::Assessed) -> bool| {
        assessed.iter().filter(|a| keep(a)).count() as i64
    };
    Ok(RiskFigures {
        assets: assets.len() as i64,
        lines: assessed.len() as i64,
        large: count(|a| a.band == mamori_risk::Band::Large),
        overdue: count(|a| a.overdue),
    })
}

/// The newest handbook and its confirmations by the people who must read it now.
async fn gather_handbook(org: &OrgStore) -> Result<HandbookFigures, ReportError> {
    let documents = org.documents();
    let readers = documents.readers().await?;
    let Some(current) = documents.versions("handbook").await?.into_iter().next() else {
        return Ok(HandbookFigures {
            readers: readers.len() as i64,
            ..HandbookFigures::default()
        });
    };
    let acks = documents.handbook_acknowledgements(&current.id).await?;
    let confirmed = readers
        .iter()
        .filter(|r| acks.iter().any(|a| a.reader_key == r.key))
        .count();
    Ok(HandbookFigures {
        version: Some(current.version),
        readers: readers.len() as i64,
        confirmed: confirmed as i64,
    })
}

/// The inventory's end dates judged on `last_day`.
async fn gather_devices(
    org: &OrgStore,
    last_day: chrono::NaiveDate,
) -> Result<DeviceFigures, ReportError> {
    let devices = org.devices().list().await?;
    let mut figures = DeviceFigures {
        devices: devices.len() as i64,
        ..DeviceFigures::default()
    };
    for device in &devices {
        for expiry in mamori_risk::expiry::expiries(device) {
            let left = expiry.days_left(last_day);
            let end = EndDate {
                device: device.name.clone(),
                lapse: expiry.lapse,
                on: expiry.on,
            };
            if left <= 0 {
                figures.passed.push(end);
            } else if left <= END_DATES_AHEAD_DAYS {
                figures.coming.push(end);
            }
        }
    }
    figures.passed.sort_by_key(|e| e.on);
    figures.coming.sort_by_key(|e| e.on);
    Ok(figures)
}

/// SECURITY ACTION readiness as of now. The policy counts as published when its public page
/// is live; its address is under `public_url` (the server's configured address), so without
/// one the published step cannot be confirmed and stays pending.
async fn gather_readiness(
    org: &OrgStore,
    public_url: Option<&str>,
) -> Result<Readiness, ReportError> {
    let edition = catalog_edition(None)?;
    let facts = ReadinessFacts {
        rules_acknowledged: org.rules().acknowledgement(&edition.id).await?.is_some(),
        assessment_completed: !org
            .answers()
            .completed(AnswerKind::SelfAssessment, None)
            .await?
            .is_empty(),
        policy_issued: !org.documents().versions("policy").await?.is_empty(),
        policy_published_url: org
            .documents()
            .policy_publication()
            .await?
            .filter(|p| p.is_live())
            .map(|p| {
                let base = public_url.unwrap_or_default().trim_end_matches('/');
                format!("{base}/public/{}/policy", p.slug)
            }),
    };
    Ok(readiness(&edition.security_action, &facts))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;

    #[test]
    fn silent_periods_longer_than_expected_are_found() {
        // Watched for 10 hours; lines in hours 0, 1, 5 and 9; expected every hour.
        let reporting = [0, H, 5 * H, 9 * H];
        let gaps = silent_periods(&reporting, 0, 10 * H, H);
        let found: Vec<(i64, i64)> = gaps.iter().map(|g| (g.from / H, g.hours)).collect();
        assert_eq!(found, vec![(2, 3), (6, 3)]);
    }

    #[test]
    fn a_source_that_never_reported_is_one_long_gap() {
        let gaps = silent_periods(&[], 0, 48 * H, 4 * H);
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].hours, 48);
    }

    #[test]
    fn gaps_within_the_expected_interval_are_not_findings() {
        // A device that reports every 6 hours is not silent after 5 quiet hours.
        let reporting = [0, 6 * H, 12 * H];
        assert!(silent_periods(&reporting, 0, 13 * H, 6 * H).is_empty());
    }

    #[test]
    fn alert_category_comes_from_the_first_evidence_event() {
        let details = serde_json::json!({"events": [{"category": "auth"}]});
        assert_eq!(alert_category(&details), "auth");
        assert_eq!(alert_category(&serde_json::json!({})), "other");
        assert_eq!(
            alert_category(&serde_json::json!({"events": [{"category": "bogus"}]})),
            "other"
        );
    }
}
