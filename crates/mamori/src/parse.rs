//! `mamori parse`: normalise log lines offline. Events go to standard output (buffered: one
//! write per block, not per line), failures and a closing summary (lines, parsed, envelope
//! only, failed) to standard error. Exit status 0 when every line parsed, 1 when some failed,
//! 2 on usage errors (including unreadable files).

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use mamori_parse::{Format, ParseSummary, parse_stream};

/// Options of `mamori parse`.
#[derive(Args)]
pub struct ParseArgs {
    /// auto, rtx, fortigate, filterlog, eve, rfc5424, rfc3164, linux-auth, journald, windows or json.
    #[arg(long, default_value = "auto")]
    format: Format,
    /// Print only the summary, not the events.
    #[arg(long)]
    stats: bool,
    /// Files to read; standard input when none are given.
    files: Vec<PathBuf>,
}

/// Runs the command.
pub fn run(args: ParseArgs) -> ExitCode {
    let stderr = std::io::stderr();
    // Standard output is line-buffered; events are written in blocks instead.
    let mut out: Box<dyn Write> = if args.stats {
        Box::new(std::io::sink())
    } else {
        Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock()))
    };
    let mut total = ParseSummary::default();
    let mut add = |summary: ParseSummary| total.add(summary);
    let result = if args.files.is_empty() {
        parse_stream(
            args.format,
            std::io::stdin().lock(),
            &mut out,
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
            parse_stream(args.format, BufReader::new(file), &mut out, stderr.lock()).map(&mut add)
        })
    };
    let _ = out.flush();
    let _ = writeln!(stderr.lock(), "{}", total.line());
    match result {
        Ok(()) => ExitCode::from(total.exit_code() as u8),
        Err(_) => ExitCode::from(2),
    }
}
