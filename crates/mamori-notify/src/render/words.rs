//! The words of notices, kept as data (`words.yml`) and read once.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::Lang;

/// One kind of notice's words.
#[derive(Debug, Deserialize)]
pub(crate) struct KindWords {
    pub subject: String,
    pub heading: String,
    pub intro: Vec<String>,
    #[serde(default)]
    pub intro_none: Vec<String>,
    #[serde(default)]
    pub todo: String,
    pub link: String,
}

/// The labels of a notice's facts and sections.
#[derive(Debug, Deserialize)]
pub(crate) struct Labels {
    pub severity: String,
    pub seen: String,
    pub first_seen: String,
    pub last_seen: String,
    pub source: String,
    pub sent_at: String,
    pub failed_attempts: String,
    pub first_failure: String,
    pub last_failure: String,
    pub resolved_at: String,
    pub device: String,
    pub todo: String,
    pub alert_list: String,
    pub last_seen_after_count: String,
}

/// Every word of notices in one language.
#[derive(Debug, Deserialize)]
pub(crate) struct Words {
    pub severity: HashMap<String, String>,
    pub advice: HashMap<String, String>,
    pub times: String,
    pub times_once: String,
    pub alerts: String,
    pub alerts_one: String,
    pub time_japan: String,
    pub time_zone: String,
    pub labels: Labels,
    pub alert: KindWords,
    pub test: KindWords,
    pub digest: KindWords,
    pub channel_failing: KindWords,
    pub resolved: KindWords,
    pub reminder: KindWords,
    pub footer: String,
    pub footer_provider: String,
}

static WORDS: LazyLock<HashMap<String, Words>> = LazyLock::new(|| {
    // Part of the source and read by the tests below; it cannot be unreadable in a build.
    yaml_serde::from_str(include_str!("../../words.yml")).expect("words.yml is valid")
});

/// The words of `lang`.
pub(crate) fn words(lang: Lang) -> &'static Words {
    &WORDS[lang.code()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_word() {
        for lang in Lang::ALL {
            let w = words(lang);
            for level in ["critical", "high", "medium", "low", "info"] {
                assert!(w.severity.contains_key(level), "{lang:?} {level}");
            }
            for level in ["critical", "high", "medium", "low", "other"] {
                assert!(w.advice.contains_key(level), "{lang:?} {level}");
            }
            for kind in [
                &w.alert,
                &w.test,
                &w.digest,
                &w.channel_failing,
                &w.resolved,
                &w.reminder,
            ] {
                assert!(
                    !kind.subject.is_empty() && !kind.intro.is_empty() && !kind.link.is_empty()
                );
                assert!(kind.subject.starts_with("[mamori] "), "{}", kind.subject);
            }
            assert!(!w.digest.intro_none.is_empty() && !w.channel_failing.todo.is_empty());
            assert!(!w.reminder.todo.is_empty());
        }
    }
}
