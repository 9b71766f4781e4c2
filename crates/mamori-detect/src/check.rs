//! `mamori rules check`: compile rule folders and say, per rule, whether it is in force,
//! unsupported (and why) or invalid (and why).

use std::io::Write;
use std::path::PathBuf;

use crate::detector::Detector;
use crate::error::DetectError;
use crate::mapping::Mapping;
use crate::report::{ReportCounts, RuleReport, RuleStatus};
use crate::source::{RuleText, builtin_pack, read_rules};

/// The rule texts of `dirs`, or the built-in pack when none are named.
pub fn load_rule_texts(dirs: &[PathBuf]) -> Result<Vec<RuleText>, DetectError> {
    if dirs.is_empty() {
        return Ok(builtin_pack());
    }
    let mut texts = Vec::new();
    for dir in dirs {
        texts.extend(read_rules(dir)?);
    }
    Ok(texts)
}

/// Compiles the rules of `dirs` (the built-in pack when empty) with `mapping`, writes one
/// line per rule and a summary to `out`, and returns the counts; the caller exits 1 when
/// any rule is invalid.
pub fn check_rules(
    dirs: &[PathBuf],
    mapping: Mapping,
    out: &mut dyn Write,
) -> Result<ReportCounts, DetectError> {
    let texts = load_rule_texts(dirs)?;
    let (_, mut reports) = Detector::compile(&texts, mapping);
    reports.sort_by(|a, b| (&a.origin, &a.rule_id).cmp(&(&b.origin, &b.rule_id)));
    for report in &reports {
        writeln!(out, "{}", render(report))?;
    }
    let counts = ReportCounts::of(&reports);
    writeln!(
        out,
        "{} rules: {} ok, {} unsupported, {} invalid",
        reports.len(),
        counts.ok,
        counts.unsupported,
        counts.invalid
    )?;
    Ok(counts)
}

fn render(report: &RuleReport) -> String {
    let name = if report.title.is_empty() {
        report.origin.clone()
    } else {
        format!("{} ({})", report.title, report.origin)
    };
    match &report.status {
        RuleStatus::Ok => format!("ok           {name}"),
        RuleStatus::Unsupported(why) => format!("unsupported  {name}: {why}"),
        RuleStatus::Invalid(why) => format!("invalid      {name}: {why}"),
    }
}
