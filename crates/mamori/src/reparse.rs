//! `mamori reparse`: reads dead letters (lines that failed to parse) again with the current
//! parsers, after a parser fix; those that now parse become normal events.

use clap::Args;

use crate::config::StorageArgs;

/// Options of `mamori reparse`.
#[derive(Args)]
pub struct ReparseArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Only this organisation's dead letters.
    #[arg(long)]
    org: Option<String>,
    /// Only this source's dead letters.
    #[arg(long)]
    source: Option<String>,
}

/// Runs the command and prints what it did.
pub async fn run(args: ReparseArgs) -> anyhow::Result<()> {
    let store = args.storage.open().await?;
    let summary =
        mamori_ingest::rework::reparse(&store, args.org.as_deref(), args.source.as_deref()).await?;
    println!(
        "examined {} dead letters: {} now parsed, {} still failing",
        summary.examined, summary.fixed, summary.still_failing
    );
    store.close().await;
    Ok(())
}
