//! The alerting stage's storage side: turns detections not yet alerted into alerts —
//! suppressed ones are marked and counted, repeats of the same rule and group within the
//! grouping window raise the count of the open alert, anything else opens a new alert —
//! and queues a notification per matching channel for every new alert. One transaction
//! per batch, so after a crash the batch is simply done again, never half done.

use std::collections::HashMap;

use mamori_model::{AlertStatus, Severity};
use serde_json::{Value, json};
use sqlx::{Any, Row, Transaction};

use crate::alerts::{append_history, severity_rank};
use crate::audit::Actor;
use crate::deliveries::{DeliveryKind, queue_delivery};
use crate::suppressions::{ActiveSuppression, active_suppressions, count_hit};
use crate::{Store, StoreError, new_id, now};

/// `detections.alerted`: waiting for the alerting stage.
const PENDING: i64 = 0;
/// `detections.alerted`: grouped into an alert.
const ALERTED: i64 = 1;
/// `detections.alerted`: matched a suppression; stored, but no alert.
const SUPPRESSED: i64 = 2;

/// How detections become alerts.
#[derive(Debug, Clone)]
pub struct AlertingRules {
    /// A detection of the same rule and group within this many seconds of an open alert's
    /// last detection is counted on that alert instead of raising a new one.
    pub group_window_secs: i64,
}

impl Default for AlertingRules {
    fn default() -> Self {
        AlertingRules {
            group_window_secs: 3600,
        }
    }
}

/// What one pass of the alerting stage did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Promotion {
    /// Detections read.
    pub detections: usize,
    /// Alerts opened.
    pub created: Vec<String>,
    /// Detections counted on an alert that was already open.
    pub grouped: usize,
    /// Detections silenced by a suppression.
    pub suppressed: usize,
    /// Notifications queued.
    pub queued: usize,
}

struct PendingDetection {
    id: String,
    org_id: String,
    source_id: Option<String>,
    ts_us: i64,
    kind: String,
    rule_id: String,
    rule_title: String,
    title_ja: Option<String>,
    level: String,
    tags: Value,
    details: Value,
}

impl PendingDetection {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, StoreError> {
        let text = |i: usize, column: &'static str| -> Result<Value, StoreError> {
            let raw: String = row.try_get(i)?;
            serde_json::from_str(&raw).map_err(|e| StoreError::corrupt(column, e))
        };
        Ok(PendingDetection {
            id: row.try_get(0)?,
            org_id: row.try_get(1)?,
            source_id: row.try_get(2)?,
            ts_us: row.try_get(3)?,
            kind: row.try_get(4)?,
            rule_id: row.try_get(5)?,
            rule_title: row.try_get(6)?,
            title_ja: row.try_get(7)?,
            level: row.try_get(8)?,
            tags: text(9, "detections.tags")?,
            details: text(10, "detections.details")?,
        })
    }

    /// Group-by values of a correlation as `field=value` pairs.
    fn group(&self) -> Vec<(String, String)> {
        self.details
            .get("group")
            .and_then(Value::as_array)
            .map(|pairs| {
                pairs
                    .iter()
                    .filter_map(|p| Some((p.get(0)?.as_str()?.to_owned(), scalar_text(p.get(1)?)?)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What repeats share: the rule, the source, and the correlation's group-by values; or,
    /// for a rule of a family (one attack seen by several rules), the family, the source and
    /// the attacking address.
    fn group_key(&self) -> String {
        let family = self
            .details
            .get("guidance")
            .and_then(|g| g.get("family"))
            .and_then(Value::as_str)
            .filter(|f| !f.is_empty());
        if let Some(family) = family {
            let attacker = self
                .values_of("src_ip")
                .into_iter()
                .next()
                .unwrap_or_default();
            return format!(
                "family:{family}|{}|src_ip={attacker}",
                self.source_id.as_deref().unwrap_or("")
            );
        }
        let group: Vec<String> = self
            .group()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "{}|{}|{}",
            self.rule_id,
            self.source_id.as_deref().unwrap_or(""),
            group.join(",")
        )
    }

    /// The value of `field` in the group-by values or in any evidence event.
    fn values_of(&self, field: &str) -> Vec<String> {
        let mut values: Vec<String> = self
            .group()
            .into_iter()
            .filter(|(k, _)| k == field)
            .map(|(_, v)| v)
            .collect();
        if let Some(events) = self.details.get("events").and_then(Value::as_array) {
            values.extend(
                events
                    .iter()
                    .filter_map(|e| e.get(field).and_then(scalar_text)),
            );
        }
        values
    }

    /// How many events stand behind this detection (1 unless a correlation says more).
    fn event_count(&self) -> i64 {
        self.details
            .get("event_count")
            .and_then(Value::as_i64)
            .filter(|n| *n > 0)
            .unwrap_or(1)
    }

    fn severity(&self) -> Severity {
        self.level.parse().unwrap_or(Severity::Medium)
    }
}

/// Text of a JSON string, number or boolean.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn suppressed_by<'a>(
    detection: &PendingDetection,
    suppressions: &'a [ActiveSuppression],
) -> Option<&'a ActiveSuppression> {
    suppressions.iter().find(|s| {
        s.org_id == detection.org_id
            && s.rule_id == detection.rule_id
            && match (&s.field, &s.value) {
                (Some(field), Some(value)) => detection.values_of(field).iter().any(|v| v == value),
                _ => true,
            }
    })
}

/// A channel that may be told about a new alert.
struct Route {
    channel_id: String,
    min_severity: Severity,
    digest: bool,
}

/// Enabled channels of `org_id` and of the provider, or of the provider only.
async fn routes(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    provider_only: bool,
) -> Result<Vec<Route>, StoreError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT id, min_severity, digest FROM channels
         WHERE enabled = 1 AND (org_id IS NULL OR (org_id = $1 AND $2 = 0)) ORDER BY created_at, id",
    )
    .bind(org_id)
    .bind(i64::from(provider_only))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(channel_id, min, digest)| Route {
            channel_id,
            min_severity: min.parse().unwrap_or(Severity::Low),
            digest: digest != 0,
        })
        .collect())
}

