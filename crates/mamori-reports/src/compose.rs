//! Turns an organisation's [`Figures`] into what its owner reads: a traffic light, a one- or
//! two-sentence headline, every section's sentences and tables in plain words, at most five
//! steps for next month, the glossary and the charts. Both the HTML and the PDF template
//! read the same composed document, so the two always say the same thing.

use mamori_catalog::{Lang, StepStatus};
use mamori_docs::charts;
use mamori_model::Zone;
use serde_json::{Value, json};

use crate::ReportError;
use crate::figures::Figures;
use crate::words::{Words, words};
use mamori_model::{IncidentStatus, group_digits};

/// Most steps proposed for next month.
const MAX_STEPS: usize = 5;
/// A source silent for longer than this (hours) makes the month amber.
const SILENT_FINDING_HOURS: i64 = 24;
/// After this many days, the self-assessment is due again.
const ASSESSMENT_STALE_DAYS: i64 = 365;

/// The traffic light and the reasons behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `green`, `amber` or `red`.
    pub status: &'static str,
    /// What needs attention, most urgent first, as sentences.
    pub attention: Vec<String>,
}

/// Where the report was made: language, time zone, generation time and version.
#[derive(Debug, Clone, Copy)]
pub struct Edition {
    /// Language of the text.
    pub lang: Lang,
    /// Time zone for dates and times.
    pub zone: Zone,
    /// When it is generated (Unix seconds).
    pub generated_at: i64,
    /// The version this will be archived as.
    pub version: i64,
}

/// Decides the traffic light: red when something needs action now, amber when something
/// should be watched, green when nothing needed action.
pub fn verdict(f: &Figures, w: &Words) -> Verdict {
    let mut red = Vec::new();
    let mut amber = Vec::new();
    let n = |k: i64| group_digits(k);
    let critical = f.alerts.first().map_or(0, |c| c.count);
    if critical > 0 {
        red.push(w.fill("attention_critical", &[("n", &n(critical))]));
    }
    if f.open_important > 0 {
        red.push(w.fill("attention_open", &[("n", &n(f.open_important))]));
    }
    let open_incidents = f
        .incidents
        .iter()
        .filter(|i| i.status != IncidentStatus::Closed)
        .count() as i64;
    if open_incidents > 0 {
        red.push(w.fill("attention_incident", &[("n", &n(open_incidents))]));
    }
    if f.sources.is_empty() {
        amber.push(w.fill("attention_no_sources", &[]));
    } else if f.events == 0 {
        amber.push(w.fill("attention_no_logs", &[]));
    }
    for s in f
        .sources
        .iter()
        .filter(|s| s.longest_gap_hours > SILENT_FINDING_HOURS)
    {
        let hours = w.fill("hours", &[("n", &n(s.longest_gap_hours))]);
        amber.push(w.fill("attention_silent", &[("name", &s.name), ("hours", &hours)]));
    }
    if f.risks.overdue > 0 {
        amber.push(w.fill("attention_risk_overdue", &[("n", &n(f.risks.overdue))]));
    }
    if !f.devices.passed.is_empty() {
        let n_passed = n(f.devices.passed.len() as i64);
        amber.push(w.fill("attention_end_dates", &[("n", &n_passed)]));
    }
    let high = f.alerts.get(1).map_or(0, |c| c.count);
    if high > 0 && f.open_important == 0 && critical == 0 {
        amber.push(w.fill("attention_high", &[("n", &n(high))]));
    }
    let status = if !red.is_empty() {
        "red"
    } else if !amber.is_empty() {
        "amber"
    } else {
        "green"
    };
    red.extend(amber);
    Verdict {
        status,
        attention: red,
    }
}

