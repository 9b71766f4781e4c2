//! Scoring of the self-assessment: totals, part and rule scores, and the problem items with
//! their advice. Pure functions; no official score bands are claimed because the guideline
//! defines none.

use crate::answer::{Answer, Answers};
use crate::assessment::{Advice, SelfAssessment};
use crate::error::CatalogError;
use crate::registry::Edition;
use crate::text::Text;
use crate::words::{check_complete, parse_answers};
use serde::{Deserialize, Serialize};

/// The score of one completed self-assessment. Serialised, it is the JSON form of
/// `mamori diagnose` and of the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentResult {
    /// Edition the answers belong to.
    pub edition: String,
    /// Total points (−25 to 100 in edition 3.1).
    pub total: i32,
    /// Highest possible total.
    pub max: i32,
    /// Points per part, in part order.
    pub parts: Vec<PartScore>,
    /// Points per basic rule, for the five-rule radar chart.
    pub rules: Vec<RuleScore>,
    /// Every item below full points (including "don't know"), basic part first, then by number.
    pub problems: Vec<Problem>,
    /// Items answered "don't know", to find out and answer again.
    pub unknown: Vec<u8>,
    /// Every item's answer and points, in item order; used to compare with a later result.
    pub items: Vec<ItemScore>,
}

/// One item's answer and points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemScore {
    /// Item number.
    pub number: u8,
    /// The answer given.
    pub answer: Answer,
    /// Points for that answer.
    pub score: i32,
}

/// Points for one part of the self-assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartScore {
    /// Part id (`basic`, `employee`, `organisation`).
    pub id: String,
    /// Display name.
    pub name: Text,
    /// First item number of the part.
    pub first: u8,
    /// Last item number of the part.
    pub last: u8,
    /// Points scored (can be negative when many answers are "don't know").
    pub score: i32,
    /// Highest possible points.
    pub max: i32,
    /// `score / max × 100`, rounded to one decimal; negative when the score is.
    pub percent: f64,
}

/// Points for the items that belong to one basic rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleScore {
    /// Rule number (1-5).
    pub rule: u8,
    /// Rule title.
    pub title: Text,
    /// The items mapped to the rule.
    pub items: Vec<u8>,
    /// Points scored on those items.
    pub score: i32,
    /// Highest possible points on those items.
    pub max: i32,
}

/// An item that is not fully in place, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Item number.
    pub number: u8,
    /// Part id.
    pub part: String,
    /// Basic rule the item belongs to.
    pub rule: u8,
    /// Short title.
    pub title: Text,
    /// The question as asked.
    pub question: Text,
    /// The answer given.
    pub answer: Answer,
    /// Label of that answer (一部実施している …).
    pub answer_label: Text,
    /// Points for that answer.
    pub score: i32,
    /// Why it matters, what "done" looks like, and the first steps.
    pub advice: Advice,
}

/// Checks a draft: every key must be an item number of the catalog (`"1"` … `"25"`) and every
/// value an answer word. Items may be missing. Returns the typed answers.
pub fn validate_draft<K: AsRef<str>, V: AsRef<str>>(
    catalog: &SelfAssessment,
    raw: impl IntoIterator<Item = (K, V)>,
) -> Result<Answers, CatalogError> {
    parse_answers(catalog.numbers(), Answer::WORDS, raw)
}

