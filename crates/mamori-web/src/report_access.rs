//! Who may do what with monthly reports, and the shared steps pages and API both take, so
//! the two cannot disagree.

use mamori_model::User;
use mamori_reports::{Month, Reporter, Request};
use mamori_store::{ReportSettings, StoredReport};

use crate::i18n::{Lang, Messages};

/// The month a request names, or last month in the reporter's time zone; the error is the
/// message to show, in `lang`.
pub(crate) fn month_or_last(
    reporter: &Reporter,
    text: Option<&str>,
    lang: Lang,
) -> Result<Month, String> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t
            .parse::<Month>()
            .map_err(|_| lang.tf("reports.error.month", &[("month", t)])),
        None => Ok(last_month(reporter)),
    }
}

/// Last month in the reporter's time zone: what a report made today is about.
pub(crate) fn last_month(reporter: &Reporter) -> Month {
    Month::containing(mamori_store::now(), reporter.zone()).previous()
}

/// Makes and archives organisation `org_id`'s report for `month` on behalf of `user`.
pub(crate) async fn make(
    reporter: &Reporter,
    user: &User,
    org_id: &str,
    month: Month,
    lang: Lang,
    trigger: &str,
) -> Result<StoredReport, mamori_reports::ReportError> {
    reporter
        .monthly(
            org_id,
            month,
            lang,
            Request {
                trigger,
                created_by: Some(&user.id),
            },
        )
        .await
}

/// Checks submitted report settings: addresses, language and delivery; the error is a
/// sentence in `lang`.
pub(crate) fn settings_from(
    lang: Lang,
    recipients: &str,
    report_lang: &str,
    delivery: &str,
) -> Result<ReportSettings, String> {
    let recipients: Vec<String> = recipients
        .split([',', '\n', ' ', '、'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(bad) = recipients
        .iter()
        .find(|r| mamori_notify::parse_address(r).is_err())
    {
        return Err(lang.tf("reports.error.address", &[("address", bad)]));
    }
    if report_lang.parse::<Lang>().is_err() {
        return Err(lang.t("reports.error.lang"));
    }
    if !matches!(delivery, "attachment" | "link") {
        return Err(lang.t("reports.error.delivery"));
    }
    Ok(ReportSettings {
        recipients,
        lang: report_lang.to_owned(),
        delivery: delivery.to_owned(),
    })
}

/// The report language to use when a request names none: the reader's.
pub(crate) fn report_lang(lang: Lang, asked: Option<&str>) -> Lang {
    asked.and_then(|a| a.parse().ok()).unwrap_or(lang)
}
