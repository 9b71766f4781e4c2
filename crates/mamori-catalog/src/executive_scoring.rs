//! The owner's answers to the executives' three principles and seven actions. They carry no
//! points (the guideline scores neither list); the result counts what is done and lists what
//! is not, so the owner sees where to act.

use serde::{Deserialize, Serialize};

use crate::answer::{Answer, Answers};
use crate::checklists::{ExecutiveChecklist, ExecutiveItem};
use crate::error::CatalogError;
use crate::text::Text;
use crate::words::{check_complete, parse_answers};

/// Which of the two executive lists an answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutiveList {
    /// The three principles.
    Principles,
    /// The seven important actions.
    Actions,
}

/// The owner's answers, one set per list; serialises as
/// `{"principles": {"1": "yes", …}, "actions": {"1": "partial", …}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutiveAnswers {
    /// Answers to the three principles.
    pub principles: Answers,
    /// Answers to the seven actions.
    pub actions: Answers,
}

/// A problem with the executive answers, naming the list it was found in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{list:?}: {error}")]
pub struct ExecutiveError {
    /// The list with the bad answer.
    pub list: ExecutiveList,
    /// What is wrong (unknown item, answer word or missing items).
    pub error: CatalogError,
}

/// One principle or action with the owner's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutiveOutcome {
    /// Number within its list.
    pub number: u8,
    /// Short title.
    pub title: Text,
    /// What it means in practice.
    pub text: Text,
    /// The answer given.
    pub answer: Answer,
    /// Label of that answer.
    pub answer_label: Text,
}

/// The completed executive checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutiveResult {
    /// Edition the answers belong to.
    pub edition: String,
    /// How many principles and actions are answered "yes".
    pub done: usize,
    /// How many there are in all (10 in edition 3.1).
    pub count: usize,
    /// Every principle with its answer.
    pub principles: Vec<ExecutiveOutcome>,
    /// Every action with its answer.
    pub actions: Vec<ExecutiveOutcome>,
}

impl ExecutiveChecklist {
    /// The items of `list`.
    pub fn list(&self, list: ExecutiveList) -> &[ExecutiveItem] {
        match list {
            ExecutiveList::Principles => &self.principles,
            ExecutiveList::Actions => &self.actions,
        }
    }
}

/// Checks a draft of one list: keys are item numbers of that list, words `yes`, `partial` or
/// `no` ("don't know" is not offered: the owner knows what they do). Items may be missing.
pub fn validate_executive_draft<K: AsRef<str>, V: AsRef<str>>(
    checklist: &ExecutiveChecklist,
    list: ExecutiveList,
    raw: impl IntoIterator<Item = (K, V)>,
) -> Result<Answers, ExecutiveError> {
    parse_answers(numbers(checklist, list), ExecutiveChecklist::ALLOWED, raw)
        .map_err(|error| ExecutiveError { list, error })
}

/// Reads a completed executive checklist; fails when any item is unknown or unanswered.
pub fn score_executive(
    checklist: &ExecutiveChecklist,
    answers: &ExecutiveAnswers,
) -> Result<ExecutiveResult, ExecutiveError> {
    let outcomes = |list: ExecutiveList, given: &Answers| {
        check_complete(numbers(checklist, list), given)
            .map_err(|error| ExecutiveError { list, error })?;
        Ok(checklist
            .list(list)
            .iter()
            .filter_map(|item| {
                let answer = given.get(item.number)?;
                let label = checklist.choices.iter().find(|c| c.id == answer)?;
                Some(ExecutiveOutcome {
                    number: item.number,
                    title: item.title.clone(),
                    text: item.text.clone(),
                    answer,
                    answer_label: label.label.clone(),
                })
            })
            .collect::<Vec<_>>())
    };
    let principles = outcomes(ExecutiveList::Principles, &answers.principles)?;
    let actions = outcomes(ExecutiveList::Actions, &answers.actions)?;
    let done = principles
        .iter()
        .chain(&actions)
        .filter(|o| o.answer == Answer::Yes)
        .count();
    Ok(ExecutiveResult {
        edition: checklist.edition.clone(),
        done,
        count: principles.len() + actions.len(),
        principles,
        actions,
    })
}

fn numbers(checklist: &ExecutiveChecklist, list: ExecutiveList) -> std::ops::RangeInclusive<u8> {
    1..=checklist.list(list).last().map_or(0, |i| i.number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::tests::edition;

    fn answers(principle: Answer, action: Answer) -> ExecutiveAnswers {
        ExecutiveAnswers {
            principles: (1..=3).map(|n| (n, principle)).collect(),
            actions: (1..=7).map(|n| (n, action)).collect(),
        }
    }

    #[test]
    fn counts_what_is_done() {
        let checklist = &edition().executive;
        let r = score_executive(checklist, &answers(Answer::Yes, Answer::Partial)).unwrap();
        assert_eq!((r.done, r.count), (3, 10));
        assert_eq!(r.actions.len(), 7);
        assert_eq!(r.actions[0].answer_label.ja, "一部できている");
    }

    #[test]
    fn unknown_is_not_an_owner_answer_and_gaps_are_named() {
        let checklist = &edition().executive;
        let err = validate_executive_draft(checklist, ExecutiveList::Actions, [("2", "unknown")])
            .unwrap_err();
        assert_eq!(err.list, ExecutiveList::Actions);
        assert!(matches!(err.error, CatalogError::UnknownAnswer { .. }));
        let err = validate_executive_draft(checklist, ExecutiveList::Principles, [("4", "yes")])
            .unwrap_err();
        assert!(matches!(
            err.error,
            CatalogError::UnknownItem {
                first: 1,
                last: 3,
                ..
            }
        ));
        let mut partial = answers(Answer::Yes, Answer::Yes);
        partial.actions = (1..=5).map(|n| (n, Answer::No)).collect();
        let err = score_executive(checklist, &partial).unwrap_err();
        assert_eq!(
            err,
            ExecutiveError {
                list: ExecutiveList::Actions,
                error: CatalogError::MissingItems { items: vec![6, 7] }
            }
        );
    }
}