/// Scores a completed self-assessment of `edition`. Fails when an answer names an item the
/// catalog does not have, or when any item is unanswered.
pub fn score(edition: &Edition, answers: &Answers) -> Result<AssessmentResult, CatalogError> {
    let catalog = &edition.self_assessment;
    check_complete(catalog.numbers(), answers)?;
    let scale = &catalog.answers;
    let items: Vec<ItemScore> = answers
        .iter()
        .map(|(number, answer)| ItemScore {
            number,
            answer,
            score: scale.score(answer),
        })
        .collect();
    let points = |number: u8| {
        items
            .iter()
            .find(|i| i.number == number)
            .map_or(0, |i| i.score)
    };

    let parts = catalog
        .parts
        .iter()
        .filter_map(|part| {
            let range = catalog.part_range(&part.id)?;
            let score = catalog.part_items(&part.id).map(|i| points(i.number)).sum();
            let max = catalog.part_max(&part.id);
            Some(PartScore {
                id: part.id.clone(),
                name: part.name.clone(),
                first: *range.start(),
                last: *range.end(),
                score,
                max,
                percent: percent(score, max),
            })
        })
        .collect();

    let rules = edition
        .five_rules
        .rules
        .iter()
        .map(|rule| {
            let numbers: Vec<u8> = catalog
                .items
                .iter()
                .filter(|i| i.rule == rule.number)
                .map(|i| i.number)
                .collect();
            RuleScore {
                rule: rule.number,
                title: rule.title.clone(),
                score: numbers.iter().map(|n| points(*n)).sum(),
                max: numbers.len() as i32 * scale.max(),
                items: numbers,
            }
        })
        .collect();

    let problems = catalog
        .parts
        .iter()
        .flat_map(|part| catalog.part_items(&part.id))
        .filter_map(|item| {
            let answer = answers.get(item.number)?;
            let score = scale.score(answer);
            (score < scale.max()).then(|| Problem {
                number: item.number,
                part: item.part.clone(),
                rule: item.rule,
                title: item.title.clone(),
                question: item.question.clone(),
                answer,
                answer_label: scale.option(answer).label.clone(),
                score,
                advice: item.advice.clone(),
            })
        })
        .collect();

    Ok(AssessmentResult {
        edition: edition.id.clone(),
        total: items.iter().map(|i| i.score).sum(),
        max: catalog.max_score(),
        parts,
        rules,
        problems,
        unknown: items
            .iter()
            .filter(|i| i.answer == Answer::Unknown)
            .map(|i| i.number)
            .collect(),
        items,
    })
}

