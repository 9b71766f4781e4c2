//! The rule index: which rules are worth evaluating on an event. Rules are grouped by the
//! log-source tags they need, and rules with required literals are reachable only through
//! Aho-Corasick automata: one over the literals of field tests, run only over the strings
//! of fields some literal names and counting a hit only for rules testing that field, and
//! one per log source over keyword literals, run over all of the strings of an event that
//! source fits. So for a typical event
//! only the few rules whose log source fits and whose literals occur where they must are
//! evaluated.

use std::borrow::Cow;
use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::hash::FastMap;
use crate::literals::{Literal, fold_text};
use crate::mapping::{Mapping, TagSet};
use crate::view::{LeafVisitor, Leaves, has_space, last_part};

/// A set of literals and, per literal, the rules it stands for.
#[derive(Debug, Default)]
struct Patterns<'a> {
    of: HashMap<&'a str, usize>,
    texts: Vec<&'a str>,
    rules: Vec<Vec<u32>>,
}

impl<'a> Patterns<'a> {
    fn add(&mut self, text: &'a str, rule: u32) {
        let pattern = *self.of.entry(text).or_insert_with(|| {
            self.texts.push(text);
            self.rules.push(Vec::new());
            self.texts.len() - 1
        });
        self.rules[pattern].push(rule);
    }

    /// The automaton (`None` without patterns), or the patterns' rules when there are too
    /// many patterns for an automaton; with `any`, also the search for any hit (see
    /// [`Scan::any`]).
    fn build(mut self, any: bool) -> Result<Option<Scan>, Vec<u32>> {
        if self.texts.is_empty() {
            return Ok(None);
        }
        // The builder picks a DFA for small sets and a contiguous NFA for large ones (in
        // the public set, the ~5,600 hash literals of `Hashes` or the ~2,000 of
        // `CommandLine`): for those a DFA scanned no faster, as both are bound by memory
        // access, but took far more memory and build time.
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&self.texts);
        match automaton {
            Ok(automaton) => {
                for rules in &mut self.rules {
                    rules.dedup();
                }
                // Patterns are folded, so lowercase: matched exactly in lowercased text.
                let any = any
                    .then(|| {
                        AhoCorasickBuilder::new()
                            .match_kind(MatchKind::LeftmostFirst)
                            .build(&self.texts)
                            .ok()
                    })
                    .flatten();
                Ok(Some(Scan {
                    automaton,
                    rules: self.rules,
                    any,
                }))
            }
            Err(_) => Err(self.rules.into_iter().flatten().collect()),
        }
    }
}

/// An automaton and, per pattern, the rules a hit stands for.
#[derive(Debug)]
struct Scan {
    automaton: AhoCorasick,
    rules: Vec<Vec<u32>>,
    /// For long text that seldom holds any pattern (an event's strings, for keywords): the
    /// same patterns, asked whether any occurs in text already lowercased. Asking for the
    /// leftmost hit, unlike listing every hit, lets the automaton skip ahead with a
    /// vectorised search, which one that ignores case could not do.
    any: Option<AhoCorasick>,
}

/// Event text as the automata search it: folded when beyond ASCII (the automata themselves
/// ignore ASCII case only).
fn folded(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(fold_text(s))
    }
}

impl Scan {
    /// Pushes onto `out` the rules whose literals occur in `s` (folded) and whose `group`
    /// applies.
    fn hits(&self, s: &str, applies: impl Fn(u32) -> bool, out: &mut Vec<u32>) {
        for found in self.automaton.find_overlapping_iter(s) {
            for &rule in &self.rules[found.pattern().as_usize()] {
                if applies(rule) {
                    out.push(rule);
                }
            }
        }
    }
}

