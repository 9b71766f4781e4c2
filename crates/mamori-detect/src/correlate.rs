//! Sigma correlation rules over the live stream of detections: `event_count`,
//! `value_count`, `temporal`, `temporal_ordered`, `value_sum`, `value_avg`,
//! `value_percentile` and `value_median`, grouped by `group-by` fields within `timespan`.
//!
//! Written for mamori rather than taken from rsigma-eval because that engine decides windows
//! in arrival order: a late event is counted against a window it does not belong to. Here
//! each group keeps its entries sorted by event time, so a condition fires only when some
//! window of length `timespan` that contains the new event meets it, whatever order events
//! arrive in. Memory is bounded: entries older than the watermark (latest time seen) minus
//! `timespan` and the allowed lateness are dropped, each group keeps at most
//! `max_entries_per_group`, and at most `max_groups` groups are kept (the stalest go first).
//! When a correlation fires, its group starts afresh, so one burst gives one detection.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use mamori_model::Event as ModelEvent;
use rsigma_eval::event::{Event, EventValue};
use rsigma_parser::{
    ConditionExpr, ConditionOperator, CorrelationCondition, CorrelationRule, CorrelationType,
};
use serde_json::Value;

use crate::compile::CompiledEntry;
use crate::detection::{Detection, DetectionKind, RuleMeta, severity_of};
use crate::hash::FastMap;
use crate::mapping::Mapping;
use crate::report::{RuleReport, RuleStatus};
use crate::view::{JsonView, ModelView};

/// How far correlation output may feed further correlations.
const MAX_CHAIN: usize = 4;

/// What a correlation's aggregate must satisfy.
#[derive(Debug)]
enum Condition {
    /// Every predicate holds for the aggregate.
    Threshold(Vec<(ConditionOperator, u64)>),
    /// A boolean expression over the referenced rules present in the window (temporal).
    Expression(ConditionExpr),
}

/// A compiled correlation rule.
#[derive(Debug)]
struct Spec {
    meta: Arc<RuleMeta>,
    kind: CorrelationType,
    /// Referenced rule ids, in the rule's order; names as written, for expressions.
    refs: Vec<(String, String)>,
    group_by: Vec<String>,
    /// alias -> (rule id -> field)
    aliases: HashMap<String, HashMap<String, String>>,
    span: i64,
    condition: Condition,
    value_field: Option<String>,
    percentile: u64,
}

/// The compiled correlations of a detector, looked up by the rule ids they reference.
#[derive(Debug, Default)]
pub(crate) struct CorrelationSet {
    specs: Vec<Spec>,
    by_rule: FastMap<String, Vec<(usize, usize)>>,
}

impl CorrelationSet {
    /// The longest timespan of any correlation, in seconds (0 without correlations).
    pub(crate) fn longest_span(&self) -> i64 {
        self.specs.iter().map(|s| s.span).max().unwrap_or(0)
    }

