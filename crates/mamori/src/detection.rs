//! Detection inside `mamori serve`: compiles mamori's rule pack (plus any `--rules`
//! folders), evaluates every parsed event of the ingest pipeline, runs correlations per
//! organisation, checks indicator lists (re-read every minute, so edits need no restart),
//! and hands the detections back to be stored in the same transaction as their events.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use mamori_detect::{
    Correlator, CorrelatorConfig, Detection, Detector, IndicatorSet, ModelView, ReportCounts,
    RuleStatus, builtin_pack, read_rules,
};
use mamori_ingest::pipeline::BatchInspector;
use mamori_model::Severity;
use mamori_store::{NewDetection, NewEvent, new_id};
use serde::Deserialize;
use serde_json::json;

use crate::rules::load_mapping;

/// How often indicator files are re-read.
const INDICATOR_RELOAD: Duration = Duration::from_secs(60);

/// Correlation memory per organisation: a busy client cannot crowd out the others, and the
/// total stays bounded by the number of organisations.
const GROUPS_PER_ORG: usize = 10_000;

/// Rules, mapping and indicator lists for live detection, from flags (or `MAMORI_*`
/// variables) and the configuration file's `[detect]` table.
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DetectArgs {
    /// Extra Sigma rule folder or file, added to the built-in pack (repeatable).
    #[arg(long = "rules", env = "MAMORI_RULES", value_delimiter = ',')]
    pub(crate) rules: Vec<PathBuf>,
    /// Extra log-source and field mapping, added to the built-in one.
    #[arg(long = "mapping", env = "MAMORI_MAPPING")]
    pub(crate) mapping: Option<PathBuf>,
    /// Indicator list (addresses/CIDRs, domains, URLs or hashes, one per line or CSV);
    /// matches are high-severity detections; files are re-read every minute (repeatable).
    #[arg(long = "indicators", env = "MAMORI_INDICATORS", value_delimiter = ',')]
    pub(crate) indicators: Vec<PathBuf>,
}

/// The detection engine as the ingest pipeline's inspector.
pub struct LiveDetection {
    detector: Detector,
    correlators: HashMap<String, Correlator>,
    indicators: Vec<IndicatorSet>,
    indicators_read: Instant,
}

impl DetectArgs {
    /// These settings, with anything not given taken from the configuration file's.
    pub fn or_file(self, file: DetectArgs) -> DetectArgs {
        let pick =
            |flags: Vec<PathBuf>, file: Vec<PathBuf>| if flags.is_empty() { file } else { flags };
        DetectArgs {
            rules: pick(self.rules, file.rules),
            mapping: self.mapping.or(file.mapping),
            indicators: pick(self.indicators, file.indicators),
        }
    }

