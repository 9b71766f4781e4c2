//! The alerting stage's storage side. The domain (`mamori-alerts`) decides which detections
//! are silenced, counted on an open alert or raised as a new one, and which channels hear of
//! it; this module reads what that decision needs and writes what was decided, all inside one
//! [`AlertingTx`] the domain opens and commits. After a crash the batch is simply done again,
//! never half done.

use mamori_model::{AlertStatus, DeliveryStatus, Severity};
use serde_json::Value;
use sqlx::{Any, Row, Transaction};

use crate::alerts::{Resolution, append_history, severity_rank};
use crate::audit::Actor;
use crate::channels::Channel;
use crate::deliveries::{Attempt, Delivery, DeliveryKind, queue_delivery, record_attempt};
use crate::{Store, StoreError, new_id, now};

/// A detection waiting for the alerting stage, with what the decision needs.
#[derive(Debug, Clone, PartialEq)]
pub struct UnalertedDetection {
    /// Identifier.
    pub id: String,
    /// The organisation it belongs to.
    pub org_id: String,
    /// The source whose events raised it.
    pub source_id: Option<String>,
    /// When it happened, in microseconds since the Unix epoch.
    pub ts_us: i64,
    /// `rule`, `correlation`, `indicator` …, as the detection engine wrote it.
    pub kind: String,
    /// The rule that fired.
    pub rule_id: String,
    /// The rule's own title.
    pub rule_title: String,
    /// The rule's Japanese title, where it has one.
    pub title_ja: Option<String>,
    /// How urgent the rule says it is.
    pub severity: Severity,
    /// The rule's tags.
    pub tags: Value,
    /// Evidence, group-by values, counts and guidance.
    pub details: Value,
}

/// A suppression in force, as the alerting stage matches it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ActiveSuppression {
    /// Identifier.
    pub id: String,
    /// The organisation whose detections it silences.
    pub org_id: String,
    /// The rule it silences.
    pub rule_id: String,
    /// A field that must hold `value`, or none for every detection of the rule.
    pub field: Option<String>,
    /// The value `field` must hold.
    pub value: Option<String>,
}

/// How a detection's turn in the alerting stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectionOutcome {
    /// Raised or counted on an alert.
    Alerted,
    /// Matched a suppression: kept, but no alert.
    Suppressed,
}

impl DetectionOutcome {
    /// `detections.alerted` (0 is still waiting).
    fn code(self) -> i64 {
        match self {
            DetectionOutcome::Alerted => 1,
            DetectionOutcome::Suppressed => 2,
        }
    }
}

/// `detections.alerted` of a detection still waiting.
const WAITING: i64 = 0;

/// The latest alert of a group, open or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestAlert {
    /// Identifier.
    pub id: String,
    /// Where it is in triage.
    pub status: AlertStatus,
    /// When it was first seen (µs).
    pub first_seen_us: i64,
    /// The name of the source it concerns, if any (retired sources included).
    pub source_name: Option<String>,
}

/// An open alert a repeat can be counted on.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAlert {
    /// Identifier.
    pub id: String,
    /// Its severity now.
    pub severity: Severity,
}

/// What an alert says: its rule, titles, severity and evidence. A new alert starts with
/// these; a more urgent repeat hands its own to the open alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFacts {
    /// The rule it is named after.
    pub rule_id: String,
    /// The rule's own title.
    pub rule_title: String,
    /// The Japanese title, where there is one.
    pub title_ja: Option<String>,
    /// How urgent it is.
    pub severity: Severity,
    /// Evidence and explanation.
    pub details: Value,
}

/// A new alert as the domain decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// The organisation it belongs to.
    pub org_id: String,
    /// What later repeats share with it.
    pub group_key: String,
    /// The source concerned.
    pub source_id: Option<String>,
    /// When it was first seen, in microseconds since the Unix epoch.
    pub seen_us: i64,
    /// Events standing behind it.
    pub events: i64,
    /// Its rule, titles, severity and evidence.
    pub facts: AlertFacts,
}

/// One more sighting counted on an open alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Repeat {
    /// When it was seen, in microseconds since the Unix epoch.
    pub seen_us: i64,
    /// Events standing behind it.
    pub events: i64,
    /// When the repeat is more urgent, what the alert now says.
    pub takes_over: Option<AlertFacts>,
}