    /// Compiles `correlations` against the detection rules; rules referenced only by
    /// correlations with `generate: false` stop emitting their own detections.
    pub(crate) fn compile(
        correlations: Vec<(String, CorrelationRule)>,
        rules: &mut [CompiledEntry],
        reports: &mut Vec<RuleReport>,
    ) -> Self {
        let mut known: HashMap<String, String> = HashMap::new();
        for rule in rules.iter() {
            let meta = &rule.meta;
            known.insert(meta.id.clone(), meta.id.clone());
            if let Some(name) = &meta.name {
                known.insert(name.clone(), meta.id.clone());
            }
        }
        for (_, c) in &correlations {
            let id = c.id.clone().unwrap_or_else(|| c.title.clone());
            known.insert(id.clone(), id.clone());
            if let Some(name) = &c.name {
                known.insert(name.clone(), id);
            }
        }
        let mut set = CorrelationSet::default();
        let mut generating: HashMap<String, bool> = HashMap::new();
        for (origin, c) in correlations {
            let id = c.id.clone().unwrap_or_else(|| c.title.clone());
            let mut status = RuleStatus::Ok;
            let mut refs = Vec::new();
            for r in &c.rules {
                match known.get(r) {
                    Some(rule_id) => refs.push((rule_id.clone(), r.clone())),
                    None => {
                        status = RuleStatus::Unsupported(format!("refers to unknown rule '{r}'"))
                    }
                }
            }
            let (condition, value_field, percentile) = match &c.condition {
                CorrelationCondition::Threshold {
                    predicates,
                    field,
                    percentile,
                } => {
                    let temporal = matches!(
                        c.correlation_type,
                        CorrelationType::Temporal | CorrelationType::TemporalOrdered
                    );
                    let predicates =
                        if temporal && predicates.as_slice() == [(ConditionOperator::Gte, 1)] {
                            // The parser's default for temporal rules: all referenced rules.
                            vec![(ConditionOperator::Gte, refs.len() as u64)]
                        } else {
                            predicates.clone()
                        };
                    let field = field.as_ref().and_then(|f| f.first().cloned());
                    (
                        Condition::Threshold(predicates),
                        field,
                        percentile.unwrap_or(50),
                    )
                }
                CorrelationCondition::Extended(expr) => {
                    (Condition::Expression(expr.clone()), None, 50)
                }
            };
            let needs_field = !matches!(
                c.correlation_type,
                CorrelationType::EventCount
                    | CorrelationType::Temporal
                    | CorrelationType::TemporalOrdered
            );
            if needs_field && value_field.is_none() && status == RuleStatus::Ok {
                status = RuleStatus::Invalid(format!(
                    "{} needs a condition field",
                    c.correlation_type.as_str()
                ));
            }
            reports.push(RuleReport {
                origin: origin.clone(),
                rule_id: id.clone(),
                title: c.title.clone(),
                status: status.clone(),
            });
            if status != RuleStatus::Ok {
                continue;
            }
            for (rule_id, _) in &refs {
                let entry = generating.entry(rule_id.clone()).or_insert(false);
                *entry |= c.generate;
            }
            let index = set.specs.len();
            for (position, (rule_id, _)) in refs.iter().enumerate() {
                set.by_rule
                    .entry(rule_id.clone())
                    .or_default()
                    .push((index, position));
            }
            let aliases = c
                .aliases
                .iter()
                .map(|a| {
                    let by_rule = a
                        .mapping
                        .iter()
                        .filter_map(|(r, field)| Some((known.get(r)?.clone(), field.clone())))
                        .collect();
                    (a.alias.clone(), by_rule)
                })
                .collect();
            set.specs.push(Spec {
                meta: Arc::new(RuleMeta {
                    id,
                    name: c.name.clone(),
                    title: c.title.clone(),
                    level: severity_of(c.level),
                    tags: c.tags.clone(),
                    guidance: c
                        .custom_attributes
                        .get("mamori")
                        .and_then(|v| yaml_serde::from_value(v.clone()).ok())
                        .or_else(|| Some(crate::fallback::for_tags(&c.tags))),
                    origin,
                    emit: true,
                }),
                kind: c.correlation_type,
                refs,
                group_by: c.group_by.clone(),
                aliases,
                span: c.timespan.seconds as i64,
                condition,
                value_field,
                percentile,
            });
        }
        for rule in rules.iter_mut() {
            if generating.get(&rule.meta.id) == Some(&false) {
                Arc::make_mut(&mut rule.meta).emit = false;
            }
        }
        set
    }

    /// How many correlations are in force.
    pub(crate) fn len(&self) -> usize {
        self.specs.len()
    }
}

/// Limits of a [`Correlator`]'s memory and patience.
#[derive(Debug, Clone, Copy)]
pub struct CorrelatorConfig {
    /// Most groups kept across all correlations.
    pub max_groups: usize,
    /// Most entries one group keeps (the oldest go first).
    pub max_entries_per_group: usize,
    /// How many contributing events a correlation detection carries.
    pub sample_events: usize,
    /// How late (seconds behind the newest event seen) an event may arrive and still count.
    pub allowed_lateness_secs: i64,
}

impl Default for CorrelatorConfig {
    fn default() -> Self {
        Self {
            max_groups: 100_000,
            max_entries_per_group: 1_000,
            sample_events: 5,
            allowed_lateness_secs: 300,
        }
    }
}

/// One remembered detection in a group.
#[derive(Debug, Clone)]
struct Entry {
    ts: i64,
    rule: usize,
    value: Option<Arc<str>>,
    /// How many events this one stands for: a line the sender folded ("message repeated 3
    /// times") counts as that many.
    weight: u32,
}

/// A contributing event kept for a correlation detection: JSON as it came, or a normalised
/// event, rendered as JSON only if the correlation fires.
#[derive(Debug, Clone)]
enum Sample {
    Json(Value),
    Model(Arc<ModelEvent>),
}

impl Sample {
    fn into_json(self) -> Value {
        match self {
            Sample::Json(value) => value,
            Sample::Model(event) => event.to_json(),
        }
    }
}

/// What a correlation reads from the event behind one detection.
trait Observed {
    /// A field as the event's JSON rendering holds it.
    fn field(&self, name: &str) -> Option<EventValue<'_>>;
    /// The event, to keep as a sample.
    fn sample(&mut self) -> Sample;
}

