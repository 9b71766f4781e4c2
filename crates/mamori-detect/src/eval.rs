//! Yes/no evaluation of a rule's or filter's compiled detections. rsigma's own
//! `eval_condition` records which selections matched, so it looks every detection up by
//! name, expands `1 of sel_*` selectors and clones names on every call; the detector only
//! needs to know whether the rule matched. So names are resolved once here, at compile
//! time, into positions, and evaluation allocates nothing. Field names are numbered across
//! all rules ([`FieldNames`]), so an event's field is looked up once per event however
//! many rules test it ([`FieldCache`]), and lowercased at most once; the common string
//! tests (exact, contains, prefix, suffix, regular expressions and literal sets, with or
//! without case) run directly on those cached strings. Everything else, and values that
//! are not strings, goes to rsigma's matcher. Detections this evaluator does not
//! reproduce (array object-scope matches) keep rsigma's evaluator.

use std::borrow::Cow;
use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use rsigma_eval::compiler::eval_condition;
use rsigma_eval::event::{Event, EventValue};
use rsigma_eval::matcher::{GroupMode, ascii_lowercase_cow};
use rsigma_eval::{CompiledDetection, CompiledDetectionItem, CompiledMatcher};
use rsigma_parser::{ConditionExpr, Quantifier};

use crate::ascii_regex::RegexTest;

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

/// A detection as this evaluator runs it.
#[derive(Debug)]
enum Det {
    AllOf(Vec<Item>),
    AnyOf(Vec<Det>),
    And(Vec<Det>),
    Keywords(CompiledMatcher),
}

/// One field test.
#[derive(Debug)]
struct Item {
    /// The field's name, and its number once [`Matcher::number_fields`] has run.
    field: Option<(String, u32)>,
    exists: Option<bool>,
    matcher: CompiledMatcher,
    /// The same test on a string value, when it is one this evaluator runs itself.
    fast: Option<Fast>,
}

/// Which form of a string value a test reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    AsIs,
    Lowered,
}

/// A string test, as rsigma runs it on a string value: case-insensitive tests compare
/// pre-lowered needles with the lowercased value.
#[derive(Debug)]
enum Fast {
    Exact(String, Form),
    Contains(String, Form),
    StartsWith(String, Form),
    EndsWith(String, Form),
    /// A regular expression or set of them on the chosen form.
    Regex(RegexTest, Form),
    Set(AhoCorasick, Form),
    Any(Vec<Fast>),
    All(Vec<Fast>),
    Not(Box<Fast>),
}

impl Fast {
    /// The test `matcher` makes on a string, if it is one of these; `lowered` when the
    /// matcher sits in a case-insensitive group, whose children all read the lowered value.
    fn of(matcher: &CompiledMatcher, lowered: bool) -> Option<Fast> {
        let form = |case_insensitive: bool| match (case_insensitive, lowered) {
            (true, _) => Some(Form::Lowered),
            (false, false) => Some(Form::AsIs),
            // rsigma never puts a case-sensitive test in a group; leave any to rsigma.
            (false, true) => None,
        };
        let all = |children: &[CompiledMatcher], lowered: bool| {
            children
                .iter()
                .map(|c| Fast::of(c, lowered))
                .collect::<Option<Vec<_>>>()
        };
        Some(match matcher {
            CompiledMatcher::Exact {
                value,
                case_insensitive,
            } => Fast::Exact(value.clone(), form(*case_insensitive)?),
            CompiledMatcher::Contains {
                value,
                case_insensitive,
            } => Fast::Contains(value.clone(), form(*case_insensitive)?),
            CompiledMatcher::StartsWith {
                value,
                case_insensitive,
            } => Fast::StartsWith(value.clone(), form(*case_insensitive)?),
            CompiledMatcher::EndsWith {
                value,
                case_insensitive,
            } => Fast::EndsWith(value.clone(), form(*case_insensitive)?),
            CompiledMatcher::Regex(_) | CompiledMatcher::RegexSetMatch { .. } => {
                Fast::Regex(RegexTest::of(matcher)?, form(lowered)?)
            }
            CompiledMatcher::AhoCorasickSet {
                automaton,
                case_insensitive,
                ..
            } => Fast::Set(automaton.clone(), form(*case_insensitive)?),
            CompiledMatcher::Not(inner) => Fast::Not(Box::new(Fast::of(inner, lowered)?)),
            CompiledMatcher::AnyOf(children) => Fast::Any(all(children, lowered)?),
            CompiledMatcher::AllOf(children) => Fast::All(all(children, lowered)?),
            CompiledMatcher::CaseInsensitiveGroup { children, mode } => match mode {
                GroupMode::Any => Fast::Any(all(children, true)?),
                GroupMode::All => Fast::All(all(children, true)?),
            },
            _ => return None,
        })
    }

