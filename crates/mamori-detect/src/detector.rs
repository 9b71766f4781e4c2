//! The detector mamori owns: compile rules once, then evaluate each event against only the
//! rules the index says could match.

use std::sync::Arc;

use rsigma_eval::event::Event;
use serde_json::Value;

use crate::compile::{CompiledEntry, CompiledFilter, compile_texts};
use crate::correlate::{CorrelationSet, Correlator, CorrelatorConfig};
use crate::detection::{Detection, DetectionKind};
use crate::eval::{FieldCache, FieldNames};
use crate::index::Index;
use crate::mapping::Mapping;
use crate::report::RuleReport;
use crate::source::RuleText;
use crate::timestamp::event_time;
use crate::view::{JsonView, Leaves, ModelView};

/// Compiled Sigma rules, filters and correlations with their index. Immutable once built,
/// so one detector can serve many threads.
pub struct Detector {
    mapping: Arc<Mapping>,
    rules: Vec<CompiledEntry>,
    filters: Vec<CompiledFilter>,
    /// The field names rules and filters test.
    fields: FieldNames,
    index: Index,
    correlations: Arc<CorrelationSet>,
}

impl Detector {
    /// Compiles `texts` with `mapping`. Every rule, filter and correlation comes back in the
    /// report list as ok, unsupported (with why) or invalid (with why).
    pub fn compile(texts: &[RuleText], mapping: Mapping) -> (Self, Vec<RuleReport>) {
        let compiled = compile_texts(texts, &mapping);
        let mut rules = compiled.rules;
        let mut filters = compiled.filters;
        let mut fields = FieldNames::default();
        for matcher in rules
            .iter_mut()
            .map(|r| &mut r.matcher)
            .chain(filters.iter_mut().map(|f| &mut f.matcher))
        {
            matcher.number_fields(&mut fields);
        }
        let mut reports = compiled.reports;
        let correlations = CorrelationSet::compile(compiled.correlations, &mut rules, &mut reports);
        let index = Index::build(
            rules.iter().map(|r| (r.requires, r.literals.as_deref())),
            &mapping,
        );
        let detector = Self {
            mapping: Arc::new(mapping),
            rules,
            filters,
            fields,
            index,
            correlations: Arc::new(correlations),
        };
        (detector, reports)
    }

    /// How far back a correlation looks: the longest timespan of the loaded correlations
    /// (zero without any). A correlator fed the events of this long before now counts as
    /// one that saw them arrive.
    pub fn correlation_window(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.correlations.longest_span().max(0) as u64)
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

    /// Evaluates one of mamori's normalised events and feeds every match to `correlator`
    /// (made by this detector), as `mamori serve` does. Returns the detections of rules that
    /// report on their own, each with the event as JSON, then the correlations the matches
    /// completed. Matches of rules that only feed correlations (`generate: false`) are not
    /// rendered: the correlator reads their group-by and value fields from the event as its
    /// JSON would hold them, and renders the event only when a correlation it is a sample
    /// of fires.
    pub fn evaluate_model_correlated(
        &self,
        event: &mamori_model::Event,
        correlator: &mut Correlator,
    ) -> Vec<Detection> {
        let view = ModelView::new(event, &self.mapping);
        let fired = self.fired(&view);
        let emitting: Vec<u32> = fired
            .iter()
            .copied()
            .filter(|&rule| self.rules[rule as usize].meta.emit)
            .collect();
        let mut found = self.detections(&emitting, &view);
        for detection in &mut found {
            detection.timestamp = Some(event.timestamp);
        }
        let mut copy = None;
        for &rule in &fired {
            let id = &self.rules[rule as usize].meta.id;
            correlator.observe_model(id, view, &mut copy, event.timestamp, &mut found);
        }
        found
    }

    /// Evaluates an event view against the indexed rules.
    pub(crate) fn evaluate(&self, event: &impl Leaves) -> Vec<Detection> {
        self.detections(&self.fired(event), event)
    }

    /// The rules that fire on an event view, in index order.
    fn fired(&self, event: &impl Leaves) -> Vec<u32> {
        let tags = self.mapping.tags_of(event);
        let mut candidates = Vec::new();
        self.index.candidates(tags, event, &mut candidates);
        let mut fields = FieldCache::new(event, &self.fields);
        candidates.retain(|&rule| self.fires(&self.rules[rule as usize], &mut fields));
        candidates
    }

    /// Evaluates every rule whose log source fits, without the literal index, and renders
    /// the event once per detection: the reference the index and the shared rendering are
    /// tested against.
    #[cfg(test)]
    pub(crate) fn evaluate_unindexed(&self, event: &impl Event) -> Vec<Detection> {
        let tags = self.mapping.tags_of(event);
        self.rules
            .iter()
            .filter(|r| r.requires & tags == r.requires)
            .filter(|r| self.fires(r, &mut FieldCache::new(event, &self.fields)))
            .map(|r| Detection::of_event(r.meta.clone(), DetectionKind::Rule, event.to_json()))
            .collect()
    }