impl Observed for JsonView<'_> {
    fn field(&self, name: &str) -> Option<EventValue<'_>> {
        self.get_field(name)
    }

    fn sample(&mut self) -> Sample {
        Sample::Json(self.root().clone())
    }
}

/// A normalised event, copied at most once however many groups keep it as a sample.
struct ModelObserved<'a, 's> {
    view: ModelView<'a>,
    copy: &'s mut Option<Arc<ModelEvent>>,
}

impl Observed for ModelObserved<'_, '_> {
    fn field(&self, name: &str) -> Option<EventValue<'_>> {
        self.view.rendered_field(name)
    }

    fn sample(&mut self) -> Sample {
        let view = self.view;
        Sample::Model(
            self.copy
                .get_or_insert_with(|| Arc::new(view.event().clone()))
                .clone(),
        )
    }
}

/// Running counts over a set of entries, updated one entry at a time: how many, and for
/// the correlation types that count them, how many per value and per referenced rule.
#[derive(Debug, Default)]
struct Counts {
    len: usize,
    values: HashMap<Arc<str>, u32>,
    rules: Vec<u32>,
    distinct_rules: usize,
}

impl Counts {
    fn add(&mut self, kind: CorrelationType, entry: &Entry) {
        self.len += entry.weight as usize;
        match kind {
            CorrelationType::ValueCount => {
                if let Some(value) = &entry.value {
                    *self.values.entry(value.clone()).or_default() += 1;
                }
            }
            CorrelationType::Temporal => {
                if self.rules.len() <= entry.rule {
                    self.rules.resize(entry.rule + 1, 0);
                }
                if self.rules[entry.rule] == 0 {
                    self.distinct_rules += 1;
                }
                self.rules[entry.rule] += 1;
            }
            _ => {}
        }
    }

    fn remove(&mut self, kind: CorrelationType, entry: &Entry) {
        self.len -= entry.weight as usize;
        match kind {
            CorrelationType::ValueCount => {
                if let Some(value) = &entry.value
                    && let Some(n) = self.values.get_mut(&**value)
                {
                    *n -= 1;
                    if *n == 0 {
                        self.values.remove(&**value);
                    }
                }
            }
            CorrelationType::Temporal => {
                if let Some(n) = self.rules.get_mut(entry.rule) {
                    *n -= 1;
                    if *n == 0 {
                        self.distinct_rules -= 1;
                    }
                }
            }
            _ => {}
        }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.values.clear();
        self.rules.clear();
        self.distinct_rules = 0;
    }

    /// The aggregate, for the correlation types these counts answer.
    fn aggregate(&self, kind: CorrelationType) -> Option<f64> {
        Some(match kind {
            CorrelationType::EventCount => self.len as f64,
            CorrelationType::ValueCount => self.values.len() as f64,
            CorrelationType::Temporal => self.distinct_rules as f64,
            _ => return None,
        })
    }
}

#[derive(Debug, Default)]
struct Group {
    /// In event-time order.
    entries: VecDeque<Entry>,
    /// Counts of the entries at or after `live_from`: the window ending at the newest
    /// entry, which is the first one tested when a detection arrives in order.
    live: Counts,
    /// The newest entry's time minus the timespan.
    live_from: i64,
    samples: VecDeque<Sample>,
    last_seen: i64,
}

impl Group {
    /// Inserts `entry` in time order; returns whether it is the newest.
    fn insert(&mut self, kind: CorrelationType, span: i64, entry: Entry) -> bool {
        let newest = self.entries.back().is_none_or(|last| entry.ts >= last.ts);
        if newest {
            let from = entry.ts.saturating_sub(span);
            if !self.entries.is_empty() {
                let leaving = self.entries.partition_point(|e| e.ts < self.live_from)
                    ..self.entries.partition_point(|e| e.ts < from);
                for e in self.entries.range(leaving) {
                    self.live.remove(kind, e);
                }
            }
            self.live_from = from;
            self.live.add(kind, &entry);
            self.entries.push_back(entry);
        } else {
            if entry.ts >= self.live_from {
                self.live.add(kind, &entry);
            }
            let at = self.entries.partition_point(|e| e.ts <= entry.ts);
            self.entries.insert(at, entry);
        }
        newest
    }

    /// Drops the oldest entry.
    fn pop_oldest(&mut self, kind: CorrelationType) {
        if let Some(entry) = self.entries.pop_front()
            && entry.ts >= self.live_from
        {
            self.live.remove(kind, &entry);
        }
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.live.clear();
    }
}

/// Correlation state: fed detections with their times, returns correlation detections.
pub struct Correlator {
    set: Arc<CorrelationSet>,
    mapping: Arc<Mapping>,
    config: CorrelatorConfig,
    groups: HashMap<(usize, Vec<String>), Group>,
    watermark: i64,
    late: u64,
}

