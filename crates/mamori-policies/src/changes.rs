//! Which handbook rules a newer self-assessment changes against the issued handbook, so the
//! owner is told after an assessment and can issue the handbook again in one step.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Document, Entry, EntryFlag};

/// A handbook rule whose standing the answers changed since the issued version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    /// The self-assessment item (1-25).
    pub item: u8,
    /// The rule's title as the draft words it.
    pub title: String,
    /// The flag in the issued version; `None` for a standing rule.
    pub before: Option<EntryFlag>,
    /// The flag the latest answers give.
    pub after: Option<EntryFlag>,
}

impl RuleChange {
    /// Whether the rule is now in place where it was not.
    pub fn settled(&self) -> bool {
        self.after.is_none()
    }
}

/// Every handbook rule by item number; entries without a number (versions issued before
/// entries carried one) are left out.
fn rules(doc: &Document) -> BTreeMap<u8, &Entry> {
    doc.walk()
        .into_iter()
        .flat_map(|(_, s)| s.entries.iter())
        .filter(|e| e.item != 0)
        .map(|e| (e.item, e))
        .collect()
}

/// The rules whose flag differs between the `issued` handbook and the `draft` generated from
/// the latest answers, in item order. Wording changes from parameters or edits are not rule
/// changes; the version differences show those.
pub fn rule_changes(issued: &Document, draft: &Document) -> Vec<RuleChange> {
    let before = rules(issued);
    rules(draft)
        .into_iter()
        .filter_map(|(item, now)| {
            let then = before.get(&item)?;
            (then.flag != now.flag).then(|| RuleChange {
                item,
                title: now.title.clone(),
                before: then.flag,
                after: now.flag,
            })
        })
        .collect()
}
