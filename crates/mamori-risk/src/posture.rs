//! What an endpoint's posture checks mean to the company (`posture.toml`): each check's name,
//! why it matters and what to do when it fails, for pages, alerts and reports alike.

use std::collections::HashMap;
use std::sync::LazyLock;

use mamori_model::{CheckId, Lang, Severity};
use serde::Deserialize;

/// How `posture.toml` words one check.
#[derive(Debug, Deserialize)]
struct Words {
    severity: Severity,
    ja: String,
    en: String,
    why_ja: String,
    why_en: String,
    todo_ja: String,
    todo_en: String,
}

static WORDS: LazyLock<HashMap<String, Words>> = LazyLock::new(|| {
    // Embedded data read whole by this module's test: an error here is a broken build.
    toml::from_str(include_str!("../posture.toml")).expect("posture.toml is valid")
});

/// A check's wording in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Advice {
    /// The check's name (`ファイアウォール`).
    pub name: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// What to do when it fails.
    pub todo: &'static str,
}

/// How urgent the alert is when check `id` turns to fail on a machine.
pub fn severity(id: CheckId) -> Severity {
    WORDS
        .get(id.as_str())
        .map_or(Severity::Medium, |w| w.severity)
}

/// The wording of check `id` in `lang`.
pub fn advice(id: CheckId, lang: Lang) -> Advice {
    let Some(w) = WORDS.get(id.as_str()) else {
        return Advice {
            name: id.as_str(),
            why: "",
            todo: "",
        };
    };
    match lang {
        Lang::Ja => Advice {
            name: &w.ja,
            why: &w.why_ja,
            todo: &w.todo_ja,
        },
        Lang::En => Advice {
            name: &w.en,
            why: &w.why_en,
            todo: &w.todo_en,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_is_worded_in_both_languages() {
        assert_eq!(WORDS.len(), CheckId::ALL.len(), "no entry without a check");
        for id in CheckId::ALL {
            for lang in [Lang::Ja, Lang::En] {
                let a = advice(id, lang);
                assert!(
                    a.name != id.as_str() && !a.why.is_empty() && !a.todo.is_empty(),
                    "{id:?} in {lang:?}"
                );
            }
        }
    }
}
