//! What changed between two self-assessments: item by item, per part and in total, so the
//! owner sees progress since last time.

use crate::answer::Answer;
use crate::error::CatalogError;
use crate::scoring::AssessmentResult;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Direction of a change in points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// More points than last time.
    Better,
    /// Fewer points than last time.
    Worse,
    /// The same points.
    Same,
}

impl Trend {
    fn of(delta: i32) -> Trend {
        match delta.cmp(&0) {
            Ordering::Greater => Trend::Better,
            Ordering::Less => Trend::Worse,
            Ordering::Equal => Trend::Same,
        }
    }
}

/// A score then and now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreDelta {
    /// Points last time.
    pub previous: i32,
    /// Points this time.
    pub current: i32,
    /// `current - previous`.
    pub delta: i32,
}

impl ScoreDelta {
    fn new(previous: i32, current: i32) -> Self {
        ScoreDelta {
            previous,
            current,
            delta: current - previous,
        }
    }
}

/// A part's score then and now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartDelta {
    /// Part id.
    pub id: String,
    /// The scores.
    #[serde(flatten)]
    pub score: ScoreDelta,
}

/// One item's answer then and now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemChange {
    /// Item number.
    pub number: u8,
    /// Answer last time.
    pub previous: Answer,
    /// Answer this time.
    pub current: Answer,
    /// Change in the item's points (`+4` from "not done" to "done").
    pub delta: i32,
    /// Better, worse or the same.
    pub trend: Trend,
}

/// Everything that changed between two results of the same edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// The total then and now.
    pub total: ScoreDelta,
    /// Each part then and now, in part order.
    pub parts: Vec<PartDelta>,
    /// Every item, in item order, including unchanged ones.
    pub items: Vec<ItemChange>,
}

/// Compares an earlier result with a later one. Results of different editions cannot be
/// compared item by item, because item numbers may mean different things.
pub fn compare(
    previous: &AssessmentResult,
    current: &AssessmentResult,
) -> Result<Comparison, CatalogError> {
    if previous.edition != current.edition {
        return Err(CatalogError::EditionMismatch {
            previous: previous.edition.clone(),
            current: current.edition.clone(),
        });
    }
    let parts = current
        .parts
        .iter()
        .filter_map(|now| {
            let then = previous.parts.iter().find(|p| p.id == now.id)?;
            Some(PartDelta {
                id: now.id.clone(),
                score: ScoreDelta::new(then.score, now.score),
            })
        })
        .collect();
    let items = current
        .items
        .iter()
        .filter_map(|now| {
            let then = previous.items.iter().find(|i| i.number == now.number)?;
            let delta = now.score - then.score;
            Some(ItemChange {
                number: now.number,
                previous: then.answer,
                current: now.answer,
                delta,
                trend: Trend::of(delta),
            })
        })
        .collect();
    Ok(Comparison {
        total: ScoreDelta::new(previous.total, current.total),
        parts,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::score;
    use crate::scoring::tests::{all, edition, mixed};

    #[test]
    fn reports_item_part_and_total_changes() {
        let before = score(edition(), &mixed()).unwrap();
        let mut answers = mixed();
        answers.insert(4, Answer::Yes); // 0 → 4
        answers.insert(5, Answer::No); // −1 → 0
        answers.insert(20, Answer::Partial); // 4 → 2
        let after = score(edition(), &answers).unwrap();

        let c = compare(&before, &after).unwrap();
        assert_eq!(
            c.total,
            ScoreDelta {
                previous: 59,
                current: 62,
                delta: 3
            }
        );
        let basic = c.parts.iter().find(|p| p.id == "basic").unwrap();
        assert_eq!(
            basic.score,
            ScoreDelta {
                previous: 9,
                current: 14,
                delta: 5
            }
        );
        let org = c.parts.iter().find(|p| p.id == "organisation").unwrap();
        assert_eq!(org.score.delta, -2);
        assert_eq!(c.items.len(), 25);
        let trend = |n: u8| c.items.iter().find(|i| i.number == n).unwrap().trend;
        assert_eq!(
            (trend(4), trend(5), trend(20), trend(1)),
            (Trend::Better, Trend::Better, Trend::Worse, Trend::Same)
        );
        let q4 = c.items.iter().find(|i| i.number == 4).unwrap();
        assert_eq!(
            (q4.previous, q4.current, q4.delta),
            (Answer::No, Answer::Yes, 4)
        );
    }

    #[test]
    fn identical_results_have_no_changes() {
        let r = score(edition(), &all(Answer::Yes)).unwrap();
        let c = compare(&r, &r).unwrap();
        assert_eq!(c.total.delta, 0);
        assert!(c.items.iter().all(|i| i.trend == Trend::Same));
    }

    #[test]
    fn different_editions_are_refused() {
        let before = score(edition(), &mixed()).unwrap();
        let mut after = before.clone();
        after.edition = "ipa-sme-4.0".into();
        assert_eq!(
            compare(&before, &after),
            Err(CatalogError::EditionMismatch {
                previous: "ipa-sme-3.1".into(),
                current: "ipa-sme-4.0".into()
            })
        );
    }

    #[test]
    fn json_flattens_the_scores() {
        let r = score(edition(), &mixed()).unwrap();
        let json = serde_json::to_value(compare(&r, &r).unwrap()).unwrap();
        assert_eq!(json["parts"][0]["delta"], 0);
        assert_eq!(json["items"][0]["trend"], "same");
        assert_eq!(json["items"][0]["previous"], "yes");
        assert_eq!(json["items"][0]["delta"], 0);
    }
}
