//! What the incident pages and the API share: reading an incident's record, who may tick
//! which checklist item, and ticking one (a step's item or having told someone) with its
//! timeline entry.

use mamori_model::{Deed, User};
use mamori_response::{Directory, IncidentFacts, Who, steps};
use mamori_store::{Actor, Incident, OrgStore, StoreError};

use crate::i18n::{Lang, Messages};

/// The incident's record facts (empty until someone fills them).
pub(crate) fn facts_of(incident: &Incident) -> IncidentFacts {
    incident
        .facts
        .clone()
        .and_then(|facts| serde_json::from_value(facts).ok())
        .unwrap_or_default()
}

/// Whether `user` may tick an item done by `who` in organisation `org_id`: the company its
/// own items, the desk its own and the company's.
pub(crate) fn may_tick(user: &User, who: Who, org_id: &str) -> bool {
    match who {
        Who::Company => user.may_in(Deed::WorkIncident, org_id),
        Who::Desk => user.may(Deed::TriageAlerts),
    }
}

/// A checklist item by its key: a step's item or having told a contact; who does it and how
/// the timeline names it (contacts as `directory` names them). `None` for a key that names
/// neither.
pub(crate) fn checklist_item(key: &str, directory: &Directory) -> Option<(Who, String)> {
    // The timeline is written in the portal's default language, as its other entries are.
    let lang = Lang::Ja;
    let step_item = steps()
        .iter()
        .flat_map(|s| s.items.iter().map(move |i| (s.item_key(i), i)))
        .find(|(k, _)| k == key);
    if let Some((_, item)) = step_item {
        return Some((item.who, item.text(lang).to_owned()));
    }
    let contact = key.strip_prefix("duty.").and_then(|k| directory.get(k))?;
    let told = lang.tf(
        "incidents.duties.told",
        &[("name", contact.contact.name(lang))],
    );
    Some((Who::Company, told))
}

/// Ticks (`done`) or unticks checklist item `key` (named `text` in the timeline) of incident
/// `iid`.
pub(crate) async fn tick(
    org: &OrgStore,
    actor: &Actor,
    iid: &str,
    key: &str,
    text: &str,
    done: bool,
) -> Result<(), StoreError> {
    let entry_key = match done {
        true => "incidents.check.done",
        false => "incidents.check.undone",
    };
    let entry = Lang::Ja.tf(entry_key, &[("item", text)]);
    org.incidents()
        .set_check(actor, iid, key, done, &entry)
        .await
}

/// Replaces incident `iid`'s record with `facts`, noting it in the timeline.
pub(crate) async fn save_record(
    org: &OrgStore,
    actor: &Actor,
    iid: &str,
    facts: &IncidentFacts,
) -> Result<(), StoreError> {
    // A struct of strings and booleans always serialises.
    let value = serde_json::to_value(facts).unwrap_or_default();
    let entry = Lang::Ja.t("incidents.record.saved_entry");
    org.incidents()
        .set_facts(actor, iid, &value, &entry)
        .await?;
    Ok(())
}