/// Queues one alert notification per channel that wants alerts of `severity`; low and
/// info alerts wait for the daily digest on channels that take one.
pub(crate) async fn notify_new_alert(
    tx: &mut Transaction<'_, Any>,
    alert_id: &str,
    org_id: &str,
    severity: Severity,
    provider_only: bool,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    for route in routes(tx, org_id, provider_only).await? {
        if severity < route.min_severity || (route.digest && severity <= Severity::Low) {
            continue;
        }
        queue_delivery(
            tx,
            &route.channel_id,
            Some(org_id),
            Some(alert_id),
            DeliveryKind::Alert,
            None,
        )
        .await?;
        queued += 1;
    }
    Ok(queued)
}

/// Details kept on a new alert: the first detection's evidence and explanation.
fn alert_details(d: &PendingDetection) -> Value {
    let mut details = d.details.clone();
    if let Value::Object(map) = &mut details {
        map.insert("kind".into(), json!(d.kind));
        map.insert("tags".into(), d.tags.clone());
        map.insert("first_detection".into(), json!(d.id));
    }
    details
}

/// The open alert that `d` repeats, if any.
async fn open_alert_for(
    tx: &mut Transaction<'_, Any>,
    d: &PendingDetection,
    key: &str,
    window_us: i64,
) -> Result<Option<(String, i64)>, StoreError> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT id, severity_rank FROM alerts
         WHERE org_id = $1 AND group_key = $2 AND status <> $3 AND last_seen_us >= $4
         ORDER BY last_seen_us DESC LIMIT 1",
    )
    .bind(&d.org_id)
    .bind(key)
    .bind(AlertStatus::Resolved.as_str())
    .bind(d.ts_us - window_us)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row)
}