/// The headline: one sentence for the light, and the most urgent point (or, in a quiet
/// month, what was watched).
pub fn headline(f: &Figures, w: &Words, v: &Verdict) -> Vec<String> {
    match v.status {
        "green" => vec![w.fill("headline_green", &[]), watched_summary(f, w)],
        status => {
            let key = if status == "red" {
                "headline_red"
            } else {
                "headline_amber"
            };
            let mut lines = vec![w.fill(key, &[("n", &v.attention.len().to_string())])];
            lines.extend(v.attention.first().cloned());
            lines
        }
    }
}

/// The endpoint agents' part of "what was watched": a sentence and a row per machine.
fn agents(f: &Figures, w: &Words, lang: Lang) -> Value {
    if f.agents.is_empty() {
        return json!({ "summary": w.fill("agents_none", &[]), "rows": [] });
    }
    let rows: Vec<Value> = f
        .agents
        .iter()
        .map(|a| {
            let failing: Vec<&str> = a
                .failing
                .iter()
                .map(|id| mamori_risk::posture::advice(*id, lang).name)
                .collect();
            json!({
                "name": a.hostname,
                "heard": format!("{}%", a.heard_percent),
                "alerts": group_digits(a.alerts),
                "failing": failing,
            })
        })
        .collect();
    let summary = w.fill(
        "agents_summary",
        &[
            ("n", &group_digits(f.agents.len() as i64)),
            (
                "failing",
                &group_digits(f.agents.iter().filter(|a| !a.failing.is_empty()).count() as i64),
            ),
        ],
    );
    json!({ "summary": summary, "rows": rows })
}

fn watched_summary(f: &Figures, w: &Words) -> String {
    if f.sources.is_empty() {
        return w.fill("watched_none", &[]);
    }
    if f.events == 0 {
        return w.fill("no_logs", &[]);
    }
    w.fill(
        "watched_summary",
        &[
            ("sources", &group_digits(f.sources.len() as i64)),
            ("events", &group_digits(f.events)),
            ("days", &group_digits(f.days_with_logs)),
        ],
    )
}

/// At most five concrete steps for next month, most urgent first.
pub fn next_steps(f: &Figures, w: &Words, lang: Lang, at: i64) -> Vec<String> {
    let mut steps = Vec::new();
    if f.open_alerts > 0 {
        steps.push(w.fill("step_open_alerts", &[("n", &group_digits(f.open_alerts))]));
    }
    if f.incidents
        .iter()
        .any(|i| i.status != IncidentStatus::Closed)
    {
        steps.push(w.fill("step_incident", &[]));
    }
    if f.sources.is_empty() {
        steps.push(w.fill("step_no_sources", &[]));
    }
    for s in f
        .sources
        .iter()
        .filter(|s| s.longest_gap_hours > SILENT_FINDING_HOURS)
    {
        steps.push(w.fill("step_silent", &[("name", &s.name)]));
    }
    if f.risks.large > 0 || f.risks.overdue > 0 {
        steps.push(w.fill("step_risks", &[]));
    }
    if !f.devices.passed.is_empty() || !f.devices.coming.is_empty() {
        steps.push(w.fill("step_end_dates", &[]));
    }
    let h = &f.handbook;
    if h.version.is_some() && h.confirmed < h.readers {
        let left = group_digits(h.readers - h.confirmed);
        steps.push(w.fill("step_handbook", &[("n", &left)]));
    }
    match &f.assessment {
        None => steps.push(w.fill("step_assessment", &[])),
        Some(a) if at - a.completed_at > ASSESSMENT_STALE_DAYS * 86_400 => {
            steps.push(w.fill("step_assessment_old", &[]));
        }
        Some(a) => {
            for p in &a.result.problems {
                steps.push(w.fill("step_problem", &[("title", p.title.get(lang))]));
            }
        }
    }
    for step in f
        .readiness
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Pending)
    {
        steps.push(w.fill("step_readiness", &[("title", step.title.get(lang))]));
    }
    steps.truncate(MAX_STEPS);
    if steps.is_empty() {
        steps.push(w.fill("step_keep", &[]));
    }
    steps
}

