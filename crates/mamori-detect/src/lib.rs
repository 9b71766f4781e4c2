//! mamori's detection engine: Sigma detection rules, filters and correlations, indicator
//! lists, offline scanning, and mamori's own rule pack for SME edge devices and servers.
//!
//! The crate does no I/O except reading the rule, mapping and indicator files its caller
//! names. [`Detector::compile`] turns rule texts into a detector and a report per rule;
//! [`Detector::evaluate_json`] / [`Detector::evaluate_model`] return [`Detection`]s;
//! [`Correlator`] turns a stream of detections into correlation detections, and
//! [`Detector::evaluate_model_correlated`] does both for a normalised event;
//! [`IndicatorSet`] matches address, domain, URL and hash lists; [`check_rules`] and
//! `scan_files` (feature `evtx`) are the offline `mamori rules check` and `mamori scan`.
//!
//! # Why it is built on rsigma, and what mamori adds
//! Measured on this machine (2 cores) before deciding, with rsigma-parser / rsigma-eval
//! 0.23 alone (`Engine::add_rules` + `Engine::evaluate`, release build):
//! - conformance: 200 of the 202 Sigma regression cases fired their rule (the two misses
//!   were a `UserData` event and a Defender event whose fields a flat JSON rendering loses);
//! - compiling the 3,141 rules of `rules/`: 1.4 s parsing + 1.2 s compiling, 239 MiB peak;
//! - matching with the 2,407 Windows rules on the regression events: 8,400 events/s —
//!   far below the 100,000 events/s per core mamori needs, because every rule is tried;
//! - its correlation windows follow arrival order, so late events are miscounted.
//!
//! So mamori keeps rsigma's parser and per-rule matcher (complete modifier support, the
//! best conformance available) and owns the rest: a log-source router driven by data files
//! ([`Mapping`]), Aho-Corasick indexes over each rule's required literals so most rules
//! are never evaluated, Sigma filters, `expand` placeholders from configuration, Windows
//! and mamori event views, an event-time correlation engine with bounded memory, indicator
//! sets, and the offline tools.
//!
//! The result on the same machine (`cargo bench -p mamori-detect`, release, on jemalloc as
//! `mamori serve` runs; single runs on this shared machine vary by up to ±20 %, so changes
//! were judged by alternating runs and by valgrind's instruction counts): conformance 202
//! of 202 (JSON and EVTX); compiling `rules/` 0.3 s with a 112 MiB peak; with the 2,397
//! Windows rules on one core, Winlogbeat lines of a benign working day parsed and matched
//! at 106,000-111,000 events/s (parsing alone ~242,000/s, matching alone 207,000-214,000/s),
//! and the regression events (every one malicious, 1.3 detections each) at ~45,000
//! events/s live (matching alone ~75,000) and 49,000-70,000 as EVTX JSON; normalised
//! network events against mamori's pack at ~395,000-413,000 events/s with
//! [`Detector::evaluate_model`] and ~685,000 on the serve path,
//! [`Detector::evaluate_model_correlated`], where every match also goes through the
//! correlator. That path is faster than plain evaluation because the pack's
//! network rules only feed correlations (`generate: false`): their matches are never
//! rendered as JSON. No correlation fires on the bench's five repeated events, so
//! rendering samples of fired correlations is not in that figure.
//!
//! How matching works. Each rule's literals are recorded with the field they must occur in
//! (`literals.rs`); the index keeps one automaton per field key, runs it only over the
//! strings of fields some literal names (a Windows event's GUIDs, times and `xmlns` are
//! never scanned), and counts a hit only for the rules testing that field, so a literal in
//! the wrong field no longer makes a rule a candidate (~8 candidates per Windows process
//! event). Keyword literals keep one automaton per log source, run once over the event's
//! strings joined. Rule conditions are evaluated by mamori's own yes/no evaluator over
//! rsigma's compiled detections (`eval.rs`): detection names are resolved at compile
//! time, field names are numbered
//! across all rules so an event's field is looked up once per event, not once per rule,
//! and the common string tests (exact, contains, prefix, suffix, regular expressions and
//! literal sets, with or without case) run on the cached value, lowercased at most once.
//! An event is rendered as JSON once whatever the number of its detections, and the fixed
//! look-up tables (field keys, log-source routes, aliases, rule ids) use a fast hash.
//!
//! Correlations read group-by and value fields as the event's JSON rendering holds them, so
//! groups do not depend on the path: on the serve path the normalised event is read
//! directly and copied (once per event) only as a sample, rendered when a correlation
//! fires. Each group keeps running counts (events, distinct values, distinct rules) of the
//! window ending at its newest entry; a detection arriving in order is decided from them,
//! and only late detections or conditions that are not "at least" slide a window over the
//! group, updating counts as entries enter and leave rather than sorting each window.
//!
//! Where a Windows event's time goes (valgrind, per benign Winlogbeat line; 130,000
//! instructions before the last round of work, 108,000 after): parsing ~45,000 and freeing
//! the event ~11,000, most of it building and dropping the EVTX form's `serde_json` maps
//! (B-tree inserts and allocations; a faster JSON reader changed nothing, jemalloc gained
//! ~15 %); matching ~51,000: the walk and per-field automata ~17,000, rule conditions
//! ~15,000 for ~8 candidates per process event (three of them rules no literal can index:
//! negations, number-like passwords), the keyword search ~6,000, routing ~2,000, and the
//! JSON copy of events with detections (`Event::to_json`, a clone rather than serde's
//! serializer, which took 28,000 a copy). What made the difference: rules' regexes run
//! without Unicode classes on ASCII text (`ascii_regex.rs`; a Unicode `\w{1,64}` had
//! fallen back to a backtracker at 3.5 µs a call), short literals with a rare character
//! (`` ` ``, `^`, `{`) are indexed, log-source routes settle `Channel` then `EventID` by map
//! look-ups, and keywords are searched once over the event's strings joined, first asking
//! whether any occurs with a vectorised leftmost search. Next levers, not yet measured: a
//! typed form of Windows events instead of JSON maps (the largest cost left), look rules'
//! hash literals up in a hash set of the `Hashes` tokens instead of an automaton; running
//! sums for `value_sum` / `value_avg` and an order-statistics structure for
//! `value_percentile` / `value_median`, which still recompute each window they test.

mod ascii_regex;
mod audit_fields;
mod check;
mod compile;
mod correlate;
mod detection;
mod detector;
mod error;
mod eval;
mod fallback;
mod hash;
mod index;
mod indicators;
mod literals;
mod mapping;
mod regex_literals;
mod report;
mod rewrite;
#[cfg(feature = "evtx")]
mod scan;
mod source;
mod timestamp;
mod view;

pub use check::{check_rules, load_rule_texts};
pub use correlate::{Correlator, CorrelatorConfig};
pub use detection::{Detection, DetectionKind, Guidance, RuleMeta};
pub use detector::Detector;
pub use error::DetectError;
pub use indicators::IndicatorSet;
pub use mapping::{IndicatorKind, Mapping};
pub use report::{ReportCounts, RuleReport, RuleStatus};
#[cfg(feature = "evtx")]
pub use scan::{OutputFormat, ScanSummary, input_files, scan_files};
pub use source::{RuleText, builtin_pack, read_rules};
pub use timestamp::event_time;
pub use view::{JsonView, ModelView};