/// A channel that may be told about a new alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRoute {
    /// The channel.
    pub channel_id: String,
    /// The least severity it wants.
    pub min_severity: Severity,
    /// Whether it gathers low alerts into the daily digest.
    pub digest: bool,
}

/// One write transaction of the alerting stage.
pub struct AlertingTx {
    tx: Transaction<'static, Any>,
}

impl Store {
    /// The organisation and group key of every alert of `rule_id` not yet resolved, in every
    /// organisation: the alerting stage's quick look at what it raised itself before it
    /// opens a transaction (a silent source with an open alert needs nothing more).
    pub async fn open_group_keys(
        &self,
        rule_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT org_id, group_key FROM alerts WHERE rule_id = $1 AND status <> $2",
        )
        .bind(rule_id)
        .bind(AlertStatus::Resolved.as_str())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Opens the alerting stage's transaction; nothing is written until
    /// [`AlertingTx::commit`].
    pub async fn begin_alerting(&self) -> Result<AlertingTx, StoreError> {
        Ok(AlertingTx {
            tx: self.begin_write().await?,
        })
    }
}

impl AlertingTx {
    /// At most `limit` detections not yet through the alerting stage, oldest first.
    pub async fn unalerted(&mut self, limit: i64) -> Result<Vec<UnalertedDetection>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, org_id, source_id, ts_us, kind, rule_id, rule_title, title_ja, level, tags, details
             FROM detections WHERE alerted = $1 ORDER BY created_at, id LIMIT $2",
        )
        .bind(WAITING)
        .bind(limit.max(1))
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(unalerted_from_row).collect()
    }

    /// Suppressions in force now.
    pub async fn active_suppressions(&mut self) -> Result<Vec<ActiveSuppression>, StoreError> {
        let rows: Vec<ActiveSuppression> = sqlx::query_as(
            "SELECT id, org_id, rule_id, field, value FROM suppressions
             WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)",
        )
        .bind(now())
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows)
    }

    /// Counts one detection silenced by suppression `id`.
    pub async fn count_suppressed(&mut self, id: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE suppressions SET hits = hits + 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// The latest alert of `org_id` with `group_key` that is not resolved and was last seen
    /// at or after `since_us`.
    pub async fn open_alert(
        &mut self,
        org_id: &str,
        group_key: &str,
        since_us: i64,
    ) -> Result<Option<OpenAlert>, StoreError> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT id, severity FROM alerts
             WHERE org_id = $1 AND group_key = $2 AND status <> $3 AND last_seen_us >= $4
             ORDER BY last_seen_us DESC LIMIT 1",
        )
        .bind(org_id)
        .bind(group_key)
        .bind(AlertStatus::Resolved.as_str())
        .bind(since_us)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|(id, severity)| {
            let severity = severity
                .parse()
                .map_err(|_| StoreError::corrupt("alerts.severity", &severity))?;
            Ok(OpenAlert { id, severity })
        })
        .transpose()
    }

    /// The latest alert of `org_id` with `group_key`, whatever its status: for alerts mamori
    /// raises about a lasting state (a silent source), to raise one per episode.
    pub async fn latest_alert(
        &mut self,
        org_id: &str,
        group_key: &str,
    ) -> Result<Option<LatestAlert>, StoreError> {
        let row: Option<(String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT a.id, a.status, a.first_seen_us, s.name FROM alerts a
             LEFT JOIN sources s ON s.id = a.source_id AND s.org_id = a.org_id
             WHERE a.org_id = $1 AND a.group_key = $2
             ORDER BY a.first_seen_us DESC LIMIT 1",
        )
        .bind(org_id)
        .bind(group_key)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|(id, status, first_seen_us, source_name)| {
            let status = status
                .parse()
                .map_err(|_| StoreError::corrupt("alerts.status", &status))?;
            Ok(LatestAlert {
                id,
                status,
                first_seen_us,
                source_name,
            })
        })
        .transpose()
    }

    /// Opens `alert` (with its "created" history entry); returns its id.
    pub async fn insert_alert(&mut self, alert: &NewAlert) -> Result<String, StoreError> {
        let id = new_id();
        let at = now();
        let facts = &alert.facts;
        sqlx::query(
            "INSERT INTO alerts (id, org_id, group_key, rule_id, rule_title, title_ja, severity, severity_rank,
                 status, resolution, source_id, assignee_id, incident_id, count, first_seen_us, last_seen_us,
                 created_at, updated_at, details, events)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL, NULL, 1, $11, $11, $12, $12, $13, $14)",
        )
        .bind(&id)
        .bind(&alert.org_id)
        .bind(&alert.group_key)
        .bind(&facts.rule_id)
        .bind(&facts.rule_title)
        .bind(facts.title_ja.as_deref())
        .bind(facts.severity.as_str())
        .bind(severity_rank(facts.severity))
        .bind(AlertStatus::New.as_str())
        .bind(alert.source_id.as_deref())
        .bind(alert.seen_us)
        .bind(at)
        .bind(facts.details.to_string())
        .bind(alert.events)
        .execute(&mut *self.tx)
        .await?;
        append_history(
            &mut *self.tx,
            &id,
            &alert.org_id,
            &Actor::system(),
            "created",
            None,
        )
        .await?;
        Ok(id)
    }

    /// Counts `repeat` on open alert `alert_id`.
    pub async fn count_repeat(
        &mut self,
        alert_id: &str,
        repeat: &Repeat,
    ) -> Result<(), StoreError> {
        let facts = repeat.takes_over.as_ref();
        sqlx::query(
            "UPDATE alerts SET count = count + 1, events = events + $7,
                 last_seen_us = CASE WHEN last_seen_us < $1 THEN $1 ELSE last_seen_us END,
                 first_seen_us = CASE WHEN first_seen_us > $1 THEN $1 ELSE first_seen_us END,
                 severity = CASE WHEN $2 = 1 THEN $3 ELSE severity END,
                 severity_rank = CASE WHEN $2 = 1 THEN $4 ELSE severity_rank END,
                 rule_id = CASE WHEN $2 = 1 THEN $8 ELSE rule_id END,
                 rule_title = CASE WHEN $2 = 1 THEN $9 ELSE rule_title END,
                 title_ja = CASE WHEN $2 = 1 THEN $10 ELSE title_ja END,
                 details = CASE WHEN $2 = 1 THEN $11 ELSE details END,
                 updated_at = $5
             WHERE id = $6",
        )
        .bind(repeat.seen_us)
        .bind(i64::from(facts.is_some()))
        .bind(facts.map(|f| f.severity.as_str()))
        .bind(facts.map(|f| severity_rank(f.severity)))
        .bind(now())
        .bind(alert_id)
        .bind(repeat.events)
        .bind(facts.map(|f| f.rule_id.as_str()))
        .bind(facts.map(|f| f.rule_title.as_str()))
        .bind(facts.and_then(|f| f.title_ja.as_deref()))
        .bind(facts.map(|f| f.details.to_string()))
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Records that detection `detection_id` stands behind alert `alert_id`.
    pub async fn link(&mut self, alert_id: &str, detection_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alert_detections (alert_id, detection_id) VALUES ($1, $2)
             ON CONFLICT (alert_id, detection_id) DO NOTHING",
        )
        .bind(alert_id)
        .bind(detection_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Records how detection `id`'s turn ended.
    pub async fn mark(&mut self, id: &str, outcome: DetectionOutcome) -> Result<(), StoreError> {
        sqlx::query("UPDATE detections SET alerted = $1 WHERE id = $2")
            .bind(outcome.code())
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Enabled channels of `org_id` and of the provider, or of the provider only, oldest
    /// first.
    pub async fn routes(
        &mut self,
        org_id: &str,
        provider_only: bool,
    ) -> Result<Vec<AlertRoute>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT id, min_severity, digest FROM channels
             WHERE enabled = 1 AND (org_id IS NULL OR (org_id = $1 AND $2 = 0)) ORDER BY created_at, id",
        )
        .bind(org_id)
        .bind(i64::from(provider_only))
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(channel_id, min, digest)| AlertRoute {
                channel_id,
                // An unreadable threshold hears everything rather than nothing.
                min_severity: min.parse().unwrap_or(Severity::Low),
                digest: digest != 0,
            })
            .collect())
    }

    /// Queues a notice built from alert `alert_id` of `org_id` for channel `channel_id`:
    /// [`DeliveryKind::Alert`] for a new alert, [`DeliveryKind::Resolved`] once it cleared.
    pub async fn queue_alert_notice(
        &mut self,
        channel_id: &str,
        org_id: &str,
        alert_id: &str,
        kind: DeliveryKind,
    ) -> Result<(), StoreError> {
        queue_delivery(
            &mut self.tx,
            channel_id,
            Some(org_id),
            Some(alert_id),
            kind,
            None,
        )
        .await?;
        Ok(())
    }

    /// Records why alert `alert_id` of `org_id` cleared, in both languages, where its resolved
    /// notice reads it (`guidance.cleared_ja` / `cleared_en`); call before resolving it.
    pub async fn note_cleared(
        &mut self,
        alert_id: &str,
        org_id: &str,
        (ja, en): (&str, &str),
    ) -> Result<(), StoreError> {
        let details: Option<String> =
            sqlx::query_scalar("SELECT details FROM alerts WHERE id = $1 AND org_id = $2")
                .bind(alert_id)
                .bind(org_id)
                .fetch_optional(&mut *self.tx)
                .await?;
        let details = details.ok_or(StoreError::NotFound)?;
        let mut details: serde_json::Value =
            serde_json::from_str(&details).map_err(|e| StoreError::corrupt("alerts.details", e))?;
        if !details["guidance"].is_object() {
            details["guidance"] = serde_json::json!({});
        }
        details["guidance"]["cleared_ja"] = serde_json::Value::from(ja);
        details["guidance"]["cleared_en"] = serde_json::Value::from(en);
        sqlx::query("UPDATE alerts SET details = $1 WHERE id = $2 AND org_id = $3")
            .bind(details.to_string())
            .bind(alert_id)
            .bind(org_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Resolves open alert `alert_id` of `org_id` on mamori's own account (what it warned of
    /// has cleared: a silent source sends again), recorded in its history as `recovered`.
    pub async fn resolve_alert(&mut self, alert_id: &str, org_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alerts SET status = $1, resolution = $2, updated_at = $3
             WHERE id = $4 AND org_id = $5",
        )
        .bind(AlertStatus::Resolved.as_str())
        .bind(Resolution::TruePositive.as_str())
        .bind(now())
        .bind(alert_id)
        .bind(org_id)
        .execute(&mut *self.tx)
        .await?;
        append_history(
            &mut *self.tx,
            alert_id,
            org_id,
            &Actor::system(),
            "recovered",
            None,
        )
        .await
    }

    /// Records one attempt on `delivery` through `channel`, with the channel's status and,
    /// for alert notices, the alert's history; returns the delivery's status after it.
    pub async fn record_attempt(
        &mut self,
        delivery: &Delivery,
        channel: &Channel,
        attempt: &Attempt,
    ) -> Result<DeliveryStatus, StoreError> {
        record_attempt(&mut self.tx, delivery, channel, attempt).await
    }

    /// Queues prepared notice `notice` (JSON) of `kind` for `channel`.
    pub async fn queue_prepared_notice(
        &mut self,
        channel: &crate::Channel,
        kind: DeliveryKind,
        notice: &str,
    ) -> Result<(), StoreError> {
        let org_id = channel.org_id.as_deref();
        queue_delivery(&mut self.tx, &channel.id, org_id, None, kind, Some(notice)).await?;
        Ok(())
    }

    /// The transaction's connection, for statements of the store's other modules.
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Writes everything this transaction did.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

fn unalerted_from_row(row: &sqlx::any::AnyRow) -> Result<UnalertedDetection, StoreError> {
    let json = |i: usize, column: &'static str| -> Result<Value, StoreError> {
        let raw: String = row.try_get(i)?;
        serde_json::from_str(&raw).map_err(|e| StoreError::corrupt(column, e))
    };
    let level: String = row.try_get(8)?;
    Ok(UnalertedDetection {
        id: row.try_get(0)?,
        org_id: row.try_get(1)?,
        source_id: row.try_get(2)?,
        ts_us: row.try_get(3)?,
        kind: row.try_get(4)?,
        rule_id: row.try_get(5)?,
        rule_title: row.try_get(6)?,
        title_ja: row.try_get(7)?,
        // A rule with an unknown level still alerts, at medium (as Sigma's default).
        severity: level.parse().unwrap_or(Severity::Medium),
        tags: json(9, "detections.tags")?,
        details: json(10, "detections.details")?,
    })
}
