//! `mamori rules check`: compile Sigma rules and report each as ok, unsupported or invalid.
//! Exit status 0 when no rule is invalid, 1 when some are, 2 on unreadable folders.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use mamori_detect::{Mapping, check_rules};

/// Subcommands of `mamori rules`.
#[derive(Subcommand)]
pub enum RulesCommand {
    /// Compile rules and report per rule: ok / unsupported (why) / invalid (why).
    Check(CheckArgs),
}

/// Options of `mamori rules check`.
#[derive(Args)]
pub struct CheckArgs {
    /// Rule folder or file (repeatable); the built-in rule pack when none is given.
    #[arg(long = "rules")]
    rules: Vec<PathBuf>,
    /// Extra log-source and field mapping, added to the built-in one.
    #[arg(long)]
    mapping: Option<PathBuf>,
}

/// Runs the command.
pub fn run(command: RulesCommand) -> ExitCode {
    let RulesCommand::Check(args) = command;
    let mapping = match load_mapping(args.mapping.as_deref()) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match check_rules(&args.rules, mapping, &mut std::io::stdout().lock()) {
        Ok(counts) if counts.invalid > 0 => ExitCode::FAILURE,
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The built-in mapping, with the file at `extra` added on top.
pub fn load_mapping(
    extra: Option<&std::path::Path>,
) -> Result<Mapping, mamori_detect::DetectError> {
    let mut mapping = Mapping::builtin();
    if let Some(path) = extra {
        mapping.merge(&Mapping::load(path)?)?;
    }
    Ok(mapping)
}
