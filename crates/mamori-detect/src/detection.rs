//! What the detector says: a [`Detection`] names the rule (id, title, level, ATT&CK tags,
//! and for mamori's own rules the Japanese title and what to do) and carries the matching
//! event(s), plus group-by values and the count for correlations.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use mamori_model::Severity;
use serde::Serialize;
use serde_json::Value;

/// The Japanese title and "what to do" text of a mamori rule, from its `mamori:` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Guidance {
    /// The title in Japanese.
    #[serde(default)]
    pub title_ja: String,
    /// What the SME should do, in Japanese.
    #[serde(default)]
    pub action_ja: String,
    /// What the SME should do, in English.
    #[serde(default)]
    pub action_en: String,
    /// What was seen, in Japanese, with placeholders the alert fills in (`{count}`,
    /// `{device}`, `{from}`, and event fields such as `{user}` or `{signature}`).
    #[serde(default)]
    pub seen_ja: String,
    /// What was seen, in English, with the same placeholders.
    #[serde(default)]
    pub seen_en: String,
    /// Rules of one family that fire on the same device for the same attacker describe one
    /// attack, and are counted on one alert (an SSH password-guessing run on a router trips
    /// both the SSH and the administrator-login rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

/// The facts about a rule that every detection of it repeats; shared, not copied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleMeta {
    /// The rule's id (its title when the rule has no id).
    pub id: String,
    /// The rule's `name`, which correlations may refer to it by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The English title.
    pub title: String,
    /// How urgent a match is, on mamori's five words.
    pub level: Severity,
    /// Tags, including ATT&CK techniques (`attack.t1110`).
    pub tags: Vec<String>,
    /// Japanese title and actions, for rules that have them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<Guidance>,
    /// Where the rule came from.
    pub origin: String,
    /// Whether matches are reported on their own; `false` for rules that only feed
    /// correlations with `generate: false`.
    pub emit: bool,
}

/// What produced a detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectionKind {
    /// A Sigma detection rule matched one event.
    Rule,
    /// A Sigma correlation rule's condition was met by a group of detections.
    Correlation,
    /// An event named an address, domain, URL or hash on an indicator list.
    Indicator,
}

/// One detection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    /// The rule that fired.
    pub rule: Arc<RuleMeta>,
    /// Rule, correlation or indicator match.
    pub kind: DetectionKind,
    /// When it happened: the (last) matching event's time, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<Utc>>,
    /// The matching event, or for correlations a bounded sample of the contributing events.
    pub events: Vec<Value>,
    /// For correlations, the group-by fields and their values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<(String, String)>,
    /// For correlations, the aggregated value (count, distinct values, sum …) that met the
    /// condition; for indicator matches, unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// For indicator matches, the field and the listed value it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<(String, String)>,
    /// How many detections of the rules it counts stood behind it: 1 for a single event,
    /// the size of the window for a correlation (20 failed logins, not "fired once").
    pub event_count: u64,
}

impl Detection {
    /// A detection of `rule` on `event`.
    pub fn of_event(rule: Arc<RuleMeta>, kind: DetectionKind, event: Value) -> Self {
        Self {
            rule,
            kind,
            timestamp: None,
            events: vec![event],
            group: Vec::new(),
            value: None,
            matched: None,
            event_count: 1,
        }
    }
}

/// mamori's severity for a Sigma level (`informational` is mamori's `info`).
pub(crate) fn severity_of(level: Option<rsigma_parser::Level>) -> Severity {
    use rsigma_parser::Level;
    match level {
        Some(Level::Critical) => Severity::Critical,
        Some(Level::High) => Severity::High,
        Some(Level::Medium) | None => Severity::Medium,
        Some(Level::Low) => Severity::Low,
        Some(Level::Informational) => Severity::Info,
    }
}
