//! The two smaller checklists of the guideline: safe use of cloud services (appendix 6) and the
//! executives' three principles and seven important actions.

use crate::answer::Answer;
use crate::answer::AnswerScale;
use crate::assessment::Part;
use crate::registry::CatalogFile;
use crate::text::Text;
use crate::validate::{check_groups, check_numbering};
use serde::{Deserialize, Serialize};

/// The 15-item checklist for choosing and running a cloud service safely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudChecklist {
    /// Edition id (`ipa-sme-3.1`).
    pub edition: String,
    /// Name of the checklist.
    pub title: Text,
    /// The three groups (`selection`, `operation`, `security-management`), in order.
    pub groups: Vec<Part>,
    /// The four answers and their points, as in the self-assessment.
    pub answers: AnswerScale,
    /// The items, numbered from 1.
    pub items: Vec<CloudItem>,
}

/// One question of the cloud checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudItem {
    /// Item number (1-15).
    pub number: u8,
    /// Id of the group the item belongs to.
    pub group: String,
    /// Short title.
    pub title: Text,
    /// The question as asked.
    pub question: Text,
}

impl CloudChecklist {
    /// The items of group `id`, in order.
    pub fn group_items<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a CloudItem> + 'a {
        self.items.iter().filter(move |i| i.group == id)
    }
}

impl CatalogFile for CloudChecklist {
    const NAME: &'static str = "cloud-checklist.toml";

    fn edition(&self) -> &str {
        &self.edition
    }

    fn validate(&self) -> Result<(), String> {
        check_numbering("items", self.items.iter().map(|i| i.number))?;
        let ids: Vec<&str> = self.groups.iter().map(|g| g.id.as_str()).collect();
        check_groups(
            &ids,
            self.items.iter().map(|i| (i.number, i.group.as_str())),
        )
    }
}

/// The executives' checklist: what the owner personally commits to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutiveChecklist {
    /// Edition id (`ipa-sme-3.1`).
    pub edition: String,
    /// Name of the checklist.
    pub title: Text,
    /// The answers the owner picks from (`yes`, `partial`, `no`); they carry no points.
    pub choices: Vec<Choice>,
    /// The three principles.
    pub principles: Vec<ExecutiveItem>,
    /// The seven important actions, in the 3.1 order.
    pub actions: Vec<ExecutiveItem>,
}

/// An unscored answer with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Which answer this is.
    pub id: Answer,
    /// The label shown to the owner.
    pub label: Text,
}

/// One principle or action, with what it means and the question the owner answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecutiveItem {
    /// Number within its list, from 1.
    pub number: u8,
    /// Short title.
    pub title: Text,
    /// What it means in practice.
    pub text: Text,
    /// The question the owner answers.
    pub question: Text,
}

impl ExecutiveChecklist {
    /// The answers the owner may give, for error messages.
    pub const ALLOWED: &'static [&'static str] = &["yes", "partial", "no"];
}

impl CatalogFile for ExecutiveChecklist {
    const NAME: &'static str = "executive.toml";

    fn edition(&self) -> &str {
        &self.edition
    }

    fn validate(&self) -> Result<(), String> {
        check_numbering("principles", self.principles.iter().map(|p| p.number))?;
        check_numbering("actions", self.actions.iter().map(|a| a.number))?;
        let ids: Vec<&str> = self.choices.iter().map(|c| c.id.as_str()).collect();
        if ids != Self::ALLOWED {
            return Err(format!(
                "choices must be {}, found {}",
                Self::ALLOWED.join(", "),
                ids.join(", ")
            ));
        }
        Ok(())
    }
}
