//! Yes/no evaluation of a rule's or filter's compiled detections. rsigma's own
//! `eval_condition` records which selections matched, so it looks every detection up by
//! name, expands `1 of sel_*` selectors and clones names on every call; the detector only
//! needs to know whether the rule matched. So names are resolved once here, at compile
//! time, into positions, and evaluation allocates nothing. Detections this evaluator does
//! not reproduce (array object-scope matches) keep rsigma's evaluator.

use std::collections::HashMap;

use rsigma_eval::compiler::eval_condition;
use rsigma_eval::event::Event;
use rsigma_eval::{CompiledDetection, CompiledDetectionItem, CompiledMatcher};
use rsigma_parser::{ConditionExpr, Quantifier};

/// A condition with its detection names resolved to positions.
#[derive(Debug)]
enum Cond {
    Detection(usize),
    /// A name no detection carries: never true, as in rsigma.
    Unknown,
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    /// `N of` over the listed detections (`all of` needs every one).
    Count {
        at_least: u64,
        all: bool,
        of: Vec<usize>,
    },
}

/// How a rule's or filter's condition is evaluated.
#[derive(Debug)]
enum Plan {
    /// Resolved at compile time.
    Resolved {
        detections: Vec<CompiledDetection>,
        conditions: Vec<Cond>,
    },
    /// rsigma's evaluator, for detections [`supported`] rejects.
    Rsigma {
        detections: HashMap<String, CompiledDetection>,
        conditions: Vec<ConditionExpr>,
    },
}

/// Compiled detections and conditions: matches when any condition holds.
#[derive(Debug)]
pub(crate) struct Matcher {
    plan: Plan,
}

impl Matcher {
    /// Resolves `conditions` over `detections`.
    pub(crate) fn new(
        detections: HashMap<String, CompiledDetection>,
        conditions: Vec<ConditionExpr>,
    ) -> Self {
        if !detections.values().all(supported) {
            return Self {
                plan: Plan::Rsigma {
                    detections,
                    conditions,
                },
            };
        }
        let mut named: Vec<(String, CompiledDetection)> = detections.into_iter().collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let names: Vec<&str> = named.iter().map(|(name, _)| name.as_str()).collect();
        let conditions = conditions.iter().map(|c| resolve(c, &names)).collect();
        Self {
            plan: Plan::Resolved {
                detections: named.into_iter().map(|(_, d)| d).collect(),
                conditions,
            },
        }
    }

    /// Whether any condition holds on `event`.
    pub(crate) fn matches(&self, event: &impl Event) -> bool {
        match &self.plan {
            Plan::Resolved {
                detections,
                conditions,
            } => conditions.iter().any(|c| holds(c, detections, event)),
            Plan::Rsigma {
                detections,
                conditions,
            } => conditions
                .iter()
                .any(|c| eval_condition(c, detections, event, &mut Vec::new())),
        }
    }
}

/// Whether this evaluator reproduces rsigma's verdict on `detection`.
fn supported(detection: &CompiledDetection) -> bool {
    match detection {
        CompiledDetection::AllOf(_) | CompiledDetection::Keywords(_) => true,
        CompiledDetection::AnyOf(parts) | CompiledDetection::And(parts) => {
            parts.iter().all(supported)
        }
        CompiledDetection::ArrayMatch { .. } | CompiledDetection::Conditional { .. } => false,
    }
}

fn resolve(expr: &ConditionExpr, names: &[&str]) -> Cond {
    match expr {
        ConditionExpr::Identifier(name) => names
            .binary_search(&name.as_str())
            .map_or(Cond::Unknown, Cond::Detection),
        ConditionExpr::And(parts) => Cond::And(parts.iter().map(|p| resolve(p, names)).collect()),
        ConditionExpr::Or(parts) => Cond::Or(parts.iter().map(|p| resolve(p, names)).collect()),
        ConditionExpr::Not(inner) => Cond::Not(Box::new(resolve(inner, names))),
        ConditionExpr::Selector {
            quantifier,
            pattern,
        } => {
            let of: Vec<usize> = (0..names.len())
                .filter(|&i| pattern.matches_detection_name(names[i]))
                .collect();
            let (at_least, all) = match quantifier {
                Quantifier::Any => (1, false),
                Quantifier::All => (of.len() as u64, true),
                Quantifier::Count(n) => (*n, false),
            };
            Cond::Count { at_least, all, of }
        }
    }
}

