//! The archive of monthly security reports: every generated version kept unchanged with its
//! content hash (regenerating adds a version, never overwrites), each organisation's delivery
//! settings, and the expiring download links that e-mails carry instead of attachments.

use mamori_model::Scope;
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Actor, AuditAction, record};
use crate::tenant::Reports;
use crate::{Store, StoreError, new_id, now, secrets};

/// Report kinds.
pub mod report_kind {
    /// One organisation's month.
    pub const MONTHLY: &str = "monthly";
    /// The provider's overview of every organisation's month.
    pub const OVERVIEW: &str = "overview";
}

/// A report to archive: the rendered files and the figures they show.
pub struct NewReport<'a> {
    /// The organisation; `None` for the provider's overview.
    pub org_id: Option<&'a str>,
    /// One of [`report_kind`].
    pub kind: &'a str,
    /// The month reported on, `YYYY-MM`.
    pub month: &'a str,
    /// Language of the text (`ja` or `en`).
    pub lang: &'a str,
    /// Traffic light: `green`, `amber` or `red`.
    pub status: &'a str,
    /// The one- or two-sentence headline.
    pub headline: &'a str,
    /// The figures shown, as JSON.
    pub data: &'a serde_json::Value,
    /// The HTML document.
    pub html: &'a str,
    /// The PDF document.
    pub pdf: &'a [u8],
    /// What made it: `schedule`, `web`, `cli` or `api`.
    pub trigger: &'a str,
    /// The user who asked for it, if a person did.
    pub created_by: Option<&'a str>,
}

/// An archived report without its files, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredReport {
    /// Identifier.
    pub id: String,
    /// The organisation; `None` for the provider's overview.
    pub org_id: Option<String>,
    /// One of [`report_kind`].
    pub kind: String,
    /// `YYYY-MM`.
    pub month: String,
    /// 1 for the first generation of the month, then 2, 3 …
    pub version: i64,
    /// Language of the text.
    pub lang: String,
    /// Traffic light.
    pub status: String,
    /// The headline.
    pub headline: String,
    /// Hex SHA-256 over the PDF bytes followed by the HTML bytes.
    pub sha256: String,
    /// Size of the PDF in bytes.
    pub pdf_bytes: i64,
    /// What made it.
    pub trigger: String,
    /// Who asked for it.
    pub created_by: Option<String>,
    /// When it was made.
    pub created_at: i64,
}

/// Who receives an organisation's monthly report, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportSettings {
    /// E-mail addresses; empty means the organisation's contact address.
    pub recipients: Vec<String>,
    /// Language of the report and the e-mail.
    pub lang: String,
    /// `attachment` (the PDF attached) or `link` (a download link that expires).
    pub delivery: String,
}

/// The content hash recorded with a report: SHA-256 over the PDF, then the HTML.
pub fn report_hash(pdf: &[u8], html: &str) -> String {
    mamori_model::sha256_hex(&[pdf, html.as_bytes()])
}

const SUMMARY_COLUMNS: &str = "id, org_id, kind, month, version, lang, status, headline, sha256, \
     CAST(LENGTH(pdf) AS BIGINT), trigger, created_by, created_at";

fn summary_from_row(row: &sqlx::any::AnyRow) -> Result<StoredReport, StoreError> {
    Ok(StoredReport {
        id: row.try_get(0)?,
        org_id: row.try_get(1)?,
        kind: row.try_get(2)?,
        month: row.try_get(3)?,
        version: row.try_get(4)?,
        lang: row.try_get(5)?,
        status: row.try_get(6)?,
        headline: row.try_get(7)?,
        sha256: row.try_get(8)?,
        pdf_bytes: row.try_get(9)?,
        trigger: row.try_get(10)?,
        created_by: row.try_get(11)?,
        created_at: row.try_get(12)?,
    })
}

/// Whether `scope` may read a report of `org_id` (the overview is for provider staff only).
fn may_read(scope: &Scope, org_id: Option<&str>) -> bool {
    match org_id {
        Some(org) => scope.permits(org),
        None => scope.only_org().is_none(),
    }
}

