//! Golden corpus: every `tests/corpus/<format>/sample.log` is parsed with a fixed receive time
//! and compared, line by line, with `sample.expected.jsonl` (an event, or `{"error": …}` for
//! a line the parser must refuse). After a deliberate change, regenerate with
//! `MAMORI_BLESS=1 cargo test -p mamori-parse --test golden` and review the diff.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use mamori_parse::{Format, parse_line};
use serde_json::{Value, json};

/// The receive time of every corpus line: noon in Japan on 1 May 2024.
fn received_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-05-01T03:00:00Z")
        .expect("fixed time")
        .to_utc()
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// What the corpus says a line becomes: the event, or the error message.
fn outcome(format: Format, line: &str) -> Value {
    match parse_line(format, line, received_at()) {
        Ok(event) => serde_json::to_value(event).expect("events serialise"),
        Err(err) => json!({ "error": err.to_string() }),
    }
}

/// The keys whose values differ between two outcomes, one line each; nested objects (such
/// as `fields`) are compared key by key too, so a diff names `fields.dst_port`, not all of
/// `fields`.
fn key_diff(expected: &Value, actual: &Value, prefix: &str, out: &mut String) {
    let empty = serde_json::Map::new();
    let (e, a) = (
        expected.as_object().unwrap_or(&empty),
        actual.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = e.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (ev, av) = (e.get(key), a.get(key));
        match (ev, av) {
            (Some(x), Some(y)) if x == y => {}
            (Some(x @ Value::Object(_)), Some(y @ Value::Object(_))) => {
                key_diff(x, y, &format!("{prefix}{key}."), out)
            }
            _ => {
                let show = |v: Option<&Value>| v.map_or("(absent)".to_owned(), Value::to_string);
                let _ = writeln!(
                    out,
                    "    {prefix}{key}: expected {} got {}",
                    show(ev),
                    show(av)
                );
            }
        }
    }
}

fn check(format: Format) -> Result<(), String> {
    let dir = corpus_dir().join(format.as_str());
    let input = std::fs::read_to_string(dir.join("sample.log"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let actual: Vec<(usize, &str, Value)> = input
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| (i + 1, line, outcome(format, line)))
        .collect();
    let golden_path = dir.join("sample.expected.jsonl");
    if std::env::var_os("MAMORI_BLESS").is_some() {
        let mut text = String::new();
        for (_, _, value) in &actual {
            text.push_str(&serde_json::to_string(value).expect("serialises"));
            text.push('\n');
        }
        std::fs::write(&golden_path, text).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let golden = std::fs::read_to_string(&golden_path)
        .map_err(|e| format!("{}: {e} (bless with MAMORI_BLESS=1)", golden_path.display()))?;
    let expected: Vec<Value> = golden
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("{}: {e}", golden_path.display())))
        .collect::<Result<_, _>>()?;
    let mut report = String::new();
    if expected.len() != actual.len() {
        let _ = writeln!(
            report,
            "{}: {} lines in the corpus, {} in the golden file",
            format,
            actual.len(),
            expected.len()
        );
    }
    for ((number, line, got), want) in actual.iter().zip(&expected) {
        if got != want {
            let _ = writeln!(report, "{format} sample.log line {number}: {line}");
            key_diff(want, got, "", &mut report);
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

#[test]
fn every_corpus_matches_its_golden_file() {
    let failures: Vec<String> = Format::ALL
        .into_iter()
        .filter_map(|f| check(f).err())
        .collect();
    assert!(
        failures.is_empty(),
        "golden mismatch:\n{}",
        failures.join("\n")
    );
}

/// Formats `auto` must recognise on sight: for every line of their corpus that their own
/// parser reads, `auto` picks that parser, never a less specific one.
const RECOGNISED: [Format; 7] = [
    Format::Rtx,
    Format::Fortigate,
    Format::Filterlog,
    Format::Eve,
    Format::LinuxAuth,
    Format::Journald,
    Format::Windows,
];

#[test]
fn auto_picks_the_pinned_parser_for_every_line_it_reads() {
    let mut wrong = String::new();
    for format in RECOGNISED {
        let path = corpus_dir().join(format.as_str()).join("sample.log");
        let input = std::fs::read_to_string(&path).expect("corpus");
        for (number, line) in input.lines().enumerate() {
            let Ok(pinned) = parse_line(format, line, received_at()) else {
                continue;
            };
            // Lines from programs the Linux parser does not know (logrotate, ftpd) are plain
            // syslog to it too: generic syslog is then the most specific reading.
            let unclaimed = format == Format::LinuxAuth
                && pinned.category == mamori_model::Category::System
                && pinned.src_ip.is_none();
            if line.trim().is_empty() || unclaimed {
                continue;
            }
            let picked = parse_line(Format::Auto, line, received_at())
                .map(|e| e.format)
                .unwrap_or_else(|e| format!("error: {e}"));
            if picked != format.as_str() {
                let _ = writeln!(
                    wrong,
                    "{format} line {}: auto read it as {picked}",
                    number + 1
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "auto chose a less specific parser:\n{wrong}"
    );
}
