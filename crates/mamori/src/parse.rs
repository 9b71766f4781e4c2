//! `mamori parse`: normalise log lines offline. Exit status 0 when every line parsed, 1 when
//! some failed, 2 on usage errors (including unreadable files).

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use mamori_parse::{Format, ParseSummary, parse_stream};

/// Options of `mamori parse`.
#[derive(Args)]
pub struct ParseArgs {
    /// auto, rtx, fortigate, filterlog, eve, rfc5424, rfc3164, linux-auth or json.
    #[arg(long, default_value = "auto")]
    format: Format,
    /// Files to read; standard input when none are given.
    files: Vec<PathBuf>,
}

/// Runs the command.
pub fn run(args: ParseArgs) -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut total = ParseSummary::default();
    let mut add = |summary: ParseSummary| {
        total.parsed += summary.parsed;
        total.failed += summary.failed;
    };
    let result = if args.files.is_empty() {
        parse_stream(
            args.format,
            std::io::stdin().lock(),
            stdout.lock(),
            stderr.lock(),
        )
        .map(&mut add)
    } else {
        args.files.iter().try_for_each(|path| {
            let file = match File::open(path) {
                Ok(f) => f,
                Err(e) => {
                    let _ = writeln!(stderr.lock(), "error: cannot read {}: {e}", path.display());
                    return Err(std::io::Error::other("unreadable input"));
                }
            };
            parse_stream(
                args.format,
                BufReader::new(file),
                stdout.lock(),
                stderr.lock(),
            )
            .map(&mut add)
        })
    };
    match result {
        Ok(()) => ExitCode::from(total.exit_code() as u8),
        Err(_) => ExitCode::from(2),
    }
}