/// The on-site visits of a month in one sentence, saying so when there were none.
pub(crate) fn dispatch_sentence(w: &Words, d: &mamori_store::DispatchFigures) -> String {
    match (d.dispatches, d.average_minutes_to_arrival) {
        (0, _) => w.fill("dispatches_none", &[]),
        (n, Some(minutes)) => w.fill(
            "dispatches_summary",
            &[("n", &group_digits(n)), ("minutes", &group_digits(minutes))],
        ),
        (n, None) => w.fill("dispatches_waiting", &[("n", &group_digits(n))]),
    }
}

/// Several organisations' visits together: counts added, the average weighted by arrivals.
pub(crate) fn combined<'a>(
    all: impl Iterator<Item = &'a mamori_store::DispatchFigures>,
) -> mamori_store::DispatchFigures {
    let (mut dispatches, mut arrived, mut minutes) = (0, 0, 0);
    for d in all {
        dispatches += d.dispatches;
        arrived += d.arrived;
        minutes += d.average_minutes_to_arrival.unwrap_or(0) * d.arrived;
    }
    mamori_store::DispatchFigures {
        dispatches,
        arrived,
        average_minutes_to_arrival: (arrived > 0).then(|| minutes / arrived),
    }
}

fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "0".into();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if p >= 99.95 && part < whole {
        "99.9".into()
    } else {
        format!("{p:.1}").trim_end_matches(".0").to_owned()
    }
}

/// Severity colours shared by the charts (critical red to info grey).
const SEVERITY_COLOURS: [&str; 5] = ["#b3261e", "#e8710a", "#f2b705", "#2f5fa7", "#8a949e"];

