//! The detector mamori owns: compile rules once, then evaluate each event against only the
//! rules the index says could match.

use std::sync::Arc;

use rsigma_eval::event::Event;
use serde_json::Value;

use crate::compile::{CompiledEntry, CompiledFilter, compile_texts};
use crate::correlate::{CorrelationSet, Correlator, CorrelatorConfig};
use crate::detection::{Detection, DetectionKind};
use crate::index::Index;
use crate::mapping::Mapping;
use crate::report::RuleReport;
use crate::source::RuleText;
use crate::timestamp::event_time;
use crate::view::{JsonView, ModelView};

/// Compiled Sigma rules, filters and correlations with their index. Immutable once built,
/// so one detector can serve many threads.
pub struct Detector {
    mapping: Arc<Mapping>,
    rules: Vec<CompiledEntry>,
    filters: Vec<CompiledFilter>,
    index: Index,
    correlations: Arc<CorrelationSet>,
}

impl Detector {
    /// Compiles `texts` with `mapping`. Every rule, filter and correlation comes back in the
    /// report list as ok, unsupported (with why) or invalid (with why).
    pub fn compile(texts: &[RuleText], mapping: Mapping) -> (Self, Vec<RuleReport>) {
        let compiled = compile_texts(texts, &mapping);
        let mut rules = compiled.rules;
        let mut reports = compiled.reports;
        let correlations = CorrelationSet::compile(compiled.correlations, &mut rules, &mut reports);
        let index = Index::build(rules.iter().map(|r| (r.requires, r.literals.as_deref())));
        let detector = Self {
            mapping: Arc::new(mapping),
            rules,
            filters: compiled.filters,
            index,
            correlations: Arc::new(correlations),
        };
        (detector, reports)
    }

    /// The mapping the rules were compiled with.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// How many detection rules are in force.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// How many correlation rules are in force.
    pub fn correlation_count(&self) -> usize {
        self.correlations.len()
    }

    /// A fresh correlation state for these rules; feed it this detector's detections.
    pub fn correlator(&self, config: CorrelatorConfig) -> Correlator {
        Correlator::new(self.correlations.clone(), self.mapping.clone(), config)
    }

    /// Evaluates a JSON event (a Windows event as EVTX renders it, or any flat object).
    pub fn evaluate_json(&self, event: &Value) -> Vec<Detection> {
        let view = JsonView::new(event, &self.mapping);
        let mut found = self.evaluate(&view);
        let at = event_time(event);
        for detection in &mut found {
            detection.timestamp = at;
        }
        found
    }

    /// Evaluates one of mamori's normalised events.
    pub fn evaluate_model(&self, event: &mamori_model::Event) -> Vec<Detection> {
        let mut found = self.evaluate(&ModelView::new(event, &self.mapping));
        for detection in &mut found {
            detection.timestamp = Some(event.timestamp);
        }
        found
    }

    /// Evaluates any event view against the indexed rules.
    pub fn evaluate(&self, event: &impl Event) -> Vec<Detection> {
        let tags = self.mapping.tags_of(event);
        let mut candidates = Vec::new();
        self.index.candidates(tags, event, &mut candidates);
        candidates
            .into_iter()
            .filter_map(|rule| self.check(&self.rules[rule as usize], event))
            .collect()
    }

    /// Evaluates every rule whose log source fits, without the literal index: the reference
    /// the index is tested against.
    #[cfg(test)]
    pub(crate) fn evaluate_unindexed(&self, event: &impl Event) -> Vec<Detection> {
        let tags = self.mapping.tags_of(event);
        self.rules
            .iter()
            .filter(|r| r.requires & tags == r.requires)
            .filter_map(|r| self.check(r, event))
            .collect()
    }

    fn check(&self, rule: &CompiledEntry, event: &impl Event) -> Option<Detection> {
        if !rule.matcher.matches(event) {
            return None;
        }
        let silenced = rule
            .filters
            .iter()
            .any(|&f| self.filters[f].matcher.matches(event));
        (!silenced)
            .then(|| Detection::of_event(rule.meta.clone(), DetectionKind::Rule, event.to_json()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const WORDS: [&str; 6] = ["alpha", "Bravo", "charlie", "delta-x", "echo/y", "foxtrot"];

    /// Rules over a small vocabulary, so random events hit and miss their literals.
    fn rules() -> Vec<RuleText> {
        let bodies = [
            "a: {F1|contains: alpha}\n    condition: a",
            "a: {F1|endswith: bravo}\n    b: {F2|startswith: charlie}\n    condition: a and b",
            "a: {F1|contains: alpha}\n    b: {F2: foxtrot}\n    condition: a or b",
            "a: {F1|contains: alpha}\n    condition: not a",
            "a: {F2|windash|contains: '-x'}\n    condition: a",
            "k: [echo, delta]\n    condition: k",
            "a: {F1|re: '^al'}\n    condition: a",
            "s_1: {F1: 'char*'}\n    s_2: {F2|contains|all: [foxtrot, alpha]}\n    condition: 1 of s_*",
            "s_1: {F1|cased: Bravo}\n    s_2: {F2|exists: true}\n    condition: all of s_*",
            "a: {F3|gt: 3}\n    condition: a",
        ];
        bodies
            .iter()
            .enumerate()
            .map(|(i, body)| RuleText {
                origin: format!("r{i}"),
                text: format!("title: r{i}\nid: r{i}\nlogsource: {{product: windows}}\ndetection:\n    {body}\n"),
            })
            .collect()
    }

    fn ids(found: &[Detection]) -> Vec<String> {
        let mut ids: Vec<String> = found.iter().map(|d| d.rule.id.clone()).collect();
        ids.sort();
        ids
    }

    proptest! {
        #[test]
        fn index_agrees_with_evaluating_every_rule(
            f1 in proptest::collection::vec(0..WORDS.len(), 0..3),
            f2 in proptest::option::of(proptest::collection::vec(0..WORDS.len(), 0..3)),
            f3 in 0..6i64,
            upper in any::<bool>(),
        ) {
            let (detector, reports) = Detector::compile(&rules(), Mapping::builtin());
            prop_assert!(reports.iter().all(|r| r.status == crate::RuleStatus::Ok));
            let text = |picks: &[usize]| {
                let s: String = picks.iter().map(|&i| WORDS[i]).collect::<Vec<_>>().join(" ");
                if upper { s.to_uppercase() } else { s }
            };
            let mut event = json!({"Channel": "Security", "EventID": 1, "F1": text(&f1), "F3": f3});
            if let Some(f2) = f2 {
                event["F2"] = json!(text(&f2));
            }
            let view = JsonView::new(&event, detector.mapping());
            prop_assert_eq!(ids(&detector.evaluate(&view)), ids(&detector.evaluate_unindexed(&view)));
        }
    }
}
