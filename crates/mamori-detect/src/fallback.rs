//! Plain words for rules that bring none: a SigmaHQ or other third-party rule has only an
//! English title, so a company would read English on its alert page and in its mail. Such a
//! rule is described by its ATT&CK tactic instead, from `guidance/fallback.yml`.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::detection::Guidance;

/// The wording file, as written.
#[derive(Deserialize)]
struct Fallback {
    /// Tactics from the most to the least alarming: a rule with several is described by the
    /// first.
    order: Vec<String>,
    tactics: HashMap<String, Guidance>,
    other: Guidance,
    indicator: Guidance,
}

static FALLBACK: LazyLock<Fallback> = LazyLock::new(|| {
    let text = include_str!("../guidance/fallback.yml");
    // The file is part of the source and checked by the tests below; it cannot be unreadable
    // in a built binary.
    yaml_serde::from_str(text).expect("guidance/fallback.yml is valid")
});

/// The words for a rule with ATT&CK `tags` and no guidance of its own.
pub(crate) fn for_tags(tags: &[String]) -> Guidance {
    let tactics: Vec<String> = tags
        .iter()
        .filter_map(|t| t.strip_prefix("attack."))
        .map(|t| t.replace('_', "-"))
        .collect();
    FALLBACK
        .order
        .iter()
        .find(|tactic| tactics.contains(tactic))
        .and_then(|tactic| FALLBACK.tactics.get(tactic))
        .unwrap_or(&FALLBACK.other)
        .clone()
}

/// The words for a hit on an indicator list.
pub(crate) fn for_indicator() -> Guidance {
    FALLBACK.indicator.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn every_tactic_has_all_three_texts_and_its_place_in_the_order() {
        assert_eq!(FALLBACK.order.len(), FALLBACK.tactics.len());
        for tactic in &FALLBACK.order {
            let words = &FALLBACK.tactics[tactic];
            for text in [&words.title_ja, &words.action_ja, &words.action_en] {
                assert!(!text.is_empty(), "{tactic}");
            }
        }
        for words in [&FALLBACK.other, &FALLBACK.indicator] {
            assert!(!words.title_ja.is_empty() && !words.action_en.is_empty());
        }
    }

    #[test]
    fn the_most_alarming_tactic_describes_the_rule() {
        let both = for_tags(&tags(&[
            "attack.discovery",
            "attack.impact",
            "attack.t1486",
        ]));
        assert_eq!(both, FALLBACK.tactics["impact"]);
        let old_style = for_tags(&tags(&["attack.credential_access", "attack.t1003"]));
        assert_eq!(old_style, FALLBACK.tactics["credential-access"]);
        assert_eq!(for_tags(&tags(&["attack.t1059"])), FALLBACK.other);
        assert_eq!(for_tags(&[]), FALLBACK.other);
    }
}
