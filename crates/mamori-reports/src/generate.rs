//! Making a report: gather, compose, render to HTML and PDF, archive as the next version.

use std::sync::Arc;

use mamori_catalog::Lang;
use mamori_docs::PdfRenderer;
use mamori_model::Scope;
use mamori_model::Zone;
use mamori_store::{NewReport, Store, StoredReport, report_kind};
use serde_json::Value;

use crate::compose::{Edition, compose};
use crate::figures::gather;
use crate::month::Month;
use crate::{ReportError, overview, render};

/// A report ready to archive or write out.
pub struct Rendered {
    /// The composed document (every figure and sentence).
    pub doc: Value,
    /// The HTML file.
    pub html: String,
    /// The PDF file.
    pub pdf: Vec<u8>,
}

impl Rendered {
    /// The traffic light of the composed document.
    pub fn status(&self) -> &str {
        self.doc["status"].as_str().unwrap_or("green")
    }

    /// The headline as one paragraph.
    pub fn headline(&self) -> String {
        self.doc["headline"]
            .as_array()
            .map(|lines| {
                lines
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    }
}

/// Who asked for a report: what to record with it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `schedule`, `web`, `cli` or `api`.
    pub trigger: &'a str,
    /// The user who asked, if a person did.
    pub created_by: Option<&'a str>,
}

/// Makes and archives reports. Cheap to clone; the PDF renderer (fonts parsed once) is shared.
#[derive(Clone)]
pub struct Reporter {
    store: Store,
    pdf: Arc<dyn PdfRenderer>,
    public_url: Option<String>,
}

impl Reporter {
    /// A reporter over `store`, whose months and times follow the store's time zone.
    pub fn new(store: Store, pdf: Arc<dyn PdfRenderer>) -> Self {
        Reporter {
            store,
            pdf,
            public_url: None,
        }
    }

    /// The same reporter with the server's public address, so the readiness section can
    /// confirm the policy's public page.
    pub fn with_public_url(self, public_url: Option<String>) -> Self {
        Reporter { public_url, ..self }
    }

    /// The time zone months follow: the site's.
    pub fn zone(&self) -> Zone {
        self.store.zone()
    }

    /// The shared PDF renderer, also used for the organisation's documents.
    pub fn renderer(&self) -> &dyn PdfRenderer {
        self.pdf.as_ref()
    }

    /// The store reports are read from and archived in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Renders organisation `org_id`'s report for `month` without archiving it.
    pub async fn render_monthly(
        &self,
        org_id: &str,
        month: Month,
        lang: Lang,
    ) -> Result<Rendered, ReportError> {
        let code = lang.code();
        let figures = gather(
            &self.store,
            org_id,
            month,
            self.zone(),
            code,
            self.public_url.as_deref(),
        )
        .await?;
        let version = self.next_version(Some(org_id), month).await?;
        let doc = compose(
            &figures,
            Edition {
                lang,
                zone: self.zone(),
                generated_at: mamori_store::now(),
                version,
            },
        )?;
        self.render("monthly", doc).await
    }

    /// Renders incident `incident_id` of organisation `org_id` as a report in `lang` (not
    /// archived; it shows the incident as it stands).
    pub async fn render_incident(
        &self,
        org_id: &str,
        incident_id: &str,
        lang: Lang,
    ) -> Result<Rendered, ReportError> {
        let doc = crate::incident::compose(&self.store, org_id, incident_id, lang).await?;
        self.render("incident", doc).await
    }

    /// Renders and archives organisation `org_id`'s report for `month` as its next version.
    pub async fn monthly(
        &self,
        org_id: &str,
        month: Month,
        lang: Lang,
        request: Request<'_>,
    ) -> Result<StoredReport, ReportError> {
        let rendered = self.render_monthly(org_id, month, lang).await?;
        self.archive(
            Some(org_id),
            report_kind::MONTHLY,
            month,
            lang,
            &rendered,
            request,
        )
        .await
    }

    /// Renders the provider's overview of every organisation for `month` without archiving.
    pub async fn render_overview(&self, month: Month, lang: Lang) -> Result<Rendered, ReportError> {
        let mut rows = Vec::new();
        for org in self.store.orgs(&Scope::AllOrganisations).await? {
            let figures = gather(
                &self.store,
                &org.id,
                month,
                self.zone(),
                lang.code(),
                self.public_url.as_deref(),
            )
            .await?;
            rows.push(figures);
        }
        let version = self.next_version(None, month).await?;
        let doc = overview::compose(
            &rows,
            Edition {
                lang,
                zone: self.zone(),
                generated_at: mamori_store::now(),
                version,
            },
        )?;
        self.render("overview", doc).await
    }

    /// Renders and archives the provider's overview for `month`.
    pub async fn overview(
        &self,
        month: Month,
        lang: Lang,
        request: Request<'_>,
    ) -> Result<StoredReport, ReportError> {
        let rendered = self.render_overview(month, lang).await?;
        self.archive(None, report_kind::OVERVIEW, month, lang, &rendered, request)
            .await
    }

    async fn next_version(&self, org_id: Option<&str>, month: Month) -> Result<i64, ReportError> {
        let month = month.to_string();
        let all = Scope::AllOrganisations;
        let existing = match org_id {
            Some(id) => {
                self.store
                    .org_store(&all, id)
                    .await?
                    .reports()
                    .list()
                    .await?
            }
            None => self.store.overviews(&all).await?,
        };
        Ok(existing.iter().filter(|r| r.month == month).count() as i64 + 1)
    }

    /// HTML at once; the PDF on a blocking thread, since typesetting is CPU work.
    async fn render(&self, template: &'static str, doc: Value) -> Result<Rendered, ReportError> {
        let html = render::html(template, &doc)?;
        let pdf = self.pdf.clone();
        let (doc, pdf) = tokio::task::spawn_blocking(move || {
            let bytes = render::pdf(pdf.as_ref(), template, &doc);
            (doc, bytes)
        })
        .await
        .map_err(|e| ReportError::Broken(format!("PDF worker stopped: {e}")))?;
        Ok(Rendered {
            doc,
            html,
            pdf: pdf?,
        })
    }

    async fn archive(
        &self,
        org_id: Option<&str>,
        kind: &str,
        month: Month,
        lang: Lang,
        rendered: &Rendered,
        request: Request<'_>,
    ) -> Result<StoredReport, ReportError> {
        let mut data = rendered.doc.clone();
        if let Some(map) = data.as_object_mut() {
            // The charts are drawn from the figures; the archive keeps the figures once.
            map.remove("charts");
        }
        Ok(self
            .store
            .archive_report(&NewReport {
                org_id,
                kind,
                month: &month.to_string(),
                lang: lang.code(),
                status: rendered.status(),
                headline: &rendered.headline(),
                data: &data,
                html: &rendered.html,
                pdf: &rendered.pdf,
                trigger: request.trigger,
                created_by: request.created_by,
            })
            .await?)
    }
}
