//! The threat catalogue a risk analysis walks through (`threats.toml`), in the guideline's
//! four groups.

use std::sync::LazyLock;

use mamori_catalog::{Answer, Answers};
use mamori_model::Lang;
use serde::Deserialize;

/// One kind of threat.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    /// Stable key, stored with each line of the sheet.
    pub key: String,
    /// `general`, `physical`, `technical` or `human`.
    pub group: String,
    /// Its name in Japanese.
    pub ja: String,
    /// Its name in English.
    pub en: String,
    /// The self-assessment items whose answers show how well the company is protected.
    #[serde(default)]
    pub items: Vec<u8>,
}

impl Threat {
    /// The vulnerability (1-3) the self-assessment `answers` suggest against this threat:
    /// 1 when every related item is in place, 3 when any is not (or not known), 2 otherwise;
    /// `None` when no related item is answered.
    pub fn suggested_vulnerability(&self, answers: &Answers) -> Option<u8> {
        let given: Vec<Answer> = self.items.iter().filter_map(|n| answers.get(*n)).collect();
        if given.is_empty() {
            None
        } else if given
            .iter()
            .any(|a| matches!(a, Answer::No | Answer::Unknown))
        {
            Some(3)
        } else if given.iter().all(|a| *a == Answer::Yes) {
            Some(1)
        } else {
            Some(2)
        }
    }

    /// Its name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

#[derive(Deserialize)]
struct File {
    threat: Vec<Threat>,
}

static THREATS: LazyLock<Vec<Threat>> = LazyLock::new(|| {
    // Compiled in and read by this module's tests, so it cannot be unreadable in a build.
    let file: File =
        toml::from_str(include_str!("../threats.toml")).expect("threats.toml is valid");
    file.threat
});

/// Every threat, in the catalogue's order.
pub fn threats() -> &'static [Threat] {
    &THREATS
}

/// The threat with `key`.
pub fn threat(key: &str) -> Option<&'static Threat> {
    THREATS.iter().find(|t| t.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_the_four_groups_and_unique_keys() {
        let all = threats();
        for group in ["general", "physical", "technical", "human"] {
            assert!(all.iter().any(|t| t.group == group), "{group}");
        }
        assert!(
            all.iter()
                .all(|t| ["general", "physical", "technical", "human"].contains(&t.group.as_str()))
        );
        let mut keys: Vec<&str> = all.iter().map(|t| t.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), all.len());
        assert_eq!(threat("theft").map(|t| t.name(Lang::Ja)), Some("盗難"));
        assert!(all.iter().all(|t| !t.ja.is_empty() && !t.en.is_empty()));
        assert!(
            all.iter()
                .all(|t| !t.items.is_empty() && t.items.iter().all(|n| (1..=25).contains(n))),
            "every threat names self-assessment items 1-25"
        );
    }

    #[test]
    fn answers_suggest_the_vulnerability() {
        let theft = threat("theft").unwrap(); // items 13, 16, 17
        let answers = |pairs: &[(u8, Answer)]| pairs.iter().copied().collect::<Answers>();
        assert_eq!(theft.suggested_vulnerability(&answers(&[])), None);
        let done = answers(&[(13, Answer::Yes), (16, Answer::Yes), (17, Answer::Yes)]);
        assert_eq!(theft.suggested_vulnerability(&done), Some(1));
        let partly = answers(&[(13, Answer::Yes), (16, Answer::Partial), (1, Answer::No)]);
        assert_eq!(
            theft.suggested_vulnerability(&partly),
            Some(2),
            "item 1 is not theft's"
        );
        let unknown = answers(&[(13, Answer::Yes), (17, Answer::Unknown)]);
        assert_eq!(theft.suggested_vulnerability(&unknown), Some(3));
    }
}