fn holds(cond: &Cond, detections: &[CompiledDetection], event: &impl Event) -> bool {
    match cond {
        Cond::Detection(i) => detection(&detections[*i], event),
        Cond::Unknown => false,
        Cond::And(parts) => parts.iter().all(|p| holds(p, detections, event)),
        Cond::Or(parts) => parts.iter().any(|p| holds(p, detections, event)),
        Cond::Not(inner) => !holds(inner, detections, event),
        Cond::Count { all: true, of, .. } => of.iter().all(|&i| detection(&detections[i], event)),
        Cond::Count { at_least, of, .. } => {
            if *at_least == 0 {
                return true;
            }
            let mut matched = 0;
            of.iter().any(|&i| {
                if detection(&detections[i], event) {
                    matched += 1;
                }
                matched >= *at_least
            })
        }
    }
}

fn detection(detection: &CompiledDetection, event: &impl Event) -> bool {
    match detection {
        CompiledDetection::AllOf(items) => items.iter().all(|item| item_holds(item, event)),
        CompiledDetection::AnyOf(parts) => parts.iter().any(|d| self::detection(d, event)),
        CompiledDetection::And(parts) => parts.iter().all(|d| self::detection(d, event)),
        CompiledDetection::Keywords(matcher) => matcher.matches_keyword(event),
        // Plans are only resolved when `supported` holds, so these never occur here.
        CompiledDetection::ArrayMatch { .. } | CompiledDetection::Conditional { .. } => false,
    }
}

/// One field test, as rsigma evaluates it.
fn item_holds(item: &CompiledDetectionItem, event: &impl Event) -> bool {
    if let Some(expect) = item.exists {
        return match &item.field {
            Some(field) => event.get_field(field).is_some_and(|v| !v.is_null()) == expect,
            None => !expect,
        };
    }
    match &item.field {
        Some(field) => match event.get_field(field) {
            Some(value) => item.matcher.matches(&value, event),
            None => matches!(item.matcher, CompiledMatcher::Null),
        },
        None => item.matcher.matches_keyword(event),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rsigma_eval::event::JsonEvent;
    use rsigma_eval::{compile_rule, evaluate_rule};
    use serde_json::json;

    const BODIES: [&str; 10] = [
        "a: {F1|contains: al}\n    b: {F2: x}\n    condition: a and not b",
        "s_1: {F1: x}\n    s_2: {F2|startswith: al}\n    s_3: {F3: 2}\n    condition: 1 of s_*",
        "s_1: {F1: x}\n    s_2: {F2|startswith: al}\n    condition: all of s_* or not s_1",
        "s_1: {F1: x}\n    s_2: {F2: al}\n    s_3: {F3|gt: 1}\n    condition: 2 of s_*",
        "a: {F1|exists: true}\n    b: {F2: null}\n    condition: all of them",
        "a: [al, x]\n    _b: {F3: 3}\n    condition: 1 of them and not _b",
        "a: [{F1: x}, {F2|endswith: l}]\n    condition: a",
        "a: {F1|contains|all: [a, l]}\n    b: {F2|re: '^x'}\n    condition: a or b",
        "a: {F1|cased: X}\n    b: {F3|exists: false}\n    condition: a and b",
        "a: {F1|contains: al}\n    b: {F2: x}\n    condition: [a, b]",
    ];
    const VALUES: [&str; 5] = ["al", "x", "X", "ALx", "bal"];

    fn value(pick: Option<usize>) -> serde_json::Value {
        match pick {
            None => serde_json::Value::Null,
            Some(i) if i < VALUES.len() => json!(VALUES[i]),
            Some(i) => json!(i - VALUES.len()),
        }
    }

    proptest! {
        #[test]
        fn agrees_with_rsigma(
            picks in proptest::collection::vec(proptest::option::of(0..VALUES.len() + 4), 3),
            present in proptest::collection::vec(any::<bool>(), 3),
        ) {
            let mut event = serde_json::Map::new();
            for (i, (pick, present)) in picks.iter().zip(&present).enumerate() {
                if *present {
                    event.insert(format!("F{}", i + 1), value(*pick));
                }
            }
            let event = serde_json::Value::Object(event);
            let view = JsonEvent::borrow(&event);
            for body in BODIES {
                let text = format!("title: t\nlogsource: {{product: windows}}\ndetection:\n    {body}\n");
                let collection = rsigma_parser::parse_sigma_yaml(&text).expect(body);
                let compiled = compile_rule(&collection.rules[0]).expect(body);
                let ours = Matcher::new(compiled.detections.clone(), compiled.conditions.clone());
                prop_assert_eq!(ours.matches(&view), evaluate_rule(&compiled, &view).is_some(), "{}", body);
            }
        }
    }
}
