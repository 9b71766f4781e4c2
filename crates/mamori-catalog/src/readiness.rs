//! SECURITY ACTION readiness: which steps towards the one-star and two-star self-declarations
//! are done. This is mamori's own rule (a checklist of completed steps, never a score
//! threshold); the declaration itself is made on IPA's site.

use crate::registry::CatalogFile;
use crate::text::Text;
use serde::{Deserialize, Serialize};

/// The steps mamori tracks. Their texts live in the edition's `security-action.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepId {
    /// The five basic rules were read and acknowledged (one star).
    RulesAcknowledged,
    /// A completed self-assessment exists (two stars).
    AssessmentCompleted,
    /// A basic security policy has been issued (two stars).
    PolicyIssued,
    /// The policy is published at a public URL (two stars).
    PolicyPublished,
}

impl StepId {
    /// Every step, in the order they are shown.
    pub const ALL: [StepId; 4] = [
        StepId::RulesAcknowledged,
        StepId::AssessmentCompleted,
        StepId::PolicyIssued,
        StepId::PolicyPublished,
    ];
}

/// The texts of the readiness steps for one edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityAction {
    /// Edition id (`ipa-sme-3.1`).
    pub edition: String,
    /// One entry per [`StepId`], in display order.
    pub steps: Vec<StepText>,
}

/// What a step is called and what to tell the user when it is done or still pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepText {
    /// Which step.
    pub id: StepId,
    /// The level it belongs to: 1 (★) or 2 (★★).
    pub stars: u8,
    /// Short title.
    pub title: Text,
    /// Explanation once the step is done.
    pub done: Text,
    /// Explanation while it is pending: what to do next.
    pub pending: Text,
}

impl CatalogFile for SecurityAction {
    const NAME: &'static str = "security-action.toml";

    fn edition(&self) -> &str {
        &self.edition
    }

    fn validate(&self) -> Result<(), String> {
        let ids: Vec<StepId> = self.steps.iter().map(|s| s.id).collect();
        if ids != StepId::ALL {
            return Err(format!(
                "steps must be {:?} in that order, found {ids:?}",
                StepId::ALL
            ));
        }
        match self.steps.iter().find(|s| !(1..=2).contains(&s.stars)) {
            Some(s) => Err(format!("step {:?}: stars must be 1 or 2", s.id)),
            None => Ok(()),
        }
    }
}

/// What mamori knows about the organisation, gathered by the web layer from other features.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessFacts {
    /// The five basic rules have been acknowledged.
    pub rules_acknowledged: bool,
    /// A completed self-assessment (all items answered) is stored.
    pub assessment_completed: bool,
    /// A basic security policy has been issued (by the documents feature).
    pub policy_issued: bool,
    /// Where the policy is published, if recorded.
    pub policy_published_url: Option<String>,
}

/// Whether a step is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// Satisfied.
    Done,
    /// Not yet satisfied; the explanation says what will satisfy it.
    Pending,
}

/// One step with its status and the explanation that fits the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessStep {
    /// Which step.
    pub id: StepId,
    /// The level it belongs to: 1 (★) or 2 (★★).
    pub stars: u8,
    /// Done or pending.
    pub status: StepStatus,
    /// Short title.
    pub title: Text,
    /// What has been done, or what to do next.
    pub explanation: Text,
}

/// Readiness for both declaration levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readiness {
    /// Every one-star step is done.
    pub one_star: bool,
    /// Every two-star step is done.
    pub two_stars: bool,
    /// All steps, in display order.
    pub steps: Vec<ReadinessStep>,
}

/// Works out which steps are done from `facts`.
pub fn readiness(catalog: &SecurityAction, facts: &ReadinessFacts) -> Readiness {
    let steps: Vec<ReadinessStep> = catalog
        .steps
        .iter()
        .map(|text| {
            let done = is_done(text.id, facts);
            ReadinessStep {
                id: text.id,
                stars: text.stars,
                status: if done {
                    StepStatus::Done
                } else {
                    StepStatus::Pending
                },
                title: text.title.clone(),
                explanation: if done {
                    text.done.clone()
                } else {
                    text.pending.clone()
                },
            }
        })
        .collect();
    let level_done = |stars| {
        steps
            .iter()
            .filter(|s| s.stars == stars)
            .all(|s| s.status == StepStatus::Done)
    };
    Readiness {
        one_star: level_done(1),
        two_stars: level_done(2),
        steps,
    }
}