async fn link(
    tx: &mut Transaction<'_, Any>,
    alert_id: &str,
    detection_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO alert_detections (alert_id, detection_id) VALUES ($1, $2)
         ON CONFLICT (alert_id, detection_id) DO NOTHING",
    )
    .bind(alert_id)
    .bind(detection_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Counts `d` on open alert `alert_id`. When `d` is more urgent, the alert takes its severity,
/// and its rule, titles and evidence: an alert is named after the most serious thing seen in
/// it (a password-guessing run first seen as single failures is named a brute force).
async fn count_repeat(
    tx: &mut Transaction<'_, Any>,
    alert_id: &str,
    rank: i64,
    d: &PendingDetection,
) -> Result<(), StoreError> {
    let severity = d.severity();
    let raise = severity_rank(severity) > rank;
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
    .bind(d.ts_us)
    .bind(i64::from(raise))
    .bind(severity.as_str())
    .bind(severity_rank(severity))
    .bind(now())
    .bind(alert_id)
    .bind(d.event_count())
    .bind(&d.rule_id)
    .bind(&d.rule_title)
    .bind(d.title_ja.as_deref())
    .bind(alert_details(d).to_string())
    .execute(&mut **tx)
    .await?;
    link(tx, alert_id, &d.id).await
}

/// Facts of an alert mamori raises itself rather than from a detection.
pub(crate) struct OwnAlert<'a> {
    pub org_id: &'a str,
    pub group_key: String,
    pub rule_id: &'a str,
    pub title: &'a str,
    pub title_ja: &'a str,
    pub severity: Severity,
    pub details: Value,
}

/// Opens an alert, or counts a repeat on the open one with the same key.
pub(crate) async fn raise_own_alert(
    tx: &mut Transaction<'_, Any>,
    alert: OwnAlert<'_>,
    window_secs: i64,
) -> Result<Option<String>, StoreError> {
    let ts_us = now() * 1_000_000;
    let pending = PendingDetection {
        id: String::new(),
        org_id: alert.org_id.to_owned(),
        source_id: None,
        ts_us,
        kind: "system".to_owned(),
        rule_id: alert.rule_id.to_owned(),
        rule_title: alert.title.to_owned(),
        title_ja: Some(alert.title_ja.to_owned()),
        level: alert.severity.as_str().to_owned(),
        tags: json!([]),
        details: alert.details,
    };
    if let Some((id, _)) =
        open_alert_for(tx, &pending, &alert.group_key, window_secs * 1_000_000).await?
    {
        sqlx::query(
            "UPDATE alerts SET count = count + 1, events = events + 1, last_seen_us = $1,
                 updated_at = $2 WHERE id = $3",
        )
        .bind(ts_us)
        .bind(now())
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        return Ok(None);
    }
    let id = insert_alert(tx, &pending, &alert.group_key).await?;
    Ok(Some(id))
}

async fn insert_alert(
    tx: &mut Transaction<'_, Any>,
    d: &PendingDetection,
    key: &str,
) -> Result<String, StoreError> {
    let id = new_id();
    let at = now();
    let severity = d.severity();
    sqlx::query(
        "INSERT INTO alerts (id, org_id, group_key, rule_id, rule_title, title_ja, severity, severity_rank,
             status, resolution, source_id, assignee_id, incident_id, count, first_seen_us, last_seen_us,
             created_at, updated_at, details, events)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL, NULL, 1, $11, $11, $12, $12, $13, $14)",
    )
    .bind(&id)
    .bind(&d.org_id)
    .bind(key)
    .bind(&d.rule_id)
    .bind(&d.rule_title)
    .bind(d.title_ja.as_deref())
    .bind(severity.as_str())
    .bind(severity_rank(severity))
    .bind(AlertStatus::New.as_str())
    .bind(d.source_id.as_deref())
    .bind(d.ts_us)
    .bind(at)
    .bind(alert_details(d).to_string())
    .bind(d.event_count())
    .execute(&mut **tx)
    .await?;
    append_history(&mut **tx, &id, &d.org_id, &Actor::system(), "created", None).await?;
    Ok(id)
}

