//! Monthly security reports an SME owner understands and keeps.
//!
//! Data flows one way: [`figures::gather`] reads the daily roll-ups, hourly source counters
//! and the alert, incident and answer tables (never raw events); [`compose::compose`] turns
//! the figures into sentences, tables and charts in Japanese or English; [`render`] writes
//! the same composed document as HTML (minijinja) and PDF (typst, with the embedded
//! IPAexGothic font); [`Reporter`] archives every version unchanged with its hash; the
//! [`schedule`] makes every organisation's report on the 1st and e-mails it with retries.

pub mod compose;
pub mod deliver;
pub mod figures;
mod generate;
pub mod incident;
pub mod month;
pub mod overview;
pub mod render;
pub mod schedule;
pub mod words;

use std::sync::LazyLock;

use mamori_catalog::{CatalogError, Catalogs, DEFAULT_EDITION, Edition};

pub use generate::{Rendered, Reporter, Request};
pub use month::{BadMonth, Month};
pub use schedule::{RunningReports, ScheduleSettings};

/// What can go wrong while making or sending a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Reading or writing the database failed.
    #[error(transparent)]
    Store(#[from] mamori_store::StoreError),
    /// A stored assessment could not be scored.
    #[error("self-assessment: {0}")]
    Catalog(#[from] CatalogError),
    /// The organisation does not exist (or is another tenant's).
    #[error("no organisation with id {0}")]
    UnknownOrganisation(String),
    /// The PDF could not be made.
    #[error("PDF: {0}")]
    Pdf(#[from] mamori_docs::RenderError),
    /// The HTML template failed.
    #[error("HTML: {0}")]
    Html(#[from] minijinja::Error),
    /// Built-in wording or a stored value is broken (a bug).
    #[error("{0}")]
    Broken(String),
    /// The e-mail could not be sent.
    #[error("e-mail: {0}")]
    Mail(#[from] mamori_notify::NotifyError),
}

static CATALOGS: LazyLock<Result<Catalogs, CatalogError>> = LazyLock::new(Catalogs::builtin);

/// The catalog edition `id` (the default edition for `None`), for scoring stored answers.
pub(crate) fn catalog_edition(id: Option<&str>) -> Result<&'static Edition, ReportError> {
    let catalogs = CATALOGS
        .as_ref()
        .map_err(|e| ReportError::Broken(e.to_string()))?;
    Ok(catalogs.get(id.unwrap_or(DEFAULT_EDITION))?)
}
