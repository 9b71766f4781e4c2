//! The Sigma project's own regression cases: for each case, the named rule must fire on the
//! case's events when the whole public rule set is loaded. Reads `MAMORI_SIGMA_DATA`
//! (default `../shared/data/sigma` beside the workspace) and skips with a message when the
//! data is absent, except in CI (`CI` set), where that is a failure.

use crate::support::{data_dir, files_named, json_events};
use mamori_detect::{Detector, Mapping, RuleStatus, read_rules};

/// Cases that passed when this floor was set; the test fails if fewer pass.
const FLOOR: usize = 202;

/// The rule id an `info.yml` names.
fn rule_id(info: &str) -> Option<String> {
    let start = info.find("rule_metadata:")?;
    info[start..]
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("- id:")
                .or_else(|| l.trim().strip_prefix("id:"))
        })
        .map(|id| id.trim().to_owned())
}

#[test]
fn sigma_regression_cases() {
    let data = data_dir();
    let regression = data.join("regression_data");
    if !regression.is_dir() {
        // CI always has the data: there, a missing folder is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "conformance: {} is absent in CI (set MAMORI_SIGMA_DATA)",
            regression.display()
        );
        eprintln!(
            "conformance: skipped, {} is absent (set MAMORI_SIGMA_DATA)",
            regression.display()
        );
        return;
    }
    let mut texts = Vec::new();
    for dir in ["rules", "rules-emerging-threats", "rules-threat-hunting"] {
        texts.extend(read_rules(&data.join(dir)).expect("rules readable"));
    }
    let (detector, reports) = Detector::compile(&texts, Mapping::builtin());
    let invalid: Vec<_> = reports
        .iter()
        .filter(|r| matches!(r.status, RuleStatus::Invalid(_)))
        .collect();
    eprintln!(
        "conformance: {} rules loaded, {} invalid",
        detector.rule_count(),
        invalid.len()
    );
    let mut infos = Vec::new();
    files_named(&regression, "info.yml", &mut infos);
    let (mut passed, mut total, mut failures) = (0, 0, Vec::new());
    for info in infos {
        let text = std::fs::read_to_string(&info).expect("info readable");
        let Some(id) = rule_id(&text) else { continue };
        let dir = info.parent().expect("case folder");
        let mut files = Vec::new();
        files_named(dir, ".json", &mut files);
        let events: Vec<_> = files.iter().flat_map(|f| json_events(f)).collect();
        if events.is_empty() {
            continue;
        }
        total += 1;
        let fired = events
            .iter()
            .any(|e| detector.evaluate_json(e).iter().any(|d| d.rule.id == id));
        if fired {
            passed += 1;
        } else {
            let why = reports
                .iter()
                .find(|r| r.rule_id == id)
                .map_or("rule not loaded".to_owned(), |r| format!("{:?}", r.status));
            failures.push(format!("{} ({why})", dir.display()));
        }
    }
    println!("conformance: {passed}/{total} passed");
    for failure in &failures {
        println!("  failed: {failure}");
    }
    assert!(passed >= FLOOR, "conformance fell to {passed}/{total}");
}