/// The whole composed document for the templates.
pub fn compose(f: &Figures, e: Edition) -> Result<Value, ReportError> {
    let w = words(e.lang)?;
    let v = verdict(f, w);
    let month_first = e.zone.date(f.from);
    let month_last = e.zone.date(f.to - 1);
    let day_labels: Vec<String> = (0..f.events_per_day.len())
        .map(|i| (i + 1).to_string())
        .collect();
    let label = |key: &str| Words::word(&w.labels, key).to_owned();
    let severity_word = |s: &str| Words::word(&w.severity, s).to_owned();

    let sources: Vec<Value> = f
        .sources
        .iter()
        .map(|s| {
            let gaps: Vec<String> = s
                .gaps
                .iter()
                .map(|g| {
                    let hours = w.fill("hours", &[("n", &group_digits(g.hours))]);
                    let from = w.datetime(e.zone.local_ts(g.from).naive_local());
                    w.fill("gap", &[("from", &from), ("hours", &hours)])
                })
                .collect();
            json!({
                "name": s.name,
                "kind": s.format,
                "coverage": w.fill("percent", &[("value", &percent(s.hours_reporting, s.hours_watched))]),
                "events": group_digits(s.events),
                "gaps": gaps,
                "silent": s.longest_gap_hours > SILENT_FINDING_HOURS,
            })
        })
        .collect();

    let total_alerts: i64 = f.alerts.iter().map(|c| c.count).sum();
    let previous_alerts: i64 = f.alerts.iter().map(|c| c.previous).sum();
    let alert_rows: Vec<Value> = f
        .alerts
        .iter()
        .map(|c| json!({"severity": c.severity, "label": severity_word(&c.severity), "count": group_digits(c.count), "previous": group_digits(c.previous)}))
        .collect();
    let categories: Vec<Value> = f
        .alert_categories
        .iter()
        .map(|(c, n)| json!({"label": Words::word(&w.category, c), "count": group_digits(*n)}))
        .collect();
    let important: Vec<Value> = f
        .important
        .iter()
        .map(|a| {
            json!({
                "when": w.datetime(e.zone.local_ts(a.at.timestamp()).naive_local()),
                "severity": a.severity,
                "severity_label": severity_word(&a.severity),
                "title": a.title,
                "count": group_digits(a.count),
                "outcome": Words::word(&w.outcome, &a.outcome),
            })
        })
        .collect();
    let ports: Vec<Value> = f
        .blocked_ports
        .iter()
        .map(|(p, n)| json!({"value": p, "service": w.ports.get(p).cloned().unwrap_or_default(), "events": group_digits(*n)}))
        .collect();
    let senders: Vec<Value> = f
        .blocked_sources
        .iter()
        .map(|(a, n)| json!({"value": a, "events": group_digits(*n)}))
        .collect();
    let incidents: Vec<Value> = f
        .incidents
        .iter()
        .map(|i| {
            json!({
                "title": i.title,
                "category": Words::word(&w.incident_category, &i.category),
                "status": Words::word(&w.incident_status, i.status.as_str()),
                "opened": w.date(e.zone.date(i.opened)),
                "done": i.done,
            })
        })
        .collect();

    let consultations: Vec<Value> = f
        .consultations
        .iter()
        .map(|c| {
            let first_answer = match c.first_answer_secs {
                Some(secs) if secs < 2 * 3600 => w.fill(
                    "first_answer_minutes",
                    &[("n", &group_digits((secs / 60).max(1)))],
                ),
                Some(secs) => w.fill("first_answer_hours", &[("n", &group_digits(secs / 3600))]),
                None => w.fill("first_answer_none", &[]),
            };
            json!({
                "asked": w.date(e.zone.date(c.asked)),
                "subject": c.subject,
                "topic": Words::word(&w.consultation_topic, c.topic.as_str()),
                "status": Words::word(&w.consultation_status, c.status.as_str()),
                "first_answer": first_answer,
            })
        })
        .collect();

    let measures = measures_section(f, w, e);
    let charts = json!({
        "events": captioned(label("chart_events"), |title| charts::columns(
            title,
            &day_labels,
            &[charts::ColumnSeries {
                label: &label("events"),
                colour: Some("#1f6f5c"),
                values: f.events_per_day.iter().map(|n| (*n).max(0) as u64).collect(),
            }],
        )),
        "alerts": captioned(label("chart_alerts"), |title| charts::columns(
            title,
            &day_labels,
            &f.alerts
                .iter()
                .zip(&f.alerts_per_day)
                .zip(SEVERITY_COLOURS)
                .map(|((c, days), colour)| charts::ColumnSeries {
                    label: Words::word(&w.severity, &c.severity),
                    colour: Some(colour),
                    values: days.iter().map(|n| (*n).max(0) as u64).collect(),
                })
                .collect::<Vec<_>>(),
        )),
        "severity": captioned(label("chart_severity"), |title| charts::proportion(
            title,
            &f.alerts
                .iter()
                .zip(SEVERITY_COLOURS)
                .map(|(c, colour)| charts::Part {
                    label: Words::word(&w.severity, &c.severity),
                    colour: Some(colour),
                    count: c.count.max(0) as u64,
                })
                .collect::<Vec<_>>(),
        )),
        "score": score_chart(f, w, e),
    });

    Ok(json!({
        "lang": e.lang.code(),
        "labels": w.labels,
        "org": f.org_name,
        "provider": f.provider_name,
        "month": f.month,
        "month_label": w.month(month_first),
        "period": w.fill("period", &[("from", &w.date(month_first)), ("to", &w.date(month_last))]),
        "generated": w.datetime(e.zone.local_ts(e.generated_at).naive_local()),
        "version": e.version,
        "status": v.status,
        "status_label": Words::word(&w.status, v.status),
        "headline": headline(f, w, &v),
        "attention": v.attention,
        "watched": {
            "summary": watched_summary(f, w),
            "sources": sources,
            "agents": agents(f, w, e.lang),
        },
        "alerts": {
            "summary": if total_alerts == 0 {
                w.fill("alerts_none", &[])
            } else {
                w.fill("alerts_summary", &[("n", &group_digits(total_alerts)), ("previous", &group_digits(previous_alerts))])
            },
            "total": group_digits(total_alerts),
            "by_severity": alert_rows,
            "by_category": categories,
            "important": important,
            "important_none": w.fill("important_none", &[]),
        },
        "blocked": {
            "summary": if f.blocked == 0 {
                w.fill("blocked_none", &[])
            } else {
                w.fill("blocked_summary", &[("n", &group_digits(f.blocked))])
            },
            "total": group_digits(f.blocked),
            "sources": senders,
            "ports": ports,
        },
        "incidents": {
            "summary": if incidents.is_empty() {
                w.fill("incidents_none", &[])
            } else {
                w.fill("incidents_summary", &[("n", &group_digits(incidents.len() as i64))])
            },
            "items": incidents,
            "dispatches": dispatch_sentence(w, &f.dispatches),
        },
        "consultations": {
            "summary": if consultations.is_empty() {
                w.fill("consultations_none", &[])
            } else {
                w.fill("consultations_summary", &[("n", &group_digits(consultations.len() as i64))])
            },
            "items": consultations,
        },
        "measures": measures,
        "next_steps": next_steps(f, w, e.lang, e.generated_at),
        "glossary": w.glossary,
        "charts": charts,
        "footer": footer(f, w),
        "figures": serde_json::to_value(f).map_err(|e| ReportError::Broken(e.to_string()))?,
    }))
}

