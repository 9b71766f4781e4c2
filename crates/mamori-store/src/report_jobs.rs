//! The monthly report queue: one job per organisation and month, created when the schedule
//! comes due, then generated, archived and e-mailed with retries. Jobs survive restarts, and
//! their state is what the provider's console shows when a report did not go out.

use mamori_model::ReportJobStatus;
use serde::Serialize;

use crate::{Store, StoreError, new_id, now};

/// One organisation's monthly report job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportJob {
    /// Identifier.
    pub id: String,
    /// The organisation.
    pub org_id: String,
    /// The organisation's name, for the console.
    pub org_name: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Where the job stands.
    pub status: ReportJobStatus,
    /// The archived report, once generated.
    pub report_id: Option<String>,
    /// Failed attempts so far.
    pub attempts: i64,
    /// When the job is next tried (Unix seconds).
    pub next_attempt_at: i64,
    /// The last failure, exactly as it happened.
    pub last_error: Option<String>,
    /// The mail server's answer on delivery.
    pub response: Option<String>,
    /// When the schedule created the job.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

const COLUMNS: &str = "j.id, j.org_id, o.name, j.month, j.status, j.report_id, j.attempts, \
     j.next_attempt_at, j.last_error, j.response, j.created_at, j.updated_at";

type JobRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

fn from_row(row: JobRow) -> Result<ReportJob, StoreError> {
    let (
        id,
        org_id,
        org_name,
        month,
        status,
        report_id,
        attempts,
        next_attempt_at,
        last_error,
        response,
        created_at,
        updated_at,
    ) = row;
    Ok(ReportJob {
        id,
        org_id,
        org_name,
        month,
        status: status
            .parse()
            .map_err(|e| StoreError::corrupt("report_jobs.status", e))?,
        report_id,
        attempts,
        next_attempt_at,
        last_error,
        response,
        created_at,
        updated_at,
    })
}

impl Store {
    /// Creates the job of `month` for every organisation created before `created_before`
    /// (the month's end) that has none yet, due at `at`. Returns how many were created;
    /// running it again creates nothing.
    pub async fn schedule_report_jobs(
        &self,
        month: &str,
        created_before: i64,
        at: i64,
    ) -> Result<u64, StoreError> {
        let missing: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM organisations WHERE created_at < $2
             AND id NOT IN (SELECT org_id FROM report_jobs WHERE month = $1) ORDER BY id",
        )
        .bind(month)
        .bind(created_before)
        .fetch_all(&self.pool)
        .await?;
        let mut tx = self.begin_write().await?;
        for (org_id,) in &missing {
            sqlx::query(
                "INSERT INTO report_jobs (id, org_id, month, status, attempts, next_attempt_at,
                                          created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 0, $5, $5, $5)
                 ON CONFLICT (org_id, month) DO NOTHING",
            )
            .bind(new_id())
            .bind(org_id)
            .bind(month)
            .bind(ReportJobStatus::Pending.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(missing.len() as u64)
    }

    /// Jobs to generate or e-mail now, oldest first.
    pub async fn due_report_jobs(&self, at: i64, limit: i64) -> Result<Vec<ReportJob>, StoreError> {
        let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM report_jobs j JOIN organisations o ON o.id = j.org_id
             WHERE j.status IN ($1, $2) AND j.next_attempt_at <= $3
             ORDER BY j.next_attempt_at, j.id LIMIT $4"
        )))
        .bind(ReportJobStatus::Pending.as_str())
        .bind(ReportJobStatus::Sending.as_str())
        .bind(at)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Every job of `month` (every month with `None`), newest month first, failures first.
    pub async fn report_jobs(&self, month: Option<&str>) -> Result<Vec<ReportJob>, StoreError> {
        let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM report_jobs j JOIN organisations o ON o.id = j.org_id
             WHERE ($1 IS NULL OR j.month = $1)
             ORDER BY j.month DESC, CASE j.status WHEN 'failed' THEN 0 ELSE 1 END, o.name, j.id"
        )))
        .bind(month)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Records that the job's report is archived; it waits to be e-mailed next, or ends as
    /// `no_recipients`.
    pub async fn report_job_generated(
        &self,
        job_id: &str,
        report_id: &str,
        has_recipients: bool,
    ) -> Result<(), StoreError> {
        let status = if has_recipients {
            ReportJobStatus::Sending
        } else {
            ReportJobStatus::NoRecipients
        };
        self.update_job(
            "UPDATE report_jobs SET status = $2, report_id = $3, attempts = 0, last_error = NULL,
                 updated_at = $4 WHERE id = $1",
            job_id,
            status,
            Some(report_id),
        )
        .await
    }

    /// Records that the report was e-mailed, with the mail server's answer.
    pub async fn report_job_delivered(
        &self,
        job_id: &str,
        response: &str,
    ) -> Result<(), StoreError> {
        self.update_job(
            "UPDATE report_jobs SET status = $2, response = $3, last_error = NULL, updated_at = $4
             WHERE id = $1",
            job_id,
            ReportJobStatus::Delivered,
            Some(response),
        )
        .await
    }

    /// Records a failed attempt: the job is tried again at `retry_at`, or gives up when that
    /// is `None`.
    pub async fn report_job_failed(
        &self,
        job_id: &str,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let status_now: Option<(String,)> =
            sqlx::query_as("SELECT status FROM report_jobs WHERE id = $1")
                .bind(job_id)
                .fetch_optional(&mut *tx)
                .await?;
        let (status_now,) = status_now.ok_or(StoreError::NotFound)?;
        let status = match retry_at {
            Some(_) => status_now,
            None => ReportJobStatus::Failed.as_str().to_owned(),
        };
        let at = now();
        sqlx::query(
            "UPDATE report_jobs SET status = $2, attempts = attempts + 1, last_error = $3,
                 next_attempt_at = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(job_id)
        .bind(status)
        .bind(error)
        .bind(retry_at.unwrap_or(at))
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts a failed job back in the queue, to be tried at once (the console's retry button).
    pub async fn retry_report_job(&self, job_id: &str) -> Result<(), StoreError> {
        let at = now();
        let done = sqlx::query(
            "UPDATE report_jobs SET status = CASE WHEN report_id IS NULL THEN $2 ELSE $3 END,
                 attempts = 0, next_attempt_at = $4, updated_at = $4
             WHERE id = $1 AND status = $5",
        )
        .bind(job_id)
        .bind(ReportJobStatus::Pending.as_str())
        .bind(ReportJobStatus::Sending.as_str())
        .bind(at)
        .bind(ReportJobStatus::Failed.as_str())
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn update_job(
        &self,
        sql: &'static str,
        job_id: &str,
        status: ReportJobStatus,
        text: Option<&str>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(sql)
            .bind(job_id)
            .bind(status.as_str())
            .bind(text)
            .bind(now())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