/// Candidate lookup for compiled rules, addressed by their position in the detector.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// Distinct tag sets rules require.
    groups: Vec<TagSet>,
    /// Each rule's group.
    rule_group: Vec<u32>,
    /// Per group, the rules without literals: evaluated whenever the group applies.
    unindexed: Vec<Vec<u32>>,
    /// The keys (see [`Leaves`]) field literals may sit under, each with the position of
    /// its automaton in `fields`.
    keys: FastMap<String, u32>,
    /// Per key, an automaton over the literals of the field tests that reach it.
    fields: Vec<Option<Scan>>,
    /// Per key, the whole numbers its field is compared with and the rules comparing (keyed
    /// by event values, so std's hasher).
    numbers: Vec<HashMap<i64, Vec<u32>>>,
    /// Literals that may occur in any string of the event (keywords), one automaton per
    /// tag set the rules need: an event is searched only for the keywords of rules its
    /// log source fits, and a small set is searched much faster than a large one.
    anywhere: Vec<(TagSet, Scan)>,
}

impl Index {
    /// Indexes rules given as (required tags, literals) in detector order; `mapping`
    /// gives the aliases field look-ups try.
    pub(crate) fn build<'a>(
        rules: impl Iterator<Item = (TagSet, Option<&'a [Literal]>)>,
        mapping: &Mapping,
    ) -> Self {
        let mut index = Index::default();
        let mut group_of: HashMap<TagSet, u32> = HashMap::new();
        let mut fields: Vec<Patterns> = Vec::new();
        let mut anywhere: Vec<(TagSet, Patterns)> = Vec::new();
        let mut key_names = Vec::new();
        for (rule, (tags, literals)) in rules.enumerate() {
            let rule = rule as u32;
            let group = *group_of.entry(tags).or_insert_with(|| {
                index.groups.push(tags);
                index.unindexed.push(Vec::new());
                (index.groups.len() - 1) as u32
            });
            index.rule_group.push(group);
            // A keyword holding the separator could be found across two strings only.
            let Some(literals) = literals.filter(|literals| {
                !literals
                    .iter()
                    .any(|l| l.field.is_none() && l.text.contains(SEPARATOR))
            }) else {
                index.unindexed[group as usize].push(rule);
                continue;
            };
            for literal in literals {
                let Some(field) = &literal.field else {
                    let at = match anywhere.iter().position(|(need, _)| *need == tags) {
                        Some(at) => at,
                        None => {
                            anywhere.push((tags, Patterns::default()));
                            anywhere.len() - 1
                        }
                    };
                    anywhere[at].1.add(&literal.text, rule);
                    continue;
                };
                key_names.clear();
                keys_of(field, mapping, &mut key_names);
                for name in &key_names {
                    let next = index.keys.len() as u32;
                    let key = *index.keys.entry((*name).to_owned()).or_insert(next);
                    if key == next {
                        fields.push(Patterns::default());
                        index.numbers.push(HashMap::new());
                    }
                    match literal.number {
                        Some(n) => index.numbers[key as usize].entry(n).or_default().push(rule),
                        None => fields[key as usize].add(&literal.text, rule),
                    }
                }
            }
        }
        index.fields = fields.into_iter().map(|p| index.finish(p, false)).collect();
        for numbers in &mut index.numbers {
            for rules in numbers.values_mut() {
                rules.dedup();
            }
        }
        for (tags, patterns) in anywhere {
            if let Some(scan) = index.finish(patterns, true) {
                index.anywhere.push((tags, scan));
            }
        }
        for rules in &mut index.unindexed {
            rules.sort_unstable();
            rules.dedup();
        }
        index
    }

    /// The automaton for `patterns`; when it cannot be built, their rules join the rules
    /// evaluated always.
    fn finish(&mut self, patterns: Patterns<'_>, any: bool) -> Option<Scan> {
        patterns.build(any).unwrap_or_else(|rules| {
            for rule in rules {
                self.unindexed[self.rule_group[rule as usize] as usize].push(rule);
            }
            None
        })
    }

    /// Whether `rule`'s log source fits an event carrying `tags`.
    fn applies(&self, rule: u32, tags: TagSet) -> bool {
        let need = self.groups[self.rule_group[rule as usize] as usize];
        need & tags == need
    }

