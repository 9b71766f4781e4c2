//! Sending one queued notification: find its channel and notice, respect quiet hours, send
//! with a time limit, and record the attempt with the server's answer or the exact error,
//! scheduling the retry or giving up.

use chrono::{DateTime, Utc};
use mamori_model::{DeliveryStatus, Lang, Scope, Severity};
use mamori_notify::{Notice, NoticeKind, Notifier};
use mamori_store::{
    AlertFacts, Attempt, Channel, Delivery, DeliveryKind, NewAlert, Store, now, now_ms,
};
use serde_json::json;

use crate::AlertsError;
use crate::notice::{alert_notice, lang_of};
use crate::promote::{Audience, Raised, raise};
use crate::seen::words;
use crate::send::send;
use crate::settings::AlertSettings;
use crate::watch::back_line;

/// The rule id of the alert raised when a channel gives up.
pub const CHANNEL_FAILING_RULE: &str = "mamori.notify.channel-failing";

/// What became of one queued notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Sent and accepted.
    Delivered,
    /// Failed; tried again later or given up.
    Failed,
    /// Held back until quiet hours end.
    Postponed,
    /// Its channel or alert is gone.
    Cancelled,
}

/// The provider's name for notices (empty before first-run setup).
pub(crate) async fn provider_name(store: &Store) -> Result<String, AlertsError> {
    Ok(store.provider().await?.map(|p| p.name).unwrap_or_default())
}

/// The notice `delivery` carries, or `None` when what it announces is gone.
async fn notice_for(
    store: &Store,
    settings: &AlertSettings,
    delivery: &Delivery,
    channel: &Channel,
) -> Result<Option<Notice>, AlertsError> {
    if !matches!(delivery.kind, DeliveryKind::Alert | DeliveryKind::Resolved) {
        return Ok(delivery
            .notice
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok()));
    }
    let Some(alert_id) = &delivery.alert_id else {
        return Ok(None);
    };
    let Some(alert) = store.alert(&Scope::AllOrganisations, alert_id).await? else {
        return Ok(None);
    };
    let provider = store.provider().await?;
    let provider_name = provider
        .as_ref()
        .map(|p| p.name.as_str())
        .unwrap_or_default();
    let lang = lang_of(&channel.lang);
    let mut notice = alert_notice(settings, &alert, lang, provider_name);
    if let Some(desk) = provider.as_ref().and_then(|p| p.desk.as_ref()) {
        notice.contact = crate::desk_line(desk, lang);
    }
    if delivery.kind == DeliveryKind::Resolved {
        // Said once the alert is resolved: when, and why there is nothing left to do.
        notice.kind = NoticeKind::Resolved;
        notice.last_seen = DateTime::from_timestamp(alert.updated_at, 0);
        // The alert says why it cleared when it knows (a renewed end date); a silent source's
        // alert says its logs are back.
        notice.seen = alert
            .guidance(&format!("cleared_{}", lang.code()))
            .map_or_else(
                || back_line(alert.source_name.as_deref(), lang),
                str::to_owned,
            );
        notice.what_to_do = String::new();
        return Ok(Some(notice));
    }
    if alert.rule_id == CHANNEL_FAILING_RULE {
        // Say which channel fails and the exact error, so the provider can fix it.
        let failing = match alert.details["channel_id"].as_str() {
            Some(id) => store.channel(&Scope::AllOrganisations, id).await?,
            None => None,
        };
        notice.kind = NoticeKind::ChannelFailing;
        notice.link = settings.public_url.as_ref().map(|base| {
            format!(
                "{}/orgs/{}/channels",
                base.trim_end_matches('/'),
                alert.org_id
            )
        });
        if let Some(destination) =
            failing.and_then(|c| serde_json::from_value::<mamori_notify::Channel>(c.config).ok())
        {
            notice.title = destination.describe();
        }
        if let Some(error) = alert.details["error"].as_str() {
            notice.what_to_do = format!("{}\n({error})", notice.what_to_do);
        }
    }
    Ok(Some(notice))
}