    /// Whether `rule` matches and none of its filters silences it.
    fn fires<E: Event>(&self, rule: &CompiledEntry, fields: &mut FieldCache<'_, E>) -> bool {
        rule.matcher.matches(fields)
            && !rule
                .filters
                .iter()
                .any(|&f| self.filters[f].matcher.matches(fields))
    }

    /// The detections of `fired` rules on `event`. The event is rendered as JSON once, at
    /// most: rendering (a serialisation or deep copy) costs more than matching, and most
    /// events fire no rule.
    fn detections(&self, fired: &[u32], event: &impl Event) -> Vec<Detection> {
        let Some((&last, rest)) = fired.split_last() else {
            return Vec::new();
        };
        let json = event.to_json();
        let detection = |rule: u32, json| {
            let meta = self.rules[rule as usize].meta.clone();
            Detection::of_event(meta, DetectionKind::Rule, json)
        };
        let mut found: Vec<Detection> = rest.iter().map(|&r| detection(r, json.clone())).collect();
        found.push(detection(last, json));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Some beyond ASCII: the Kelvin sign and long s, which a case-insensitive regex takes
    /// for `k` and `s`; a German sharp s, which uppercases to two letters; an emoji.
    const WORDS: [&str; 10] = [
        "alpha",
        "Bravo",
        "charlie",
        "delta-x",
        "echo/y",
        "foxtrot",
        "\u{212A}ilo",
        "\u{17F}tage",
        "stra\u{DF}e",
        "\u{1F600}x",
    ];

    /// Rules over a small vocabulary, so random events hit and miss their literals, in
    /// the fields the rules test and in others.
    fn rules(product: &str) -> Vec<RuleText> {
        let bodies = [
            "a: {F1|contains: alpha}\n    condition: a",
            "a: {F1|endswith: bravo}\n    b: {F2|startswith: charlie}\n    condition: a and b",
            "a: {F1|contains: alpha}\n    b: {F2: foxtrot}\n    condition: a or b",
            "a: {F1|contains: alpha}\n    condition: not a",
            "a: {F2|windash|contains: '-x'}\n    condition: a",
            "k: [echo, delta]\n    condition: k",
            "k: ['\u{17F}tage', 'stra\u{DF}e', '\u{212A}ilo']\n    condition: k",
            "a: {F1|re: '^al'}\n    condition: a",
            "s_1: {F1: 'char*'}\n    s_2: {F2|contains|all: [foxtrot, alpha]}\n    condition: 1 of s_*",
            "s_1: {F1|cased: Bravo}\n    s_2: {F2|exists: true}\n    condition: all of s_*",
            "a: {F3|gt: 3}\n    condition: a",
            "a: {SourceIp|contains: bravo}\n    condition: a",
            "a: {Provider_Name|contains: alpha}\n    condition: a",
            "a: {Event.EventData.F2|contains: charlie}\n    condition: a",
            "a: {fields.nest.F6|contains: charlie}\n    condition: a",
            "a: {F5|startswith: delta}\n    condition: a",
            "a: {F1|contains: [alpha, bravo]}\n    b: {F4|endswith: echo/y}\n    condition: a and b",
            "a: {user|contains: foxtrot}\n    condition: a",
            "a: {F1|re|i: 'kilo'}\n    condition: a",
            "a: {F2|contains: KILO}\n    condition: a",
            "a: {F4|re: 'stra(\u{DF}|ss)e'}\n    condition: a",
            "a: {F1|contains: '\u{1F600}'}\n    condition: a",
            "a: {F2|re|i: 'Stage'}\n    b: {F1|re: '(?i)al.ha|bravo'}\n    condition: a or b",
        ];
        bodies
            .iter()
            .enumerate()
            .map(|(i, body)| RuleText {
                origin: format!("r{i}"),
                text: format!("title: r{i}\nid: r{i}\nlogsource: {{product: {product}}}\ndetection:\n    {body}\n"),
            })
            .collect()
    }

    fn ids(found: &[Detection]) -> Vec<String> {
        let mut ids: Vec<String> = found.iter().map(|d| d.rule.id.clone()).collect();
        ids.sort();
        ids
    }

    /// Words for each of the fields rules test (or do not), picked at random.
    fn texts() -> impl Strategy<Value = Vec<Option<String>>> {
        let text = (
            proptest::collection::vec(0..WORDS.len(), 0..3),
            any::<bool>(),
        )
            .prop_map(|(picks, upper)| {
                let s = picks
                    .iter()
                    .map(|&i| WORDS[i])
                    .collect::<Vec<_>>()
                    .join(" ");
                if upper { s.to_uppercase() } else { s }
            });
        proptest::collection::vec(proptest::option::of(text), 7)
    }

    proptest! {
        #[test]
        fn index_agrees_with_evaluating_every_rule(
            texts in texts(),
            f3 in 0..6i64,
            windows in any::<bool>(),
        ) {
            let (detector, reports) = Detector::compile(&rules("windows"), Mapping::builtin());
            prop_assert!(reports.iter().all(|r| r.status == crate::RuleStatus::Ok));
            // Flat events name the fields as rules do, or by an alias; Windows events keep
            // them in `EventData` (one with a space, as Defender writes them) and `System`.
            let names = if windows {
                ["F1", "F2", "F4", "src_ip", "", "F 5", "user"]
            } else {
                ["F1", "F2", "F4", "src_ip", "ProviderName", "F5", "user"]
            };
            let mut data = json!({"F3": f3});
            for (name, text) in names.iter().zip(&texts) {
                if let (false, Some(text)) = (name.is_empty(), text) {
                    data[*name] = json!(text);
                }
            }
            data["nest"] = json!({"F6": texts[0], "F7": texts[2]});
            let event = if windows {
                let mut system = json!({"Channel": "Security", "EventID": 1});
                if let Some(name) = &texts[4] {
                    system["Provider"] = json!({"#attributes": {"Name": name}});
                }
                json!({"Event": {"System": system, "EventData": data}})
            } else {
                data["Channel"] = json!("Security");
                data["EventID"] = json!(1);
                data
            };
            let view = JsonView::new(&event, detector.mapping());
            let found = detector.evaluate(&view);
            prop_assert_eq!(ids(&found), ids(&detector.evaluate_unindexed(&view)));
            prop_assert!(found.iter().all(|d| d.events == [event.clone()]));
        }

        #[test]
        fn index_agrees_on_normalised_events(texts in texts(), ip in any::<bool>()) {
            let (detector, reports) = Detector::compile(&rules("mamori"), Mapping::builtin());
            prop_assert!(reports.iter().all(|r| r.status == crate::RuleStatus::Ok));
            let mut event = mamori_model::Event::new("rtx", "raw", chrono::DateTime::UNIX_EPOCH);
            event.src_ip = ip.then(|| std::net::IpAddr::from([192, 0, 2, 1]));
            event.user = texts[6].clone();
            event.message = texts[5].clone();
            for (name, text) in ["F1", "F2", "F4"].iter().zip(&texts) {
                if let Some(text) = text {
                    event.fields.insert((*name).to_owned(), json!(text));
                }
            }
            event.fields.insert("nest".to_owned(), json!({"F6": texts[3], "F7": texts[4]}));
            let view = ModelView::new(&event, detector.mapping());
            // The same detections, in the same order, each with the whole event, as when
            // every rule is tried and the event rendered for each detection.
            prop_assert_eq!(detector.evaluate(&view), detector.evaluate_unindexed(&view));
            let json = serde_json::to_value(&event).expect("event renders");
            prop_assert!(detector.evaluate_model(&event).iter().all(|d| d.events == [json.clone()]));
        }
    }

    #[test]
    fn windash_reads_slashes_and_every_dash_alike_both_ways() {
        for written in ["' /accepteula'", "' -accepteula'"] {
            let text = format!(
                "title: w\nid: w\nlogsource: {{product: windows}}\ndetection:\n    \
                 a: {{CommandLine|windash|contains: {written}}}\n    condition: a\n"
            );
            let rules = [RuleText {
                origin: "w".into(),
                text,
            }];
            let (detector, reports) = Detector::compile(&rules, Mapping::builtin());
            assert!(
                reports.iter().all(|r| r.status == crate::RuleStatus::Ok),
                "{reports:?}"
            );
            for dash in ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"] {
                let event = json!({
                    "Channel": "Security",
                    "EventID": 1,
                    "CommandLine": format!("psexec.exe {dash}accepteula \\\\host cmd"),
                });
                assert_eq!(
                    detector.evaluate_json(&event).len(),
                    1,
                    "rule {written} on {dash}"
                );
            }
            let plain =
                json!({"Channel": "Security", "EventID": 1, "CommandLine": "psexec accepteula"});
            assert!(detector.evaluate_json(&plain).is_empty(), "{written}");
        }
    }