impl Correlator {
    pub(crate) fn new(
        set: Arc<CorrelationSet>,
        mapping: Arc<Mapping>,
        config: CorrelatorConfig,
    ) -> Self {
        Self {
            set,
            mapping,
            config,
            groups: HashMap::new(),
            watermark: i64::MIN,
            late: 0,
        }
    }

    /// Groups currently held (for monitoring memory).
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// Detections dropped because they arrived later than the allowed lateness.
    pub fn late_count(&self) -> u64 {
        self.late
    }

    /// Feeds one detection that happened at `at`; returns the correlations it completes
    /// (and those their detections complete in turn).
    pub fn observe(&mut self, detection: &Detection, at: DateTime<Utc>) -> Vec<Detection> {
        let mut out = Vec::new();
        self.observe_detection(detection, at.timestamp(), 0, &mut out);
        out
    }

    /// Feeds a match of rule `rule_id` on the normalised event of `view`, without its JSON:
    /// fields are read as the JSON rendering holds them, and the event is copied into
    /// `copy` (once for all the rules matching it) only when a group keeps it as a sample.
    /// Appends the correlations completed to `out`.
    pub(crate) fn observe_model(
        &mut self,
        rule_id: &str,
        view: ModelView<'_>,
        copy: &mut Option<Arc<ModelEvent>>,
        at: DateTime<Utc>,
        out: &mut Vec<Detection>,
    ) {
        let mut observed = ModelObserved { view, copy };
        self.observe_with(rule_id, &mut observed, at.timestamp(), 0, out);
    }

    fn observe_detection(
        &mut self,
        detection: &Detection,
        ts: i64,
        depth: usize,
        out: &mut Vec<Detection>,
    ) {
        let mapping = self.mapping.clone();
        let event = detection.events.first().unwrap_or(&Value::Null);
        let mut view = JsonView::new(event, &mapping);
        self.observe_with(&detection.rule.id, &mut view, ts, depth, out);
    }

    fn observe_with(
        &mut self,
        rule_id: &str,
        observed: &mut impl Observed,
        ts: i64,
        depth: usize,
        out: &mut Vec<Detection>,
    ) {
        let set = self.set.clone();
        let Some(refs) = set.by_rule.get(rule_id) else {
            return;
        };
        let horizon = self.config.allowed_lateness_secs;
        if self.watermark != i64::MIN && ts < self.watermark.saturating_sub(horizon) {
            self.late += 1;
            return;
        }
        self.watermark = self.watermark.max(ts);
        for &(spec_index, rule) in refs {
            if let Some(fired) = self.add(spec_index, rule, rule_id, observed, ts) {
                if depth < MAX_CHAIN {
                    self.observe_detection(&fired, ts, depth + 1, out);
                }
                out.push(fired);
            }
        }
        if self.groups.len() > self.config.max_groups {
            self.evict();
        }
    }

    fn add(
        &mut self,
        spec_index: usize,
        rule: usize,
        rule_id: &str,
        observed: &mut impl Observed,
        ts: i64,
    ) -> Option<Detection> {
        let set = self.set.clone();
        let spec = &set.specs[spec_index];
        let key: Vec<String> = spec
            .group_by
            .iter()
            .map(|f| field_text(spec, rule_id, observed, f).unwrap_or_default())
            .collect();
        let value = spec
            .value_field
            .as_deref()
            .and_then(|f| field_text(spec, rule_id, observed, f))
            .map(Arc::from);
        let cutoff = self
            .watermark
            .saturating_sub(spec.span + self.config.allowed_lateness_secs);
        let key = (spec_index, key);
        if !self.groups.contains_key(&key) {
            self.groups.insert(key.clone(), Group::default());
        }
        let group = self.groups.get_mut(&key)?;
        while group.entries.front().is_some_and(|e| e.ts < cutoff) {
            group.pop_oldest(spec.kind);
        }
        let weight = repeated(observed);
        let entry = Entry {
            ts,
            rule,
            value,
            weight,
        };
        let newest = group.insert(spec.kind, spec.span, entry);
        if group.entries.len() > self.config.max_entries_per_group {
            group.pop_oldest(spec.kind);
        }
        if self.config.sample_events > 0 {
            if group.samples.len() == self.config.sample_events {
                group.samples.pop_front();
            }
            group.samples.push_back(observed.sample());
        }
        group.last_seen = group.last_seen.max(ts);
        let live = (newest && !group.entries.is_empty())
            .then(|| fire_live(spec, &group.live, ts))
            .flatten();
        let (aggregate, last) = match live {
            Some(decided) => decided,
            None => fire_window(spec, group.entries.make_contiguous(), ts),
        }?;
        let samples: Vec<Value> = group.samples.drain(..).map(Sample::into_json).collect();
        let event_count = group.entries.iter().map(|e| u64::from(e.weight)).sum();
        group.clear();
        Some(Detection {
            rule: spec.meta.clone(),
            kind: DetectionKind::Correlation,
            timestamp: DateTime::from_timestamp(last, 0),
            events: samples,
            group: spec.group_by.iter().cloned().zip(key.1).collect(),
            value: Some(aggregate),
            matched: None,
            event_count,
        })
    }

