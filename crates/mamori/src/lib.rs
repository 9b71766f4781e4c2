//! The `mamori` command as a library: [`run`] is the whole command line (the binary's `main`
//! calls only it), and [`serve::start_from`] starts exactly what `mamori serve` runs, so flow
//! tests boot the real server through the same code.

mod admin;
mod alerting;
mod bench;
mod bench_alerts;
mod bench_cluster;
mod cluster;
mod config;
mod detection;
mod diagnose;
mod docs;
mod ingest;
mod logging;
mod parse;
mod reparse;
mod reports;
mod risk;
mod rules;
mod scan;
pub mod serve;
mod sources;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mamori — security for small and medium businesses: everyday measures and 24-hour
/// monitoring in one program.
#[derive(Parser)]
#[command(name = "mamori", version, about, long_about = None)]
struct Cli {
    /// Log as text (default) or as JSON lines.
    #[arg(long, global = true, env = "MAMORI_LOG_FORMAT", value_enum)]
    log_format: Option<logging::LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (portal, console and API).
    Serve(Box<serve::ServeArgs>),
    /// Administration for scripts: setup, organisations, users, tokens.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Score the 25-item self-assessment offline, from a file or by asking in the terminal.
    Diagnose(diagnose::DiagnoseArgs),
    /// Parse log lines into normalised JSON events (stdin or files).
    Parse(parse::ParseArgs),
    /// Check Sigma rules: which compile, which are unsupported or invalid, and why.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Run Sigma rules over EVTX or JSONL files offline.
    Scan(scan::ScanArgs),
    /// Parse stored dead letters again after a parser fix.
    Reparse(reparse::ReparseArgs),
    /// Make a monthly security report (PDF or HTML), archive it and write it to a file.
    Report(Box<reports::ReportCommand>),
    /// Write the basic policy, handbook or regulations (DOCX, PDF or HTML); list parameters.
    #[command(subcommand)]
    Docs(docs::DocsCommand),
    /// The information asset ledger and risk analysis: `risk export --org ID -o FILE`.
    #[command(subcommand)]
    Risk(risk::RiskCommand),
    /// Benchmarks: `bench ingest --rate N --duration S`.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// Runs the `mamori` command line with the process's arguments and returns its exit status.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Diagnose(args) => diagnose::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Rules(cmd) => rules::run(cmd),
        Command::Scan(args) => scan::run(args),
        Command::Serve(args) => run_async(cli.log_format, |format| serve::run(*args, format)),
        Command::Admin(cmd) => run_async(cli.log_format, |_| admin::run(cmd)),
        Command::Reparse(args) => run_async(cli.log_format, |_| reparse::run(args)),
        Command::Docs(cmd) => run_async(cli.log_format, |_| docs::run(cmd)),
        Command::Report(args) => run_async(cli.log_format, |_| reports::run(*args)),
        Command::Risk(cmd) => run_async(cli.log_format, |_| risk::run(cmd)),
        Command::Bench(cmd) => run_async(cli.log_format, |format| {
            // Warnings only: the figures are what a benchmark prints.
            logging::init(format.unwrap_or(logging::LogFormat::Text), "warn");
            bench::run(cmd)
        }),
    }
}

/// Runs an async command on a multi-threaded runtime and turns errors into exit status 1
/// (2 when a document lacks parameters).
fn run_async<F, Fut>(log_format: Option<logging::LogFormat>, command: F) -> ExitCode
where
    F: FnOnce(Option<logging::LogFormat>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(command(log_format)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<docs::MissingParameters>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
