//! Incident response as data (`playbooks.toml`): the IPA guideline's three steps as checklists
//! whose items say whether the client company or the provider's desk does them, and, per kind
//! of incident, the company's first moves in plain words, the desk's steps and the evidence to
//! keep. Pages and reports read it; the store only records which items were done.

mod directory;
mod record;

use std::sync::LazyLock;

use mamori_model::Lang;
use serde::Deserialize;

pub use directory::{ContactProblem, Directory, Duty, Entry, Need, Origin, checked, published};
pub use record::IncidentFacts;

/// Who does a checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Who {
    /// The client company itself.
    Company,
    /// The provider's desk.
    Desk,
}

/// One thing to do in a step.
#[derive(Debug, Clone, Deserialize)]
pub struct Item {
    /// Stable within its step; stored as `step.item`.
    pub key: String,
    /// Who does it.
    pub who: Who,
    ja: String,
    en: String,
}

impl Item {
    /// What to do, in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// One of the three steps of incident response.
#[derive(Debug, Clone, Deserialize)]
pub struct Step {
    /// Stable key (`detect`, `report`, `recover`).
    pub key: String,
    ja: String,
    en: String,
    /// What to do in it.
    pub items: Vec<Item>,
}

impl Step {
    /// The step's title, in `lang`.
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    /// The stored key of `item` in this step.
    pub fn item_key(&self, item: &Item) -> String {
        format!("{}.{}", self.key, item.key)
    }
}

/// One language's guidance for a kind of incident.
#[derive(Debug, Clone, Deserialize)]
pub struct Moves {
    /// What the company does first, in plain words.
    pub first_moves: Vec<String>,
    /// What the desk does.
    pub desk_steps: Vec<String>,
    /// What to keep for the investigation.
    pub evidence: Vec<String>,
}

/// The guidance for one incident category.
#[derive(Debug, Clone, Deserialize)]
pub struct Playbook {
    /// The incident category it is for.
    pub category: String,
    ja: Moves,
    en: Moves,
}

impl Playbook {
    /// The guidance in `lang`.
    pub fn moves(&self, lang: Lang) -> &Moves {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

#[derive(Deserialize)]
struct Book {
    steps: Vec<Step>,
    playbooks: Vec<Playbook>,
}

static BOOK: LazyLock<Book> = LazyLock::new(|| {
    // Part of the source and checked by the tests below; it cannot be unreadable in a build.
    toml::from_str(include_str!("../playbooks.toml")).expect("playbooks.toml is valid")
});

/// The three steps, in order.
pub fn steps() -> &'static [Step] {
    &BOOK.steps
}

/// The guidance for incidents of `category`, or the general one for a category without its
/// own.
pub fn playbook(category: &str) -> &'static Playbook {
    let book = &BOOK.playbooks;
    book.iter()
        .find(|p| p.category == category)
        .or_else(|| book.iter().find(|p| p.category == "other"))
        .unwrap_or(&book[0])
}

/// Every category that has a playbook.
pub fn categories() -> impl Iterator<Item = &'static str> {
    BOOK.playbooks.iter().map(|p| p.category.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_steps_with_unique_items_for_both_sides() {
        let keys: Vec<&str> = steps().iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["detect", "report", "recover"]);
        let mut items: Vec<String> = steps()
            .iter()
            .flat_map(|s| s.items.iter().map(|i| s.item_key(i)))
            .collect();
        let count = items.len();
        items.sort();
        items.dedup();
        assert_eq!(items.len(), count, "item keys are unique");
        for step in steps() {
            assert!(!step.title(Lang::Ja).is_empty() && !step.title(Lang::En).is_empty());
            for item in &step.items {
                assert!(!item.text(Lang::Ja).is_empty() && !item.text(Lang::En).is_empty());
            }
        }
        let all = steps().iter().flat_map(|s| &s.items);
        assert!(all.clone().any(|i| i.who == Who::Company));
        assert!(all.clone().any(|i| i.who == Who::Desk));
    }

    #[test]
    fn every_kind_named_in_the_guideline_has_a_playbook_in_both_languages() {
        for category in [
            "malware",
            "ransomware",
            "data_leak",
            "unauthorised_access",
            "defacement",
            "outage",
            "phishing",
            "other",
        ] {
            let book = playbook(category);
            assert_eq!(book.category, category);
            for lang in Lang::ALL {
                let moves = book.moves(lang);
                assert!(!moves.first_moves.is_empty(), "{category} {lang:?}");
                assert!(!moves.desk_steps.is_empty(), "{category} {lang:?}");
                assert!(!moves.evidence.is_empty(), "{category} {lang:?}");
            }
            assert_eq!(
                book.moves(Lang::Ja).first_moves.len(),
                book.moves(Lang::En).first_moves.len(),
                "{category}: the languages say the same number of things"
            );
        }
        assert_eq!(playbook("no-such-kind").category, "other");
    }
}
