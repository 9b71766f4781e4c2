//! Detections become alerts: a detection a suppression matches is counted and kept quiet; a
//! repeat of an open alert (same rule, source and group-by values, or the same attack seen by
//! several rules of one family) is counted on it, and a more urgent repeat renames it; anything
//! else opens a new alert and queues a notice for every channel that wants it. The store only
//! reads and writes; every one of these decisions is made here, in one transaction per batch.

use mamori_model::Severity;
use mamori_store::{
    ActiveSuppression, AlertFacts, AlertRoute, AlertingTx, DeliveryKind, DetectionOutcome,
    NewAlert, Repeat, Store, StoreError, UnalertedDetection,
};
use serde_json::{Value, json};

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

/// Runs the alerting stage over at most `limit` detections not yet alerted, oldest first, in
/// one transaction. Call again while it reports a full batch.
pub async fn promote_detections(
    store: &Store,
    rules: &AlertingRules,
    limit: i64,
) -> Result<Promotion, StoreError> {
    let mut tx = store.begin_alerting().await?;
    let pending = tx.unalerted(limit).await?;
    let mut promotion = Promotion {
        detections: pending.len(),
        ..Promotion::default()
    };
    if pending.is_empty() {
        return Ok(promotion);
    }
    let suppressions = tx.active_suppressions().await?;
    for d in &pending {
        if let Some(s) = suppressed_by(d, &suppressions) {
            tx.count_suppressed(&s.id).await?;
            tx.mark(&d.id, DetectionOutcome::Suppressed).await?;
            promotion.suppressed += 1;
            continue;
        }
        let alert = NewAlert {
            org_id: d.org_id.clone(),
            group_key: group_key(d),
            source_id: d.source_id.clone(),
            seen_us: d.ts_us,
            events: event_count(d),
            facts: facts_of(d),
        };
        let raised = raise(&mut tx, &alert, rules, Audience::Everyone).await?;
        tx.link(raised.alert_id(), &d.id).await?;
        tx.mark(&d.id, DetectionOutcome::Alerted).await?;
        match raised {
            Raised::Counted(_) => promotion.grouped += 1,
            Raised::Opened { id, queued } => {
                promotion.created.push(id);
                promotion.queued += queued;
            }
        }
    }
    tx.commit().await?;
    Ok(promotion)
}

/// Who hears of a new alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// The organisation's channels and the provider's.
    Everyone,
    /// The provider's channels only (alerts about the monitoring itself).
    ProviderOnly,
}

/// What [`raise`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Raised {
    /// Counted on this open alert.
    Counted(String),
    /// Opened this alert and queued this many notices.
    Opened { id: String, queued: usize },
}

impl Raised {
    fn alert_id(&self) -> &str {
        match self {
            Raised::Counted(id) | Raised::Opened { id, .. } => id,
        }
    }
}

/// Counts `alert` on the open alert it repeats within the grouping window (which takes the
/// repeat's name and evidence when the repeat is more urgent), or opens it and queues its
/// notices for `audience`.
pub(crate) async fn raise(
    tx: &mut AlertingTx,
    alert: &NewAlert,
    rules: &AlertingRules,
    audience: Audience,
) -> Result<Raised, StoreError> {
    let since_us = alert.seen_us - rules.group_window_secs.max(0) * 1_000_000;
    if let Some(open) = tx
        .open_alert(&alert.org_id, &alert.group_key, since_us)
        .await?
    {
        let repeat = Repeat {
            seen_us: alert.seen_us,
            events: alert.events,
            takes_over: (alert.facts.severity > open.severity).then(|| alert.facts.clone()),
        };
        tx.count_repeat(&open.id, &repeat).await?;
        return Ok(Raised::Counted(open.id));
    }
    let id = tx.insert_alert(alert).await?;
    let mut queued = 0;
    let provider_only = audience == Audience::ProviderOnly;
    for route in tx.routes(&alert.org_id, provider_only).await? {
        if wants(&route, alert.facts.severity) {
            tx.queue_alert_notice(&route.channel_id, &alert.org_id, &id, DeliveryKind::Alert)
                .await?;
            queued += 1;
        }
    }
    Ok(Raised::Opened { id, queued })
}

/// Whether a channel is told of a new alert of `severity` at once: not below its threshold,
/// and low and info alerts wait for the daily digest on channels that take one.
pub(crate) fn wants(route: &AlertRoute, severity: Severity) -> bool {
    severity >= route.min_severity && !(route.digest && severity <= Severity::Low)
}