impl Store {
    /// Runs the alerting stage over at most `limit` detections not yet alerted, oldest
    /// first. Call again while it reports a full batch.
    pub async fn promote_detections(
        &self,
        rules: &AlertingRules,
        limit: i64,
    ) -> Result<Promotion, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(
            "SELECT id, org_id, source_id, ts_us, kind, rule_id, rule_title, title_ja, level, tags, details
             FROM detections WHERE alerted = $1 ORDER BY created_at, id LIMIT $2",
        )
        .bind(PENDING)
        .bind(limit.max(1))
        .fetch_all(&mut *tx)
        .await?;
        let mut promotion = Promotion {
            detections: rows.len(),
            ..Promotion::default()
        };
        if rows.is_empty() {
            return Ok(promotion);
        }
        let suppressions = active_suppressions(&mut tx).await?;
        let window_us = rules.group_window_secs.max(0) * 1_000_000;
        let mut outcome: HashMap<String, i64> = HashMap::new();
        for row in &rows {
            let d = PendingDetection::from_row(row)?;
            if let Some(s) = suppressed_by(&d, &suppressions) {
                count_hit(&mut tx, &s.id).await?;
                promotion.suppressed += 1;
                outcome.insert(d.id, SUPPRESSED);
                continue;
            }
            let key = d.group_key();
            match open_alert_for(&mut tx, &d, &key, window_us).await? {
                Some((alert_id, rank)) => {
                    count_repeat(&mut tx, &alert_id, rank, &d).await?;
                    promotion.grouped += 1;
                }
                None => {
                    let alert_id = insert_alert(&mut tx, &d, &key).await?;
                    link(&mut tx, &alert_id, &d.id).await?;
                    promotion.queued +=
                        notify_new_alert(&mut tx, &alert_id, &d.org_id, d.severity(), false)
                            .await?;
                    promotion.created.push(alert_id);
                }
            }
            outcome.insert(d.id, ALERTED);
        }
        for (id, state) in outcome {
            sqlx::query("UPDATE detections SET alerted = $1 WHERE id = $2")
                .bind(state)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(promotion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(details: Value) -> PendingDetection {
        PendingDetection {
            id: "d1".into(),
            org_id: "o1".into(),
            source_id: Some("s1".into()),
            ts_us: 0,
            kind: "correlation".into(),
            rule_id: "r1".into(),
            rule_title: "Rule".into(),
            title_ja: None,
            level: "high".into(),
            tags: json!([]),
            details,
        }
    }

    #[test]
    fn repeats_share_rule_source_and_group_values() {
        let a = detection(json!({"group": [["src_ip", "203.0.113.9"]]}));
        let b = detection(json!({"group": [["src_ip", "198.51.100.7"]]}));
        assert_eq!(a.group_key(), "r1|s1|src_ip=203.0.113.9");
        assert_ne!(a.group_key(), b.group_key());
    }

    #[test]
    fn rules_of_one_family_share_an_alert_per_device_and_attacker() {
        let guessing = json!({"family": "password-guessing"});
        let mut ssh =
            detection(json!({"guidance": guessing, "group": [["src_ip", "203.0.113.9"]]}));
        ssh.rule_id = "ssh-brute".into();
        let mut admin = detection(json!({
            "guidance": guessing,
            "group": [["src_ip", "203.0.113.9"], ["host", "rtx"]]
        }));
        admin.rule_id = "admin-login".into();
        assert_eq!(ssh.group_key(), admin.group_key());
        let single =
            detection(json!({"guidance": guessing, "events": [{"src_ip": "203.0.113.9"}]}));
        assert_eq!(single.group_key(), ssh.group_key());
        let other = detection(json!({"guidance": guessing, "group": [["src_ip", "198.51.100.7"]]}));
        assert_ne!(other.group_key(), ssh.group_key());
    }

    #[test]
    fn suppression_matches_group_values_and_event_fields() {
        let d = detection(json!({
            "group": [["src_ip", "203.0.113.9"]],
            "events": [{"host": "web1", "dst_port": 22}]
        }));
        let rule = |field: Option<&str>, value: Option<&str>| ActiveSuppression {
            id: "s".into(),
            org_id: "o1".into(),
            rule_id: "r1".into(),
            field: field.map(str::to_owned),
            value: value.map(str::to_owned),
        };
        assert!(suppressed_by(&d, &[rule(Some("src_ip"), Some("203.0.113.9"))]).is_some());
        assert!(suppressed_by(&d, &[rule(Some("host"), Some("web1"))]).is_some());
        assert!(suppressed_by(&d, &[rule(Some("dst_port"), Some("22"))]).is_some());
        assert!(suppressed_by(&d, &[rule(None, None)]).is_some());
        assert!(suppressed_by(&d, &[rule(Some("host"), Some("web2"))]).is_none());
        let other_org = ActiveSuppression {
            org_id: "o2".into(),
            ..rule(None, None)
        };
        assert!(suppressed_by(&d, &[other_org]).is_none());
    }
}
