//! The threat catalogue a risk analysis walks through (`threats.toml`), in the guideline's
//! four groups.

use std::sync::LazyLock;

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
}

impl Threat {
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
    }
}