    /// Whether any test reads the lowered value.
    fn lowers(&self) -> bool {
        match self {
            Fast::Exact(_, form)
            | Fast::Contains(_, form)
            | Fast::StartsWith(_, form)
            | Fast::EndsWith(_, form)
            | Fast::Regex(_, form)
            | Fast::Set(_, form) => *form == Form::Lowered,
            Fast::Any(children) | Fast::All(children) => children.iter().any(Fast::lowers),
            Fast::Not(inner) => inner.lowers(),
        }
    }

    /// The test on a value given as is and lowercased.
    fn test(&self, as_is: &str, lowered: &str, event: &impl Event) -> bool {
        let pick = |form: &Form| match form {
            Form::AsIs => as_is,
            Form::Lowered => lowered,
        };
        match self {
            Fast::Exact(value, form) => pick(form) == value,
            Fast::Contains(value, form) => pick(form).contains(value.as_str()),
            Fast::StartsWith(value, form) => pick(form).starts_with(value.as_str()),
            Fast::EndsWith(value, form) => pick(form).ends_with(value.as_str()),
            Fast::Regex(test, form) => test.is_match(pick(form), event),
            Fast::Set(automaton, form) => automaton.is_match(pick(form)),
            Fast::Any(children) => children.iter().any(|c| c.test(as_is, lowered, event)),
            Fast::All(children) => children.iter().all(|c| c.test(as_is, lowered, event)),
            Fast::Not(inner) => !inner.test(as_is, lowered, event),
        }
    }
}

/// How a rule's or filter's condition is evaluated.
#[derive(Debug)]
enum Plan {
    /// Resolved at compile time.
    Resolved {
        detections: Vec<Det>,
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

/// The field names rules test, numbered.
#[derive(Debug, Default)]
pub(crate) struct FieldNames {
    number: HashMap<String, u32>,
    names: Vec<String>,
}

impl FieldNames {
    fn number(&mut self, name: &str) -> u32 {
        if let Some(&n) = self.number.get(name) {
            return n;
        }
        let n = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.number.insert(name.to_owned(), n);
        n
    }
}

/// A field value read once for an event, and its lowercased text once needed.
struct Cached<'e> {
    value: EventValue<'e>,
    /// `None` until asked for; `Some(None)` when lowering changes nothing.
    lowered: Option<Option<String>>,
}

/// One event's field values, each looked up at most once (the numbers of a
/// [`FieldNames`]).
pub(crate) struct FieldCache<'e, E> {
    event: &'e E,
    names: &'e FieldNames,
    /// Per field number, where its value is in `values` (`UNREAD`, or `ABSENT`).
    at: Vec<u32>,
    values: Vec<Cached<'e>>,
}

const UNREAD: u32 = u32::MAX;
const ABSENT: u32 = u32::MAX - 1;

impl<'e, E: Event> FieldCache<'e, E> {
    /// An empty cache for `event`, whose fields are named by `names`.
    pub(crate) fn new(event: &'e E, names: &'e FieldNames) -> Self {
        Self {
            event,
            names,
            at: vec![UNREAD; names.names.len()],
            values: Vec::new(),
        }
    }

