//! The report's wording, kept as data (`text/ja.toml`, `text/en.toml`) so that writers can
//! change it without touching code. Placeholders in braces are filled by [`Words::fill`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use mamori_catalog::Lang;
use serde::{Deserialize, Serialize};

use crate::ReportError;

/// One glossary entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Term {
    /// The word as used in the report.
    pub term: String,
    /// What it means, in plain words.
    pub meaning: String,
}

/// Every piece of wording the report uses in one language.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Words {
    /// Headings and column names, handed to the templates as they are.
    pub labels: BTreeMap<String, String>,
    /// Traffic-light names.
    pub status: BTreeMap<String, String>,
    /// Severity words.
    pub severity: BTreeMap<String, String>,
    /// Event categories in plain words.
    pub category: BTreeMap<String, String>,
    /// What became of an alert.
    pub outcome: BTreeMap<String, String>,
    /// Incident statuses.
    pub incident_status: BTreeMap<String, String>,
    /// Incident categories.
    pub incident_category: BTreeMap<String, String>,
    /// What consultations were about.
    pub consultation_topic: BTreeMap<String, String>,
    /// Where consultations stand.
    pub consultation_status: BTreeMap<String, String>,
    /// Sentences with placeholders.
    pub text: BTreeMap<String, String>,
    /// The glossary at the end of the report.
    pub glossary: Vec<Term>,
    /// What well-known ports are used for.
    pub ports: BTreeMap<String, String>,
}

static JA: LazyLock<Result<Words, String>> =
    LazyLock::new(|| parse(include_str!("../text/ja.toml")));
static EN: LazyLock<Result<Words, String>> =
    LazyLock::new(|| parse(include_str!("../text/en.toml")));

fn parse(text: &str) -> Result<Words, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The wording in `lang`.
pub fn words(lang: Lang) -> Result<&'static Words, ReportError> {
    let loaded = match lang {
        Lang::Ja => &*JA,
        Lang::En => &*EN,
    };
    loaded
        .as_ref()
        .map_err(|e| ReportError::Broken(format!("report wording ({lang:?}): {e}")))
}

impl Words {
    /// The sentence `key` with its placeholders filled. A missing key shows as the key
    /// itself, which the wording tests rule out.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        match self.text.get(key) {
            Some(template) => mamori_model::fill(template, values),
            None => key.to_owned(),
        }
    }

    /// The word for `key` in `table`, or the key itself when the table lacks it (a value
    /// stored by a newer version, say).
    pub fn word<'a>(table: &'a BTreeMap<String, String>, key: &'a str) -> &'a str {
        table.get(key).map_or(key, String::as_str)
    }

    /// A date: 2026年11月22日 / 22 Nov 2026.
    pub fn date(&self, date: NaiveDate) -> String {
        self.fill("date", &borrowed(&date_parts(date)))
    }

    /// A date and time: 2026年11月22日 14:05 / 22 Nov 2026, 14:05.
    pub fn datetime(&self, at: NaiveDateTime) -> String {
        let mut parts = date_parts(at.date());
        let (hh, mm) = (format!("{:02}", at.hour()), format!("{:02}", at.minute()));
        parts.push(("hh", hh));
        parts.push(("mm", mm));
        self.fill("datetime", &borrowed(&parts))
    }

    /// A month: 2026年11月 / Nov 2026.
    pub fn month(&self, date: NaiveDate) -> String {
        self.fill("month", &borrowed(&date_parts(date)))
    }
}

fn date_parts(date: NaiveDate) -> Vec<(&'static str, String)> {
    vec![
        ("y", date.year().to_string()),
        ("m", date.month().to_string()),
        ("d", date.day().to_string()),
        ("mon", MONTHS_EN[date.month0() as usize].to_owned()),
    ]
}

fn borrowed<'a>(parts: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    parts.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_load_with_the_same_keys() {
        let (ja, en) = (words(Lang::Ja).unwrap(), words(Lang::En).unwrap());
        for (a, b) in [
            (&ja.labels, &en.labels),
            (&ja.status, &en.status),
            (&ja.severity, &en.severity),
            (&ja.category, &en.category),
            (&ja.outcome, &en.outcome),
            (&ja.incident_status, &en.incident_status),
            (&ja.incident_category, &en.incident_category),
            (&ja.consultation_topic, &en.consultation_topic),
            (&ja.consultation_status, &en.consultation_status),
            (&ja.text, &en.text),
            (&ja.ports, &en.ports),
        ] {
            let (ka, kb): (Vec<_>, Vec<_>) = (a.keys().collect(), b.keys().collect());
            assert_eq!(ka, kb);
            assert!(a.values().chain(b.values()).all(|v| !v.trim().is_empty()));
        }
        assert_eq!(ja.glossary.len(), en.glossary.len());
    }

    #[test]
    fn every_event_vocabulary_word_has_a_name() {
        for lang in [Lang::Ja, Lang::En] {
            let w = words(lang).unwrap();
            for c in mamori_model::Category::ALL {
                assert!(w.category.contains_key(c.as_str()), "{}", c.as_str());
            }
            for s in mamori_model::Severity::ALL {
                assert!(w.severity.contains_key(s.as_str()), "{}", s.as_str());
            }
            for c in mamori_store::INCIDENT_CATEGORIES {
                assert!(w.incident_category.contains_key(c), "{c}");
            }
        }
    }

    #[test]
    fn dates_follow_the_language() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(words(Lang::Ja).unwrap().date(day), "2026年11月22日");
        assert_eq!(words(Lang::En).unwrap().date(day), "22 Nov 2026");
        assert_eq!(words(Lang::Ja).unwrap().month(day), "2026年11月");
        let at = day.and_hms_opt(9, 5, 0).unwrap();
        assert_eq!(
            words(Lang::Ja).unwrap().datetime(at),
            "2026年11月22日 09:05"
        );
        assert_eq!(
            words(Lang::Ja)
                .unwrap()
                .fill("alerts_summary", &[("n", "3"), ("previous", "1")]),
            "今月のアラートは3件でした（先月は1件）。"
        );
    }
}