/// `score / max × 100`, rounded to one decimal; 0 for an empty group.
pub(crate) fn percent(score: i32, max: i32) -> f64 {
    if max == 0 {
        return 0.0;
    }
    (f64::from(score) * 1000.0 / f64::from(max)).round() / 10.0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Catalogs, DEFAULT_EDITION};
    use proptest::prelude::*;
    use std::sync::LazyLock;

    /// The default edition, loaded once for all tests.
    pub(crate) fn edition() -> &'static Edition {
        static EDITION: LazyLock<Edition> = LazyLock::new(|| {
            Catalogs::builtin()
                .unwrap()
                .get(DEFAULT_EDITION)
                .unwrap()
                .clone()
        });
        &EDITION
    }

    pub(crate) fn all(answer: Answer) -> Answers {
        (1..=25).map(|n| (n, answer)).collect()
    }

    /// Items 1-5: yes, yes, partial, no, unknown; 6-18: partial; 19-24: yes; 25: no.
    pub(crate) fn mixed() -> Answers {
        let basic = [
            Answer::Yes,
            Answer::Yes,
            Answer::Partial,
            Answer::No,
            Answer::Unknown,
        ];
        (1..=25)
            .map(|n| {
                let answer = match n {
                    1..=5 => basic[usize::from(n) - 1],
                    6..=18 => Answer::Partial,
                    25 => Answer::No,
                    _ => Answer::Yes,
                };
                (n, answer)
            })
            .collect()
    }

    fn part(result: &AssessmentResult, id: &str) -> (i32, i32, f64) {
        let p = result.parts.iter().find(|p| p.id == id).unwrap();
        (p.score, p.max, p.percent)
    }

    #[test]
    fn all_unknown_scores_minus_25() {
        let r = score(edition(), &all(Answer::Unknown)).unwrap();
        assert_eq!(r.total, -25);
        assert_eq!(part(&r, "basic"), (-5, 20, -25.0));
        assert_eq!(r.problems.len(), 25);
        assert_eq!(r.unknown, (1..=25).collect::<Vec<u8>>());
    }

    #[test]
    fn all_yes_scores_100_with_no_problems() {
        let r = score(edition(), &all(Answer::Yes)).unwrap();
        assert_eq!((r.total, r.max), (100, 100));
        assert_eq!(part(&r, "basic"), (20, 20, 100.0));
        assert_eq!(part(&r, "employee"), (52, 52, 100.0));
        assert_eq!(part(&r, "organisation"), (28, 28, 100.0));
        assert!(r.problems.is_empty() && r.unknown.is_empty());
        assert!(r.rules.iter().all(|rule| rule.score == rule.max));
    }

    #[test]
    fn all_no_scores_0_and_every_item_is_a_problem() {
        let r = score(edition(), &all(Answer::No)).unwrap();
        assert_eq!(r.total, 0);
        assert_eq!(r.problems.len(), 25);
        assert!(r.unknown.is_empty());
    }

    #[test]
    fn mixed_answers_give_exact_part_totals() {
        let r = score(edition(), &mixed()).unwrap();
        assert_eq!(part(&r, "basic"), (9, 20, 45.0));
        assert_eq!(part(&r, "employee"), (26, 52, 50.0));
        assert_eq!(part(&r, "organisation"), (24, 28, 85.7));
        assert_eq!(r.total, 59);
        assert_eq!(r.unknown, vec![5]);
        let numbers: Vec<u8> = r.problems.iter().map(|p| p.number).collect();
        let mut expected: Vec<u8> = vec![3, 4, 5];
        expected.extend(6..=18);
        expected.push(25);
        assert_eq!(numbers, expected);
        let q3 = &r.problems[0];
        assert_eq!(
            (q3.answer, q3.score, q3.answer_label.ja.as_str()),
            (Answer::Partial, 2, "一部実施している")
        );
        assert!(!q3.advice.steps.is_empty());
    }

    #[test]
    fn rule_scores_cover_every_item_once() {
        let r = score(edition(), &mixed()).unwrap();
        assert_eq!(r.rules.len(), 5);
        assert_eq!(r.rules.iter().map(|x| x.score).sum::<i32>(), r.total);
        assert_eq!(r.rules.iter().map(|x| x.items.len()).sum::<usize>(), 25);
        for (rule, first) in r.rules.iter().zip(1u8..) {
            assert_eq!(
                rule.items[0], first,
                "rule {} starts with item {first}",
                rule.rule
            );
        }
    }

    #[test]
    fn missing_items_are_listed() {
        let mut answers = all(Answer::Yes);
        answers = answers
            .iter()
            .filter(|(n, _)| *n != 7 && *n != 19)
            .collect();
        assert_eq!(
            score(edition(), &answers),
            Err(CatalogError::MissingItems { items: vec![7, 19] })
        );
    }

    #[test]
    fn unknown_item_numbers_are_rejected() {
        let mut answers = all(Answer::Yes);
        answers.insert(26, Answer::Yes);
        assert_eq!(
            score(edition(), &answers),
            Err(CatalogError::UnknownItem {
                item: "26".into(),
                first: 1,
                last: 25
            })
        );
    }

    #[test]
    fn drafts_accept_partial_answers_and_name_bad_input() {
        let catalog = &edition().self_assessment;
        let draft = validate_draft(catalog, [("1", "yes"), (" 25 ", "Unknown")]).unwrap();
        assert_eq!(draft.len(), 2);
        assert_eq!(draft.get(25), Some(Answer::Unknown));
        assert!(
            validate_draft(catalog, Vec::<(&str, &str)>::new())
                .unwrap()
                .is_empty()
        );

        for bad in ["0", "26", "abc", "07", ""] {
            assert_eq!(
                validate_draft(catalog, [(bad, "yes")]),
                Err(CatalogError::UnknownItem {
                    item: bad.to_owned(),
                    first: 1,
                    last: 25
                }),
                "{bad:?}"
            );
        }
        assert_eq!(
            validate_draft(catalog, [("4", "maybe")]),
            Err(CatalogError::UnknownAnswer {
                item: "4".into(),
                word: "maybe".into(),
                allowed: Answer::WORDS
            })
        );
    }

    #[test]
    fn json_has_the_keys_the_cli_promises() {
        let r = score(edition(), &mixed()).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["total"], 59);
        assert_eq!(json["parts"][0]["id"], "basic");
        assert_eq!(json["parts"][0]["score"], 9);
        assert_eq!(json["parts"][0]["max"], 20);
        assert_eq!(json["problems"][0]["number"], 3);
        assert_eq!(json["problems"][0]["answer"], "partial");
        assert_eq!(json["unknown"], serde_json::json!([5]));
        let back: AssessmentResult = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }

    proptest! {
        #[test]
        fn totals_add_up_for_any_answers(choices in proptest::collection::vec(0usize..4, 25)) {
            let answers: Answers = (1u8..).zip(choices.iter().map(|c| Answer::ALL[*c])).collect();
            let r = score(edition(), &answers).unwrap();
            prop_assert!((-25..=100).contains(&r.total));
            prop_assert_eq!(r.parts.iter().map(|p| p.score).sum::<i32>(), r.total);
            prop_assert_eq!(r.rules.iter().map(|p| p.score).sum::<i32>(), r.total);
            let not_yes = choices.iter().filter(|c| **c != 0).count();
            prop_assert_eq!(r.problems.len(), not_yes);
        }
    }
}
