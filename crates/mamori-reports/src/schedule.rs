//! The monthly schedule: on the configured day and time (default the 1st at 06:00,
//! Asia/Tokyo) every organisation's report for the previous month is generated, archived
//! and e-mailed. The work is a durable queue of jobs in the database, so a restart or a
//! failing mail server delays reports but never loses or doubles them; failures are retried
//! with back-off and stay visible to the provider.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveTime, Timelike};
use mamori_catalog::Lang;
use mamori_model::ReportJobStatus;
use mamori_model::Zone;
use mamori_notify::Notifier;
use mamori_store::ReportJob;
use tokio::sync::watch;

use crate::ReportError;
use crate::deliver::{self, DeliverySettings};
use crate::generate::{Reporter, Request};
use crate::month::Month;

/// When and how the monthly reports go out.
#[derive(Debug, Clone)]
pub struct ScheduleSettings {
    /// Day of the month (1–28).
    pub day: u32,
    /// Local time of day.
    pub time: NaiveTime,
    /// Seconds to wait after each failed attempt; the job gives up after the last.
    pub retry_secs: Vec<i64>,
    /// Links and link lifetime in e-mails.
    pub delivery: DeliverySettings,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        ScheduleSettings {
            day: 1,
            time: NaiveTime::from_hms_opt(6, 0, 0).unwrap_or_default(),
            retry_secs: vec![60, 300, 1800, 3600, 6 * 3600],
            delivery: DeliverySettings {
                public_url: None,
                link_days: 30,
            },
        }
    }
}

impl ScheduleSettings {
    /// The month whose reports are due at `now` in `zone`: the previous month, once this
    /// month's scheduled moment has passed.
    pub fn due_month(&self, now: i64, zone: Zone) -> Option<Month> {
        let this = Month::containing(now, zone);
        let day = this.first_day().with_day0(self.day.clamp(1, 28) - 1)?;
        let at = zone.midnight(day) + i64::from(self.time.num_seconds_from_midnight());
        (now >= at).then(|| this.previous())
    }
}

/// What one pass of the schedule did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    /// Jobs created because the schedule came due.
    pub scheduled: u64,
    /// Reports generated and archived.
    pub generated: u64,
    /// Reports e-mailed.
    pub delivered: u64,
    /// Attempts that failed (retried later, or given up).
    pub failed: u64,
}

/// Runs the schedule once at `now`: creates due jobs, then generates and sends what is due.
pub async fn run_once(
    reporter: &Reporter,
    notifier: &Notifier,
    settings: &ScheduleSettings,
    now: i64,
) -> Result<Pass, ReportError> {
    let store = reporter.store();
    let mut pass = Pass::default();
    if let Some(month) = settings.due_month(now, reporter.zone()) {
        let (_, end) = month.bounds(reporter.zone());
        pass.scheduled = store
            .schedule_report_jobs(&month.to_string(), end, now)
            .await?;
    }
    for job in store.due_report_jobs(now, 50).await? {
        match work(reporter, notifier, settings, &job).await {
            Ok(Step::Generated) => pass.generated += 1,
            Ok(Step::Delivered) => pass.delivered += 1,
            Err(e) => {
                pass.failed += 1;
                let retry = settings
                    .retry_secs
                    .get(job.attempts as usize)
                    .map(|wait| now + wait);
                tracing::warn!(org = %job.org_id, month = %job.month, error = %e,
                    retry_at = ?retry, "monthly report failed");
                store
                    .report_job_failed(&job.id, &e.to_string(), retry)
                    .await?;
            }
        }
    }
    Ok(pass)
}

enum Step {
    Generated,
    Delivered,
}

async fn work(
    reporter: &Reporter,
    notifier: &Notifier,
    settings: &ScheduleSettings,
    job: &ReportJob,
) -> Result<Step, ReportError> {
    let store = reporter.store();
    let recipients = deliver::settings_or_default(store, &job.org_id).await?;
    let month: Month = job
        .month
        .parse()
        .map_err(|e: crate::BadMonth| ReportError::Broken(e.to_string()))?;
    match (job.status, &job.report_id) {
        (ReportJobStatus::Sending, Some(report_id)) => {
            let report = store
                .report(&mamori_model::Scope::AllOrganisations, report_id)
                .await?
                .ok_or_else(|| ReportError::Broken(format!("report {report_id} is missing")))?;
            let receipt = deliver::send(
                store,
                notifier,
                &settings.delivery,
                &report,
                &recipients,
                &job.org_name,
            )
            .await?;
            store
                .report_job_delivered(&job.id, &receipt.response)
                .await?;
            Ok(Step::Delivered)
        }
        _ => {
            let lang: Lang = recipients.lang.parse().unwrap_or_default();
            let report = reporter
                .monthly(
                    &job.org_id,
                    month,
                    lang,
                    Request {
                        trigger: "schedule",
                        created_by: None,
                    },
                )
                .await?;
            store
                .report_job_generated(&job.id, &report.id, !recipients.recipients.is_empty())
                .await?;
            Ok(Step::Generated)
        }
    }
}

/// The schedule running inside `mamori serve`, checking once a minute.
pub struct RunningReports {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningReports {
    /// Starts the loop.
    pub fn start(reporter: Reporter, notifier: Arc<Notifier>, settings: ScheduleSettings) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                // A pass that generated something runs again at once: the next job is due.
                loop {
                    match run_once(&reporter, &notifier, &settings, mamori_store::now()).await {
                        Ok(pass) if pass.generated > 0 => continue,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "monthly report schedule failed");
                            break;
                        }
                    }
                }
            }
        });
        RunningReports { stop, task }
    }

    /// Stops the loop after the pass in progress.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp()
    }

    #[test]
    fn the_previous_month_is_due_from_the_scheduled_moment() {
        let tokyo = Zone::default();
        let s = ScheduleSettings::default();
        assert_eq!(s.due_month(at("2026-12-01T05:59:59+09:00"), tokyo), None);
        assert_eq!(
            s.due_month(at("2026-12-01T06:00:00+09:00"), tokyo)
                .map(|m| m.to_string()),
            Some("2026-11".into())
        );
        assert_eq!(
            s.due_month(at("2027-01-15T12:00:00+09:00"), tokyo)
                .map(|m| m.to_string()),
            Some("2026-12".into())
        );
        // 06:00 on the 1st in Tokyo is still the 30th in UTC.
        assert_eq!(
            s.due_month(at("2026-11-30T21:00:00Z"), tokyo)
                .map(|m| m.to_string()),
            Some("2026-11".into())
        );
        // The same moment in UTC is still November there: October's reports are the due ones.
        let utc: Zone = "UTC".parse().unwrap();
        assert_eq!(
            s.due_month(at("2026-11-30T21:00:00Z"), utc)
                .map(|m| m.to_string()),
            Some("2026-10".into())
        );
    }
}
