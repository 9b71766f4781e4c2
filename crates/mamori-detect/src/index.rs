//! The rule index: which rules are worth evaluating on an event. Rules are grouped by the
//! log-source tags they need, and rules with required literals are reachable only through
//! one Aho-Corasick automaton run over the event's strings; so for a typical event only the
//! few rules whose log source fits and whose literals occur are evaluated.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rsigma_eval::event::Event;

use crate::mapping::TagSet;

/// Candidate lookup for compiled rules, addressed by their position in the detector.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Distinct tag sets rules require.
    groups: Vec<TagSet>,
    /// Each rule's group.
    rule_group: Vec<u32>,
    /// Per group, the rules without literals: evaluated whenever the group applies.
    unindexed: Vec<Vec<u32>>,
    /// Automaton over all literals, ASCII case-insensitive.
    automaton: Option<AhoCorasick>,
    /// Per literal, the rules it stands for.
    pattern_rules: Vec<Vec<u32>>,
}

impl Index {
    /// Indexes rules given as (required tags, literals) in detector order.
    pub(crate) fn build<'a>(rules: impl Iterator<Item = (TagSet, Option<&'a [String]>)>) -> Self {
        let mut index = Index::default();
        let mut group_of: HashMap<TagSet, u32> = HashMap::new();
        let mut pattern_of: HashMap<&'a str, usize> = HashMap::new();
        let mut patterns: Vec<&'a str> = Vec::new();
        for (rule, (tags, literals)) in rules.enumerate() {
            let rule = rule as u32;
            let group = *group_of.entry(tags).or_insert_with(|| {
                index.groups.push(tags);
                index.unindexed.push(Vec::new());
                (index.groups.len() - 1) as u32
            });
            index.rule_group.push(group);
            match literals {
                None => index.unindexed[group as usize].push(rule),
                Some(literals) => {
                    for literal in literals {
                        let pattern = *pattern_of.entry(literal.as_str()).or_insert_with(|| {
                            patterns.push(literal.as_str());
                            index.pattern_rules.push(Vec::new());
                            patterns.len() - 1
                        });
                        index.pattern_rules[pattern].push(rule);
                    }
                }
            }
        }
        if !patterns.is_empty() {
            // The builder picks a DFA for small packs and a contiguous NFA for large rule
            // sets. For the ~12,500 literals of the public set a DFA scanned no faster
            // (both are bound by memory access) but needed ~150 MiB and five times the
            // build time; the NFA needs a few MiB.
            index.automaton = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .ok();
            if index.automaton.is_none() {
                // Too many patterns for the automaton: fall back to evaluating them all.
                for rule in std::mem::take(&mut index.pattern_rules)
                    .into_iter()
                    .flatten()
                {
                    index.unindexed[index.rule_group[rule as usize] as usize].push(rule);
                }
            }
        }
        index
    }

    /// Puts into `out` (cleared first, so callers can reuse it) the rules worth evaluating on
    /// `event`, which carries log-source `tags`; sorted, each once.
    pub(crate) fn candidates(&self, tags: TagSet, event: &impl Event, out: &mut Vec<u32>) {
        out.clear();
        let applies = |group: u32| {
            let need = self.groups[group as usize];
            need & tags == need
        };
        for (group, rules) in self.unindexed.iter().enumerate() {
            if applies(group as u32) {
                out.extend_from_slice(rules);
            }
        }
        if let Some(automaton) = &self.automaton {
            event.visit_string_values(&mut |s| {
                for found in automaton.find_overlapping_iter(s) {
                    for &rule in &self.pattern_rules[found.pattern().as_usize()] {
                        if applies(self.rule_group[rule as usize]) {
                            out.push(rule);
                        }
                    }
                }
            });
        }
        out.sort_unstable();
        out.dedup();
    }
}
