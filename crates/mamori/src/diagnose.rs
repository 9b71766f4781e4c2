//! `mamori diagnose`: the 25-item self-assessment offline, from an answer file or by asking in
//! the terminal, with no server and no database.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use mamori_catalog::{
    Catalogs, DEFAULT_EDITION, Lang, ask_interactively, load_answers, render_text, score,
};

/// Output formats.
#[derive(Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    /// A readable report.
    Text,
    /// The result as JSON (`total`, `parts`, `problems`, `unknown` …).
    Json,
}

/// Options of `mamori diagnose`.
#[derive(Args)]
pub struct DiagnoseArgs {
    /// TOML or JSON file mapping item numbers "1".."25" to yes|partial|no|unknown; without it
    /// the questions are asked in the terminal.
    #[arg(long)]
    answers: Option<PathBuf>,
    /// Catalog edition.
    #[arg(long, default_value = DEFAULT_EDITION)]
    catalog: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
    /// Language of questions and report: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
}

/// Runs the command; exit status 1 on any error.
pub fn run(args: DiagnoseArgs) -> ExitCode {
    match diagnose(args) {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn diagnose(args: DiagnoseArgs) -> anyhow::Result<String> {
    let lang: Lang = args.lang.parse()?;
    let catalogs = Catalogs::builtin()?;
    let edition = catalogs.get(&args.catalog)?;
    let answers = match &args.answers {
        Some(path) => load_answers(&edition.self_assessment, path)?,
        None => {
            let stdin = std::io::stdin();
            ask_interactively(
                &edition.self_assessment,
                lang,
                stdin.lock(),
                std::io::stderr(),
            )?
        }
    };
    let result = score(edition, &answers)?;
    Ok(match args.format {
        OutputFormat::Text => render_text(&result, lang),
        OutputFormat::Json => serde_json::to_string_pretty(&result)?,
    })
}