    /// Compiles the rules and loads the lists. Rules that cannot be used are logged with
    /// the reason; a broken extra rule does not stop the server, an unreadable file does.
    pub fn load(&self) -> anyhow::Result<LiveDetection> {
        let mapping = load_mapping(self.mapping.as_deref()).context("cannot read the mapping")?;
        let mut texts = builtin_pack();
        for dir in &self.rules {
            texts.extend(
                read_rules(dir)
                    .with_context(|| format!("cannot read rules from {}", dir.display()))?,
            );
        }
        let (detector, reports) = Detector::compile(&texts, mapping);
        for report in &reports {
            if let RuleStatus::Unsupported(why) | RuleStatus::Invalid(why) = &report.status {
                tracing::warn!(origin = %report.origin, rule = %report.rule_id, reason = %why, "rule not in force");
            }
        }
        let counts = ReportCounts::of(&reports);
        tracing::info!(
            ok = counts.ok,
            unsupported = counts.unsupported,
            invalid = counts.invalid,
            "detection rules compiled"
        );
        let indicators = self
            .indicators
            .iter()
            .map(|path| {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string());
                IndicatorSet::load(&name, vec![path.clone()], Severity::High)
                    .with_context(|| format!("cannot read indicators from {}", path.display()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(LiveDetection {
            detector,
            correlators: HashMap::new(),
            indicators,
            indicators_read: Instant::now(),
        })
    }
}

impl LiveDetection {
    fn reload_indicators_when_due(&mut self) {
        if self.indicators_read.elapsed() < INDICATOR_RELOAD {
            return;
        }
        self.indicators_read = Instant::now();
        for set in &mut self.indicators {
            if let Err(e) = set.reload() {
                tracing::warn!(error = %e, "indicator list not reloaded; the previous entries stay in force");
            }
        }
    }

    /// Everything found in one event, correlations included: detections of rules that
    /// report on their own, the correlations completed, then indicator matches (which feed
    /// the correlator too) and what they complete.
    fn detect(&mut self, new: &NewEvent, org_id: &str) -> Vec<Detection> {
        let event = &new.event;
        let detector = &self.detector;
        let view = ModelView::new(event, detector.mapping());
        let indicators = self.indicators.iter().flat_map(|set| {
            set.check(&view, detector.mapping())
                .into_iter()
                .map(|mut detection| {
                    detection.timestamp = Some(event.timestamp);
                    detection
                })
        });
        if detector.correlation_count() == 0 {
            let mut found = detector.evaluate_model(event);
            found.extend(indicators);
            found.retain(|d| d.rule.emit);
            return found;
        }
        let correlator = self
            .correlators
            .entry(org_id.to_owned())
            .or_insert_with(|| {
                detector.correlator(CorrelatorConfig {
                    max_groups: GROUPS_PER_ORG,
                    ..CorrelatorConfig::default()
                })
            });
        let mut found = detector.evaluate_model_correlated(event, correlator);
        for detection in indicators {
            let chained = correlator.observe(&detection, event.timestamp);
            found.push(detection);
            found.extend(chained);
        }
        found.retain(|d| d.rule.emit);
        found
    }
}

/// The row stored for `detection`, found in `new` of organisation `org_id`.
fn stored_form(detection: Detection, new: &NewEvent, org_id: &str) -> NewDetection {
    let rule = &detection.rule;
    let single = detection.group.is_empty() && detection.events.len() == 1;
    let guidance = rule.guidance.as_ref();
    NewDetection {
        id: new_id(),
        org_id: org_id.to_owned(),
        source_id: new.event.source_id.clone(),
        event_id: single.then(|| new.id.clone()),
        timestamp: detection.timestamp.unwrap_or(new.event.timestamp),
        kind: serde_json::to_value(detection.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        rule_id: rule.id.clone(),
        rule_title: rule.title.clone(),
        title_ja: guidance
            .map(|g| g.title_ja.clone())
            .filter(|t| !t.is_empty()),
        level: rule.level.as_str().to_owned(),
        tags: rule.tags.clone(),
        details: json!({
            "origin": rule.origin,
            "guidance": guidance,
            "group": detection.group,
            "value": detection.value,
            "matched": detection.matched,
            "event_count": detection.event_count,
            "events": detection.events,
        }),
    }
}

impl BatchInspector for LiveDetection {
    fn memory(&self) -> std::time::Duration {
        self.detector.correlation_window()
    }

    fn inspect(&mut self, events: &[NewEvent]) -> Vec<NewDetection> {
        self.reload_indicators_when_due();
        let mut out = Vec::new();
        for new in events.iter().filter(|e| e.parse_error.is_none()) {
            let Some(org_id) = new.event.org_id.clone() else {
                continue;
            };
            for detection in self.detect(new, &org_id) {
                out.push(stored_form(detection, new, &org_id));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn parsed(org: &str, line: &str) -> NewEvent {
        let mut event = mamori_parse::parse_line(mamori_parse::Format::LinuxAuth, line, Utc::now())
            .expect("sample line parses");
        event.org_id = Some(org.to_owned());
        event.source_id = Some(format!("src-{org}"));
        NewEvent {
            id: new_id(),
            event,
            parse_error: None,
            envelope_only: false,
        }
    }

    #[test]
    fn brute_force_is_correlated_per_organisation() {
        let mut live = DetectArgs::default()
            .load()
            .expect("built-in pack compiles");
        let failure = "Nov 22 10:00:01 web1 sshd[811]: Failed password for root from 203.0.113.9 port 52211 ssh2";
        let alpha: Vec<NewEvent> = (0..30).map(|_| parsed("alpha", failure)).collect();
        let found = live.inspect(&alpha);
        assert!(
            found
                .iter()
                .any(|d| d.kind == "correlation" && d.org_id == "alpha"),
            "thirty failures from one address are a brute-force detection: {found:?}"
        );
        // Beta's single failure must not complete alpha's groups.
        let beta = live.inspect(&[parsed("beta", failure)]);
        assert!(beta.iter().all(|d| d.kind != "correlation"));
        assert!(beta.iter().all(|d| d.org_id == "beta"));
    }

    #[test]
    fn recalled_events_count_towards_correlations_without_being_reported() {
        let mut live = DetectArgs::default()
            .load()
            .expect("built-in pack compiles");
        assert!(
            live.memory() > std::time::Duration::ZERO,
            "the pack correlates"
        );
        let failure = "Nov 22 10:00:01 web1 sshd[811]: Failed password for root from 203.0.113.9 port 52211 ssh2";
        let before: Vec<NewEvent> = (0..29).map(|_| parsed("alpha", failure)).collect();
        live.recall(&before);
        let found = live.inspect(&[parsed("alpha", failure)]);
        assert!(
            found.iter().any(|d| d.kind == "correlation"),
            "the thirtieth failure completes the brute force: {found:?}"
        );
    }

    #[test]
    fn dead_letters_are_not_evaluated() {
        let mut live = DetectArgs::default()
            .load()
            .expect("built-in pack compiles");
        let mut dead = parsed(
            "alpha",
            "Nov 22 10:00:01 web1 sshd[811]: Failed password for root from 203.0.113.9 port 52211 ssh2",
        );
        dead.parse_error = Some("broken".into());
        assert!(live.inspect(&[dead]).is_empty());
    }
}