    /// Where field `n`'s value is, reading it first if need be.
    fn read(&mut self, n: u32) -> Option<usize> {
        let at = &mut self.at[n as usize];
        if *at == UNREAD {
            *at = match self.event.get_field(&self.names.names[n as usize]) {
                Some(value) => {
                    self.values.push(Cached {
                        value,
                        lowered: None,
                    });
                    (self.values.len() - 1) as u32
                }
                None => ABSENT,
            };
        }
        (*at != ABSENT).then_some(*at as usize)
    }
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
                detections: named.into_iter().map(|(_, d)| det(d)).collect(),
                conditions,
            },
        }
    }

    /// Numbers the fields this matcher tests in `names`; needed before evaluation.
    pub(crate) fn number_fields(&mut self, names: &mut FieldNames) {
        fn walk(det: &mut Det, names: &mut FieldNames) {
            match det {
                Det::AllOf(items) => {
                    for (name, n) in items.iter_mut().filter_map(|i| i.field.as_mut()) {
                        *n = names.number(name);
                    }
                }
                Det::AnyOf(parts) | Det::And(parts) => {
                    parts.iter_mut().for_each(|d| walk(d, names))
                }
                Det::Keywords(_) => {}
            }
        }
        if let Plan::Resolved { detections, .. } = &mut self.plan {
            detections.iter_mut().for_each(|d| walk(d, names));
        }
    }

    /// Whether any condition holds on the event of `fields`.
    pub(crate) fn matches<E: Event>(&self, fields: &mut FieldCache<'_, E>) -> bool {
        match &self.plan {
            Plan::Resolved {
                detections,
                conditions,
            } => conditions.iter().any(|c| holds(c, detections, fields)),
            Plan::Rsigma {
                detections,
                conditions,
            } => conditions
                .iter()
                .any(|c| eval_condition(c, detections, fields.event, &mut Vec::new())),
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

/// A supported detection in this evaluator's form.
fn det(detection: CompiledDetection) -> Det {
    match detection {
        CompiledDetection::AllOf(items) => Det::AllOf(items.into_iter().map(item).collect()),
        CompiledDetection::AnyOf(parts) => Det::AnyOf(parts.into_iter().map(det).collect()),
        CompiledDetection::And(parts) => Det::And(parts.into_iter().map(det).collect()),
        CompiledDetection::Keywords(matcher) => Det::Keywords(matcher),
        // `Matcher::new` only converts detections `supported` accepts; should another
        // ever arrive, it matches nothing, as an empty `any of` would.
        CompiledDetection::ArrayMatch { .. } | CompiledDetection::Conditional { .. } => {
            Det::AnyOf(Vec::new())
        }
    }
}

fn item(item: CompiledDetectionItem) -> Item {
    Item {
        fast: Fast::of(&item.matcher, false),
        field: item.field.map(|name| (name, UNREAD)),
        exists: item.exists,
        matcher: item.matcher,
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

fn holds<E: Event>(cond: &Cond, detections: &[Det], fields: &mut FieldCache<'_, E>) -> bool {
    match cond {
        Cond::Detection(i) => detection(&detections[*i], fields),
        Cond::Unknown => false,
        Cond::And(parts) => parts.iter().all(|p| holds(p, detections, fields)),
        Cond::Or(parts) => parts.iter().any(|p| holds(p, detections, fields)),
        Cond::Not(inner) => !holds(inner, detections, fields),
        Cond::Count { all: true, of, .. } => of.iter().all(|&i| detection(&detections[i], fields)),
        Cond::Count { at_least, of, .. } => {
            if *at_least == 0 {
                return true;
            }
            let mut matched = 0;
            of.iter().any(|&i| {
                if detection(&detections[i], fields) {
                    matched += 1;
                }
                matched >= *at_least
            })
        }
    }
}

fn detection<E: Event>(detection: &Det, fields: &mut FieldCache<'_, E>) -> bool {
    match detection {
        Det::AllOf(items) => items.iter().all(|item| item_holds(item, fields)),
        Det::AnyOf(parts) => parts.iter().any(|d| self::detection(d, fields)),
        Det::And(parts) => parts.iter().all(|d| self::detection(d, fields)),
        Det::Keywords(matcher) => matcher.matches_keyword(fields.event),
    }
}

/// One field test, as rsigma evaluates it.
fn item_holds<E: Event>(item: &Item, fields: &mut FieldCache<'_, E>) -> bool {
    let Some((_, n)) = &item.field else {
        return match item.exists {
            Some(expect) => !expect,
            None => item.matcher.matches_keyword(fields.event),
        };
    };
    let Some(at) = fields.read(*n) else {
        return match item.exists {
            Some(_) => item.exists == Some(false),
            None => matches!(item.matcher, CompiledMatcher::Null),
        };
    };
    if let Some(expect) = item.exists {
        return fields.values[at].value.is_null() != expect;
    }
    let cached = &mut fields.values[at];
    match (&item.fast, &cached.value) {
        (Some(fast), EventValue::Str(s)) => {
            if !fast.lowers() {
                return fast.test(s, s, fields.event);
            }
            let lowered = cached
                .lowered
                .get_or_insert_with(|| match ascii_lowercase_cow(s) {
                    Cow::Borrowed(_) => None,
                    Cow::Owned(lowered) => Some(lowered),
                });
            fast.test(s, lowered.as_deref().unwrap_or(s), fields.event)
        }
        _ => item.matcher.matches(&cached.value, fields.event),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rsigma_eval::event::JsonEvent;
    use rsigma_eval::{compile_rule, evaluate_rule};
    use serde_json::json;

    const BODIES: [&str; 17] = [
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
        "a: {F1|contains: [q1, q2, q3, q4, q5, q6, q7, AL]}\n    b: {F2|contains|cased: [q1, q2, q3, q4, q5, q6, q7, AL]}\n    condition: a or b",
        "a: {F1: ['al*', '*x', 'b?l', 'ÄL']}\n    condition: a",
        "a: {F1|re|i: '^a'}\n    b: {F2|re: ['^a', 'x$', 'L']}\n    condition: a and not b",
        "a: {F1|endswith: [AL, x]}\n    b: {F2|startswith|cased: A}\n    condition: a or b",
        "a: {F1|contains: 'äl'}\n    b: {F2|contains|all: [a, L]}\n    condition: a or b",
        "a: {F1|cased: [al, X]}\n    b: {F1|windash|contains: '-x'}\n    condition: a or b",
        "a: {F1: al}\n    b: {F1|startswith: AL}\n    c: {F2|endswith: l}\n    condition: a and not b or c",
    ];
    const VALUES: [&str; 9] = [
        "al",
        "x",
        "X",
        "ALx",
        "bal",
        "ÄL",
        "äl",
        "a-x",
        "Al\u{0130}",
    ];

    fn value(pick: Option<usize>) -> serde_json::Value {
        match pick {
            None => serde_json::Value::Null,
            Some(i) if i < VALUES.len() => json!(VALUES[i]),
            Some(i) if i == VALUES.len() => json!(["X", "bal"]),
            Some(i) => json!(i - VALUES.len()),
        }
    }

    /// Groups that rule texts do not produce today (rsigma builds only `Any` groups).
    #[test]
    fn fast_tests_agree_with_rsigma_on_built_matchers() {
        let ci = |value: &str| CompiledMatcher::Contains {
            value: value.to_owned(),
            case_insensitive: true,
        };
        let ends = CompiledMatcher::EndsWith {
            value: "x".to_owned(),
            case_insensitive: true,
        };
        let matchers = [
            CompiledMatcher::CaseInsensitiveGroup {
                children: vec![ci("a"), ends.clone()],
                mode: GroupMode::All,
            },
            CompiledMatcher::CaseInsensitiveGroup {
                children: vec![CompiledMatcher::Not(Box::new(ci("l"))), ends],
                mode: GroupMode::Any,
            },
        ];
        let event = json!({});
        let view = JsonEvent::borrow(&event);
        for matcher in &matchers {
            let fast = Fast::of(matcher, false).expect("a string test");
            for value in VALUES {
                let lowered = value.to_lowercase();
                let theirs = matcher.matches(&EventValue::Str(value.into()), &view);
                assert_eq!(fast.test(value, &lowered, &view), theirs, "{value}");
            }
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
                let mut ours = Matcher::new(compiled.detections.clone(), compiled.conditions.clone());
                let mut names = FieldNames::default();
                ours.number_fields(&mut names);
                let mut fields = FieldCache::new(&view, &names);
                prop_assert_eq!(ours.matches(&mut fields), evaluate_rule(&compiled, &view).is_some(), "{}", body);
            }
        }
    }
}