    /// Puts into `out` (cleared first, so callers can reuse it) the rules worth evaluating on
    /// `event`, which carries log-source `tags`; sorted, each once.
    pub(crate) fn candidates(&self, tags: TagSet, event: &impl Leaves, out: &mut Vec<u32>) {
        out.clear();
        for (group, rules) in self.unindexed.iter().enumerate() {
            let need = self.groups[group];
            if need & tags == need {
                out.extend_from_slice(rules);
            }
        }
        let mut words = None;
        for (need, scan) in &self.anywhere {
            if need & tags == *need {
                let words = words.get_or_insert_with(|| joined_strings(event));
                // Most events hold no keyword: asking first lets the automaton skip
                // ahead, which the search for every hit cannot.
                if scan
                    .any
                    .as_ref()
                    .is_none_or(|any| any.is_match(words.as_str()))
                {
                    scan.hits(words, |_| true, out);
                }
            }
        }
        if !self.keys.is_empty() {
            let mut visitor = FieldScan {
                index: self,
                tags,
                keys: [None; 2],
                out,
            };
            event.visit_leaves(&mut visitor);
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// Separates an event's strings in [`joined_strings`]; no keyword literal holds it (see
/// [`Index::build`]), so no hit spans two strings.
const SEPARATOR: char = '\0';

/// All of an event's strings, each followed by [`SEPARATOR`], folded and lowercased (see
/// [`Scan::any`]): keyword automata run once over this instead of once per string, whose
/// setup cost more than the search itself (events hold dozens of short strings).
fn joined_strings(event: &impl Leaves) -> String {
    let mut words = String::with_capacity(1024);
    event.visit_string_values(&mut |s| {
        words.push_str(s);
        words.push(SEPARATOR);
    });
    match folded(&words) {
        Cow::Borrowed(_) => {
            words.make_ascii_lowercase();
            words
        }
        Cow::Owned(folded) => folded,
    }
}

/// The keys (see [`Leaves`]) under which `field`'s value may be found: the last part of
/// its name, of the part after its first `_` (a `System` attribute), and the same for each
/// of its aliases.
fn keys_of<'m>(field: &'m str, mapping: &'m Mapping, out: &mut Vec<&'m str>) {
    for name in std::iter::once(field).chain(mapping.aliases(field).iter().map(String::as_str)) {
        out.push(last_part(name));
        if let Some((_, attribute)) = name.split_once('_') {
            out.push(last_part(attribute));
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// Runs each wanted key's automaton over its strings, and looks its numbers up.
struct FieldScan<'i, 'o> {
    index: &'i Index,
    tags: TagSet,
    /// The current key's position in the index, as written and without spaces (some
    /// providers put spaces in field names that rules drop).
    keys: [Option<usize>; 2],
    out: &'o mut Vec<u32>,
}

impl FieldScan<'_, '_> {
    /// Pushes the rules comparing the current key with `value` (a whole number).
    fn number_hits(&mut self, value: f64) {
        // The matcher compares as f64; only a whole number can equal a rule's integer.
        if value.fract() != 0.0 || value.abs() >= 9.0e18 {
            return;
        }
        let (index, tags) = (self.index, self.tags);
        for at in self.keys.into_iter().flatten() {
            if let Some(rules) = index.numbers[at].get(&(value as i64)) {
                self.out
                    .extend(rules.iter().copied().filter(|&r| index.applies(r, tags)));
            }
        }
    }
}

impl LeafVisitor for FieldScan<'_, '_> {
    fn wants(&mut self, key: &str) -> bool {
        let index = self.index;
        let at = |key: &str| {
            let at = *index.keys.get(key)? as usize;
            (index.fields[at].is_some() || !index.numbers[at].is_empty()).then_some(at)
        };
        self.keys = [
            at(key),
            if has_space(key) {
                at(&key.replace(' ', ""))
            } else {
                None
            },
        ];
        self.keys.iter().any(Option::is_some)
    }

    fn string(&mut self, s: &str) {
        let (index, tags) = (self.index, self.tags);
        let text = folded(s);
        for at in self.keys.into_iter().flatten() {
            if let Some(scan) = &index.fields[at] {
                scan.hits(&text, |r| index.applies(r, tags), self.out);
            }
        }
        // Text that reads as a number is compared as one (as `s.parse::<f64>()` reads it).
        if self
            .keys
            .into_iter()
            .flatten()
            .any(|at| !index.numbers[at].is_empty())
            && let Ok(value) = s.parse::<f64>()
        {
            self.number_hits(value);
        }
    }

    fn number(&mut self, value: f64) {
        self.number_hits(value);
    }
}