    fn evict(&mut self) {
        let watermark = self.watermark;
        let lateness = self.config.allowed_lateness_secs;
        let set = self.set.clone();
        self.groups.retain(|(spec, _), g| {
            g.last_seen >= watermark.saturating_sub(set.specs[*spec].span + lateness)
        });
        if self.groups.len() > self.config.max_groups {
            let mut ages: Vec<i64> = self.groups.values().map(|g| g.last_seen).collect();
            ages.sort_unstable();
            let excess = self.groups.len() - self.config.max_groups * 9 / 10;
            let limit = ages[excess.min(ages.len() - 1)];
            self.groups.retain(|_, g| g.last_seen > limit);
        }
    }
}

/// `field` (or the alias it stands for with `rule_id`) of the observed event, as text.
/// The most one folded line may stand for, so a forged count cannot swamp a window.
const MAX_REPEATED: i64 = 10_000;

/// How many events `observed` stands for: its `fields.repeated` (set by parsers for lines the
/// sender folded), or one.
fn repeated(observed: &impl Observed) -> u32 {
    let n = match observed.field("fields.repeated") {
        Some(EventValue::Int(n)) => n,
        Some(EventValue::Str(s)) => s.parse().unwrap_or(1),
        _ => 1,
    };
    // Clamped to 1..=MAX_REPEATED, so the cast cannot truncate.
    n.clamp(1, MAX_REPEATED) as u32
}

