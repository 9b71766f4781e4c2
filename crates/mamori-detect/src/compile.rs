//! Rule compilation: YAML texts become compiled rules, filters and correlations, each with
//! a report. Parsing and compiling run in parallel; one broken rule never stops the rest.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use rsigma_eval::compile_rule;
use rsigma_eval::compiler::compile_detection;
use rsigma_parser::{CorrelationRule, FilterRule, FilterRuleTarget, LogSource, SigmaRule};

use crate::detection::{Guidance, RuleMeta, severity_of};
use crate::eval::Matcher;
use crate::literals::{Alternatives, required_literals};
use crate::mapping::{Dimension, Mapping, TagSet};
use crate::report::{RuleReport, RuleStatus};
use crate::rewrite::rewrite_rule;
use crate::source::RuleText;

/// A detection rule ready to evaluate.
#[derive(Debug)]
pub(crate) struct CompiledEntry {
    pub(crate) meta: Arc<RuleMeta>,
    /// The rule's detections and conditions.
    pub(crate) matcher: Matcher,
    /// The rule's log source as written, for filters that name one.
    pub(crate) logsource: LogSource,
    pub(crate) requires: TagSet,
    pub(crate) literals: Option<Alternatives>,
    /// Filters (indexes into the detector's filter list) that suppress this rule.
    pub(crate) filters: Vec<usize>,
}

/// A compiled Sigma filter: when its condition holds, the rules it targets stay silent.
#[derive(Debug)]
pub(crate) struct CompiledFilter {
    pub(crate) matcher: Matcher,
}

/// Everything parsed from the rule texts, before indexing.
pub(crate) struct Compiled {
    pub(crate) rules: Vec<CompiledEntry>,
    pub(crate) filters: Vec<CompiledFilter>,
    pub(crate) correlations: Vec<(String, CorrelationRule)>,
    pub(crate) reports: Vec<RuleReport>,
}

fn report(origin: &str, id: &str, title: &str, status: RuleStatus) -> RuleReport {
    RuleReport {
        origin: origin.to_owned(),
        rule_id: id.to_owned(),
        title: title.to_owned(),
        status,
    }
}

/// Parses and compiles `texts` against `mapping`.
pub(crate) fn compile_texts(texts: &[RuleText], mapping: &Mapping) -> Compiled {
    let parsed: Vec<_> = texts
        .par_iter()
        .map(|text| (text, rsigma_parser::parse_sigma_yaml(&text.text)))
        .collect();
    let mut reports = Vec::new();
    let mut rules = Vec::new();
    let mut filters = Vec::new();
    let mut correlations = Vec::new();
    for (text, result) in parsed {
        match result {
            Err(e) => reports.push(report(
                &text.origin,
                "",
                "",
                RuleStatus::Invalid(e.to_string()),
            )),
            Ok(collection) => {
                for error in collection.errors {
                    reports.push(report(&text.origin, "", "", RuleStatus::Invalid(error)));
                }
                rules.extend(
                    collection
                        .rules
                        .into_iter()
                        .map(|r| (text.origin.as_str(), r)),
                );
                filters.extend(
                    collection
                        .filters
                        .into_iter()
                        .map(|f| (text.origin.clone(), f)),
                );
                correlations.extend(
                    collection
                        .correlations
                        .into_iter()
                        .map(|c| (text.origin.clone(), c)),
                );
            }
        }
    }
    let results: Vec<Result<CompiledEntry, RuleReport>> = rules
        .into_par_iter()
        .map(|(origin, rule)| compile_one(origin, rule, mapping))
        .collect();
    let mut entries = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for result in results {
        match result {
            Ok(entry) => {
                let meta = &entry.meta;
                if let Some(first) = seen.insert(meta.id.clone(), meta.origin.clone()) {
                    reports.push(report(
                        &meta.origin,
                        &meta.id,
                        &meta.title,
                        RuleStatus::Invalid(format!("duplicate rule id (first in {first})")),
                    ));
                    continue;
                }
                reports.push(report(&meta.origin, &meta.id, &meta.title, RuleStatus::Ok));
                entries.push(entry);
            }
            Err(r) => reports.push(r),
        }
    }
    let compiled_filters = attach_filters(filters, &mut entries, &mut reports);
    Compiled {
        rules: entries,
        filters: compiled_filters,
        correlations,
        reports,
    }
}

