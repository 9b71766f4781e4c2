//! Per-rule compile reports: every rule given to the detector comes back with a verdict, so
//! nothing is ever skipped silently.

use serde::Serialize;

/// Whether a rule is in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "lowercase")]
pub enum RuleStatus {
    /// Compiled and evaluated.
    Ok,
    /// Well-formed, but mamori cannot evaluate it (for example a log source no mapping
    /// covers, or an `expand` placeholder without configured values); the reason says what.
    Unsupported(String),
    /// Not a valid Sigma document; the reason says what is wrong.
    Invalid(String),
}

/// The verdict for one rule, correlation or filter document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleReport {
    /// Where the rule came from (file path, or `mamori:<name>` for the built-in pack).
    pub origin: String,
    /// The rule's id, or its title when it has none; empty when the document could not be
    /// read far enough to know.
    pub rule_id: String,
    /// The rule's title, when known.
    pub title: String,
    /// The verdict.
    #[serde(flatten)]
    pub status: RuleStatus,
}

/// Counts of verdicts, for the summary line of `mamori rules check`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReportCounts {
    /// Rules in force.
    pub ok: usize,
    /// Rules mamori cannot evaluate.
    pub unsupported: usize,
    /// Broken rules.
    pub invalid: usize,
}

impl ReportCounts {
    /// Counts the verdicts in `reports`.
    pub fn of(reports: &[RuleReport]) -> Self {
        let mut counts = Self::default();
        for report in reports {
            match report.status {
                RuleStatus::Ok => counts.ok += 1,
                RuleStatus::Unsupported(_) => counts.unsupported += 1,
                RuleStatus::Invalid(_) => counts.invalid += 1,
            }
        }
        counts
    }
}
