//! `mamori scan`: run Sigma rules over EVTX files, folders of them, or JSONL event files,
//! printing one detection per line and a summary to standard error. Exit status 0 when the
//! scan finished, 2 on unreadable rules or inputs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use mamori_detect::{Detector, OutputFormat, input_files, load_rule_texts, scan_files};

use crate::rules::load_mapping;

/// How detections are printed.
#[derive(Clone, Copy, ValueEnum)]
enum Output {
    /// One JSON object per line.
    Jsonl,
    /// One readable line per detection.
    Text,
}

/// Options of `mamori scan`.
#[derive(Args)]
pub struct ScanArgs {
    /// Rule folder or file (repeatable); the built-in rule pack when none is given.
    #[arg(long = "rules")]
    rules: Vec<PathBuf>,
    /// Extra log-source and field mapping, added to the built-in one.
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    format: Output,
    /// `.evtx` files, folders of them, or JSONL event files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// Runs the command.
pub fn run(args: ScanArgs) -> ExitCode {
    let prepared = load_mapping(args.mapping.as_deref()).and_then(|mapping| {
        let texts = load_rule_texts(&args.rules)?;
        let files = input_files(&args.paths)?;
        Ok((mapping, texts, files))
    });
    let (mapping, texts, files) = match prepared {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (detector, reports) = Detector::compile(&texts, mapping);
    let skipped = reports
        .len()
        .saturating_sub(detector.rule_count() + detector.correlation_count());
    let format = match args.format {
        Output::Jsonl => OutputFormat::Jsonl,
        Output::Text => OutputFormat::Text,
    };
    match scan_files(
        &detector,
        &files,
        format,
        &mut std::io::BufWriter::new(std::io::stdout()),
    ) {
        Ok(s) => {
            eprintln!(
                "scanned {} files, {} events ({} unreadable), {} rules loaded ({} not loaded: see `mamori rules check`), {} detections in {:.2} s",
                s.files, s.events, s.unreadable, s.rules, skipped, s.detections, s.seconds
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