/// Group-by values of a correlation as `field=value` pairs.
fn group(d: &UnalertedDetection) -> Vec<(String, String)> {
    d.details
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

/// What repeats share: the rule, the source, and the correlation's group-by values; or, for a
/// rule of a family (one attack seen by several rules), the family, the source and the
/// attacking address.
fn group_key(d: &UnalertedDetection) -> String {
    let source = d.source_id.as_deref().unwrap_or("");
    let family = d
        .details
        .get("guidance")
        .and_then(|g| g.get("family"))
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty());
    if let Some(family) = family {
        let attacker = values_of(d, "src_ip")
            .into_iter()
            .next()
            .unwrap_or_default();
        return format!("family:{family}|{source}|src_ip={attacker}");
    }
    let group: Vec<String> = group(d)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("{}|{source}|{}", d.rule_id, group.join(","))
}

/// The values of `field` in the group-by values and in every evidence event.
fn values_of(d: &UnalertedDetection, field: &str) -> Vec<String> {
    let mut values: Vec<String> = group(d)
        .into_iter()
        .filter(|(k, _)| k == field)
        .map(|(_, v)| v)
        .collect();
    if let Some(events) = d.details.get("events").and_then(Value::as_array) {
        values.extend(
            events
                .iter()
                .filter_map(|e| e.get(field).and_then(scalar_text)),
        );
    }
    values
}

/// How many events stand behind `d` (1 unless a correlation says more).
fn event_count(d: &UnalertedDetection) -> i64 {
    d.details
        .get("event_count")
        .and_then(Value::as_i64)
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

/// What an alert raised by `d` says: its rule and titles, and the detection's evidence and
/// explanation with its kind, tags and id.
fn facts_of(d: &UnalertedDetection) -> AlertFacts {
    let mut details = d.details.clone();
    if let Value::Object(map) = &mut details {
        map.insert("kind".into(), json!(d.kind));
        map.insert("tags".into(), d.tags.clone());
        map.insert("first_detection".into(), json!(d.id));
    }
    AlertFacts {
        rule_id: d.rule_id.clone(),
        rule_title: d.rule_title.clone(),
        title_ja: d.title_ja.clone(),
        severity: d.severity,
        details,
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

/// The suppression in force that silences `d`, if any.
fn suppressed_by<'a>(
    d: &UnalertedDetection,
    suppressions: &'a [ActiveSuppression],
) -> Option<&'a ActiveSuppression> {
    suppressions.iter().find(|s| {
        s.org_id == d.org_id
            && s.rule_id == d.rule_id
            && match (&s.field, &s.value) {
                (Some(field), Some(value)) => values_of(d, field).iter().any(|v| v == value),
                _ => true,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(details: Value) -> UnalertedDetection {
        UnalertedDetection {
            id: "d1".into(),
            org_id: "o1".into(),
            source_id: Some("s1".into()),
            ts_us: 0,
            kind: "correlation".into(),
            rule_id: "r1".into(),
            rule_title: "Rule".into(),
            title_ja: None,
            severity: Severity::High,
            tags: json!([]),
            details,
        }
    }

    #[test]
    fn repeats_share_rule_source_and_group_values() {
        let a = detection(json!({"group": [["src_ip", "203.0.113.9"]]}));
        let b = detection(json!({"group": [["src_ip", "198.51.100.7"]]}));
        assert_eq!(group_key(&a), "r1|s1|src_ip=203.0.113.9");
        assert_ne!(group_key(&a), group_key(&b));
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
        assert_eq!(group_key(&ssh), group_key(&admin));
        let single =
            detection(json!({"guidance": guessing, "events": [{"src_ip": "203.0.113.9"}]}));
        assert_eq!(group_key(&single), group_key(&ssh));
        let other = detection(json!({"guidance": guessing, "group": [["src_ip", "198.51.100.7"]]}));
        assert_ne!(group_key(&other), group_key(&ssh));
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

    #[test]
    fn digest_channels_wait_for_low_alerts_and_thresholds_hold() {
        let route = |min, digest| AlertRoute {
            channel_id: "c".into(),
            min_severity: min,
            digest,
        };
        assert!(wants(&route(Severity::Medium, false), Severity::High));
        assert!(!wants(&route(Severity::Medium, false), Severity::Low));
        assert!(wants(&route(Severity::Info, true), Severity::Medium));
        assert!(!wants(&route(Severity::Info, true), Severity::Low));
        assert!(!wants(&route(Severity::Info, true), Severity::Info));
        assert!(wants(&route(Severity::Info, false), Severity::Info));
    }
}
