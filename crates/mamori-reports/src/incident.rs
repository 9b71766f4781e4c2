//! The incident report: one incident as a document the company can hand to its customers,
//! insurer or the authorities — what happened, the record's facts, the three steps with who
//! did what and when, who was told, and the timeline. Not archived: it is made from the
//! incident as it stands whenever someone asks.

use mamori_model::Scope;
use mamori_response::{Directory, IncidentFacts, Need, steps};
use mamori_store::Store;
use serde_json::{Value, json};

use crate::ReportError;
use crate::words::{Words, words};
use mamori_catalog::Lang;

/// Composes incident `incident_id` of organisation `org_id` in `lang`, dated in the store's
/// time zone. Another organisation's incident is `NotFound`.
pub async fn compose(
    store: &Store,
    org_id: &str,
    incident_id: &str,
    lang: Lang,
) -> Result<Value, ReportError> {
    let w = words(lang)?;
    let zone = store.zone();
    let org = store.org_store(&Scope::AllOrganisations, org_id).await?;
    let incidents = org.incidents();
    let incident = incidents.get(incident_id).await?;
    let scope = Scope::Organisation(org_id.to_owned());
    let timeline = store.incident_timeline(&scope, incident_id).await?;
    let checks = incidents.checks(incident_id).await?;
    let directory = Directory::new(store.contact_edits().await?);
    let facts: IncidentFacts = incident
        .facts
        .clone()
        .and_then(|f| serde_json::from_value(f).ok())
        .unwrap_or_default();
    let at = |ts: i64| w.datetime(zone.local_ts(ts).naive_local());
    let done = |key: &str| {
        checks
            .iter()
            .find(|c| c.item == key)
            .map(|c| {
                w.fill(
                    "incident_done",
                    &[("at", &at(c.done_at)), ("by", &c.done_by)],
                )
            })
            .unwrap_or_else(|| w.fill("incident_not_done", &[]))
    };
    let label = |key: &str| w.labels.get(key).cloned().unwrap_or_else(|| key.to_owned());
    let fact_rows: Vec<Value> = IncidentFacts::TEXT_FIELDS
        .iter()
        .map(|field| {
            let value = facts.text(field).filter(|v| !v.is_empty()).unwrap_or("—");
            json!({"label": label(&format!("fact_{field}")), "value": value})
        })
        .collect();
    let flags: Vec<String> = [
        ("personal_data", facts.personal_data),
        ("crime_suspected", facts.crime_suspected),
        ("regulated_sector", facts.regulated_sector),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(flag, _)| label(&format!("flag_{flag}")))
    .collect();
    let steps: Vec<Value> = steps()
        .iter()
        .map(|step| {
            let items: Vec<Value> = step
                .items
                .iter()
                .map(|item| json!({"text": item.text(lang), "done": done(&step.item_key(item))}))
                .collect();
            json!({"title": step.title(lang), "items": items})
        })
        .collect();
    let told: Vec<Value> = directory
        .duties(&incident.category, &facts, incident.created_at)
        .into_iter()
        .map(|duty| {
            let need = match duty.need {
                Need::Must => label("required"),
                Need::Should => label("advisable"),
            };
            let need = match duty.due_at {
                Some(due) => {
                    let date = w.date(zone.local_ts(due).date_naive());
                    w.fill("incident_due", &[("need", &need), ("date", &date)])
                }
                None => need,
            };
            json!({
                "name": duty.contact.name(lang),
                "need": need,
                "done": done(&duty.contact.duty_key()),
            })
        })
        .collect();
    let entries: Vec<Value> = timeline
        .iter()
        .map(|e| json!({"at": at(e.at), "actor": e.actor, "entry": e.entry}))
        .collect();
    let provider = store.provider().await?.map(|p| p.name).unwrap_or_default();
    Ok(json!({
        "lang": lang.code(),
        "labels": w.labels,
        "provider": provider,
        "org": org.org().name,
        "title": incident.title,
        "category": Words::word(&w.incident_category, &incident.category),
        "status": Words::word(&w.incident_status, incident.status.as_str()),
        "opened": at(incident.created_at),
        "opened_by": incident.created_by,
        "generated": at(mamori_store::now()),
        "facts": fact_rows,
        "flags": if flags.is_empty() { vec![w.fill("incident_no_flags", &[])] } else { flags },
        "steps": steps,
        "duties": told,
        "timeline": entries,
        "footer": [w.fill("incident_footer", &[])],
    }))
}
