//! Watching the watchers: a monitored source that stops sending is itself an event worth an
//! alert. Once a minute the alerting stage compares each source's last line with the
//! silence its provider allows; a source silent for longer raises one alert per episode
//! (the organisation's channels and the provider's hear of it), and when its logs come back
//! (or the source is retired, so nothing will come) mamori resolves that alert itself and
//! tells the same channels.
//!
//! An alert an analyst resolved while the source stayed silent is not raised again for the
//! same silence: the next alert waits for the next episode.

use std::collections::HashSet;

use mamori_model::{AlertStatus, Lang, Scope, Severity};
use mamori_store::{AlertFacts, AlertingTx, DeliveryKind, NewAlert, Source, Store};
use serde_json::json;

use crate::AlertsError;
use crate::promote::{Audience, Raised, raise, wants};
use crate::seen::words;
use crate::settings::AlertSettings;

/// The rule id of the alert raised when a source stops sending.
pub const SOURCE_SILENT_RULE: &str = "mamori.monitoring.source-silent";

/// What one look at the sources did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watched {
    /// Alerts opened for sources that went silent.
    pub opened: usize,
    /// Alerts resolved because their source sends again or was retired.
    pub resolved: usize,
    /// Notices queued for either.
    pub queued: usize,
}

/// The group key of `source`'s silence alerts.
fn group_key(source: &Source) -> String {
    format!("source-silent:{}", source.id)
}

/// Since when `source` has sent nothing (Unix seconds), when that is longer than it may be
/// silent at `now`.
fn silent_since(source: &Source, now: i64) -> Option<i64> {
    let since = source.last_seen_at.unwrap_or(source.created_at);
    (now - since > source.expected_interval_secs).then_some(since)
}

/// Looks at every source at time `now` (Unix seconds, a parameter so tests can move the
/// clock): opens an alert for each source that went silent and resolves the alert of each
/// that sends again, queueing notices in the same transaction. Two reads when nothing
/// changed; a write transaction only when something did.
pub async fn watch_sources(
    store: &Store,
    settings: &AlertSettings,
    now: i64,
) -> Result<Watched, AlertsError> {
    let sources = store.all_sources(&Scope::AllOrganisations).await?;
    let open: HashSet<(String, String)> = store
        .open_group_keys(SOURCE_SILENT_RULE)
        .await?
        .into_iter()
        .collect();
    // Only a source whose silence and open alert disagree needs work: a new silence, or logs
    // back while its alert is open. Most minutes that is none, and no transaction is opened.
    let work: Vec<&Source> = sources
        .iter()
        .filter(|s| {
            let alerted = open.contains(&(s.org_id.clone(), group_key(s)));
            silent_since(s, now).is_some() != alerted
        })
        .collect();
    // Open alerts of sources no longer watched (retired): nothing will be heard from them.
    let watched: HashSet<(&str, String)> = sources
        .iter()
        .map(|s| (s.org_id.as_str(), group_key(s)))
        .collect();
    let gone: Vec<&(String, String)> = open
        .iter()
        .filter(|(org, key)| !watched.contains(&(org.as_str(), key.clone())))
        .collect();
    let mut done = Watched::default();
    if work.is_empty() && gone.is_empty() {
        return Ok(done);
    }
    let mut tx = store.begin_alerting().await?;
    for (org_id, key) in gone {
        if let Some(alert) = tx.latest_alert(org_id, key).await?
            && alert.status.is_open()
        {
            let retired = |lang: Lang| {
                let w = words(lang);
                let device = alert.source_name.as_deref().unwrap_or(&w.a_device);
                mamori_model::fill(&w.source_retired, &[("device", device)])
            };
            let why = (retired(Lang::Ja), retired(Lang::En));
            tx.note_cleared(&alert.id, org_id, (&why.0, &why.1)).await?;
            done.queued += resolve_and_tell(&mut tx, org_id, &alert.id, SEVERITY).await?;
            done.resolved += 1;
        }
    }
    for source in work {
        let key = group_key(source);
        let latest = tx.latest_alert(&source.org_id, &key).await?;
        match (silent_since(source, now), latest) {
            (Some(since), latest) => {
                let raised_this_time = latest
                    .as_ref()
                    .is_some_and(|a| a.status.is_open() || a.first_seen_us >= since * 1_000_000);
                if raised_this_time {
                    continue;
                }
                let alert = silent_alert(source, key, now);
                if let Raised::Opened { queued, .. } =
                    raise(&mut tx, &alert, &settings.rules, Audience::Everyone).await?
                {
                    done.opened += 1;
                    done.queued += queued;
                }
            }
            (None, Some(open)) if open.status != AlertStatus::Resolved => {
                done.queued +=
                    resolve_and_tell(&mut tx, &source.org_id, &open.id, SEVERITY).await?;
                done.resolved += 1;
            }
            (None, _) => {}
        }
    }
    tx.commit().await?;
    Ok(done)
}