/// The tags an event must carry for a rule with `logsource` to apply, or the reason none
/// can.
pub(crate) fn required_tags(logsource: &LogSource, mapping: &Mapping) -> Result<TagSet, String> {
    let mut tags = 0;
    for (dim, name, value) in [
        (Dimension::Product, "product", &logsource.product),
        (Dimension::Category, "category", &logsource.category),
        (Dimension::Service, "service", &logsource.service),
    ] {
        if let Some(value) = value {
            tags |= mapping
                .tag(dim, value)
                .ok_or_else(|| format!("no log-source mapping for {name}: {value}"))?;
        }
    }
    Ok(tags)
}

fn compile_one(
    origin: &str,
    mut rule: SigmaRule,
    mapping: &Mapping,
) -> Result<CompiledEntry, RuleReport> {
    let id = rule.id.clone().unwrap_or_else(|| rule.title.clone());
    let title = rule.title.clone();
    let fail = |status| report(origin, &id, &title, status);
    let requires =
        required_tags(&rule.logsource, mapping).map_err(|e| fail(RuleStatus::Unsupported(e)))?;
    rewrite_rule(&mut rule, &|name| mapping.placeholder(name))
        .map_err(|e| fail(RuleStatus::Unsupported(e)))?;
    let compiled = compile_rule(&rule).map_err(|e| fail(RuleStatus::Invalid(e.to_string())))?;
    let guidance = rule
        .custom_attributes
        .get("mamori")
        .map(|v| yaml_serde::from_value::<Guidance>(v.clone()))
        .transpose()
        .map_err(|e| fail(RuleStatus::Invalid(format!("mamori block: {e}"))))?
        .or_else(|| Some(crate::fallback::for_tags(&rule.tags)));
    let literals = required_literals(&rule);
    let meta = RuleMeta {
        id: id.clone(),
        name: rule.name.clone(),
        title: rule.title.clone(),
        level: severity_of(rule.level),
        tags: rule.tags.clone(),
        guidance,
        origin: origin.to_owned(),
        emit: true,
    };
    Ok(CompiledEntry {
        meta: Arc::new(meta),
        matcher: Matcher::new(compiled.detections, compiled.conditions),
        logsource: compiled.logsource,
        requires,
        literals,
        filters: Vec::new(),
    })
}

/// Compiles filters and records on each targeted rule which filters silence it.
fn attach_filters(
    filters: Vec<(String, FilterRule)>,
    entries: &mut [CompiledEntry],
    reports: &mut Vec<RuleReport>,
) -> Vec<CompiledFilter> {
    let mut compiled = Vec::new();
    for (origin, filter) in filters {
        let id = filter.id.clone().unwrap_or_else(|| filter.title.clone());
        let detections: Result<HashMap<_, _>, _> = filter
            .detection
            .named
            .iter()
            .map(|(name, d)| compile_detection(d).map(|c| (name.clone(), c)))
            .collect();
        let detections = match detections {
            Ok(d) if !filter.detection.conditions.is_empty() => d,
            Ok(_) => {
                let status = RuleStatus::Invalid("filter has no condition".to_owned());
                reports.push(report(&origin, &id, &filter.title, status));
                continue;
            }
            Err(e) => {
                reports.push(report(
                    &origin,
                    &id,
                    &filter.title,
                    RuleStatus::Invalid(e.to_string()),
                ));
                continue;
            }
        };
        let index = compiled.len();
        let mut targets = 0;
        for entry in entries.iter_mut() {
            if filter_targets(&filter, entry) {
                entry.filters.push(index);
                targets += 1;
            }
        }
        let status = if targets == 0 {
            RuleStatus::Unsupported("filter targets no loaded rule".to_owned())
        } else {
            RuleStatus::Ok
        };
        reports.push(report(&origin, &id, &filter.title, status));
        compiled.push(CompiledFilter {
            matcher: Matcher::new(detections, filter.detection.conditions.clone()),
        });
    }
    compiled
}

fn filter_targets(filter: &FilterRule, entry: &CompiledEntry) -> bool {
    let meta = &entry.meta;
    let named = match &filter.rules {
        FilterRuleTarget::Any => true,
        FilterRuleTarget::Specific(refs) => refs
            .iter()
            .any(|r| *r == meta.id || Some(r) == meta.name.as_ref() || *r == meta.title),
    };
    let logsource_fits = filter.logsource.as_ref().is_none_or(|want| {
        let have = &entry.logsource;
        [
            (&want.product, &have.product),
            (&want.category, &have.category),
            (&want.service, &have.service),
        ]
        .iter()
        .all(|(w, h)| {
            w.is_none()
                || w.as_deref().map(str::to_lowercase) == h.as_deref().map(str::to_lowercase)
        })
    });
    named && logsource_fits
}