    /// One rule of `category` with `detection`, compiled with the built-in mapping.
    fn windows_rule(category: &str, detection: &str) -> Detector {
        let rules = [RuleText {
            origin: "t".into(),
            text: format!(
                "title: t\nid: t\nlogsource: {{product: windows, category: {category}}}\n\
                 detection:\n{detection}\n    condition: selection\n"
            ),
        }];
        let (detector, reports) = Detector::compile(&rules, Mapping::builtin());
        assert!(
            reports.iter().all(|r| r.status == crate::RuleStatus::Ok),
            "{reports:?}"
        );
        detector
    }

    #[test]
    fn a_process_creation_rule_fires_on_security_4688() {
        let detector = windows_rule(
            "process_creation",
            "    selection:\n        Image|endswith: '\\\\whoami.exe'\n        \
             ParentImage|endswith: '\\\\cmd.exe'\n        User|contains: 'AUTHORI'\n        \
             IntegrityLevel: System\n        ProcessId: 420",
        );
        let event = |image: &str| {
            json!({"Event": {
                "System": {"Channel": "Security", "EventID": 4688},
                "EventData": {
                    "NewProcessName": image,
                    "ParentProcessName": "C:\\Windows\\System32\\cmd.exe",
                    "CommandLine": "whoami /all",
                    "SubjectUserName": "SYSTEM",
                    "SubjectDomainName": "NT AUTHORITY",
                    "MandatoryLabel": "S-1-16-16384",
                    "NewProcessId": "0x1a4",
                    "ProcessId": "0x2b0",
                }
            }})
        };
        let found = detector.evaluate_json(&event("C:\\Windows\\System32\\whoami.exe"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            detector
                .evaluate_json(&event("C:\\Windows\\System32\\hostname.exe"))
                .is_empty()
        );
    }

    #[test]
    fn a_network_connection_rule_fires_on_security_5156() {
        let detector = windows_rule(
            "network_connection",
            "    selection:\n        Image|endswith: '\\\\powershell.exe'\n        \
             DestinationPort: 4444\n        DestinationIp|startswith: '203.0.113.'\n        \
             Initiated: 'true'\n        Protocol: tcp",
        );
        let event = |direction: &str| {
            json!({"Event": {
                "System": {"Channel": "Security", "EventID": 5156},
                "EventData": {
                    "Application": "\\device\\harddiskvolume3\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe",
                    "Direction": direction,
                    "SourceAddress": "192.168.1.23",
                    "SourcePort": "51234",
                    "DestAddress": "203.0.113.45",
                    "DestPort": "4444",
                    "Protocol": "6",
                }
            }})
        };
        assert_eq!(detector.evaluate_json(&event("%%14593")).len(), 1);
        assert!(
            detector.evaluate_json(&event("%%14592")).is_empty(),
            "inbound is not initiated"
        );
    }

    /// Every `.json` file under `dir`, each holding one or more concatenated JSON events.
    fn json_files(dir: &std::path::Path, out: &mut Vec<serde_json::Value>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                out.extend(
                    serde_json::Deserializer::from_str(&text)
                        .into_iter::<serde_json::Value>()
                        .map_while(Result::ok),
                );
            }
        }
    }

    #[test]
    fn the_index_loses_no_rule_of_the_public_windows_set() {
        let data =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/sigma");
        if !data.join("regression_data").is_dir() {
            assert!(
                std::env::var_os("CI").is_none(),
                "the Sigma data is absent in CI"
            );
            return;
        }
        let texts = crate::read_rules(&data.join("rules/windows")).expect("rules");
        let (detector, _) = Detector::compile(&texts, Mapping::builtin());
        let mut events = Vec::new();
        json_files(&data.join("regression_data"), &mut events);
        let benign = include_str!("../tests/benign/windows.jsonl");
        events.extend(benign.lines().filter_map(|l| serde_json::from_str(l).ok()));
        assert!(events.len() > 200);
        let ids = |found: Vec<Detection>| -> Vec<String> {
            let mut ids: Vec<String> = found.into_iter().map(|d| d.rule.id.clone()).collect();
            ids.sort();
            ids.dedup();
            ids
        };
        let now = chrono::Utc::now();
        for event in &events {
            // As `mamori scan` reads it, and as the ingest reads what Winlogbeat sends (every
            // number as text).
            let view = JsonView::new(event, detector.mapping());
            assert_eq!(
                ids(detector.evaluate(&view)),
                ids(detector.evaluate_unindexed(&view)),
                "{event}"
            );
            let Some(shipped) = mamori_testkit::windows::Shipper::Winlogbeat.render(event) else {
                continue;
            };
            let model =
                mamori_parse::parse_line(mamori_parse::Format::Windows, &shipped.to_string(), now)
                    .expect("parses");
            let view = ModelView::new(&model, detector.mapping());
            assert_eq!(
                ids(detector.evaluate(&view)),
                ids(detector.evaluate_unindexed(&view)),
                "{shipped}"
            );
        }
    }
}