/// Resolves alert `alert_id` of `org_id` on mamori's own account (what it warned of has
/// cleared) and queues a `resolved` notice for every channel that heard of it (those that
/// want `severity`); the number queued.
pub(crate) async fn resolve_and_tell(
    tx: &mut AlertingTx,
    org_id: &str,
    alert_id: &str,
    severity: Severity,
) -> Result<usize, AlertsError> {
    tx.resolve_alert(alert_id, org_id).await?;
    let mut queued = 0;
    for route in tx.routes(org_id, false).await? {
        if wants(&route, severity) {
            tx.queue_alert_notice(&route.channel_id, org_id, alert_id, DeliveryKind::Resolved)
                .await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// How urgent a silent source is: worth a look this week on its own, and the monitoring
/// is blind to that device until it is fixed.
const SEVERITY: Severity = Severity::Medium;

/// The alert saying `source` has sent nothing for longer than it may, seen at `now`.
fn silent_alert(source: &Source, group_key: String, now: i64) -> NewAlert {
    let (ja, en) = (words(Lang::Ja), words(Lang::En));
    let seen = |lang: Lang| {
        let w = words(lang);
        let interval = w.duration.of(source.expected_interval_secs);
        mamori_model::fill(&w.source_silent_seen, &[("interval", &interval)])
    };
    NewAlert {
        org_id: source.org_id.clone(),
        group_key,
        source_id: Some(source.id.clone()),
        seen_us: now * 1_000_000,
        events: 1,
        facts: AlertFacts {
            rule_id: SOURCE_SILENT_RULE.to_owned(),
            rule_title: en.source_silent_title.clone(),
            title_ja: Some(ja.source_silent_title.clone()),
            severity: SEVERITY,
            details: json!({
                "kind": "system",
                "tags": [],
                "guidance": {
                    "action_ja": ja.source_silent_action,
                    "action_en": en.source_silent_action,
                    "seen_ja": seen(Lang::Ja),
                    "seen_en": seen(Lang::En),
                },
                "silent_since": source.last_seen_at.unwrap_or(source.created_at),
                "expected_interval_secs": source.expected_interval_secs,
            }),
        },
    }
}

/// Why the silence alert of `alert` was resolved, in `lang`, naming its source.
pub(crate) fn back_line(source_name: Option<&str>, lang: Lang) -> String {
    let w = words(lang);
    let device = source_name.unwrap_or(&w.a_device);
    mamori_model::fill(&w.source_back, &[("device", device)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(last_seen_at: Option<i64>, interval: i64) -> Source {
        Source {
            id: "s".into(),
            org_id: "o".into(),
            name: "本社 RTX".into(),
            format: "rtx".into(),
            json_mapping: None,
            address: None,
            cert_fingerprint: None,
            has_token: true,
            expected_interval_secs: interval,
            created_at: 1_000,
            last_seen_at,
        }
    }

    #[test]
    fn silent_only_past_the_allowed_interval_counting_from_registration_when_never_heard() {
        assert_eq!(silent_since(&source(None, 600), 1_500), None);
        assert_eq!(silent_since(&source(None, 600), 1_601), Some(1_000));
        assert_eq!(silent_since(&source(Some(5_000), 600), 5_600), None);
        assert_eq!(silent_since(&source(Some(5_000), 600), 5_601), Some(5_000));
    }

    #[test]
    fn the_alert_names_the_interval_in_both_languages() {
        let alert = silent_alert(&source(None, 5_400), "k".into(), 9_999);
        let guidance = &alert.facts.details["guidance"];
        assert_eq!(
            guidance["seen_ja"],
            "{device}から、決めた間隔（90分）を過ぎてもログが届いていません。"
        );
        assert!(
            guidance["seen_en"]
                .as_str()
                .unwrap()
                .contains("(90 minutes)")
        );
        let day = silent_alert(&source(None, 86_400), "k".into(), 9_999);
        assert!(
            day.facts.details["guidance"]["seen_en"]
                .as_str()
                .unwrap()
                .contains("(1 day)")
        );
        assert_eq!(alert.facts.severity, Severity::Medium);
    }
}
