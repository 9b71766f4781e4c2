//! The information asset ledger and risk analysis from the command line: `mamori risk export`
//! writes an organisation's ledger and risk analysis sheet as an Excel workbook in IPA's
//! layout, or the ledger alone as CSV.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use mamori_model::Scope;
use mamori_risk::LikelihoodTable;
use mamori_risk::ledger::write_csv;
use mamori_risk::workbook::write_xlsx;

use crate::config::StorageArgs;

/// `mamori risk …`.
#[derive(Subcommand)]
pub enum RiskCommand {
    /// Write an organisation's ledger and risk analysis to a file.
    Export(ExportArgs),
}

/// What `mamori risk export` writes.
#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// An Excel workbook: the ledger and the risk analysis sheet.
    Xlsx,
    /// The ledger alone, as CSV in the IPA columns.
    Csv,
}

/// Options of `mamori risk export`.
#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The organisation (its id, as `admin create-org` printed it).
    #[arg(long)]
    org: String,
    /// xlsx or csv.
    #[arg(long, default_value = "xlsx")]
    format: ExportFormat,
    /// Where to write it [default: risk-analysis.xlsx or information-assets.csv here].
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

/// Runs a `risk` subcommand.
pub async fn run(cmd: RiskCommand) -> anyhow::Result<()> {
    match cmd {
        RiskCommand::Export(args) => export(args).await,
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let store = args.storage.open().await?;
    let org = store
        .org_store(&Scope::AllOrganisations, &args.org)
        .await
        .with_context(|| format!("there is no organisation {}", args.org))?;
    let assets = org.assets().list().await?;
    let today = store.zone().today();
    let (file, default_name) = match args.format {
        ExportFormat::Xlsx => {
            let lines = org.risks().list().await?;
            let grid = store.provider().await?.and_then(|p| p.likelihood);
            let table = LikelihoodTable::of_provider(grid);
            let file = write_xlsx(&assets, &lines, &table, today)?;
            (file, "risk-analysis.xlsx")
        }
        ExportFormat::Csv => (write_csv(&assets), "information-assets.csv"),
    };
    let path = args.output.unwrap_or_else(|| PathBuf::from(default_name));
    std::fs::write(&path, file).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("{} assets written to {}", assets.len(), path.display());
    Ok(())
}
