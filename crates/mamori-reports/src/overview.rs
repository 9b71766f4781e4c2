//! The provider's overview: every client organisation's month on one page, those that need
//! action first, so an analyst sees at a glance who to call.

use serde_json::{Value, json};

use crate::ReportError;
use crate::compose::{Edition, combined, dispatch_sentence, verdict};
use crate::figures::Figures;
use crate::words::{Words, words};
use mamori_model::group_digits;

/// Order of the traffic lights, most urgent first.
fn urgency(status: &str) -> u8 {
    match status {
        "red" => 0,
        "amber" => 1,
        _ => 2,
    }
}

/// The composed overview for the templates.
pub fn compose(orgs: &[Figures], e: Edition) -> Result<Value, ReportError> {
    let w = words(e.lang)?;
    let mut rows: Vec<(u8, Value)> = orgs
        .iter()
        .map(|f| {
            let v = verdict(f, w);
            let alerts: i64 = f.alerts.iter().map(|c| c.count).sum();
            let silent = f
                .sources
                .iter()
                .filter(|s| s.longest_gap_hours > 24)
                .count() as i64;
            let score = f.assessment.as_ref().map(|a| {
                w.fill(
                    "points",
                    &[
                        ("score", &a.result.total.to_string()),
                        ("max", &a.result.max.to_string()),
                    ],
                )
            });
            (
                urgency(v.status),
                json!({
                    "org": f.org_name,
                    "status": v.status,
                    "status_label": Words::word(&w.status, v.status),
                    "attention": v.attention.iter().take(2).cloned().collect::<Vec<_>>(),
                    "alerts": group_digits(alerts),
                    "open": group_digits(f.open_alerts),
                    "silent": group_digits(silent),
                    "score": score.unwrap_or_else(|| "—".into()),
                }),
            )
        })
        .collect();
    rows.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1["org"].as_str().cmp(&b.1["org"].as_str()))
    });
    let count = |u: u8| rows.iter().filter(|(x, _)| *x == u).count().to_string();
    let (from, to) = orgs
        .first()
        .map_or((e.generated_at, e.generated_at), |f| (f.from, f.to));
    let first = e.zone.date(from);
    Ok(json!({
        "lang": e.lang.code(),
        "labels": w.labels,
        "provider": orgs.first().map(|f| f.provider_name.clone()).unwrap_or_default(),
        "month_label": w.month(first),
        "period": w.fill("period", &[("from", &w.date(first)), ("to", &w.date(e.zone.date(to - 1)))]),
        "generated": w.datetime(e.zone.local_ts(e.generated_at).naive_local()),
        "version": e.version,
        "summary": w.fill("overview_summary", &[("orgs", &orgs.len().to_string()), ("red", &count(0)), ("amber", &count(1))]),
        "dispatches": dispatch_sentence(w, &combined(orgs.iter().map(|f| &f.dispatches))),
        "rows": rows.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "footer": [w.fill("generated_by", &[])],
    }))
}
