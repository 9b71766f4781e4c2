//! Offline scanning (`mamori scan`): EVTX files, folders of them, and JSONL event files
//! are run through a [`Detector`]; one line per detection goes to the output and a summary
//! is returned. Files are scanned in parallel, and the EVTX parser reads each file's
//! chunks in parallel too.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use evtx::{EvtxParser, ParserSettings};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::detection::Detection;
use crate::detector::Detector;
use crate::error::DetectError;

/// How detections are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// One JSON object per line.
    Jsonl,
    /// One readable line per detection.
    Text,
}

/// What a scan looked at and found, for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ScanSummary {
    /// Files read.
    pub files: usize,
    /// Events evaluated.
    pub events: u64,
    /// Detection rules in force.
    pub rules: usize,
    /// Detections written.
    pub detections: u64,
    /// Events that could not be read (broken records, non-JSON lines).
    pub unreadable: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// One output line.
#[derive(Serialize)]
struct Line<'a> {
    rule_id: &'a str,
    rule_title: &'a str,
    level: &'a str,
    timestamp: Option<String>,
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_id: Option<u64>,
    event: &'a Value,
}

/// The files under `paths`: `.evtx`, `.json` and `.jsonl` files in folders (recursively),
/// and every file named directly.
pub fn input_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, DetectError> {
    let mut files = Vec::new();
    for path in paths {
        collect(path, true, &mut files)?;
    }
    files.sort();
    Ok(files)
}

fn collect(path: &Path, named: bool, out: &mut Vec<PathBuf>) -> Result<(), DetectError> {
    let read_err = |source| DetectError::Read {
        path: path.to_owned(),
        source,
    };
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(read_err)? {
            collect(&entry.map_err(read_err)?.path(), false, out)?;
        }
    } else if named
        || path.extension().is_some_and(|e| {
            ["evtx", "json", "jsonl"]
                .iter()
                .any(|x| e.eq_ignore_ascii_case(x))
        })
    {
        out.push(path.to_owned());
    }
    Ok(())
}

/// Scans `files` with `detector`, writing detections to `out`.
pub fn scan_files(
    detector: &Detector,
    files: &[PathBuf],
    format: OutputFormat,
    out: &mut (dyn Write + Send),
) -> Result<ScanSummary, DetectError> {
    let started = Instant::now();
    let out = Mutex::new(out);
    // The EVTX parser hands chunks to rayon and waits for them; it must not wait from
    // inside a rayon worker. One file: parse its chunks in parallel. Several: one thread
    // per file, files in parallel.
    let scan_one = |file: &PathBuf, evtx_threads: usize| -> Result<(u64, u64, u64), DetectError> {
        let mut lines = Vec::new();
        let (events, unreadable) =
            scan_file(detector, file, evtx_threads, &mut |record_id, detection| {
                if detection.rule.emit {
                    lines.push(render(detection, file, record_id, format));
                }
            })?;
        let mut out = out
            .lock()
            .map_err(|_| std::io::Error::other("output lock poisoned"))?;
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        Ok((events, unreadable, lines.len() as u64))
    };
    let totals: Result<Vec<(u64, u64, u64)>, DetectError> = match files {
        [single] => scan_one(single, 0).map(|t| vec![t]),
        _ => files.par_iter().map(|file| scan_one(file, 1)).collect(),
    };
    out.into_inner()
        .map_err(|_| std::io::Error::other("output lock poisoned"))?
        .flush()?;
    let mut summary = ScanSummary {
        files: files.len(),
        rules: detector.rule_count(),
        ..Default::default()
    };
    for (events, unreadable, detections) in totals? {
        summary.events += events;
        summary.unreadable += unreadable;
        summary.detections += detections;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Evaluates every event of one file; returns (events, unreadable).
fn scan_file(
    detector: &Detector,
    file: &Path,
    evtx_threads: usize,
    found: &mut dyn FnMut(Option<u64>, &Detection),
) -> Result<(u64, u64), DetectError> {
    let is_evtx = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("evtx"));
    let (mut events, mut unreadable) = (0, 0);
    if is_evtx {
        let evtx_err = |e: evtx::err::EvtxError| DetectError::Evtx {
            path: file.to_owned(),
            reason: e.to_string(),
        };
        let settings = ParserSettings::default()
            .num_threads(evtx_threads)
            .separate_json_attributes(false);
        let mut parser = EvtxParser::from_path(file)
            .map_err(evtx_err)?
            .with_configuration(settings);
        for record in parser.records_json_value() {
            let Ok(record) = record else {
                unreadable += 1;
                continue;
            };
            events += 1;
            for detection in detector.evaluate_json(&record.data) {
                found(Some(record.event_record_id), &detection);
            }
        }
    } else {
        let reader =
            BufReader::new(
                std::fs::File::open(file).map_err(|source| DetectError::Read {
                    path: file.to_owned(),
                    source,
                })?,
            );
        let stream = serde_json::Deserializer::from_reader(reader).into_iter::<Value>();
        for value in stream {
            let Ok(value) = value else {
                unreadable += 1;
                break;
            };
            events += 1;
            for detection in detector.evaluate_json(&value) {
                found(record_id_of(&value), &detection);
            }
        }
    }
    Ok((events, unreadable))
}

fn record_id_of(event: &Value) -> Option<u64> {
    let root = event.get("Event").unwrap_or(event);
    root.pointer("/System/EventRecordID")
        .or_else(|| event.get("EventRecordID"))
        .and_then(Value::as_u64)
}

fn render(
    detection: &Detection,
    file: &Path,
    record_id: Option<u64>,
    format: OutputFormat,
) -> String {
    let rule = &detection.rule;
    let timestamp = detection.timestamp.map(|t| t.to_rfc3339());
    match format {
        OutputFormat::Jsonl => {
            let line = Line {
                rule_id: &rule.id,
                rule_title: &rule.title,
                level: rule.level.as_str(),
                timestamp,
                file: file.display().to_string(),
                record_id,
                event: detection.events.first().unwrap_or(&Value::Null),
            };
            serde_json::to_string(&line).unwrap_or_default()
        }
        OutputFormat::Text => format!(
            "{} [{}] {} ({}) {}{}",
            timestamp.unwrap_or_else(|| "-".to_owned()),
            rule.level,
            rule.title,
            rule.id,
            file.display(),
            record_id.map(|r| format!("#{r}")).unwrap_or_default(),
        ),
    }
}
