//! E-mailing an archived report to the organisation's recipients: the PDF attached, or a
//! download link that expires, as the organisation chose.

use mamori_catalog::Lang;
use mamori_model::Scope;
use mamori_notify::{Mail, MailAttachment, Notifier, Receipt};
use mamori_store::{ReportSettings, Store, StoreError, StoredReport};

use crate::ReportError;
use crate::month::Month;
use crate::words::{Words, words};

/// How reports are e-mailed.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// The address people reach mamori at, for links (`https://mamori.example.jp`).
    pub public_url: Option<String>,
    /// How many days a download link works.
    pub link_days: i64,
}

/// The organisation's settings, or the defaults (Japanese, attached); with no recipients
/// chosen the report goes to the organisation's contact address.
pub async fn settings_or_default(
    store: &Store,
    org_id: &str,
) -> Result<ReportSettings, ReportError> {
    let scope = Scope::Organisation(org_id.to_owned());
    let org = match store.org_store(&scope, org_id).await {
        Err(StoreError::NotFound) => {
            return Err(ReportError::UnknownOrganisation(org_id.to_owned()));
        }
        other => other?,
    };
    let mut settings = org
        .reports()
        .settings()
        .await?
        .unwrap_or_else(|| ReportSettings {
            recipients: Vec::new(),
            lang: "ja".into(),
            delivery: "attachment".into(),
        });
    if settings.recipients.is_empty() {
        settings.recipients = Some(org.org().contact_email.clone())
            .filter(|a| !a.trim().is_empty())
            .into_iter()
            .collect();
    }
    Ok(settings)
}

/// The report's file name: `mamori-report-2026-11-v1.pdf`.
pub fn file_name(report: &StoredReport, extension: &str) -> String {
    format!(
        "mamori-{}-{}-v{}.{extension}",
        report.kind, report.month, report.version
    )
}

/// Sends `report` to `settings.recipients`; Ok carries the mail server's answer.
pub async fn send(
    store: &Store,
    notifier: &Notifier,
    delivery: &DeliverySettings,
    report: &StoredReport,
    settings: &ReportSettings,
    org_name: &str,
) -> Result<Receipt, ReportError> {
    let lang: Lang = settings.lang.parse().unwrap_or_default();
    let w = words(lang)?;
    let month: Month = report
        .month
        .parse()
        .map_err(|e: crate::BadMonth| ReportError::Broken(e.to_string()))?;
    let month_label = w.month(month.first_day());
    let title = Words::word(&w.labels, "title");
    let status = Words::word(&w.status, &report.status);
    let subject = format!("【{title}】{month_label} {org_name} — {status}");
    let base = delivery
        .public_url
        .as_deref()
        .unwrap_or("")
        .trim_end_matches('/');
    let org_id = report.org_id.as_deref().unwrap_or_default();
    let portal = format!("{base}/orgs/{org_id}/reports");
    let mut lines = vec![
        format!("{org_name}"),
        String::new(),
        report.headline.clone(),
        String::new(),
    ];
    let attachment = if settings.delivery == "link" {
        let expires = mamori_store::now() + delivery.link_days * 86_400;
        let token = store.create_report_link(report, expires).await?;
        lines.push(format!("{base}/report-links/{token}"));
        lines.push(
            lang.pick(
                &format!("（このリンクは{}日間有効です）", delivery.link_days),
                &format!("(this link works for {} days)", delivery.link_days),
            )
            .to_owned(),
        );
        None
    } else {
        Some(MailAttachment {
            filename: file_name(report, "pdf"),
            content_type: "application/pdf".into(),
            bytes: store
                .report_pdf(&Scope::AllOrganisations, &report.id)
                .await?,
        })
    };
    lines.push(String::new());
    lines.push(portal.clone());
    lines.push(format!("SHA-256: {}", report.sha256));
    let text = lines.join("\n");
    let html = format!(
        "<p>{}</p><pre style=\"font-family:inherit;white-space:pre-wrap\">{}</pre>",
        mamori_notify::escape_html(&subject),
        mamori_notify::escape_html(&text)
    );
    Ok(notifier
        .send_mail(
            &settings.recipients,
            &Mail {
                subject,
                text,
                html,
                attachment,
            },
        )
        .await?)
}
