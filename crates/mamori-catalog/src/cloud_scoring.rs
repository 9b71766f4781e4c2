//! Scoring of the cloud-services checklist, answered once per cloud service a company uses.
//! The guideline gives the fifteen questions and no scoring; mamori scores them with the same
//! four answers and points as the self-assessment so the two read alike (mamori's own choice).

use serde::{Deserialize, Serialize};

use crate::answer::{Answer, Answers};
use crate::checklists::CloudChecklist;
use crate::error::CatalogError;
use crate::scoring::percent;
use crate::text::Text;
use crate::words::{check_complete, parse_answers};

/// The score of one completed cloud checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudResult {
    /// Edition the answers belong to.
    pub edition: String,
    /// Total points.
    pub total: i32,
    /// Highest possible total.
    pub max: i32,
    /// Points per group (choosing, running, security management), in order.
    pub groups: Vec<GroupScore>,
    /// Items below full points, in item order.
    pub problems: Vec<CloudProblem>,
    /// Items answered "don't know", to ask the provider about.
    pub unknown: Vec<u8>,
}

/// Points for one group of the cloud checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupScore {
    /// Group id.
    pub id: String,
    /// Display name.
    pub name: Text,
    /// Points scored.
    pub score: i32,
    /// Highest possible points.
    pub max: i32,
    /// `score / max × 100`, one decimal.
    pub percent: f64,
}

/// A cloud-checklist item that is not fully in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudProblem {
    /// Item number.
    pub number: u8,
    /// Group id.
    pub group: String,
    /// Short title.
    pub title: Text,
    /// The question as asked.
    pub question: Text,
    /// The answer given.
    pub answer: Answer,
    /// Label of that answer.
    pub answer_label: Text,
}

impl CloudChecklist {
    /// The item numbers (1-15 in edition 3.1).
    pub fn numbers(&self) -> std::ops::RangeInclusive<u8> {
        1..=self.items.last().map_or(0, |i| i.number)
    }
}

/// Checks a draft of the cloud checklist: keys `"1"` … `"15"`, answer words as in the
/// self-assessment. Items may be missing.
pub fn validate_cloud_draft<K: AsRef<str>, V: AsRef<str>>(
    checklist: &CloudChecklist,
    raw: impl IntoIterator<Item = (K, V)>,
) -> Result<Answers, CatalogError> {
    parse_answers(checklist.numbers(), Answer::WORDS, raw)
}

/// Scores a completed cloud checklist; fails when an item is unknown or unanswered.
pub fn score_cloud(
    checklist: &CloudChecklist,
    answers: &Answers,
) -> Result<CloudResult, CatalogError> {
    check_complete(checklist.numbers(), answers)?;
    let scale = &checklist.answers;
    let points = |number: u8| answers.get(number).map_or(0, |a| scale.score(a));
    let groups = checklist
        .groups
        .iter()
        .map(|group| {
            let numbers: Vec<u8> = checklist.group_items(&group.id).map(|i| i.number).collect();
            let score = numbers.iter().map(|n| points(*n)).sum();
            let max = numbers.len() as i32 * scale.max();
            GroupScore {
                id: group.id.clone(),
                name: group.name.clone(),
                score,
                max,
                percent: percent(score, max),
            }
        })
        .collect();
    let problems = checklist
        .items
        .iter()
        .filter_map(|item| {
            let answer = answers.get(item.number)?;
            (scale.score(answer) < scale.max()).then(|| CloudProblem {
                number: item.number,
                group: item.group.clone(),
                title: item.title.clone(),
                question: item.question.clone(),
                answer,
                answer_label: scale.option(answer).label.clone(),
            })
        })
        .collect();
    Ok(CloudResult {
        edition: checklist.edition.clone(),
        total: answers.iter().map(|(_, a)| scale.score(a)).sum(),
        max: checklist.items.len() as i32 * scale.max(),
        groups,
        problems,
        unknown: answers
            .iter()
            .filter(|(_, a)| *a == Answer::Unknown)
            .map(|(n, _)| n)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::tests::edition;

    fn all(answer: Answer) -> Answers {
        (1..=15).map(|n| (n, answer)).collect()
    }

    #[test]
    fn all_yes_is_full_marks_and_all_unknown_is_minus_15() {
        let checklist = &edition().cloud;
        let best = score_cloud(checklist, &all(Answer::Yes)).unwrap();
        assert_eq!((best.total, best.max), (60, 60));
        assert!(best.problems.is_empty());
        assert_eq!(best.groups.len(), 3);
        let worst = score_cloud(checklist, &all(Answer::Unknown)).unwrap();
        assert_eq!(worst.total, -15);
        assert_eq!(worst.unknown.len(), 15);
        assert_eq!(worst.problems.len(), 15);
    }

    #[test]
    fn groups_follow_the_guideline_and_sum_to_the_total() {
        let checklist = &edition().cloud;
        let mut answers = all(Answer::Yes);
        answers.insert(7, Answer::No);
        answers.insert(15, Answer::Partial);
        let r = score_cloud(checklist, &answers).unwrap();
        let sizes: Vec<i32> = r.groups.iter().map(|g| g.max / 4).collect();
        assert_eq!(sizes, [6, 4, 5]);
        assert_eq!(r.groups.iter().map(|g| g.score).sum::<i32>(), r.total);
        assert_eq!(r.total, 54);
        let numbers: Vec<u8> = r.problems.iter().map(|p| p.number).collect();
        assert_eq!(numbers, [7, 15]);
    }

    #[test]
    fn drafts_and_incomplete_sets_are_checked() {
        let checklist = &edition().cloud;
        assert!(matches!(
            validate_cloud_draft(checklist, [("16", "yes")]),
            Err(CatalogError::UnknownItem {
                first: 1,
                last: 15,
                ..
            })
        ));
        let draft = validate_cloud_draft(checklist, [("1", "yes")]).unwrap();
        assert!(matches!(
            score_cloud(checklist, &draft),
            Err(CatalogError::MissingItems { items }) if items.len() == 14
        ));
    }
}