fn measures_section(f: &Figures, w: &Words, e: Edition) -> Value {
    let lang = e.lang;
    let star =
        |done: bool| Words::word(&w.labels, if done { "ready" } else { "not_ready" }).to_owned();
    let readiness = json!({
        "one_star": star(f.readiness.one_star),
        "two_stars": star(f.readiness.two_stars),
        "steps": f.readiness.steps.iter().map(|s| json!({
            "stars": s.stars,
            "done": s.status == StepStatus::Done,
            "title": s.title.get(lang),
        })).collect::<Vec<_>>(),
    });
    let digits = group_digits;
    let r = &f.risks;
    let risks = if r.assets == 0 {
        w.fill("risks_no_assets", &[])
    } else if r.lines == 0 {
        w.fill("risks_no_lines", &[("assets", &digits(r.assets))])
    } else {
        w.fill(
            "risks_summary",
            &[
                ("assets", &digits(r.assets)),
                ("lines", &digits(r.lines)),
                ("large", &digits(r.large)),
                ("overdue", &digits(r.overdue)),
            ],
        )
    };
    let devices = devices_summary(f, w, lang);
    let handbook = handbook_summary(f, w);
    let Some(a) = &f.assessment else {
        return json!({"summary": w.fill("assessment_none", &[]), "assessment": null, "readiness": readiness, "risks": risks, "devices": devices, "handbook": handbook});
    };
    let r = &a.result;
    let points = |score: i32, max: i32| {
        w.fill(
            "points",
            &[("score", &score.to_string()), ("max", &max.to_string())],
        )
    };
    json!({
        "summary": w.fill("assessment_summary", &[
            ("date", &w.date(e.zone.date(a.completed_at))),
            ("score", &points(r.total, r.max)),
        ]),
        "assessment": {
            "total": points(r.total, r.max),
            "previous": a.previous_total.map(|p| w.fill("previous_total", &[("score", &p.to_string())])),
            "parts": r.parts.iter().map(|p| json!({
                "name": p.name.get(lang),
                "score": points(p.score, p.max),
            })).collect::<Vec<_>>(),
            "problems_summary": if r.problems.is_empty() {
                w.fill("problems_none", &[])
            } else {
                w.fill("problems_summary", &[("n", &r.problems.len().to_string())])
            },
            "problems": r.problems.iter().map(|p| json!({
                "number": p.number,
                "title": p.title.get(lang),
                "answer": p.answer_label.get(lang),
            })).collect::<Vec<_>>(),
        },
        "readiness": readiness,
        "risks": risks,
        "devices": devices,
        "handbook": handbook,
    })
}

