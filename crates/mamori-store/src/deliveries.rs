//! The notification queue: one row per notice per channel, written in the same transaction
//! as the alert it announces, taken by the delivery worker when due, retried with back-off,
//! and every attempt kept with the server's answer or the exact error.

use mamori_model::DeliveryStatus;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::channels::Channel;
use crate::{Store, StoreError, new_id, now};

/// What a queued notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    /// A new alert (the notice is built from the alert when it is sent).
    Alert,
    /// A test of the alert route.
    Test,
    /// The daily digest of low-severity alerts.
    Digest,
    /// Another channel keeps failing.
    ChannelFailing,
    /// An alert mamori raised about the monitoring itself has cleared (the notice is built
    /// from the resolved alert when it is sent).
    Resolved,
    /// Something of a device ends soon (a prepared notice).
    Reminder,
}

impl DeliveryKind {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryKind::Alert => "alert",
            DeliveryKind::Test => "test",
            DeliveryKind::Digest => "digest",
            DeliveryKind::ChannelFailing => "channel_failing",
            DeliveryKind::Resolved => "resolved",
            DeliveryKind::Reminder => "reminder",
        }
    }

    fn parse(word: &str) -> Self {
        match word {
            "test" => DeliveryKind::Test,
            "digest" => DeliveryKind::Digest,
            "channel_failing" => DeliveryKind::ChannelFailing,
            "resolved" => DeliveryKind::Resolved,
            "reminder" => DeliveryKind::Reminder,
            _ => DeliveryKind::Alert,
        }
    }
}

/// A queued notification as the worker takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Identifier.
    pub id: String,
    /// The channel to send through.
    pub channel_id: String,
    /// The organisation concerned.
    pub org_id: Option<String>,
    /// The alert announced, for alert notices.
    pub alert_id: Option<String>,
    /// What it is about.
    pub kind: DeliveryKind,
    /// The prepared notice as JSON, for notices not built from an alert.
    pub notice: Option<String>,
    /// Attempts made so far.
    pub attempts: i64,
    /// When it was queued (Unix seconds).
    pub created_at: i64,
}

/// A delivery as the channel page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DeliveryRecord {
    /// Identifier.
    pub id: String,
    /// Channel.
    pub channel_id: String,
    /// What it was about.
    pub kind: String,
    /// The alert, for alert notices.
    pub alert_id: Option<String>,
    /// Where the delivery stands.
    #[sqlx(try_from = "String")]
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i64,
    /// The last error, exactly.
    pub last_error: Option<String>,
    /// The last error's kind, as a stable code to translate.
    pub last_error_code: Option<String>,
    /// When it was queued.
    pub created_at: i64,
    /// When it arrived.
    pub delivered_at: Option<i64>,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// Accepted; the server's answer.
    Delivered(String),
    /// Failed; the exact error, and when to try again (Unix milliseconds), or `None` to
    /// give up.
    Failed {
        /// What went wrong, exactly.
        error: String,
        /// The kind of failure as a stable code the pages translate (`connect`, `timeout` …).
        code: String,
        /// Next try, or give up.
        retry_at_ms: Option<i64>,
    },
}

