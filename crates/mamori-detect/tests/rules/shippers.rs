//! Windows events shipped live fire the same rules as the EVTX file given to `mamori scan`.
//! Each Sigma regression case's events (the EVTX reader's JSON beside each `.evtx`) are
//! turned into the JSON that Winlogbeat, NXLog and Fluent Bit would send for them, read by
//! the `windows` parser as the ingest API reads them, and evaluated as `mamori serve` does;
//! the rules that fire must be exactly those that fire on the EVTX form.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use mamori_detect::{Detector, Mapping, read_rules};
use mamori_parse::{Format, parse_line};
use mamori_testkit::windows::Shipper;
use serde_json::Value;

use crate::support::{data_dir, files_named, json_events};

/// Every regression case's EVTX-form events, with the case's folder.
fn cases() -> Vec<(String, Vec<Value>)> {
    let mut files = Vec::new();
    files_named(&data_dir().join("regression_data"), ".json", &mut files);
    files
        .iter()
        .map(|f| (f.display().to_string(), json_events(f)))
        .filter(|(_, events)| events.iter().any(|e| Shipper::Nxlog.render(e).is_some()))
        .collect()
}

/// A case's events as `shipper` would send them, one JSON line each.
fn shipped(events: &[Value], shipper: Shipper) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| shipper.render(e))
        .map(|v| v.to_string())
        .collect()
}

fn fired_on_model(
    detector: &Detector,
    lines: &[String],
    received: DateTime<Utc>,
) -> BTreeSet<String> {
    lines
        .iter()
        .flat_map(|line| {
            let event = parse_line(Format::Windows, line, received)
                .unwrap_or_else(|e| panic!("the windows parser refused {line}: {e}"));
            detector.evaluate_model(&event)
        })
        .map(|d| d.rule.id.clone())
        .collect()
}

#[test]
fn shipped_windows_events_fire_the_rules_the_evtx_fires() {
    let data = data_dir();
    if !data.join("regression_data").is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "shippers: {} is absent in CI",
            data.display()
        );
        eprintln!("shippers: skipped, the Sigma data is absent");
        return;
    }
    let mut texts = Vec::new();
    for dir in ["rules", "rules-emerging-threats", "rules-threat-hunting"] {
        texts.extend(read_rules(&data.join(dir)).expect("rules readable"));
    }
    let (detector, _) = Detector::compile(&texts, Mapping::builtin());
    let received = Utc::now();
    let (mut compared, mut firing, mut differences) = (0, 0, Vec::new());
    for (case, events) in cases() {
        let on_evtx: BTreeSet<String> = events
            .iter()
            .flat_map(|e| detector.evaluate_json(e))
            .map(|d| d.rule.id.clone())
            .collect();
        for shipper in Shipper::ALL {
            let lines = shipped(&events, shipper);
            let on_shipped = fired_on_model(&detector, &lines, received);
            compared += 1;
            firing += usize::from(!on_shipped.is_empty());
            if on_shipped != on_evtx {
                differences.push(format!(
                    "{case} via {}: only on the EVTX {:?}, only shipped {:?}",
                    shipper.name(),
                    on_evtx.difference(&on_shipped).collect::<Vec<_>>(),
                    on_shipped.difference(&on_evtx).collect::<Vec<_>>()
                ));
            }
        }
    }
    println!(
        "shippers: {compared} case × shipper comparisons, {firing} with rules firing, {} differ",
        differences.len()
    );
    // 202 of the cases fire their rule on the EVTX form (the conformance floor).
    assert!(
        firing >= 3 * 202,
        "too few cases fired: {firing} of {compared}"
    );
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