impl Store {
    /// Archives a report as the next version of its month and returns it. Nothing archived
    /// is ever changed or deleted.
    pub async fn archive_report(&self, report: &NewReport<'_>) -> Result<StoredReport, StoreError> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        let latest: Option<i64> = sqlx::query(
            "SELECT MAX(version) FROM reports
             WHERE kind = $1 AND month = $2 AND (org_id = $3 OR (org_id IS NULL AND $3 IS NULL))",
        )
        .bind(report.kind)
        .bind(report.month)
        .bind(report.org_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        sqlx::query(
            "INSERT INTO reports (id, org_id, kind, month, version, lang, status, headline, data,
                                  html, pdf, sha256, trigger, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(&id)
        .bind(report.org_id)
        .bind(report.kind)
        .bind(report.month)
        .bind(latest.unwrap_or(0) + 1)
        .bind(report.lang)
        .bind(report.status)
        .bind(report.headline)
        .bind(report.data.to_string())
        .bind(report.html)
        .bind(report.pdf.to_vec())
        .bind(report_hash(report.pdf, report.html))
        .bind(report.trigger)
        .bind(report.created_by)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.report(&Scope::AllOrganisations, &id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The provider's overview reports (across organisations), newest month and version
    /// first; for provider staff only. An organisation's own: [`Reports::list`].
    pub async fn overviews(&self, scope: &Scope) -> Result<Vec<StoredReport>, StoreError> {
        if scope.only_org().is_some() {
            return Err(StoreError::NotFound);
        }
        self.reports_of(None).await
    }

    /// Archived reports of `org_id` (the overviews with `None`), newest month and version
    /// first; the caller has checked the scope.
    pub(crate) async fn reports_of(
        &self,
        org_id: Option<&str>,
    ) -> Result<Vec<StoredReport>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} FROM reports
             WHERE (org_id = $1 OR (org_id IS NULL AND $1 IS NULL))
             ORDER BY month DESC, version DESC"
        )))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// One archived report, when `scope` may see it.
    pub async fn report(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<Option<StoredReport>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUMMARY_COLUMNS} FROM reports WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(report) = row.as_ref().map(summary_from_row).transpose()? else {
            return Ok(None);
        };
        Ok(may_read(scope, report.org_id.as_deref()).then_some(report))
    }

    /// The PDF of an archived report, when `scope` may see it.
    pub async fn report_pdf(&self, scope: &Scope, id: &str) -> Result<Vec<u8>, StoreError> {
        self.report_file(scope, id, "pdf")
            .await?
            .try_get(0)
            .map_err(Into::into)
    }

    /// The HTML of an archived report, when `scope` may see it.
    pub async fn report_html(&self, scope: &Scope, id: &str) -> Result<String, StoreError> {
        self.report_file(scope, id, "html")
            .await?
            .try_get(0)
            .map_err(Into::into)
    }

    /// The figures (JSON) of an archived report, when `scope` may see it.
    pub async fn report_data(
        &self,
        scope: &Scope,
        id: &str,
    ) -> Result<serde_json::Value, StoreError> {
        let text: String = self.report_file(scope, id, "data").await?.try_get(0)?;
        serde_json::from_str(&text).map_err(|e| StoreError::corrupt("reports.data", e))
    }

    async fn report_file(
        &self,
        scope: &Scope,
        id: &str,
        column: &'static str,
    ) -> Result<sqlx::any::AnyRow, StoreError> {
        self.report(scope, id).await?.ok_or(StoreError::NotFound)?;
        Ok(sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {column} FROM reports WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Creates a download link for a report that works without signing in until
    /// `expires_at`. Returns the token; only its digest is stored.
    pub async fn create_report_link(
        &self,
        report: &StoredReport,
        expires_at: i64,
    ) -> Result<String, StoreError> {
        let org_id = report.org_id.as_deref().ok_or(StoreError::NotFound)?;
        let token = secrets::random_token("mrl_");
        sqlx::query(
            "INSERT INTO report_links (token_hash, report_id, org_id, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(secrets::digest(&token))
        .bind(&report.id)
        .bind(org_id)
        .bind(expires_at)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(token)
    }

    /// The report a download link points to, while the link is valid at `at`.
    pub async fn report_by_link(
        &self,
        token: &str,
        at: i64,
    ) -> Result<Option<StoredReport>, StoreError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT report_id, org_id FROM report_links WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(secrets::digest(token))
        .bind(at)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some((report_id, org_id)) => {
                self.report(&Scope::Organisation(org_id), &report_id).await
            }
            None => Ok(None),
        }
    }
}

impl Reports<'_> {
    /// The organisation's archived reports, newest month and version first.
    pub async fn list(&self) -> Result<Vec<StoredReport>, StoreError> {
        self.org.store.reports_of(Some(self.org.id())).await
    }

    /// Saves who receives the organisation's report and how (checked by the caller).
    pub async fn set_settings(
        &self,
        actor: &Actor,
        settings: &ReportSettings,
    ) -> Result<(), StoreError> {
        let org_id = self.org.id();
        let mut tx = self.org.store.begin_write().await?;
        sqlx::query(
            "INSERT INTO report_settings (org_id, recipients, lang, delivery, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (org_id) DO UPDATE SET recipients = excluded.recipients,
                 lang = excluded.lang, delivery = excluded.delivery, updated_at = excluded.updated_at",
        )
        .bind(org_id)
        .bind(settings.recipients.join(","))
        .bind(&settings.lang)
        .bind(&settings.delivery)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            AuditAction::ReportsSettingsChanged,
            Some(org_id),
            Some(&settings.recipients.join(", ")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's report settings, if it has chosen any.
    pub async fn settings(&self) -> Result<Option<ReportSettings>, StoreError> {
        let org_id = self.org.id();
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT recipients, lang, delivery FROM report_settings WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_optional(&self.org.store.pool)
        .await?;
        Ok(row.map(|(recipients, lang, delivery)| ReportSettings {
            recipients: recipients
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
            lang,
            delivery,
        }))
    }
}
