//! The 25-item self-assessment (情報セキュリティ自社診断) as data: parts, answers and scores,
//! footnoted definitions, and every item with its question and advice.

use crate::answer::AnswerScale;
use crate::five_rules::FiveRules;
use crate::registry::CatalogFile;
use crate::text::Text;
use crate::validate::{check_groups, check_numbering};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

/// The self-assessment of one edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfAssessment {
    /// Edition id (`ipa-sme-3.1`).
    pub edition: String,
    /// Name of the questionnaire.
    pub title: Text,
    /// The parts, in order; their items are contiguous.
    pub parts: Vec<Part>,
    /// The four answers and their points.
    pub answers: AnswerScale,
    /// Footnoted definitions (※1, ※2) that some questions refer to.
    pub notes: Vec<Note>,
    /// The items, numbered from 1.
    pub items: Vec<Item>,
}

/// A named group of consecutive items: a part of the self-assessment or a group of the cloud
/// checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Stable id used in results and the API (`basic`, `employee`, `organisation`).
    pub id: String,
    /// Display name.
    pub name: Text,
}

/// A footnoted definition that explains a term used in some questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// Id that items refer to (`definition-file`).
    pub id: String,
    /// The footnote mark used in the question text (`※1`).
    pub mark: String,
    /// The term being defined.
    pub term: Text,
    /// The definition.
    pub text: Text,
}

/// One question of the self-assessment with the advice shown when it is not fully in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Item number (1-25).
    pub number: u8,
    /// Id of the part the item belongs to.
    pub part: String,
    /// The basic rule (1-5) the item belongs to, for the five-rule radar.
    pub rule: u8,
    /// Short title for lists and reports.
    pub title: Text,
    /// The question as asked.
    pub question: Text,
    /// Ids of the notes the question refers to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What to do about it.
    pub advice: Advice,
}

/// Advice for one item, written for owners who are not IT people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advice {
    /// Why the measure matters.
    pub why: Text,
    /// What "implemented" looks like.
    pub implemented: Text,
    /// Two to four concrete first steps.
    pub steps: Vec<Text>,
}

impl SelfAssessment {
    /// The item with this number.
    pub fn item(&self, number: u8) -> Option<&Item> {
        self.items.iter().find(|i| i.number == number)
    }

    /// The lowest and highest item numbers (1 and 25 for the IPA edition 3.1).
    pub fn numbers(&self) -> RangeInclusive<u8> {
        let first = self.items.first().map_or(1, |i| i.number);
        let last = self.items.last().map_or(0, |i| i.number);
        first..=last
    }

    /// The items of part `id`, in order.
    pub fn part_items<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Item> + 'a {
        self.items.iter().filter(move |i| i.part == id)
    }

    /// The item numbers of part `id` (`basic` → 1..=5), or `None` for an unknown or empty part.
    pub fn part_range(&self, id: &str) -> Option<RangeInclusive<u8>> {
        let mut numbers = self.part_items(id).map(|i| i.number);
        let first = numbers.next()?;
        Some(first..=numbers.last().unwrap_or(first))
    }

    /// Highest possible score of part `id` (all items answered "yes").
    pub fn part_max(&self, id: &str) -> i32 {
        self.part_items(id).map(|_| self.answers.max()).sum()
    }

    /// Highest possible total score.
    pub fn max_score(&self) -> i32 {
        self.items.len() as i32 * self.answers.max()
    }

    /// Lowest possible total score (every item "don't know").
    pub fn min_score(&self) -> i32 {
        let min = self
            .answers
            .options()
            .iter()
            .map(|o| o.score)
            .min()
            .unwrap_or(0);
        self.items.len() as i32 * min
    }

    /// The footnoted definitions a question refers to.
    pub fn notes_for<'a>(&'a self, item: &'a Item) -> impl Iterator<Item = &'a Note> + 'a {
        self.notes.iter().filter(|n| item.notes.contains(&n.id))
    }

    /// Checks that every item maps to a rule of `rules`.
    pub(crate) fn check_rules(&self, rules: &FiveRules) -> Result<(), String> {
        match self.items.iter().find(|i| rules.rule(i.rule).is_none()) {
            Some(item) => Err(format!(
                "item {}: there is no basic rule {}",
                item.number, item.rule
            )),
            None => Ok(()),
        }
    }
}

impl CatalogFile for SelfAssessment {
    const NAME: &'static str = "self-assessment.toml";

    fn edition(&self) -> &str {
        &self.edition
    }

    fn validate(&self) -> Result<(), String> {
        check_numbering("items", self.items.iter().map(|i| i.number))?;
        let part_ids: Vec<&str> = self.parts.iter().map(|p| p.id.as_str()).collect();
        check_groups(
            &part_ids,
            self.items.iter().map(|i| (i.number, i.part.as_str())),
        )?;
        for item in &self.items {
            if !(2..=4).contains(&item.advice.steps.len()) {
                return Err(format!(
                    "item {}: advice must have 2 to 4 steps",
                    item.number
                ));
            }
            if let Some(note) = item
                .notes
                .iter()
                .find(|id| !self.notes.iter().any(|n| &n.id == *id))
            {
                return Err(format!("item {}: unknown note '{note}'", item.number));
            }
        }
        Ok(())
    }
}
