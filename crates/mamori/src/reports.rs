//! Monthly reports from the command line (`mamori report`) and the schedule's settings for
//! `mamori serve` (`--report-day`, `--report-time` or `[reports]`); months follow the site's
//! time zone (`--timezone`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::NaiveTime;
use clap::{Args, ValueEnum};
use mamori_catalog::Lang;
use mamori_reports::deliver::{DeliverySettings, file_name};
use mamori_reports::{Month, Reporter, ScheduleSettings};
use serde::Deserialize;

use crate::config::StorageArgs;

/// When monthly reports go out, from flags and `[reports]`.
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportArgs {
    /// Day of the month on which last month's reports are made and sent, 1–28 [default: 1].
    #[arg(long = "report-day", env = "MAMORI_REPORT_DAY")]
    pub(crate) day: Option<u32>,
    /// Time of day for that, HH:MM [default: 06:00].
    #[arg(long = "report-time", env = "MAMORI_REPORT_TIME")]
    pub(crate) time: Option<String>,
    /// How many days the download link in a report e-mail works [default: 30].
    #[arg(long = "report-link-days", env = "MAMORI_REPORT_LINK_DAYS")]
    pub(crate) link_days: Option<i64>,
}

impl ReportArgs {
    /// These settings, with anything not given taken from the file's `[reports]`.
    pub fn or_file(self, file: ReportArgs) -> ReportArgs {
        ReportArgs {
            day: self.day.or(file.day),
            time: self.time.or(file.time),
            link_days: self.link_days.or(file.link_days),
        }
    }

    /// The schedule, with links to `public_url`.
    pub fn schedule(&self, public_url: Option<String>) -> anyhow::Result<ScheduleSettings> {
        let defaults = ScheduleSettings::default();
        let day = self.day.unwrap_or(defaults.day);
        if !(1..=28).contains(&day) {
            bail!("--report-day must be between 1 and 28 (every month has those days)");
        }
        let time = match &self.time {
            Some(text) => NaiveTime::parse_from_str(text, "%H:%M")
                .with_context(|| format!("--report-time {text:?} is not a time like 06:00"))?,
            None => defaults.time,
        };
        let link_days = self.link_days.unwrap_or(defaults.delivery.link_days);
        if link_days < 1 {
            bail!("--report-link-days must be at least 1");
        }
        Ok(ScheduleSettings {
            day,
            time,
            delivery: DeliverySettings {
                public_url,
                link_days,
            },
            ..defaults
        })
    }
}

/// The file format `mamori report` writes.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// PDF (A4, Japanese font embedded).
    Pdf,
    /// A self-contained HTML file.
    Html,
}

/// Options of `mamori report`.
#[derive(Args)]
pub struct ReportCommand {
    #[command(flatten)]
    storage: StorageArgs,
    /// The organisation (its id, as `admin create-org` printed it).
    #[arg(
        long,
        required_unless_present = "overview",
        conflicts_with = "overview"
    )]
    org: Option<String>,
    /// The provider's overview of every organisation instead of one organisation's report.
    #[arg(long)]
    overview: bool,
    /// The month, YYYY-MM [default: last month].
    #[arg(long)]
    month: Option<String>,
    /// pdf or html.
    #[arg(long, value_enum, default_value = "pdf")]
    format: Format,
    /// Language of the report: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
    /// Where to write it [default: mamori-monthly-YYYY-MM-vN.pdf in this folder].
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

/// Makes, archives and writes one report.
pub async fn run(args: ReportCommand) -> anyhow::Result<()> {
    let store = args.storage.open().await?;
    let lang: Lang = args.lang.parse()?;
    let month = match &args.month {
        Some(text) => text.parse::<Month>()?,
        None => Month::containing(mamori_store::now(), store.zone()).previous(),
    };
    let renderer =
        Arc::new(mamori_typst::TypstRenderer::new().context("cannot load the PDF fonts")?);
    let reporter = Reporter::new(store.clone(), renderer);
    let request = mamori_reports::Request {
        trigger: "cli",
        created_by: None,
    };
    eprintln!("making the {month} report …");
    let report = match &args.org {
        Some(org) => reporter.monthly(org, month, lang, request).await,
        None => reporter.overview(month, lang, request).await,
    }
    .with_context(|| format!("cannot make the report for {month}"))?;
    let scope = mamori_model::Scope::AllOrganisations;
    let (bytes, extension) = match args.format {
        Format::Pdf => (store.report_pdf(&scope, &report.id).await?, "pdf"),
        Format::Html => (
            store.report_html(&scope, &report.id).await?.into_bytes(),
            "html",
        ),
    };
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(file_name(&report, extension)));
    std::fs::write(&output, &bytes)
        .with_context(|| format!("cannot write {}", output.display()))?;
    eprintln!(
        "{} version {} ({}): {}\nwritten to {} ({} bytes, SHA-256 {})",
        report.month,
        report.version,
        report.status,
        report.headline,
        output.display(),
        bytes.len(),
        report.sha256
    );
    store.close().await;
    Ok(())
}
