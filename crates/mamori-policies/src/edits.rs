//! The owner's changes to a generated draft, kept apart from the texts so that regenerating
//! after new answers or parameters keeps them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Changes to one section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SectionEdit {
    /// Include or leave out a removable section; `None` keeps the default.
    pub included: Option<bool>,
    /// The owner's own text, paragraphs separated by blank lines. Plain text, never a
    /// template.
    pub text: String,
    /// When set, the text replaces the generated wording instead of following it.
    pub replace: bool,
    /// Why the company leaves the section out; a regulations chapter cannot be left out
    /// without one, and the document says it where the chapter would stand.
    pub reason: String,
    /// The owner's wording of single clauses by number (1 for the first), each replacing the
    /// generated clause while the others keep following the parameters.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub clauses: BTreeMap<usize, String>,
}

impl SectionEdit {
    /// Whether the edit changes nothing.
    pub fn is_noop(&self) -> bool {
        self.included.is_none() && self.text.trim().is_empty() && self.clauses.is_empty()
    }

    /// The owner's wording of clause `n` (1-based), if they gave one.
    pub fn clause(&self, n: usize) -> Option<&str> {
        self.clauses
            .get(&n)
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
    }

    /// Whether the owner left the section out.
    pub fn left_out(&self) -> bool {
        self.included == Some(false)
    }

    /// The owner's paragraphs.
    pub fn paragraphs(&self) -> Vec<String> {
        self.text
            .replace("\r\n", "\n")
            .split("\n\n")
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// Edits by section id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Edits(pub BTreeMap<String, SectionEdit>);

impl Edits {
    /// The edit of `id`, if any.
    pub fn get(&self, id: &str) -> Option<&SectionEdit> {
        self.0.get(id)
    }

    /// Drops edits that change nothing, so stored drafts stay small.
    pub fn compact(mut self) -> Edits {
        for e in self.0.values_mut() {
            e.clauses.retain(|_, t| !t.trim().is_empty());
        }
        self.0.retain(|_, e| !e.is_noop());
        self
    }
}
