//! Answers to the questionnaires and the points each answer is worth.

use crate::text::Text;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One answer to a question. The words are the ones used in answer files, the API and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    /// 実施している — the measure is in place.
    Yes,
    /// 一部実施している — the measure is partly in place.
    Partial,
    /// 実施していない — the measure is not in place.
    No,
    /// わからない — the person answering does not know.
    Unknown,
}

impl Answer {
    /// Every answer, in the order the questionnaire shows them (choice 1 to 4).
    pub const ALL: [Answer; 4] = [Answer::Yes, Answer::Partial, Answer::No, Answer::Unknown];

    /// The allowed words, for error messages.
    pub const WORDS: &'static [&'static str] = &["yes", "partial", "no", "unknown"];

    /// The word for this answer (`yes`, `partial`, `no`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::Partial => "partial",
            Answer::No => "no",
            Answer::Unknown => "unknown",
        }
    }

    /// Reads an answer word, ignoring case and surrounding spaces; `None` for anything else.
    pub fn from_word(word: &str) -> Option<Answer> {
        let word = word.trim();
        Answer::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of answers keyed by item number. It may be a draft (some items missing); scoring checks
/// that it is complete. Serialises as `{"1": "yes", "2": "no", …}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Answers(BTreeMap<u8, Answer>);

impl Answers {
    /// An empty answer set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records (or replaces) the answer to item `number`.
    pub fn insert(&mut self, number: u8, answer: Answer) {
        self.0.insert(number, answer);
    }

    /// The answer to item `number`, if given.
    pub fn get(&self, number: u8) -> Option<Answer> {
        self.0.get(&number).copied()
    }

    /// The answers in item order.
    pub fn iter(&self) -> impl Iterator<Item = (u8, Answer)> + '_ {
        self.0.iter().map(|(n, a)| (*n, *a))
    }

    /// How many items have an answer.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no item has an answer yet.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(u8, Answer)> for Answers {
    fn from_iter<I: IntoIterator<Item = (u8, Answer)>>(iter: I) -> Self {
        Answers(iter.into_iter().collect())
    }
}

/// One answer as a catalog defines it: its points and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    /// Which answer this is.
    pub id: Answer,
    /// Points the answer is worth (4, 2, 0 and −1 in the IPA self-assessment).
    pub score: i32,
    /// The label shown to the user (実施している …).
    pub label: Text,
}

/// The four scored answers of a questionnaire. Loading guarantees that each answer appears
/// exactly once, so every answer always has a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<AnswerOption>", into = "Vec<AnswerOption>")]
pub struct AnswerScale {
    /// In the order of [`Answer::ALL`].
    options: Vec<AnswerOption>,
}

impl AnswerScale {
    /// The options in the order the questionnaire shows them.
    pub fn options(&self) -> &[AnswerOption] {
        &self.options
    }

    /// The catalog's definition of `answer`.
    pub fn option(&self, answer: Answer) -> &AnswerOption {
        // The constructor stores exactly one option per answer, in `Answer::ALL` order.
        &self.options[answer as usize]
    }

    /// Points for `answer`.
    pub fn score(&self, answer: Answer) -> i32 {
        self.option(answer).score
    }

    /// Points for the best answer; an item's maximum.
    pub fn max(&self) -> i32 {
        self.options.iter().map(|o| o.score).max().unwrap_or(0)
    }
}

impl TryFrom<Vec<AnswerOption>> for AnswerScale {
    type Error = String;

    fn try_from(mut options: Vec<AnswerOption>) -> Result<Self, Self::Error> {
        options.sort_by_key(|o| o.id);
        let ids: Vec<Answer> = options.iter().map(|o| o.id).collect();
        if ids != Answer::ALL {
            return Err(format!(
                "answers must be exactly {} (each once), found {:?}",
                Answer::WORDS.join(", "),
                ids
            ));
        }
        Ok(AnswerScale { options })
    }
}

impl From<AnswerScale> for Vec<AnswerOption> {
    fn from(scale: AnswerScale) -> Self {
        scale.options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_and_ignore_case() {
        for a in Answer::ALL {
            assert_eq!(Answer::from_word(a.as_str()), Some(a));
        }
        assert_eq!(Answer::from_word(" YES "), Some(Answer::Yes));
        assert_eq!(Answer::from_word("maybe"), None);
        assert_eq!(Answer::WORDS.len(), Answer::ALL.len());
    }

    #[test]
    fn answers_serialise_with_string_keys() {
        let answers: Answers = [(1, Answer::Yes), (25, Answer::Unknown)]
            .into_iter()
            .collect();
        let json = serde_json::to_string(&answers).unwrap();
        assert_eq!(json, r#"{"1":"yes","25":"unknown"}"#);
        assert_eq!(serde_json::from_str::<Answers>(&json).unwrap(), answers);
    }

    #[test]
    fn scale_needs_each_answer_once() {
        let option = |id| AnswerOption {
            id,
            score: 1,
            label: Text {
                ja: "あ".into(),
                en: "a".into(),
            },
        };
        let err =
            AnswerScale::try_from(vec![option(Answer::Yes), option(Answer::Yes)]).unwrap_err();
        assert!(err.contains("each once"), "{err}");
        let scale = AnswerScale::try_from(Answer::ALL.map(option).to_vec()).unwrap();
        assert_eq!(scale.max(), 1);
    }
}