/// Who has confirmed reading the current handbook, in one sentence.
fn handbook_summary(f: &Figures, w: &Words) -> String {
    let h = &f.handbook;
    match h.version {
        None => w.fill("handbook_none", &[]),
        Some(_) if h.readers == 0 => w.fill("handbook_no_readers", &[]),
        Some(version) => w.fill(
            "handbook_summary",
            &[
                ("version", &version.to_string()),
                ("readers", &group_digits(h.readers)),
                ("confirmed", &group_digits(h.confirmed)),
                ("percent", &(h.confirmed * 100 / h.readers).to_string()),
            ],
        ),
    }
}

/// The inventory's end dates: a sentence, then what has ended and what ends soon.
fn devices_summary(f: &Figures, w: &Words, lang: Lang) -> Value {
    let d = &f.devices;
    let line = |e: &crate::figures::EndDate| {
        w.fill(
            "end_date_line",
            &[
                ("device", &e.device),
                ("lapse", e.lapse.name(lang)),
                ("date", &w.date(e.on)),
            ],
        )
    };
    let summary = if d.devices == 0 {
        w.fill("devices_none", &[])
    } else {
        w.fill(
            "devices_summary",
            &[
                ("devices", &group_digits(d.devices)),
                ("passed", &group_digits(d.passed.len() as i64)),
                ("coming", &group_digits(d.coming.len() as i64)),
                ("days", &crate::figures::END_DATES_AHEAD_DAYS.to_string()),
            ],
        )
    };
    json!({
        "summary": summary,
        "passed": d.passed.iter().map(line).collect::<Vec<_>>(),
        "coming": d.coming.iter().map(line).collect::<Vec<_>>(),
    })
}

fn score_chart(f: &Figures, w: &Words, e: Edition) -> Option<Value> {
    let a = f.assessment.as_ref()?;
    let labels: Vec<String> = a
        .history
        .iter()
        .map(|(at, _)| w.date(e.zone.date(*at)))
        .collect();
    let max = f64::from(a.result.max.max(1));
    Some(captioned(
        Words::word(&w.labels, "chart_score").to_owned(),
        |title| {
            charts::trend(
                title,
                &labels,
                -25.0,
                &[charts::Series {
                    label: Words::word(&w.labels, "total"),
                    values: a
                        .history
                        .iter()
                        .map(|(_, t)| f64::from(*t) * 100.0 / max)
                        .collect(),
                }],
            )
        },
    ))
}

/// A chart with its title beside it: the SVG's own title is only read out by screen
/// readers, so printed pages and the HTML show the title as a caption.
fn captioned(title: String, draw: impl FnOnce(&str) -> String) -> Value {
    let svg = draw(&title);
    json!({ "title": title, "svg": svg })
}

/// The report's closing lines: how to reach the consultation desk (when the provider has set
/// it), who made the report, and where its hash is shown.
fn footer(f: &Figures, w: &Words) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(desk) = &f.desk {
        let ways: Vec<String> = desk
            .ways()
            .into_iter()
            .map(|(key, value)| w.fill(&format!("desk_{key}"), &[("value", value)]))
            .collect();
        let separator = w.fill("desk_separator", &[]);
        lines.push(w.fill(
            "desk",
            &[("name", &desk.name), ("ways", &ways.join(&separator))],
        ));
    }
    lines.push(w.fill("generated_by", &[]));
    lines.push(w.fill("hash", &[]));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use mamori_store::DispatchFigures;

    #[test]
    fn visits_of_several_organisations_average_by_arrivals() {
        let one = DispatchFigures {
            dispatches: 2,
            arrived: 2,
            average_minutes_to_arrival: Some(30),
        };
        let other = DispatchFigures {
            dispatches: 2,
            arrived: 1,
            average_minutes_to_arrival: Some(90),
        };
        let none = DispatchFigures::default();
        let all = combined([one, other, none].iter());
        assert_eq!((all.dispatches, all.arrived), (4, 3));
        assert_eq!(all.average_minutes_to_arrival, Some(50));
        assert_eq!(combined([none].iter()).average_minutes_to_arrival, None);
    }
}