/// When the channel's quiet hours hold `notice` back, the time they end. Critical alerts
/// and tests always go at once.
fn held_until(
    settings: &AlertSettings,
    channel: &Channel,
    notice: &Notice,
    at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let (Some(start), Some(end)) = (channel.quiet_start, channel.quiet_end) else {
        return None;
    };
    let critical = notice.severity.parse::<Severity>().ok() == Some(Severity::Critical);
    if critical || matches!(notice.kind, NoticeKind::Test) {
        return None;
    }
    settings.quiet_until((start, end), at)
}

/// Sends `delivery` and records what happened (quiet hours judged at the current time).
pub async fn deliver_one(
    store: &Store,
    notifier: &Notifier,
    settings: &AlertSettings,
    delivery: &Delivery,
) -> Result<Outcome, AlertsError> {
    let Some(channel) = store
        .channel(&Scope::AllOrganisations, &delivery.channel_id)
        .await?
        .filter(|c| c.enabled)
    else {
        store
            .cancel_delivery(&delivery.id, "channel_removed")
            .await?;
        return Ok(Outcome::Cancelled);
    };
    let Some(notice) = notice_for(store, settings, delivery, &channel).await? else {
        store
            .cancel_delivery(&delivery.id, "nothing_to_announce")
            .await?;
        return Ok(Outcome::Cancelled);
    };
    if let Some(until) = held_until(settings, &channel, &notice, Utc::now()) {
        store
            .postpone_delivery(&delivery.id, until.timestamp_millis())
            .await?;
        return Ok(Outcome::Postponed);
    }
    let (_, sent) = send(notifier, &channel, &notice, settings.send_timeout).await;
    let (attempt, outcome) = match sent {
        Ok(response) => (Attempt::Delivered(response), Outcome::Delivered),
        Err(failure) => {
            let retry_at_ms = (!failure.permanent)
                .then(|| settings.retry_after(delivery.attempts))
                .flatten()
                .map(|wait| now_ms() + wait.as_millis() as i64);
            let attempt = Attempt::Failed {
                error: failure.detail,
                code: failure.code.to_owned(),
                retry_at_ms,
            };
            (attempt, Outcome::Failed)
        }
    };
    record_attempt(store, settings, delivery, &channel, attempt).await?;
    Ok(outcome)
}

/// Records one attempt on `delivery` through `channel`. When the stage gives up on an alert
/// notice to a channel of an organisation, an alert tells the provider (one per channel
/// while it keeps failing), in the same transaction. Returns whether that alert was opened.
pub async fn record_attempt(
    store: &Store,
    settings: &AlertSettings,
    delivery: &Delivery,
    channel: &Channel,
    attempt: Attempt,
) -> Result<bool, AlertsError> {
    let mut tx = store.begin_alerting().await?;
    let status = tx.record_attempt(delivery, channel, &attempt).await?;
    let mut opened = false;
    if status == DeliveryStatus::Failed
        && delivery.kind == DeliveryKind::Alert
        && let (Some(org_id), Attempt::Failed { error, .. }) = (&channel.org_id, &attempt)
    {
        let alert = channel_failing(org_id, channel, error);
        let raised = raise(&mut tx, &alert, &settings.rules, Audience::ProviderOnly).await?;
        opened = matches!(raised, Raised::Opened { .. });
    }
    tx.commit().await?;
    Ok(opened)
}

/// The alert about `channel` of organisation `org_id` failing with `error`.
fn channel_failing(org_id: &str, channel: &Channel, error: &str) -> NewAlert {
    let (ja, en) = (words(Lang::Ja), words(Lang::En));
    NewAlert {
        org_id: org_id.to_owned(),
        group_key: format!("channel:{}", channel.id),
        source_id: None,
        seen_us: now() * 1_000_000,
        events: 1,
        facts: AlertFacts {
            rule_id: CHANNEL_FAILING_RULE.to_owned(),
            rule_title: en.channel_failing_title.clone(),
            title_ja: Some(ja.channel_failing_title.clone()),
            severity: Severity::High,
            details: json!({
                "kind": "system",
                "tags": [],
                "guidance": {
                    "action_ja": ja.channel_failing_action,
                    "action_en": en.channel_failing_action,
                },
                "channel_id": channel.id,
                "channel_kind": channel.kind,
                "error": error,
            }),
        },
    }
}