/// Milliseconds since the Unix epoch, the queue's clock.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Queues a notice inside an open transaction.
pub(crate) async fn queue_delivery(
    tx: &mut Transaction<'_, Any>,
    channel_id: &str,
    org_id: Option<&str>,
    alert_id: Option<&str>,
    kind: DeliveryKind,
    notice: Option<&str>,
) -> Result<String, StoreError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO deliveries (id, channel_id, org_id, alert_id, kind, notice, status, attempts, next_attempt_ms, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8)",
    )
    .bind(&id)
    .bind(channel_id)
    .bind(org_id)
    .bind(alert_id)
    .bind(kind.as_str())
    .bind(notice)
    .bind(now_ms())
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// Records one attempt on `delivery` through `channel`, with the channel's status, and the
/// alert's history for alert notices; returns the delivery's status after it.
pub(crate) async fn record_attempt(
    tx: &mut Transaction<'_, Any>,
    delivery: &Delivery,
    channel: &Channel,
    attempt: &Attempt,
) -> Result<DeliveryStatus, StoreError> {
    let at = now();
    let (ok, response, code) = match attempt {
        Attempt::Delivered(answer) => (true, answer.clone(), None),
        Attempt::Failed { error, code, .. } => (false, error.clone(), Some(code.as_str())),
    };
    sqlx::query(
            "INSERT INTO delivery_attempts (id, delivery_id, channel_id, at, ok, response) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(new_id())
        .bind(&delivery.id)
        .bind(&channel.id)
        .bind(at)
        .bind(i64::from(ok))
        .bind(&response)
        .execute(&mut **tx)
        .await?;
    let (status, next, delivered_at, last_error) = match attempt {
        Attempt::Delivered(_) => (DeliveryStatus::Delivered, now_ms(), Some(at), None),
        Attempt::Failed {
            error,
            retry_at_ms: Some(retry),
            ..
        } => (DeliveryStatus::Pending, *retry, None, Some(error.as_str())),
        Attempt::Failed {
            error,
            retry_at_ms: None,
            ..
        } => (DeliveryStatus::Failed, now_ms(), None, Some(error.as_str())),
    };
    sqlx::query(
        "UPDATE deliveries SET status = $1, attempts = attempts + 1, next_attempt_ms = $2,
                 delivered_at = $3, last_error = $4, last_error_code = $5 WHERE id = $6",
    )
    .bind(status.as_str())
    .bind(next)
    .bind(delivered_at)
    .bind(last_error)
    .bind(code)
    .bind(&delivery.id)
    .execute(&mut **tx)
    .await?;
    if ok {
        sqlx::query("UPDATE channels SET last_ok_at = $1 WHERE id = $2")
            .bind(at)
            .bind(&channel.id)
            .execute(&mut **tx)
            .await?;
    } else {
        sqlx::query(
            "UPDATE channels SET last_error_at = $1, last_error = $2, last_error_code = $3
                 WHERE id = $4",
        )
        .bind(at)
        .bind(&response)
        .bind(code)
        .bind(&channel.id)
        .execute(&mut **tx)
        .await?;
    }
    if let (Some(alert_id), Some(org_id), true) = (&delivery.alert_id, &delivery.org_id, ok) {
        crate::alerts::append_history(
            &mut **tx,
            alert_id,
            org_id,
            &crate::audit::Actor::system(),
            "notified",
            Some(&format!("{}: {response}", channel.kind)),
        )
        .await?;
    }
    Ok(status)
}

impl Store {
    /// Queues a prepared notice (a test, a digest) for channel `channel_id`.
    pub async fn queue_notice(
        &self,
        channel: &Channel,
        kind: DeliveryKind,
        notice: &str,
    ) -> Result<String, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = queue_delivery(
            &mut tx,
            &channel.id,
            channel.org_id.as_deref(),
            None,
            kind,
            Some(notice),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a test sent straight away (not through the queue) through `channel`, with
    /// its outcome, so the route test shows in the channel's history and status.
    pub async fn record_test_delivery(
        &self,
        channel: &Channel,
        notice: &str,
        attempt: Attempt,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let id = queue_delivery(
            &mut tx,
            &channel.id,
            channel.org_id.as_deref(),
            None,
            DeliveryKind::Test,
            Some(notice),
        )
        .await?;
        let delivery = Delivery {
            id,
            channel_id: channel.id.clone(),
            org_id: channel.org_id.clone(),
            alert_id: None,
            kind: DeliveryKind::Test,
            notice: Some(notice.to_owned()),
            attempts: 0,
            created_at: now(),
        };
        record_attempt(&mut tx, &delivery, channel, &attempt).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Notifications due at `at_ms`, oldest first, at most `limit`.
    pub async fn due_deliveries(
        &self,
        at_ms: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, channel_id, org_id, alert_id, kind, notice, attempts, created_at FROM deliveries
             WHERE status = 'pending' AND next_attempt_ms <= $1 ORDER BY next_attempt_ms, id LIMIT $2",
        )
        .bind(at_ms)
        .bind(limit.max(1))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get(4)?;
                Ok(Delivery {
                    id: row.try_get(0)?,
                    channel_id: row.try_get(1)?,
                    org_id: row.try_get(2)?,
                    alert_id: row.try_get(3)?,
                    kind: DeliveryKind::parse(&kind),
                    notice: row.try_get(5)?,
                    attempts: row.try_get(6)?,
                    created_at: row.try_get(7)?,
                })
            })
            .collect()
    }

    /// The earliest time (Unix milliseconds) a pending notification is due, if any.
    pub async fn next_delivery_due(&self) -> Result<Option<i64>, StoreError> {
        let row: (Option<i64>,) =
            sqlx::query_as("SELECT MIN(next_attempt_ms) FROM deliveries WHERE status = 'pending'")
                .fetch_one(&self.pool)
                .await?;
        Ok(row.0)
    }

    /// Moves a pending notification to `at_ms` without counting an attempt (quiet hours).
    pub async fn postpone_delivery(&self, id: &str, at_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET next_attempt_ms = $1 WHERE id = $2 AND status = 'pending'",
        )
        .bind(at_ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Drops a notification that can no longer be sent (its channel or alert is gone).
    pub async fn cancel_delivery(&self, id: &str, why_code: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE deliveries SET status = 'cancelled', last_error = NULL, last_error_code = $1
             WHERE id = $2",
        )
        .bind(why_code)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The latest notifications of organisation `org_id`, newest first; the caller has
    /// checked the scope.
    pub(crate) async fn deliveries_of(
        &self,
        org_id: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        let rows: Vec<DeliveryRecord> = sqlx::query_as(
            "SELECT d.id, d.channel_id, d.kind, d.alert_id, d.status, d.attempts, d.last_error, d.last_error_code, d.created_at, d.delivered_at
             FROM deliveries d JOIN channels c ON c.id = d.channel_id
             WHERE c.org_id = $1
             ORDER BY d.created_at DESC, d.id DESC LIMIT $2",
        )
        .bind(org_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }
}