fn field_text(spec: &Spec, rule_id: &str, observed: &impl Observed, field: &str) -> Option<String> {
    let name = spec
        .aliases
        .get(field)
        .and_then(|m| m.get(rule_id))
        .map_or(field, String::as_str);
    match observed.field(name)? {
        EventValue::Str(s) => Some(s.into_owned()),
        EventValue::Int(n) => Some(n.to_string()),
        EventValue::Float(f) => Some(f.to_string()),
        EventValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Decides from the live counts, when a detection is its group's newest: the first window
/// [`fire_window`] would test is then exactly the live one. `None` when the counts do not
/// answer the correlation type or condition; `Some(None)` when no window can fire, because
/// the condition only asks for more and every later window holds a subset of the entries.
fn fire_live(spec: &Spec, live: &Counts, ts: i64) -> Option<Option<(f64, i64)>> {
    let Condition::Threshold(predicates) = &spec.condition else {
        return None;
    };
    let aggregate = live.aggregate(spec.kind)?;
    if threshold_holds(predicates, aggregate) {
        Some(Some((aggregate, ts)))
    } else if predicates
        .iter()
        .all(|(op, _)| matches!(op, ConditionOperator::Gt | ConditionOperator::Gte))
    {
        Some(None)
    } else {
        None
    }
}

/// Looks for a window of `spec.span` seconds containing time `ts` whose entries meet the
/// condition; returns the aggregate and the window's last time. The window slides over
/// the sorted entries, its counts updated as entries enter and leave.
fn fire_window(spec: &Spec, entries: &[Entry], ts: i64) -> Option<(f64, i64)> {
    let first = entries.partition_point(|e| e.ts < ts - spec.span);
    let mut counts = Counts::default();
    let (mut start, mut end) = (first, first);
    for next in first..entries.len() {
        let from = entries[next].ts;
        if from > ts {
            break;
        }
        if next > first && entries[next - 1].ts == from {
            continue;
        }
        for entry in &entries[start..next] {
            counts.remove(spec.kind, entry);
        }
        start = next;
        while end < entries.len() && entries[end].ts <= from + spec.span {
            counts.add(spec.kind, &entries[end]);
            end += 1;
        }
        let window = &entries[start..end];
        if let Some(aggregate) = counts
            .aggregate(spec.kind)
            .or_else(|| window_aggregate(spec, window))
            && meets(spec, window, aggregate)
        {
            return Some((aggregate, window.last().map_or(ts, |e| e.ts)));
        }
    }
    None
}

/// The aggregate of the correlation types [`Counts`] does not keep, from the window.
fn window_aggregate(spec: &Spec, window: &[Entry]) -> Option<f64> {
    let numbers = || -> Vec<f64> {
        window
            .iter()
            .filter_map(|e| e.value.as_deref()?.parse().ok())
            .collect()
    };
    Some(match spec.kind {
        CorrelationType::TemporalOrdered => ordered_prefix(spec, window) as f64,
        CorrelationType::ValueSum => numbers().iter().sum(),
        CorrelationType::ValueAvg => {
            let n = numbers();
            if n.is_empty() {
                return None;
            }
            n.iter().sum::<f64>() / n.len() as f64
        }
        CorrelationType::ValuePercentile | CorrelationType::ValueMedian => {
            let mut n = numbers();
            if n.is_empty() {
                return None;
            }
            n.sort_by(f64::total_cmp);
            let p = if spec.kind == CorrelationType::ValueMedian {
                50
            } else {
                spec.percentile.min(100)
            };
            let rank = ((p as f64 / 100.0) * (n.len() - 1) as f64).round() as usize;
            n[rank]
        }
        CorrelationType::EventCount | CorrelationType::ValueCount | CorrelationType::Temporal => {
            return None;
        }
    })
}

/// How many of the referenced rules appear in order within the window.
fn ordered_prefix(spec: &Spec, window: &[Entry]) -> usize {
    let mut next = 0;
    for entry in window {
        if next < spec.refs.len() && entry.rule == next {
            next += 1;
        }
    }
    next
}

fn meets(spec: &Spec, window: &[Entry], aggregate: f64) -> bool {
    match &spec.condition {
        Condition::Threshold(predicates) => threshold_holds(predicates, aggregate),
        Condition::Expression(expr) => {
            let present = |name: &str| {
                spec.refs.iter().enumerate().any(|(i, (id, written))| {
                    (written == name || id == name) && window.iter().any(|e| e.rule == i)
                })
            };
            holds(expr, &present)
        }
    }
}

fn threshold_holds(predicates: &[(ConditionOperator, u64)], aggregate: f64) -> bool {
    predicates.iter().all(|(op, limit)| {
        let limit = *limit as f64;
        match op {
            ConditionOperator::Lt => aggregate < limit,
            ConditionOperator::Lte => aggregate <= limit,
            ConditionOperator::Gt => aggregate > limit,
            ConditionOperator::Gte => aggregate >= limit,
            ConditionOperator::Eq => aggregate == limit,
            ConditionOperator::Neq => aggregate != limit,
        }
    })
}

fn holds(expr: &ConditionExpr, present: &dyn Fn(&str) -> bool) -> bool {
    match expr {
        ConditionExpr::Identifier(name) => present(name),
        ConditionExpr::And(parts) => parts.iter().all(|p| holds(p, present)),
        ConditionExpr::Or(parts) => parts.iter().any(|p| holds(p, present)),
        ConditionExpr::Not(inner) => !holds(inner, present),
        ConditionExpr::Selector { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Detector, RuleText};
    use chrono::TimeZone;
    use serde_json::json;

    const RULES: &str = "title: fail\nid: fail\nname: fail\nlogsource: {product: windows}\ndetection:\n    s: {Action: fail}\n    condition: s\n---\ntitle: ok\nid: ok\nname: ok\nlogsource: {product: windows}\ndetection:\n    s: {Action: ok}\n    condition: s\n";

    fn detector(correlation: &str) -> Detector {
        let text = format!(
            "{RULES}---\ntitle: corr\nid: corr\ncorrelation:\n{correlation}\nlevel: high\n"
        );
        let (detector, reports) = Detector::compile(
            &[RuleText {
                origin: "t".into(),
                text,
            }],
            Mapping::builtin(),
        );
        assert!(
            reports.iter().all(|r| r.status == RuleStatus::Ok),
            "{reports:?}"
        );
        detector
    }

    /// Feeds (seconds, action, user, port) events in the given order; returns the aggregate
    /// of each correlation that fired.
    fn run(detector: &Detector, events: &[(i64, &str, &str, u32)]) -> Vec<f64> {
        let mut correlator = detector.correlator(CorrelatorConfig::default());
        let base = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let mut fired = Vec::new();
        for (secs, action, user, port) in events {
            let event = json!({"Channel": "Security", "EventID": 1, "Action": action, "User": user, "Port": port});
            for detection in detector.evaluate_json(&event) {
                let at = base + chrono::Duration::seconds(*secs);
                fired.extend(
                    correlator
                        .observe(&detection, at)
                        .into_iter()
                        .filter_map(|d| d.value),
                );
            }
        }
        fired
    }

    const COUNT: &str = "    type: event_count\n    rules: [fail]\n    group-by: [User]\n    timespan: 60s\n    condition: {gte: 3}";

    #[test]
    fn event_count_within_window_in_any_arrival_order() {
        let detector = detector(COUNT);
        assert_eq!(
            run(
                &detector,
                &[
                    (0, "fail", "a", 1),
                    (30, "fail", "a", 1),
                    (59, "fail", "a", 1)
                ]
            ),
            [3.0]
        );
        assert_eq!(
            run(
                &detector,
                &[
                    (59, "fail", "a", 1),
                    (0, "fail", "a", 1),
                    (30, "fail", "a", 1)
                ]
            ),
            [3.0]
        );
        // Out of order and spread over more than the timespan: never three within 60 s.
        assert!(
            run(
                &detector,
                &[
                    (100, "fail", "a", 1),
                    (0, "fail", "a", 1),
                    (50, "fail", "a", 1),
                    (170, "fail", "a", 1)
                ]
            )
            .is_empty()
        );
        // Groups are kept apart.
        assert!(
            run(
                &detector,
                &[
                    (0, "fail", "a", 1),
                    (1, "fail", "b", 1),
                    (2, "fail", "a", 1)
                ]
            )
            .is_empty()
        );
    }

    #[test]
    fn late_events_beyond_the_allowed_lateness_are_dropped() {
        let detector = detector(COUNT);
        let mut correlator = detector.correlator(CorrelatorConfig {
            allowed_lateness_secs: 10,
            ..Default::default()
        });
        let base = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let event = json!({"Channel": "Security", "EventID": 1, "Action": "fail", "User": "a"});
        let detection = detector.evaluate_json(&event).remove(0);
        correlator.observe(&detection, base + chrono::Duration::seconds(1000));
        correlator.observe(&detection, base);
        assert_eq!(correlator.late_count(), 1);
    }

    #[test]
    fn value_count_counts_distinct_values() {
        let detector = detector(
            "    type: value_count\n    rules: [fail]\n    group-by: [User]\n    timespan: 1m\n    condition: {field: Port, gte: 3}",
        );
        assert!(
            run(
                &detector,
                &[
                    (0, "fail", "a", 1),
                    (1, "fail", "a", 1),
                    (2, "fail", "a", 2)
                ]
            )
            .is_empty()
        );
        assert_eq!(
            run(
                &detector,
                &[
                    (5, "fail", "a", 3),
                    (0, "fail", "a", 1),
                    (1, "fail", "a", 2)
                ]
            ),
            [3.0]
        );
    }

    #[test]
    fn value_count_forgets_values_that_leave_the_window() {
        let detector = detector(
            "    type: value_count\n    rules: [fail]\n    group-by: [User]\n    timespan: 1m\n    condition: {field: Port, gte: 3}",
        );
        let fail = |secs, port| (secs, "fail", "a", port);
        // Port 1 has left the window ending at 70 s.
        assert!(run(&detector, &[fail(0, 1), fail(10, 2), fail(70, 3)]).is_empty());
        // One copy of port 1 leaves, the other stays.
        assert_eq!(
            run(
                &detector,
                &[fail(0, 1), fail(30, 1), fail(65, 2), fail(70, 3)]
            ),
            [3.0]
        );
        // Out of order: the late port 1 completes the window from 30 s to 90 s.
        assert_eq!(
            run(
                &detector,
                &[fail(70, 3), fail(0, 1), fail(65, 2), fail(30, 1)]
            ),
            [3.0]
        );
        // Distinct values of windows that do not overlap are not added up.
        assert!(
            run(
                &detector,
                &[fail(0, 1), fail(1, 2), fail(100, 3), fail(101, 4)]
            )
            .is_empty()
        );
    }

    /// A normalised event whose rendering differs from the view: a fractional time, and a
    /// line field (`Port`) the view reads by its bare name but the JSON only under `fields`.
    fn model_event(secs: i64, port: u32) -> mamori_model::Event {
        let at = DateTime::from_timestamp(secs, 500_000_000).expect("time");
        let mut event = mamori_model::Event::new("rtx", "raw", at);
        event.action = mamori_model::Action::Deny;
        event.user = Some("a".into());
        event.fields.insert("Port".into(), json!(port));
        event
    }

    #[test]
    fn correlating_normalised_events_without_json_groups_as_with_it() {
        let text = "title: deny\nid: deny\nlogsource: {product: mamori}\ndetection:\n    s: {action: deny}\n    condition: s\n---\ntitle: deny2\nid: deny2\nlogsource: {product: mamori}\ndetection:\n    s: {action: deny}\n    condition: s\n---\ntitle: corr\nid: corr\ncorrelation:\n    type: value_count\n    rules: [deny]\n    group-by: [timestamp, Port, user]\n    timespan: 1m\n    condition: {field: fields.Port, gte: 2}\n    generate: false\n";
        let (detector, reports) = Detector::compile(
            &[RuleText {
                origin: "t".into(),
                text: text.into(),
            }],
            Mapping::builtin(),
        );
        assert!(
            reports.iter().all(|r| r.status == RuleStatus::Ok),
            "{reports:?}"
        );
        let events: Vec<_> = (1..=3)
            .map(|port| model_event(1_767_225_600, port))
            .collect();
        let mut with_json = detector.correlator(CorrelatorConfig::default());
        let mut without = detector.correlator(CorrelatorConfig::default());
        let mut fired = 0;
        for event in &events {
            let mut found = detector.evaluate_model(event);
            let mut chained = Vec::new();
            for detection in &found {
                chained.extend(with_json.observe(detection, event.timestamp));
            }
            found.extend(chained);
            found.retain(|d| d.rule.emit);
            let direct = detector.evaluate_model_correlated(event, &mut without);
            assert_eq!(direct, found);
            for detection in direct
                .iter()
                .filter(|d| d.kind == DetectionKind::Correlation)
            {
                fired += 1;
                let group: Vec<(&str, &str)> = detection
                    .group
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                assert_eq!(
                    group,
                    [
                        ("timestamp", "2026-01-01T00:00:00.500Z"),
                        ("Port", ""),
                        ("user", "a")
                    ]
                );
                let json = serde_json::to_value(event).expect("event renders");
                assert_eq!(detection.events.last(), Some(&json));
            }
        }
        assert_eq!(fired, 1);
    }

    #[test]
    fn temporal_and_temporal_ordered() {
        let unordered = detector(
            "    type: temporal\n    rules: [fail, ok]\n    group-by: [User]\n    timespan: 1m",
        );
        assert_eq!(
            run(&unordered, &[(10, "ok", "a", 1), (0, "fail", "a", 1)]),
            [2.0]
        );
        let ordered = detector(
            "    type: temporal_ordered\n    rules: [fail, ok]\n    group-by: [User]\n    timespan: 1m",
        );
        assert!(run(&ordered, &[(0, "ok", "a", 1), (10, "fail", "a", 1)]).is_empty());
        // Arrives out of order, but event time says fail came first.
        assert_eq!(
            run(&ordered, &[(10, "ok", "a", 1), (0, "fail", "a", 1)]),
            [2.0]
        );
        assert!(run(&ordered, &[(0, "fail", "a", 1), (100, "ok", "a", 1)]).is_empty());
    }

    #[test]
    fn numeric_aggregations() {
        let sum = detector(
            "    type: value_sum\n    rules: [fail]\n    group-by: [User]\n    timespan: 1m\n    condition: {field: Port, gte: 10}",
        );
        assert_eq!(
            run(&sum, &[(0, "fail", "a", 4), (1, "fail", "a", 6)]),
            [10.0]
        );
        let avg = detector(
            "    type: value_avg\n    rules: [fail]\n    group-by: [User]\n    timespan: 1m\n    condition: {field: Port, gt: 5}",
        );
        assert_eq!(
            run(&avg, &[(0, "fail", "a", 4), (1, "fail", "a", 8)]),
            [6.0]
        );
    }

    #[test]
    fn correlations_carry_the_latest_events_as_samples() {
        let detector = detector(COUNT);
        let base = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let event = |port: u32| json!({"Channel": "Security", "EventID": 1, "Action": "fail", "User": "a", "Port": port});
        for (samples, expected) in [(2, vec![event(2), event(3)]), (0, vec![])] {
            let mut correlator = detector.correlator(CorrelatorConfig {
                sample_events: samples,
                ..Default::default()
            });
            let mut fired = Vec::new();
            for port in 1..=3 {
                for detection in detector.evaluate_json(&event(port)) {
                    fired.extend(correlator.observe(&detection, base));
                }
            }
            assert_eq!(fired.len(), 1);
            assert_eq!(fired[0].events, expected);
        }
    }

    #[test]
    fn memory_stays_bounded() {
        let detector = detector(COUNT);
        let mut correlator = detector.correlator(CorrelatorConfig {
            max_groups: 100,
            ..Default::default()
        });
        let base = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        for i in 0..1000 {
            let event = json!({"Channel": "Security", "EventID": 1, "Action": "fail", "User": format!("u{i}")});
            for detection in detector.evaluate_json(&event) {
                correlator.observe(&detection, base);
            }
        }
        assert!(
            correlator.group_count() <= 100,
            "{}",
            correlator.group_count()
        );
    }
}