fn is_done(id: StepId, facts: &ReadinessFacts) -> bool {
    match id {
        StepId::RulesAcknowledged => facts.rules_acknowledged,
        StepId::AssessmentCompleted => facts.assessment_completed,
        StepId::PolicyIssued => facts.policy_issued,
        StepId::PolicyPublished => facts
            .policy_published_url
            .as_deref()
            .is_some_and(looks_public),
    }
}

/// A plausibility check, not a fetch: an http(s) URL whose host has a dot and is not localhost.
fn looks_public(url: &str) -> bool {
    let url = url.trim();
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host);
    host.contains('.') && !host.eq_ignore_ascii_case("localhost") && !host.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalogs, DEFAULT_EDITION};

    fn catalog() -> SecurityAction {
        Catalogs::builtin()
            .unwrap()
            .get(DEFAULT_EDITION)
            .unwrap()
            .security_action
            .clone()
    }

    fn status(r: &Readiness, id: StepId) -> StepStatus {
        r.steps.iter().find(|s| s.id == id).unwrap().status
    }

    #[test]
    fn nothing_done_leaves_every_step_pending() {
        let r = readiness(&catalog(), &ReadinessFacts::default());
        assert!(!r.one_star && !r.two_stars);
        assert_eq!(r.steps.len(), 4);
        assert!(r.steps.iter().all(|s| s.status == StepStatus::Pending));
        let policy = r
            .steps
            .iter()
            .find(|s| s.id == StepId::PolicyIssued)
            .unwrap();
        assert!(
            policy.explanation.ja.contains("「規程・方針」"),
            "{}",
            policy.explanation.ja
        );
        assert!(
            policy.explanation.en.contains("Policies & rules"),
            "{}",
            policy.explanation.en
        );
        let published = r
            .steps
            .iter()
            .find(|s| s.id == StepId::PolicyPublished)
            .unwrap();
        assert!(published.explanation.en.contains("Press Publish"));
    }

    #[test]
    fn one_star_needs_only_the_rules() {
        let facts = ReadinessFacts {
            rules_acknowledged: true,
            ..Default::default()
        };
        let r = readiness(&catalog(), &facts);
        assert!(r.one_star && !r.two_stars);
        assert_eq!(status(&r, StepId::RulesAcknowledged), StepStatus::Done);
    }

    #[test]
    fn two_stars_need_assessment_policy_and_public_url() {
        let mut facts = ReadinessFacts {
            rules_acknowledged: true,
            assessment_completed: true,
            policy_issued: true,
            policy_published_url: None,
        };
        let r = readiness(&catalog(), &facts);
        assert!(!r.two_stars);
        assert_eq!(status(&r, StepId::PolicyPublished), StepStatus::Pending);

        facts.policy_published_url = Some("https://example.co.jp/security-policy".into());
        let r = readiness(&catalog(), &facts);
        assert!(r.one_star && r.two_stars);
        assert!(r.steps.iter().all(|s| s.status == StepStatus::Done));
    }

    #[test]
    fn only_plausible_public_urls_count() {
        for good in [
            "https://example.co.jp",
            "http://www.example.com/policy.html",
            "https://user@ex.jp:8443/p",
        ] {
            assert!(looks_public(good), "{good}");
        }
        for bad in [
            "",
            "example.co.jp",
            "ftp://example.jp/x",
            "https://localhost/p",
            "http://intranet/",
            "https://",
        ] {
            assert!(!looks_public(bad), "{bad}");
        }
    }

    #[test]
    fn statuses_serialise_in_lowercase() {
        let r = readiness(&catalog(), &ReadinessFacts::default());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["steps"][0]["status"], "pending");
        assert_eq!(json["steps"][0]["id"], "rules-acknowledged");
    }
}
